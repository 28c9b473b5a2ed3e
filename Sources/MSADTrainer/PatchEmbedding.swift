/// Cuts each record's `C×H×W` patch into a `G×G` grid of `p×p` pixel tokens (`p = H / G`), embeds
/// each token with a `Linear(C·p·p → D)` and adds a learned position embedding (`G²×D`).
/// Sensor `s` uses `p = (patch ground size / G) / GSD_s`, so every sensor's token i covers the same ground.
public struct PatchEmbedding<T: BLASScalar>: CompositeLayer, Sendable {
    public typealias Scalar = T
    public var projection: Linear<T>
    public var positions: Matrix<T>
    public let channels: Int
    public let grid: Int
    public let pixelsPerToken: Int

    public init(channels: Int, grid: Int, pixelsPerToken: Int, width: Int, generator: inout some RandomNumberGenerator) {
        self.channels = channels
        self.grid = grid
        self.pixelsPerToken = pixelsPerToken
        projection = Linear(inputs: channels * pixelsPerToken * pixelsPerToken, outputs: width, generator: &generator)
        positions = Matrix(rows: grid * grid, cols: width,
                           values: (0..<(grid * grid * width)).map { _ in T(Double.random(in: -0.02...0.02, using: &generator)) })
    }

    /// `[B, C, H, W]` values (H = W = G·p) → (B·G²)×(C·p·p) token pixels, row `k·G² + i`.
    public func tokens(_ batch: UnsafeBufferPointer<T>, records: Int) -> Matrix<T> {
        let p = pixelsPerToken, side = grid * p, per = channels * p * p
        // Reads below are unchecked: the batch must hold exactly `records` patches of C×side×side.
        precondition(batch.count == records * channels * side * side, "PatchEmbedding: a batch of \(batch.count) values for \(records) patches of \(channels)×\(side)×\(side)")
        var out = Matrix<T>(zeros: records * grid * grid, per)
        for k in 0..<records {
            for ty in 0..<grid {
                for tx in 0..<grid {
                    let row = k * grid * grid + ty * grid + tx
                    var col = 0
                    for c in 0..<channels {
                        for y in 0..<p {
                            let base = ((k * channels + c) * side + ty * p + y) * side + tx * p
                            for x in 0..<p { out[row, col] = batch[base + x]; col += 1 }
                        }
                    }
                }
            }
        }
        return out
    }

    /// Token pixels → embedded tokens with positions added.
    public func forward(_ pixels: Matrix<T>) -> Matrix<T> {
        var y = projection.forward(pixels)
        let n = positions.values.count
        y.values.withUnsafeMutableBufferPointer { y in
            positions.values.withUnsafeBufferPointer { p in
                for i in y.indices { y[i] += p[i % n] }      // row r gets position r mod G²
            }
        }
        return y
    }

    /// Parameter gradients (the pixels are data: no gradient is returned for them).
    public func backward(_ pixels: Matrix<T>, _ dy: Matrix<T>) -> PatchEmbedding<T> {
        var gradient = self
        gradient.projection = projection.backward(pixels, dy).gradient
        var dp = Matrix<T>(zeros: positions.rows, positions.cols)
        let n = dp.values.count
        dp.values.withUnsafeMutableBufferPointer { dp in
            dy.values.withUnsafeBufferPointer { dy in
                for i in dy.indices { dp[i % n] += dy[i] }
            }
        }
        gradient.positions = dp
        return gradient
    }

    public mutating func visitParts<V: PartVisitor>(_ v: inout V) where V.Scalar == T {
        v.visit("projection.", &projection)
        v.visit("positions", values: &positions.values, shape: [positions.rows, positions.cols])
    }
}
