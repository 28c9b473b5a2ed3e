import ShardFormat

/// The training objective.
public enum LossKind: String, Codable, Sendable, CaseIterable {
    /// MSAD (README, "train-msad"): soft cross-sensor targets per token index, across the records of a batch.
    case msad
    /// Patch correspondence: InfoNCE over every token of the batch, same position of the other sensor positive.
    case msadDense = "msad-dense"

    /// τ of the X-STARS reference for MSAD, 0.1 for the dense variant.
    public var defaultTemperature: Double { self == .msad ? 1 : 0.1 }
}

/// Everything needed to rebuild a model; stored as JSON in each checkpoint's `__metadata__`.
public struct ModelConfig: Codable, Equatable, Sendable {
    /// One sensor's encoder input.
    public struct Sensor: Codable, Equatable, Sendable {
        public var name: String
        public var channels: Int
        /// Pixels per token side: `(patch ground size / grid) / GSD`.
        public var pixelsPerToken: Int

        public init(name: String, channels: Int, pixelsPerToken: Int) {
            self.name = name
            self.channels = channels
            self.pixelsPerToken = pixelsPerToken
        }
    }

    public var sensors: [Sensor]
    /// Tokens per side (G): every sensor maps to the same G×G token grid.
    public var grid: Int
    /// Token width D.
    public var width: Int
    /// Transformer blocks per encoder (0 allowed).
    public var depth: Int
    public var heads: Int
    /// Output width E of the projection heads.
    public var projection: Int
    public var loss: LossKind
    public var temperature: Double
    /// Label smoothing ε of the MSAD targets.
    public var smoothing: Double
    /// Seed of the parameter initialisation.
    public var seed: UInt64

    public init(sensors: [Sensor], grid: Int, width: Int = 192, depth: Int = 4, heads: Int = 3, projection: Int = 128,
                loss: LossKind = .msad, temperature: Double? = nil, smoothing: Double = 0.3, seed: UInt64 = 0) {
        self.sensors = sensors
        self.grid = grid
        self.width = width
        self.depth = depth
        self.heads = heads
        self.projection = projection
        self.loss = loss
        self.temperature = temperature ?? loss.defaultTemperature
        self.smoothing = smoothing
        self.seed = seed
    }

    /// The first problem that would make the model impossible to build, naming the field.
    public var problem: String? {
        if sensors.count < 2 { return "sensors: at least two are needed, got \(sensors.count)" }
        if Set(sensors.map(\.name)).count != sensors.count { return "sensors: names repeat" }
        for s in sensors where s.channels < 1 || s.pixelsPerToken < 1 {
            return "sensor \(s.name): channels and pixels per token must be positive"
        }
        if grid < 1 { return "grid must be positive" }
        if width < 1 || heads < 1 || width % heads != 0 { return "width \(width) must be a positive multiple of heads \(heads)" }
        if depth < 0 { return "depth must be 0 or more" }
        if projection < 1 { return "projection must be positive" }
        if !(temperature > 0) { return "temperature must be positive" }
        if loss == .msadDense, temperature < MSADDenseLoss.minimumTemperature {
            return "temperature must be at least \(MSADDenseLoss.minimumTemperature) for msad-dense"
        }
        if !(0..<1).contains(smoothing) { return "smoothing must be in [0, 1)" }
        guard let count = parameterCount, count <= Self.maxParameters else {
            return "the model would have more than \(Self.maxParameters) parameters"
        }
        return nil
    }

    /// The most parameters a model may have (2 GB of Float32); a configuration read from a file
    /// is checked against it before anything is allocated.
    public static let maxParameters = 500_000_000

    /// Parameters of the model this configuration builds, or `nil` when the count overflows:
    /// per sensor, the patch embedding `C·p²·D + D + G²·D`, `depth` blocks of `12D² + 13D`, the
    /// final norm `2D`, and the head `D·E + E + E² + E + 2E` (checked against `MSADModel` in tests).
    public var parameterCount: Int? {
        let (d, e) = (width, projection)
        guard let block = Checked.sum(Checked.product(12, d, d), Checked.product(13, d)), let blocks = Checked.product(depth, block),
              let head = Checked.sum(Checked.product(d, e), e, Checked.product(e, e), Checked.product(3, e)) else { return nil }
        return sensors.reduce(Optional(0)) { total, s in
            Checked.sum(total, Checked.product(s.channels, s.pixelsPerToken, s.pixelsPerToken, d), d, Checked.product(grid, grid, d),
                        blocks, Checked.product(2, d), head)
        }
    }
}
