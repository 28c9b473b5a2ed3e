import PairLoader

/// Which tokens carry data. A token counts when at least half of its pixels are valid in its
/// sensor's mask: the losses compare two sensors' tokens only where both count, and the retrieval
/// evaluation queries and ranks only those. Scenes with much nodata would otherwise teach the
/// encoders to match empty borders, and inflate or deflate retrieval with tokens nobody could match.
public enum TokenValidity {
    /// The least fraction of a token's pixels that must be valid.
    public static let minimumValidFraction = 0.5

    /// Per record and token (row-major over the G×G grid, as ``PatchEmbedding`` orders tokens), the
    /// fraction of the token's `pixelsPerToken`² pixels that are valid.
    public static func fractions(_ batch: SensorBatch, grid: Int, pixelsPerToken p: Int) -> [Double] {
        let side = grid * p
        return batch.withUnsafeMask { mask in
            var out = [Double](repeating: 0, count: batch.shape[0] * grid * grid)
            for b in 0..<batch.shape[0] {
                for y in 0..<side {
                    for x in 0..<side where mask[(b * side + y) * side + x] != 0 {
                        out[(b * grid + y / p) * grid + x / p] += 1
                    }
                }
            }
            return out.map { $0 / Double(p * p) }
        }
    }

    /// Per record and token, whether it counts.
    public static func usable(_ batch: SensorBatch, grid: Int, pixelsPerToken: Int) -> [Bool] {
        fractions(batch, grid: grid, pixelsPerToken: pixelsPerToken).map { $0 >= minimumValidFraction }
    }

    /// Each sensor's usable tokens for a model's batch, in ``ModelConfig/sensors`` order.
    static func usable(_ batch: Batch, model config: ModelConfig, names: [String]) -> [[Bool]] {
        zip(config.sensors, names).map { sensor, name in
            usable(batch[name]!, grid: config.grid, pixelsPerToken: sensor.pixelsPerToken)
        }
    }
}
