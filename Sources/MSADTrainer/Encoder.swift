/// A sensor's encoder: patch embedding with learned positions, `depth` pre-LN transformer blocks
/// (depth 0 allowed), and a final LayerNorm; maps each record to the same `G×G` token grid.
public struct Encoder<T: BLASScalar>: CompositeLayer, Sendable {
    public typealias Scalar = T
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

    /// The forward pass kept for the backward pass: every block's input (then the last block's
    /// output) and every block's intermediates.
    public struct Trace: Sendable {
        let activations: [Matrix<T>]
        let caches: [TransformerBlock<T>.Cache]
    }

    /// The forward pass, keeping what ``backward(_:_:trace:)`` needs.
    public func trace(_ pixels: Matrix<T>) -> Trace {
        var xs = [embedding.forward(pixels)], caches: [TransformerBlock<T>.Cache] = []
        for block in blocks {
            let (y, cache) = block.forwardSaving(xs.last!, tokens: tokensPerRecord)
            xs.append(y)
            caches.append(cache)
        }
        return Trace(activations: xs, caches: caches)
    }

    /// Token pixels ((records · G²)×(C·p·p), from ``PatchEmbedding/tokens(_:records:)``) → tokens (records · G²)×D.
    public func forward(_ pixels: Matrix<T>) -> Matrix<T> {
        var x = embedding.forward(pixels)
        for block in blocks { x = block.forward(x, tokens: tokensPerRecord) }
        return norm.forward(x)
    }

    /// The output tokens of a ``trace(_:)``.
    public func tokens(_ trace: Trace) -> Matrix<T> { norm.forward(trace.activations.last!) }

    /// Parameter gradients for `dL/d(tokens)`; pass the forward pass's ``trace(_:)`` to save recomputing it.
    public func backward(_ pixels: Matrix<T>, _ dTokens: Matrix<T>, trace saved: Trace? = nil) -> Encoder<T> {
        let t = saved ?? trace(pixels)
        let xs = t.activations
        var gradient = self
        var (dx, gNorm) = norm.backward(xs.last!, dTokens)
        gradient.norm = gNorm
        for i in blocks.indices.reversed() {
            let (d, g) = blocks[i].backward(xs[i], dx, tokens: tokensPerRecord, cache: t.caches[i])
            gradient.blocks[i] = g
            dx = d
        }
        gradient.embedding = embedding.backward(pixels, dx)
        return gradient
    }

    public mutating func visitParts<V: PartVisitor>(_ v: inout V) where V.Scalar == T {
        v.visit("embedding.", &embedding)
        for i in blocks.indices { v.visit("blocks.\(i).", &blocks[i]) }
        v.visit("norm.", &norm)
    }
}
