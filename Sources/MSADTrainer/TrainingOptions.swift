/// A training run's settings. Saved in the run directory: `--resume` continues only with the same ones.
public struct TrainingOptions: Codable, Equatable, Sendable {
    /// The dataset directory (built by build-dataset).
    public var dataset: String
    public var split: String
    /// Sensor names; the model has one encoder per sensor.
    public var sensors: [String]
    public var loss: LossKind
    /// Optimizer steps in all (`--epochs` is turned into steps before the run starts).
    public var steps: Int
    public var batchSize: Int
    /// Peak learning rate, reached after `warmupSteps`, then cosine decay to `minLearningRate`.
    public var learningRate: Double
    public var minLearningRate: Double
    public var warmupSteps: Int
    public var weightDecay: Double
    /// Random flips and 90° rotations, the same for every sensor of a record (PairLoader's
    /// `Augmentation`), so token i of every sensor still covers the same ground.
    public var augment: Bool
    /// Global gradient-norm clip.
    public var clipNorm: Double
    /// A checkpoint every this many steps (and always at the end).
    public var checkpointEvery: Int
    /// Seeds the loader's shuffle; the model's initialisation uses `model.seed`.
    public var seed: UInt64
    /// Loader decoding threads.
    public var workers: Int
    /// Compute threads of a step (``ComputeThreads``; OpenBLAS itself runs single-threaded inside them).
    public var blasThreads: Int
    /// Tokens per side; nil: the largest G ≤ 8 that divides every sensor's patch side.
    public var grid: Int?
    public var width: Int
    public var depth: Int
    public var heads: Int
    public var projection: Int
    /// nil: the loss's default (1 for msad, 0.1 for msad-dense).
    public var temperature: Double?
    public var smoothing: Double

    public init(dataset: String, split: String = "train", sensors: [String], loss: LossKind = .msad, steps: Int = 200,
                batchSize: Int = 32, learningRate: Double = 5e-4, minLearningRate: Double = 1e-5, warmupSteps: Int? = nil,
                weightDecay: Double = 0.05, augment: Bool = false, clipNorm: Double = 1, checkpointEvery: Int = 100, seed: UInt64 = 0, workers: Int = 1,
                blasThreads: Int = 2, grid: Int? = nil, width: Int = 192, depth: Int = 4, heads: Int = 3, projection: Int = 128,
                temperature: Double? = nil, smoothing: Double = 0.3) {
        self.dataset = dataset
        self.split = split
        self.sensors = sensors
        self.loss = loss
        self.steps = steps
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.minLearningRate = minLearningRate
        self.warmupSteps = warmupSteps ?? max(1, steps / 20)
        self.weightDecay = weightDecay
        self.augment = augment
        self.clipNorm = clipNorm
        self.checkpointEvery = checkpointEvery
        self.seed = seed
        self.workers = workers
        self.blasThreads = blasThreads
        self.grid = grid
        self.width = width
        self.depth = depth
        self.heads = heads
        self.projection = projection
        self.temperature = temperature
        self.smoothing = smoothing
    }

    /// The first setting that cannot work, naming it.
    public var problem: String? {
        if sensors.count < 2 { return "--sensors: name at least two sensors (got \(sensors.joined(separator: ",")))" }
        if steps < 1 { return "--steps must be positive" }
        if batchSize < 2 { return "--batch must be at least 2 (the losses contrast the records of a batch)" }
        if !(learningRate > 0) || minLearningRate < 0 || minLearningRate > learningRate { return "--lr must be positive and ≥ --min-lr ≥ 0" }
        if warmupSteps < 0 { return "--warmup must be 0 or more" }
        if weightDecay < 0 { return "--weight-decay must be 0 or more" }
        if !(clipNorm > 0) { return "--clip must be positive" }
        if checkpointEvery < 1 { return "--checkpoint-every must be positive" }
        if workers < 1 || blasThreads < 1 { return "--workers and --blas-threads must be positive" }
        if let grid, grid < 1 { return "--grid must be positive" }
        return nil
    }
}
