/// A layer made of other layers (and perhaps a raw parameter tensor) names its parts once, in
/// parameter order, with their checkpoint names: its flat parameters, their loading, its
/// weight-decay flags and its named tensors all walk that one list (``visitParts(_:)``).
///
/// ``Linear`` and ``LayerNorm`` are the leaves; ``MSADModel`` lists its own parts, because its
/// checkpoint groups tensors by sensor while its flat order puts every encoder before every head.
public protocol CompositeLayer: Parameters, NamedParameters {
    /// Calls the visitor for each part, in parameter order.
    mutating func visitParts<V: PartVisitor>(_ visitor: inout V) where V.Scalar == Scalar
}

/// What walks a ``CompositeLayer``'s parts.
public protocol PartVisitor {
    associatedtype Scalar: BLASScalar
    /// A sub-layer, named as in checkpoints relative to its parent (`"norm1."`, `"blocks.0."`).
    mutating func visit<L: Parameters & NamedParameters>(_ name: String, _ layer: inout L) where L.Scalar == Scalar
    /// A raw parameter tensor (such as learned positions): row-major `values` of `shape`, never
    /// weight-decayed, named as in checkpoints (`"positions"`).
    mutating func visit(_ name: String, values: inout [Scalar], shape: [Int])
}

extension CompositeLayer {
    public mutating func forEachParameterArray(_ body: (inout [Scalar]) -> Void) {
        withoutActuallyEscaping(body) { body in
            var walker = ArrayWalker<Scalar>(body: body)
            visitParts(&walker)
        }
    }

    public var decayFlags: [Bool] {
        var collector = DecayCollector<Scalar>()
        var layer = self
        layer.visitParts(&collector)
        return collector.flags
    }

    public func tensors(prefix: String) -> [NamedTensor] {
        var namer = TensorNamer<Scalar>(prefix: prefix)
        var layer = self
        layer.visitParts(&namer)
        return namer.tensors
    }

    public mutating func load(tensors: [String: NamedTensor], prefix: String) throws {
        var reader = TensorReader<Scalar>(tensors: tensors, prefix: prefix)
        visitParts(&reader)
        if let error = reader.error { throw error }
    }
}

private struct ArrayWalker<Scalar: BLASScalar>: PartVisitor {
    let body: (inout [Scalar]) -> Void
    mutating func visit<L: Parameters & NamedParameters>(_ name: String, _ layer: inout L) where L.Scalar == Scalar {
        layer.forEachParameterArray(body)
    }
    mutating func visit(_ name: String, values: inout [Scalar], shape: [Int]) { body(&values) }
}

private struct DecayCollector<Scalar: BLASScalar>: PartVisitor {
    var flags: [Bool] = []
    mutating func visit<L: Parameters & NamedParameters>(_ name: String, _ layer: inout L) where L.Scalar == Scalar {
        flags += layer.decayFlags
    }
    mutating func visit(_ name: String, values: inout [Scalar], shape: [Int]) {
        flags += [Bool](repeating: false, count: values.count)
    }
}

private struct TensorNamer<Scalar: BLASScalar>: PartVisitor {
    let prefix: String
    var tensors: [NamedTensor] = []
    mutating func visit<L: Parameters & NamedParameters>(_ name: String, _ layer: inout L) where L.Scalar == Scalar {
        tensors += layer.tensors(prefix: prefix + name)
    }
    mutating func visit(_ name: String, values: inout [Scalar], shape: [Int]) {
        tensors.append(NamedTensor(name: prefix + name, shape: shape, values: values.map { Float($0) }))
    }
}

/// Reads parts from named tensors; stops at the first missing or misshapen one.
private struct TensorReader<Scalar: BLASScalar>: PartVisitor {
    let tensors: [String: NamedTensor]
    let prefix: String
    var error: (any Error)?
    mutating func visit<L: Parameters & NamedParameters>(_ name: String, _ layer: inout L) where L.Scalar == Scalar {
        guard error == nil else { return }
        do { try layer.load(tensors: tensors, prefix: prefix + name) } catch { self.error = error }
    }
    mutating func visit(_ name: String, values: inout [Scalar], shape: [Int]) {
        guard error == nil else { return }
        do { values = try tensor(tensors, prefix + name, shape: shape).map { Scalar($0) } } catch { self.error = error }
    }
}
