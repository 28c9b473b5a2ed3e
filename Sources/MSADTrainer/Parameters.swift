/// A set of trainable parameters that can be read and written as one flat vector (for optimisers,
/// checkpoints and finite-difference checks). A gradient is a value of the same type.
public protocol Parameters<Scalar> {
    associatedtype Scalar: BLASScalar
    /// Appends every parameter, in a fixed order (one pass, no intermediate arrays).
    func appendParameters(to out: inout [Scalar])
    /// Sets every parameter from `values` (same order and count as ``flattened``).
    mutating func load(_ values: ArraySlice<Scalar>)
    /// Per parameter, whether AdamW applies weight decay (weights yes; biases, norms and position
    /// embeddings no).
    var decayFlags: [Bool] { get }
    /// How many parameters there are, without materialising them (loading a model asks this of
    /// every part at every step).
    var parameterCount: Int { get }
}

extension Parameters {
    /// Every parameter, in the order of ``appendParameters(to:)``.
    public var flattened: [Scalar] {
        var out: [Scalar] = []
        appendParameters(to: &out)
        return out
    }

    /// Counted by flattening; layers override it with a count of their arrays.
    public var parameterCount: Int { flattened.count }
}
