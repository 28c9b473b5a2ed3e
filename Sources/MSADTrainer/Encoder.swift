/// A sensor's encoder: patch embedding with learned positions, `depth` pre-LN transformer blocks
/// (depth 0 allowed), and a final LayerNorm; maps each record to the same `G×G` token grid.
public struct Encoder<T: BLASScalar>: Parameters, Sendable {
    public var embedding: PatchEmbedding<T>
    public var blocks: [TransformerBlock<T>]
    public var norm: LayerNorm<T>

    public init(channels: Int, grid: Int, pixelsPerToken: Int, width: Int, depth: Int, heads: Int,
                generator: inout some RandomNumberGenerator) {
        embedding = PatchEmbedding(channels: channels, grid: grid, pixelsPerToken: pixelsPerToken, width: width, generator: &generator)
        blocks = (0..<depth).map { _ in TransformerBlock(width: width, heads: heads, generator: &generator) }
        norm = LayerNorm(features: width)
    }

    public var tokensPerRecord: Int { embedding.grid * embedding.grid }

    /// Every block's input, then the last block's output: what ``backward(_:_:activations:)`` needs.
    public func activations(_ pixels: Matrix<T>) -> [Matrix<T>] {
        var xs = [embedding.forward(pixels)]
        for block in blocks { xs.append(block.forward(xs.last!, tokens: tokensPerRecord)) }
        return xs
    }

    /// Token pixels ((records · G²)×(C·p·p), from ``PatchEmbedding/tokens(_:records:)``) → tokens (records · G²)×D.
    public func forward(_ pixels: Matrix<T>) -> Matrix<T> { tokens(activations: activations(pixels)) }

    /// The output tokens from saved ``activations(_:)``.
    public func tokens(activations: [Matrix<T>]) -> Matrix<T> { norm.forward(activations.last!) }

    /// Parameter gradients for `dL/d(tokens)`; pass the forward pass's ``activations(_:)`` to
    /// save recomputing them.
    public func backward(_ pixels: Matrix<T>, _ dTokens: Matrix<T>, activations saved: [Matrix<T>]? = nil) -> Encoder<T> {
        let xs = saved ?? activations(pixels)
        var gradient = self
        var (dx, gNorm) = norm.backward(xs.last!, dTokens)
        gradient.norm = gNorm
        for i in blocks.indices.reversed() {
            let (d, g) = blocks[i].backward(xs[i], dx, tokens: tokensPerRecord)
            gradient.blocks[i] = g
            dx = d
        }
        gradient.embedding = embedding.backward(pixels, dx)
        return gradient
    }

    public var flattened: [T] { embedding.flattened + blocks.flatMap(\.flattened) + norm.flattened }

    public var decayFlags: [Bool] { embedding.decayFlags + blocks.flatMap(\.decayFlags) + norm.decayFlags }

    public mutating func load(_ values: ArraySlice<T>) {
        var rest = values
        embedding.load(rest); rest = rest.dropFirst(embedding.parameterCount)
        for i in blocks.indices { blocks[i].load(rest); rest = rest.dropFirst(blocks[i].parameterCount) }
        norm.load(rest)
    }
}

extension Encoder: NamedParameters where T == Float {
    public func tensors(prefix: String) -> [NamedTensor] {
        embedding.tensors(prefix: prefix + "embedding.")
            + blocks.enumerated().flatMap { $1.tensors(prefix: prefix + "blocks.\($0).") } + norm.tensors(prefix: prefix + "norm.")
    }
    public mutating func load(tensors: [String: NamedTensor], prefix: String) throws {
        try embedding.load(tensors: tensors, prefix: prefix + "embedding.")
        for i in blocks.indices { try blocks[i].load(tensors: tensors, prefix: prefix + "blocks.\(i).") }
        try norm.load(tensors: tensors, prefix: prefix + "norm.")
    }
}
