/// The pre-LN transformer block: `x₁ = x + Attention(LN₁(x))`, `y = x₁ + MLP(LN₂(x₁))`, with
/// `MLP = Linear(D→4D) → GELU → Linear(4D→D)`.
public struct TransformerBlock<T: BLASScalar>: Parameters, Sendable {
    public var norm1: LayerNorm<T>
    public var attention: MultiHeadAttention<T>
    public var norm2: LayerNorm<T>
    public var hidden: Linear<T>
    public var projection: Linear<T>

    public init(width: Int, heads: Int, generator: inout some RandomNumberGenerator) {
        norm1 = LayerNorm(features: width)
        attention = MultiHeadAttention(width: width, heads: heads, generator: &generator)
        norm2 = LayerNorm(features: width)
        hidden = Linear(inputs: width, outputs: 4 * width, generator: &generator)
        projection = Linear(inputs: 4 * width, outputs: width, generator: &generator)
    }

    public func forward(_ x: Matrix<T>, tokens: Int) -> Matrix<T> {
        let x1 = x + attention.forward(norm1.forward(x), tokens: tokens)
        return x1 + projection.forward(GELU.forward(hidden.forward(norm2.forward(x1))))
    }

    public func backward(_ x: Matrix<T>, _ dy: Matrix<T>, tokens: Int) -> (dx: Matrix<T>, gradient: TransformerBlock<T>) {
        let n1 = norm1.forward(x)
        let x1 = x + attention.forward(n1, tokens: tokens)
        let n2 = norm2.forward(x1), h = hidden.forward(n2), g = GELU.forward(h)
        // y = x₁ + MLP: the residual passes dy to x₁ unchanged.
        let (dg, gProjection) = projection.backward(g, dy)
        let (dn2, gHidden) = hidden.backward(n2, GELU.backward(h, dg))
        let (dx1FromMLP, gNorm2) = norm2.backward(x1, dn2)
        let dx1 = dy + dx1FromMLP
        let (dn1, gAttention) = attention.backward(n1, dx1, tokens: tokens)
        let (dxFromAttention, gNorm1) = norm1.backward(x, dn1)
        var gradient = self
        gradient.norm1 = gNorm1; gradient.attention = gAttention; gradient.norm2 = gNorm2
        gradient.hidden = gHidden; gradient.projection = gProjection
        return (dx1 + dxFromAttention, gradient)
    }

    public var flattened: [T] { norm1.flattened + attention.flattened + norm2.flattened + hidden.flattened + projection.flattened }

    public var decayFlags: [Bool] {
        norm1.decayFlags + attention.decayFlags + norm2.decayFlags + hidden.decayFlags + projection.decayFlags
    }

    public mutating func load(_ values: ArraySlice<T>) {
        var rest = values
        norm1.load(rest); rest = rest.dropFirst(norm1.parameterCount)
        attention.load(rest); rest = rest.dropFirst(attention.parameterCount)
        norm2.load(rest); rest = rest.dropFirst(norm2.parameterCount)
        hidden.load(rest); rest = rest.dropFirst(hidden.parameterCount)
        projection.load(rest)
    }
}
