import Foundation
import PairLoader
import ShardFormat

/// A training failure that names the run, dataset or setting at fault.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Trains an ``MSADModel`` on a GeoPairs dataset through a ``PairLoader``, writing checkpoints,
/// the log and the reference batch into a ``RunDirectory``. A resumed run continues exactly where
/// the last checkpoint left off: model, optimizer moments, loader position and step.
public final class Trainer {
    public let options: TrainingOptions
    public let run: RunDirectory
    public private(set) var model: MSADModel<Float>
    public private(set) var optimizer: AdamW<Float>
    /// Steps done.
    public private(set) var step: Int
    private let batches: any BatchSource
    private let schedule: LearningRateSchedule<Float>
    private let decay: [Bool]

    /// Opens the dataset and either starts a run in `runDirectory` (which must not hold one) or,
    /// with `resume`, continues the one there (which must have been started with the same options).
    public init(options: TrainingOptions, runDirectory: String, resume: Bool, storage: (any DatasetStorage)? = nil) throws {
        if let problem = options.problem { throw TrainingError(problem) }
        self.options = options
        run = RunDirectory(runDirectory)
        ComputeThreads.set(options.blasThreads)
        let saved = try run.savedState(resume: resume, options: options)
        let loaderConfig = LoaderConfig(directory: options.dataset, split: options.split, sensors: options.sensors,
                                        batchSize: options.batchSize, seed: options.seed, workers: options.workers,
                                        augmentation: options.augment ? Augmentation(flipsHorizontally: true, flipsVertically: true, rotates90: true)
                                                                      : Augmentation(), storage: storage)
        do {
            batches = LoaderBatches(try PairLoader(loaderConfig, state: saved?.loader))
        } catch {
            throw TrainingError("\(error)")
        }
        guard batches.batchesPerEpoch > 0 else {
            throw TrainingError("split \"\(options.split)\" of \(options.dataset) has \(batches.recordCount) records with all of \(options.sensors.joined(separator: ",")), fewer than --batch \(options.batchSize)")
        }
        let config = try Self.modelConfig(options, batches: batches)
        schedule = LearningRateSchedule(peak: Float(options.learningRate), floor: Float(options.minLearningRate),
                                        warmupSteps: options.warmupSteps, totalSteps: options.steps)
        if let saved {
            model = try MSADModel(checkpoint: run.file(saved.checkpoint))
            guard model.config == config else {
                throw TrainingError("\(saved.checkpoint) holds a model configured differently from this dataset and these options")
            }
            optimizer = try run.readOptimizer(saved.optimizer, parameterCount: model.parameterCount, step: saved.step)
            step = saved.step
            try TrainingLog.truncate(run.file(RunDirectory.logFile), after: step)
        } else {
            try run.create()
            model = MSADModel(config: config)
            optimizer = AdamW(parameterCount: model.parameterCount, weightDecay: Float(options.weightDecay))
            step = 0
        }
        decay = model.decayFlags
        if saved == nil { try checkpoint() }
    }

    /// The model's configuration for this dataset: channels from its schema, `G` from the options
    /// or the largest `G ≤ 8` dividing every sensor's patch side.
    static func modelConfig(_ options: TrainingOptions, batches: any BatchSource) throws -> ModelConfig {
        var shapes: [(name: String, shape: [Int])] = []
        for name in options.sensors {
            guard let shape = batches.patchShape(of: name) else { throw TrainingError("the dataset has no sensor \"\(name)\"") }
            guard shape.count == 3, shape[1] == shape[2] else {
                throw TrainingError("sensor \(name): the encoders need square patches, its shape is \(shape)")
            }
            shapes.append((name, shape))
        }
        let sides = shapes.map { $0.shape[2] }
        let grid = options.grid ?? (1...8).last { g in sides.allSatisfy { $0 % g == 0 } }!
        for s in shapes where s.shape[2] % grid != 0 {
            throw TrainingError("sensor \(s.name): its \(s.shape[2])-pixel patch side is not a multiple of --grid \(grid)")
        }
        let config = ModelConfig(sensors: shapes.map { .init(name: $0.name, channels: $0.shape[0], pixelsPerToken: $0.shape[2] / grid) },
                                 grid: grid, width: options.width, depth: options.depth, heads: options.heads,
                                 projection: options.projection, loss: options.loss, temperature: options.temperature,
                                 smoothing: options.smoothing, seed: options.seed)
        if let problem = config.problem { throw TrainingError("model: \(problem)") }
        return config
    }

    /// Trains up to `stopStep` (default: all of `options.steps`), calling `onStep` after each step.
    /// Writes a checkpoint every `checkpointEvery` steps and at the end of the run.
    public func run(until stopStep: Int? = nil, onStep: (StepReport) -> Void = { _ in }) throws {
        let end = min(stopStep ?? options.steps, options.steps)
        let log = try TrainingLog(path: run.file(RunDirectory.logFile))
        while step < end {
            let started = DispatchTime.now().uptimeNanoseconds
            let batch = try nextBatch()
            let computeStart = DispatchTime.now().uptimeNanoseconds, flopsBefore = GEMMAccounting.flops
            let pixels = model.config.sensors.indices.map { i in
                batch[options.sensors[i]]!.withUnsafeValues { model.encoders[i].embedding.tokens($0, records: batch.count) }
            }
            let rate = schedule.rate(at: step)
            let usable = TokenValidity.usable(batch, model: model.config, names: options.sensors)
            let (loss, norm, gradient) = OptimizerStep.take(model: &model, optimizer: &optimizer, pixels: pixels, records: batch.count,
                                                            usable: usable,
                                                            learningRate: rate, clipNorm: Float(options.clipNorm), decay: decay)
            guard loss.isFinite, norm.isFinite else {
                throw TrainingError("step \(step + 1): the loss is \(loss) and the gradient norm \(norm); the model was not updated (lower --lr, or check the data)")
            }
            if step == 0 { try run.writeReference(batch: batch, sensors: options.sensors, loss: loss, gradient: gradient) }
            step += 1
            let now = DispatchTime.now().uptimeNanoseconds
            let seconds = Double(now - started) / 1e9, compute = Double(now - computeStart) / 1e9
            let report = StepReport(step: step, totalSteps: options.steps, epoch: batches.state.epoch, loss: Double(loss),
                                    learningRate: Double(rate), gradientNorm: Double(norm),
                                    samplesPerSecond: Double(batch.count) / seconds,
                                    gflops: Double(GEMMAccounting.flops - flopsBefore) / compute / 1e9, seconds: seconds)
            try log.append(report)
            onStep(report)
            if step % options.checkpointEvery == 0 || step == options.steps { try checkpoint() }
        }
    }

    /// The next training batch, moving on to the next epoch when one ends.
    private func nextBatch() throws -> Batch {
        do {
            return try batches.nextBatch()
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError("reading \(options.dataset): \(error)")
        }
    }

    private func checkpoint() throws {
        try run.writeCheckpoint(model: model, optimizer: optimizer, step: step, options: options, loader: batches.state)
    }
}
