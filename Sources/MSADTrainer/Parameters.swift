/// A set of trainable parameters that can be read and written as one flat vector (for optimisers,
/// checkpoints and finite-difference checks). A gradient is a value of the same type.
public protocol Parameters<Scalar> {
    associatedtype Scalar: BLASScalar
    /// Every parameter, in a fixed order.
    var flattened: [Scalar] { get }
    /// Sets every parameter from `values` (same order and count as ``flattened``).
    mutating func load(_ values: ArraySlice<Scalar>)
    /// Per parameter, whether AdamW applies weight decay (weights yes; biases, norms and position
    /// embeddings no).
    var decayFlags: [Bool] { get }
}

extension Parameters {
    public var parameterCount: Int { flattened.count }
}
