/// Layers that save and load their parameters as named Float32 tensors, in PyTorch's conventions
/// (`nn.Linear.weight` is `[out, in]`; GeoPairs computes `x · W` with W as `[in, out]`).
public protocol NamedParameters {
    func tensors(prefix: String) -> [NamedTensor]
    mutating func load(tensors: [String: NamedTensor], prefix: String) throws
}

func tensor(_ tensors: [String: NamedTensor], _ name: String, shape: [Int]) throws -> [Float] {
    guard let t = tensors[name] else { throw CheckpointError(file: "checkpoint", message: "tensor \(name) is missing") }
    guard t.shape == shape else { throw CheckpointError(file: "checkpoint", message: "tensor \(name) has shape \(t.shape), expected \(shape)") }
    return t.values
}

extension Linear: NamedParameters where T == Float {
    public func tensors(prefix: String) -> [NamedTensor] {
        [NamedTensor(name: prefix + "weight", shape: [weight.cols, weight.rows], values: weight.transposed.values),
         NamedTensor(name: prefix + "bias", shape: [bias.count], values: bias)]
    }
    public mutating func load(tensors: [String: NamedTensor], prefix: String) throws {
        let w = try tensor(tensors, prefix + "weight", shape: [weight.cols, weight.rows])
        weight = Matrix(rows: weight.cols, cols: weight.rows, values: w).transposed
        bias = try tensor(tensors, prefix + "bias", shape: [bias.count])
    }
}

extension LayerNorm: NamedParameters where T == Float {
    public func tensors(prefix: String) -> [NamedTensor] {
        [NamedTensor(name: prefix + "weight", shape: [gamma.count], values: gamma),
         NamedTensor(name: prefix + "bias", shape: [beta.count], values: beta)]
    }
    public mutating func load(tensors: [String: NamedTensor], prefix: String) throws {
        gamma = try tensor(tensors, prefix + "weight", shape: [gamma.count])
        beta = try tensor(tensors, prefix + "bias", shape: [beta.count])
    }
}

extension ProjectionHead: NamedParameters where T == Float {
    public func tensors(prefix: String) -> [NamedTensor] {
        first.tensors(prefix: prefix + "first.") + second.tensors(prefix: prefix + "second.") + norm.tensors(prefix: prefix + "norm.")
    }
    public mutating func load(tensors: [String: NamedTensor], prefix: String) throws {
        try first.load(tensors: tensors, prefix: prefix + "first.")
        try second.load(tensors: tensors, prefix: prefix + "second.")
        try norm.load(tensors: tensors, prefix: prefix + "norm.")
    }
}

extension MultiHeadAttention: NamedParameters where T == Float {
    public func tensors(prefix: String) -> [NamedTensor] {
        query.tensors(prefix: prefix + "query.") + key.tensors(prefix: prefix + "key.") + value.tensors(prefix: prefix + "value.")
            + output.tensors(prefix: prefix + "output.")
    }
    public mutating func load(tensors: [String: NamedTensor], prefix: String) throws {
        try query.load(tensors: tensors, prefix: prefix + "query.")
        try key.load(tensors: tensors, prefix: prefix + "key.")
        try value.load(tensors: tensors, prefix: prefix + "value.")
        try output.load(tensors: tensors, prefix: prefix + "output.")
    }
}

extension TransformerBlock: NamedParameters where T == Float {
    public func tensors(prefix: String) -> [NamedTensor] {
        norm1.tensors(prefix: prefix + "norm1.") + attention.tensors(prefix: prefix + "attention.") + norm2.tensors(prefix: prefix + "norm2.")
            + hidden.tensors(prefix: prefix + "mlp.hidden.") + projection.tensors(prefix: prefix + "mlp.projection.")
    }
    public mutating func load(tensors: [String: NamedTensor], prefix: String) throws {
        try norm1.load(tensors: tensors, prefix: prefix + "norm1.")
        try attention.load(tensors: tensors, prefix: prefix + "attention.")
        try norm2.load(tensors: tensors, prefix: prefix + "norm2.")
        try hidden.load(tensors: tensors, prefix: prefix + "mlp.hidden.")
        try projection.load(tensors: tensors, prefix: prefix + "mlp.projection.")
    }
}

extension PatchEmbedding: NamedParameters where T == Float {
    public func tensors(prefix: String) -> [NamedTensor] {
        projection.tensors(prefix: prefix + "projection.")
            + [NamedTensor(name: prefix + "positions", shape: [positions.rows, positions.cols], values: positions.values)]
    }
    public mutating func load(tensors: [String: NamedTensor], prefix: String) throws {
        try projection.load(tensors: tensors, prefix: prefix + "projection.")
        positions.values = try tensor(tensors, prefix + "positions", shape: [positions.rows, positions.cols])
    }
}
