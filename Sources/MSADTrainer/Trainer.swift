import Foundation
import PairLoader
import ShardFormat

/// A training failure that names the run, dataset or setting at fault.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// What one optimizer step did; also one line of the run's `log.jsonl`.
public struct StepReport: Codable, Sendable, Equatable {
    /// Steps done (1 after the first).
    public var step: Int
    public var totalSteps: Int
    public var epoch: Int
    public var loss: Double
    public var learningRate: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
    /// Records per second, waiting for the loader included.
    public var samplesPerSecond: Double
    /// Matrix-product GFLOP/s of the step's compute (loss, gradients, update).
    public var gflops: Double
    /// Wall time of the step, waiting for the loader included.
    public var seconds: Double
}

/// Where a run is; written after each checkpoint (atomically, last), read by `--resume`.
public struct TrainingState: Codable, Sendable, Equatable {
    public var options: TrainingOptions
    public var step: Int
    public var loader: LoaderState
    /// File names in the run directory.
    public var checkpoint: String
    public var optimizer: String

    /// The first field a resume cannot trust, or `nil`.
    var problem: String? {
        if let problem = options.problem { return "options: \(problem)" }
        guard (0...options.steps).contains(step) else { return "step \(step) outside 0…\(options.steps)" }
        guard loader.epoch >= 0, loader.position >= 0 else { return "loader epoch \(loader.epoch) and position \(loader.position) must be 0 or more" }
        for name in [checkpoint, optimizer] where name.isEmpty || name.contains("/") || name.hasPrefix(".") {
            return "\"\(name)\" is not a file name in the run directory"
        }
        return nil
    }
}

/// Trains an ``MSADModel`` on a GeoPairs dataset through a ``PairLoader``, writing into a run
/// directory: `state.json`, `log.jsonl`, `checkpoint-NNNNNN.safetensors` (model) with
/// `optimizer-NNNNNN.safetensors` beside each, and `reference-batch.safetensors` (the first batch,
/// its loss and every gradient, for `Scripts/msad_reference.py`). A resumed run continues exactly
/// where the last checkpoint left off: model, optimizer moments, loader position and step.
public final class Trainer {
    public let options: TrainingOptions
    public let runDirectory: String
    public private(set) var model: MSADModel<Float>
    public private(set) var optimizer: AdamW<Float>
    /// Steps done.
    public private(set) var step: Int
    private let batches: any BatchSource
    private let schedule: LearningRateSchedule<Float>
    private let decay: [Bool]

    public static let stateFile = "state.json"
    public static let logFile = "log.jsonl"
    public static let referenceFile = "reference-batch.safetensors"

    /// Opens the dataset and either starts a run in `runDirectory` (which must not hold one) or,
    /// with `resume`, continues the one there (which must have been started with the same options).
    public init(options: TrainingOptions, runDirectory: String, resume: Bool, storage: (any DatasetStorage)? = nil) throws {
        if let problem = options.problem { throw TrainingError(problem) }
        self.options = options
        self.runDirectory = runDirectory
        ComputeThreads.set(options.blasThreads)
        let statePath = runDirectory + "/" + Self.stateFile
        let saved: TrainingState?
        if FileManager.default.fileExists(atPath: statePath) {
            guard resume else {
                throw TrainingError("\(runDirectory) already holds a run (\(Self.stateFile)); pass --resume to continue it or choose another --out")
            }
            let state = try Self.readState(statePath)
            try Self.checkSameOptions(state.options, options, runDirectory: runDirectory)
            saved = state
        } else {
            guard !resume else { throw TrainingError("nothing to resume in \(runDirectory): it has no \(Self.stateFile)") }
            saved = nil
        }
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
            model = try MSADModel(checkpoint: runDirectory + "/" + saved.checkpoint)
            guard model.config == config else {
                throw TrainingError("\(saved.checkpoint) holds a model configured differently from this dataset and these options")
            }
            optimizer = try Self.readOptimizer(runDirectory + "/" + saved.optimizer, parameterCount: model.parameterCount, step: saved.step)
            step = saved.step
            try TrainingLog.truncate(runDirectory + "/" + Self.logFile, after: step)
        } else {
            try FileManager.default.createDirectory(atPath: runDirectory, withIntermediateDirectories: true)
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
        let log = try TrainingLog(path: runDirectory + "/" + Self.logFile)
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
            if step == 0 { try saveReference(batch: batch, loss: loss, gradient: gradient) }
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

    /// Model, optimizer, then `state.json` (each written atomically; the state names the other two,
    /// so a crash at any point leaves the previous checkpoint in force).
    private func checkpoint() throws {
        let checkpoint = String(format: "checkpoint-%06d.safetensors", step), moments = String(format: "optimizer-%06d.safetensors", step)
        try model.save(to: runDirectory + "/" + checkpoint, metadata: ["step": "\(step)"])
        try SafeTensors.write([NamedTensor(name: "exp_avg", shape: [optimizer.firstMoment.count], values: optimizer.firstMoment),
                               NamedTensor(name: "exp_avg_sq", shape: [optimizer.secondMoment.count], values: optimizer.secondMoment)],
                              metadata: ["step": "\(optimizer.step)", "beta1": "\(optimizer.beta1)", "beta2": "\(optimizer.beta2)",
                                         "eps": "\(optimizer.epsilon)", "weight_decay": "\(optimizer.weightDecay)"],
                              to: runDirectory + "/" + moments)
        let state = TrainingState(options: options, step: step, loader: batches.state, checkpoint: checkpoint, optimizer: moments)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(state).write(to: URL(fileURLWithPath: runDirectory + "/" + Self.stateFile), options: .atomic)
        } catch {
            throw TrainingError("\(runDirectory)/\(Self.stateFile): cannot write: \(error.localizedDescription)")
        }
    }

    /// The first batch's pixels (as the encoders see them), masks, loss and gradients, for the PyTorch cross-check.
    private func saveReference(batch: Batch, loss: Float, gradient: MSADModel<Float>) throws {
        let pixels = options.sensors.flatMap { name in
            let s = batch[name]!
            return [NamedTensor(name: "batch.\(name)", shape: s.shape, values: s.values),
                    NamedTensor(name: "mask.\(name)", shape: [s.shape[0], s.shape[2], s.shape[3]], values: s.validity.map(Float.init))]
        }
        try SafeTensors.write(pixels + gradient.tensors(prefix: "grad."), metadata: ["loss": "\(loss)"],
                              to: runDirectory + "/" + Self.referenceFile)
    }

    static func readState(_ path: String) throws -> TrainingState {
        let state: TrainingState
        do {
            state = try JSONDecoder().decode(TrainingState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw TrainingError("\(path): not a readable training state: \(error)")
        }
        if let problem = state.problem { throw TrainingError("\(path): \(problem)") }
        return state
    }

    /// Reads AdamW's moments and settings; `step` is the run's, which the file must agree with.
    static func readOptimizer(_ path: String, parameterCount: Int, step expectedStep: Int) throws -> AdamW<Float> {
        let (tensors, metadata) = try SafeTensors.read(path)
        guard let m = tensors["exp_avg"]?.values, let v = tensors["exp_avg_sq"]?.values, m.count == parameterCount, v.count == parameterCount,
              let step = metadata["step"].flatMap(Int.init), let beta1 = metadata["beta1"].flatMap(Float.init),
              let beta2 = metadata["beta2"].flatMap(Float.init), let eps = metadata["eps"].flatMap(Float.init),
              let decay = metadata["weight_decay"].flatMap(Float.init) else {
            throw CheckpointError(file: path, message: "not an optimizer state for \(parameterCount) parameters")
        }
        guard step == expectedStep else { throw CheckpointError(file: path, message: "optimizer step \(step), the run is at step \(expectedStep)") }
        var optimizer = AdamW<Float>(parameterCount: parameterCount, beta1: beta1, beta2: beta2, epsilon: eps, weightDecay: decay)
        optimizer.step = step
        optimizer.firstMoment = m
        optimizer.secondMoment = v
        return optimizer
    }

    /// Names every option that differs from the run's.
    static func checkSameOptions(_ saved: TrainingOptions, _ given: TrainingOptions, runDirectory: String) throws {
        guard saved != given else { return }
        func fields(_ o: TrainingOptions) -> [String: String] {
            let object = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(o))) as? [String: Any] ?? [:]
            return object.mapValues { "\($0)" }
        }
        let a = fields(saved), b = fields(given)
        let differing = Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }
            .map { "\($0): run \(a[$0] ?? "unset"), now \(b[$0] ?? "unset")" }
        throw TrainingError("\(runDirectory) was started with other options; resume with the same ones (\(differing.joined(separator: "; ")))")
    }
}
