/// The per-sensor MSAD projection head: `LayerNorm(Linear₂(GELU(Linear₁(z))) + Linear₁(z))`.
public struct ProjectionHead<T: BLASScalar>: CompositeLayer, Sendable {
    public typealias Scalar = T
    public var first: Linear<T>
    public var second: Linear<T>
    public var norm: LayerNorm<T>

    public init(inputs: Int, outputs: Int, generator: inout some RandomNumberGenerator) {
        first = Linear(inputs: inputs, outputs: outputs, generator: &generator)
        second = Linear(inputs: outputs, outputs: outputs, generator: &generator)
        norm = LayerNorm(features: outputs)
    }

    public init(first: Linear<T>, second: Linear<T>, norm: LayerNorm<T>) {
        self.first = first
        self.second = second
        self.norm = norm
    }

    public func forward(_ z: Matrix<T>) -> Matrix<T> {
        let u = first.forward(z)
        var s = second.forward(GELU.forward(u))
        s += u
        return norm.forward(s)
    }

    /// Recomputes the forward intermediates, then back-propagates `dL/d(output)`.
    public func backward(_ z: Matrix<T>, _ dOut: Matrix<T>) -> (dz: Matrix<T>, gradient: ProjectionHead<T>) {
        let u = first.forward(z)
        let (g, gate) = GELU.forwardSavingGate(u)
        var s = second.forward(g)
        s += u
        let (ds, gNorm) = norm.backward(s, dOut)
        let (dg, gSecond) = second.backward(g, ds)
        var du = GELU.backward(u, dg, gate: gate)
        du += ds          // the residual adds Linear₁'s output
        let (dz, gFirst) = first.backward(z, du)
        return (dz, ProjectionHead(first: gFirst, second: gSecond, norm: gNorm))
    }

    public mutating func visitParts<V: PartVisitor>(_ v: inout V) where V.Scalar == T {
        v.visit("first.", &first)
        v.visit("second.", &second)
        v.visit("norm.", &norm)
    }
}
