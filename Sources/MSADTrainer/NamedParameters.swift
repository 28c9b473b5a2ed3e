/// Layers that save and load their parameters as named Float32 tensors, in PyTorch's conventions
/// (`nn.Linear.weight` is `[out, in]`; GeoPairs computes `x · W` with W as `[in, out]`). Float64
/// layers (the finite-difference checks) convert.
public protocol NamedParameters {
    func tensors(prefix: String) -> [NamedTensor]
    mutating func load(tensors: [String: NamedTensor], prefix: String) throws
}

func tensor(_ tensors: [String: NamedTensor], _ name: String, shape: [Int]) throws -> [Float] {
    guard let t = tensors[name] else { throw CheckpointError(file: "checkpoint", message: "tensor \(name) is missing") }
    guard t.shape == shape else { throw CheckpointError(file: "checkpoint", message: "tensor \(name) has shape \(t.shape), expected \(shape)") }
    return t.values
}

extension Linear: NamedParameters {
    public func tensors(prefix: String) -> [NamedTensor] {
        [NamedTensor(name: prefix + "weight", shape: [weight.cols, weight.rows], values: weight.transposed.values.map { Float($0) }),
         NamedTensor(name: prefix + "bias", shape: [bias.count], values: bias.map { Float($0) })]
    }
    public mutating func load(tensors: [String: NamedTensor], prefix: String) throws {
        let w = try tensor(tensors, prefix + "weight", shape: [weight.cols, weight.rows])
        weight = Matrix(rows: weight.cols, cols: weight.rows, values: w.map { T($0) }).transposed
        bias = try tensor(tensors, prefix + "bias", shape: [bias.count]).map { T($0) }
    }
}

extension LayerNorm: NamedParameters {
    public func tensors(prefix: String) -> [NamedTensor] {
        [NamedTensor(name: prefix + "weight", shape: [gamma.count], values: gamma.map { Float($0) }),
         NamedTensor(name: prefix + "bias", shape: [beta.count], values: beta.map { Float($0) })]
    }
    public mutating func load(tensors: [String: NamedTensor], prefix: String) throws {
        gamma = try tensor(tensors, prefix + "weight", shape: [gamma.count]).map { T($0) }
        beta = try tensor(tensors, prefix + "bias", shape: [beta.count]).map { T($0) }
    }
}
