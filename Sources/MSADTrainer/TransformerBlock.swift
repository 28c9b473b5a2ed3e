/// The pre-LN transformer block: `x₁ = x + Attention(LN₁(x))`, `y = x₁ + MLP(LN₂(x₁))`, with
/// `MLP = Linear(D→4D) → GELU → Linear(4D→D)`.
public struct TransformerBlock<T: BLASScalar>: CompositeLayer, Sendable {
    public typealias Scalar = T
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

    /// The forward pass's intermediates, kept for the backward pass.
    public struct Cache: Sendable {
        let n1: Matrix<T>, attention: MultiHeadAttention<T>.Cache, x1: Matrix<T>, n2: Matrix<T>, h: Matrix<T>, gate: [T], g: Matrix<T>
    }

    public func forward(_ x: Matrix<T>, tokens: Int) -> Matrix<T> { forwardSaving(x, tokens: tokens).y }

    /// The output and what ``backward(_:_:tokens:cache:)`` needs.
    public func forwardSaving(_ x: Matrix<T>, tokens: Int) -> (y: Matrix<T>, cache: Cache) {
        let n1 = norm1.forward(x)
        let (a, attentionCache) = attention.forwardSaving(n1, tokens: tokens)
        var x1 = consume a   // x + a, summed into the temporary (IEEE addition commutes exactly)
        x1 += x
        let n2 = norm2.forward(x1), h = hidden.forward(n2)
        let (g, gate) = GELU.forwardSavingGate(h)
        var y = projection.forward(g)
        y += x1
        return (y, Cache(n1: n1, attention: attentionCache, x1: x1, n2: n2, h: h, gate: gate, g: g))
    }

    public func backward(_ x: Matrix<T>, _ dy: Matrix<T>, tokens: Int, cache saved: Cache? = nil) -> (dx: Matrix<T>, gradient: TransformerBlock<T>) {
        let c = saved ?? forwardSaving(x, tokens: tokens).cache
        // y = x₁ + MLP: the residual passes dy to x₁ unchanged.
        let (dg, gProjection) = projection.backward(c.g, dy)
        let (dn2, gHidden) = hidden.backward(c.n2, GELU.backward(c.h, dg, gate: c.gate))
        let (dx1FromMLP, gNorm2) = norm2.backward(c.x1, dn2)
        var dx1 = consume dx1FromMLP
        dx1 += dy
        let (dn1, gAttention) = attention.backward(c.n1, dx1, tokens: tokens, cache: c.attention)
        let (dxFromAttention, gNorm1) = norm1.backward(x, dn1)
        var gradient = self
        gradient.norm1 = gNorm1; gradient.attention = gAttention; gradient.norm2 = gNorm2
        gradient.hidden = gHidden; gradient.projection = gProjection
        var dx = consume dxFromAttention
        dx += dx1
        return (dx, gradient)
    }

    public mutating func visitParts<V: PartVisitor>(_ v: inout V) where V.Scalar == T {
        v.visit("norm1.", &norm1)
        v.visit("attention.", &attention)
        v.visit("norm2.", &norm2)
        v.visit("mlp.hidden.", &hidden)
        v.visit("mlp.projection.", &projection)
    }
}
