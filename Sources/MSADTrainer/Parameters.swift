/// A set of trainable parameters, stored as a fixed sequence of arrays that can be read and updated
/// in place (by the optimiser) or as one flat vector (for checkpoints and finite-difference checks).
/// A gradient is a value of the same type.
public protocol Parameters<Scalar> {
    associatedtype Scalar: BLASScalar
    /// Calls `body` with each parameter array, in a fixed order; `body` may change values but not counts.
    mutating func forEachParameterArray(_ body: (inout [Scalar]) -> Void)
    /// Per parameter, whether AdamW applies weight decay (weights yes; biases, norms and position
    /// embeddings no).
    var decayFlags: [Bool] { get }
}

extension Parameters {
    /// Appends every parameter, in the order of ``forEachParameterArray(_:)``.
    public func appendParameters(to out: inout [Scalar]) {
        var walked = self   // shares the arrays' storage: reading them copies nothing
        walked.forEachParameterArray { out += $0 }
    }

    /// Every parameter, in the order of ``forEachParameterArray(_:)``.
    public var flattened: [Scalar] {
        var out: [Scalar] = []
        appendParameters(to: &out)
        return out
    }

    /// The parameter arrays, in order (sharing storage with this value's arrays).
    public var parameterArrays: [[Scalar]] {
        var walked = self, arrays: [[Scalar]] = []
        walked.forEachParameterArray { arrays.append($0) }
        return arrays
    }

    /// How many parameters there are, without materialising them.
    public var parameterCount: Int {
        var walked = self, count = 0
        walked.forEachParameterArray { count += $0.count }
        return count
    }

    /// Sets every parameter from `values` (same order and count as ``flattened``).
    public mutating func load(_ values: ArraySlice<Scalar>) {
        var rest = values
        forEachParameterArray { array in
            let count = array.count
            precondition(rest.count >= count, "\(values.count) values for a model of more parameters")
            array = Array(rest.prefix(count))
            rest = rest.dropFirst(count)
        }
    }
}
