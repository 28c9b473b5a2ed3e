import CLICore
import Foundation
import MSADTrainer
import ObjectStore
import PairLoader
import ShardFormat

/// `--sensors A,B` as a list of at least two names.
func sensorList(_ a: Arguments) throws -> [String] {
    guard let text = a.value("sensors") else { throw UsageError("--sensors A,B is required") }
    let names = text.split(separator: ",").map(String.init)
    guard names.count >= 2, Set(names).count == names.count else { throw UsageError("--sensors needs two or more different names, got \"\(text)\"") }
    return names
}

let trainOptions = DatasetStorageOpener.optionNames.union(["sensors", "out", "loss", "steps", "epochs", "batch", "lr", "min-lr", "warmup", "weight-decay", "clip",
                                 "checkpoint-every", "seed", "workers", "blas-threads", "grid", "width", "depth", "heads",
                                 "projection", "temperature", "smoothing", "split"])

/// Where the dataset's bytes come from: a local directory, or a bucket with the cache options.
func storage(_ location: String, _ a: Arguments) throws -> any DatasetStorage {
    try DatasetStorageOpener.open(location, cache: a.value("cache"), cacheSize: a.value("cache-size"), remoteTimeout: a.value("remote-timeout"))
}

let train = Subcommand(
    name: "train", summary: "train per-sensor encoders with the MSAD loss; progress, JSONL log, checkpoints, exact --resume",
    usage: "train DIR --sensors A,B --out RUN [--loss msad|msad-dense] [--steps N | --epochs E] [--batch B] [--lr X] [--augment] [--resume] [options]",
    help: """
    Trains one ViT-style encoder and projection head per sensor on the records of a split that hold
    every named sensor. RUN receives log.jsonl (one line per step), checkpoint-NNNNNN.safetensors with
    optimizer-NNNNNN.safetensors (every --checkpoint-every steps and at the end), state.json and
    reference-batch.safetensors (the first batch with its loss and gradients, for Scripts/msad_reference.py).
      --sensors A,B          sensors to align (two or more; all pairs are averaged)
      --out RUN              run directory
      --loss L               msad (default) or msad-dense
      --steps N              optimizer steps (default 200), or
      --epochs E             passes over the split (converted to steps)
      --batch B              records per batch (default 32)
      --lr X                 peak learning rate (default 5e-4); --min-lr (default 1e-5) at the end of the cosine
      --warmup N             linear warm-up steps (default steps/20)
      --weight-decay X       AdamW decoupled decay of weights (default 0.05; none on norms, biases, positions)
      --clip X               global gradient-norm clip (default 1)
      --augment              random flips and 90° rotations, the same for both sensors of a record
      --checkpoint-every K   default 100
      --seed S               initialisation and shuffling seed (default 0)
      --workers W            loader threads (default 1); --blas-threads T compute threads of a step (default 2)
      --grid G               tokens per side (default: largest G ≤ 8 dividing every patch side)
      --width D --depth L --heads H --projection E    model size (defaults 192, 4, 3, 128)
      --temperature T        default 1 (msad) or 0.1 (msad-dense); --smoothing ε (msad, default 0.3)
      --split S              default train
      --resume               continue the run in RUN exactly (same options required)
    DIR may be a bucket or URL (s3://…, gs://…, az://…, https://…, /vsis3/…):
    \(DatasetStorageOpener.optionsHelp)
    """
) { args in
    let a = try Arguments(args, options: trainOptions, flags: ["resume", "augment"])
    let dataset = try a.positionals(["DIR"])[0]
    let source = try storage(dataset, a)
    guard let out = a.value("out") else { throw UsageError("--out RUN is required") }
    let sensors = try sensorList(a)
    var loss = LossKind.msad
    if let text = a.value("loss") {
        guard let kind = LossKind(rawValue: text) else { throw UsageError("--loss must be msad or msad-dense, got \"\(text)\"") }
        loss = kind
    }
    if a.value("steps") != nil && a.value("epochs") != nil { throw UsageError("give --steps or --epochs, not both") }
    let split = a.value("split") ?? "train", batch = try a.integer("batch", in: 2...65536) ?? 32
    let seed = UInt64(try a.integer("seed", in: 0...Int.max) ?? 0)
    var steps = try a.integer("steps", in: 1...100_000_000) ?? 200
    if let epochs = try a.integer("epochs", in: 1...1_000_000) {
        let loader = try PairLoader(LoaderConfig(directory: dataset, split: split, sensors: sensors, batchSize: batch, seed: seed, storage: source))
        steps = epochs * loader.batchesPerEpoch
    }
    let options = TrainingOptions(
        dataset: dataset, split: split, sensors: sensors, loss: loss, steps: steps, batchSize: batch,
        learningRate: try a.number("lr") ?? 5e-4, minLearningRate: try a.number("min-lr") ?? 1e-5,
        warmupSteps: try a.integer("warmup", in: 0...Int.max), weightDecay: try a.number("weight-decay") ?? 0.05, augment: a.has("augment"),
        clipNorm: try a.number("clip") ?? 1, checkpointEvery: try a.integer("checkpoint-every", in: 1...Int.max) ?? 100, seed: seed,
        workers: try a.integer("workers", in: 1...256) ?? 1, blasThreads: try a.integer("blas-threads", in: 1...256) ?? 2,
        grid: try a.integer("grid", in: 1...1024), width: try a.integer("width", in: 1...65536) ?? 192,
        depth: try a.integer("depth", in: 0...1024) ?? 4, heads: try a.integer("heads", in: 1...1024) ?? 3,
        projection: try a.integer("projection", in: 1...65536) ?? 128, temperature: try a.number("temperature"),
        smoothing: try a.number("smoothing") ?? 0.3)
    if let problem = options.problem { throw UsageError(problem) }

    let trainer = try Trainer(options: options, runDirectory: out, resume: a.has("resume"), storage: source)
    let c = trainer.model.config
    Terminal.error("train-msad: \(c.loss.rawValue) on \(dataset) [\(split)], sensors "
                   + c.sensors.map { "\($0.name) (\($0.channels) bands, \($0.pixelsPerToken) px/token)" }.joined(separator: ", ")
                   + ", G=\(c.grid), D=\(c.width), depth \(c.depth), \(c.heads) heads, \(trainer.model.parameterCount) parameters"
                   + (trainer.step > 0 ? "; resuming at step \(trainer.step)" : ""))
    if trainer.step >= options.steps {
        print("\(out): already trained for \(trainer.step) steps; nothing to do")
        return .success
    }
    let reporter = ProgressReporter(label: "train-msad: step", total: options.steps)
    var first: [Double] = [], last: [Double] = []
    let startStep = trainer.step
    let crash = SimulatedCrash(variable: "GEOPAIRS_CRASH_AFTER_STEPS")
    try trainer.run { r in
        crash.check(r.step)
        if r.step - startStep <= 10 { first.append(r.loss) }
        last = Array((last + [r.loss]).suffix(10))
        reporter.update(done: r.step, detail: String(format: "loss %.4f, lr %.2e, %.1f samples/s, %.1f GFLOP/s",
                                                     r.loss, r.learningRate, r.samplesPerSecond, r.gflops))
    }
    reporter.finish(done: trainer.step)
    func mean(_ v: [Double]) -> String { v.isEmpty ? "–" : String(format: "%.4f", v.reduce(0, +) / Double(v.count)) }
    print("\(out): \(trainer.step) steps; loss \(mean(first)) (mean of the first \(first.count) steps of this session) → "
          + "\(mean(last)) (last \(last.count)); checkpoint \(String(format: "checkpoint-%06d.safetensors", trainer.step))")
    return .success
}

let evaluate = Subcommand(
    name: "evaluate", summary: "cross-sensor token retrieval, top-1/top-5, three ways: the checkpoint, its random init, chance",
    usage: "evaluate DIR --checkpoint FILE --sensors A,B [--split val] [--batch B] [--blas-threads T] [--json]",
    help: """
    Every sensor-B token of the split looks for the sensor-A token of the same record and position
    (cosine of the projected tokens) among:
      same position, across records   the sensor-A tokens at that position of every record: what
                                      MSAD trains (it contrasts records token by token); chance 1/records
      same record, across positions   the sensor-A tokens of the same record: what msad-dense adds;
                                      chance 1/G²
      all tokens                      every sensor-A token of the split: records × G²
    Each with top-1 and top-5 for the checkpoint, for the same configuration at its random init
    (same seed), and for chance. Tokens with less than half their pixels valid in either sensor
    are left out, as queries and as candidates.
      --checkpoint FILE  a checkpoint-NNNNNN.safetensors of train-msad
      --sensors A,B      gallery sensor A, query sensor B
      --split S          default val
      --batch B          records per forward pass (default 32)
      --blas-threads T   compute threads (default 2)
      --json             print JSON
    DIR may be a bucket or URL (s3://…, gs://…, az://…, https://…, /vsis3/…):
    \(DatasetStorageOpener.optionsHelp)
    """
) { args in
    let a = try Arguments(args, options: DatasetStorageOpener.optionNames.union(["checkpoint", "sensors", "split", "batch", "blas-threads"]), flags: ["json"])
    let dataset = try a.positionals(["DIR"])[0]
    guard let path = a.value("checkpoint") else { throw UsageError("--checkpoint FILE is required") }
    let sensors = try sensorList(a)
    guard sensors.count == 2 else { throw UsageError("--sensors names a gallery and a query sensor: exactly two") }
    ComputeThreads.set(try a.integer("blas-threads", in: 1...256) ?? 2)
    let model = try MSADModel<Float>(checkpoint: path)
    let split = a.value("split") ?? "val"
    let r = try RetrievalReport.evaluate(model: model, dataset: dataset, split: split, gallery: sensors[0], query: sensors[1],
                                         batchSize: try a.integer("batch", in: 1...65536) ?? 32, storage: try storage(dataset, a))
    if a.has("json") {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try e.encode(r), as: UTF8.self))
        return .success
    }
    let excluded = r.records * r.tokensPerRecord - r.validTokens
    print("retrieval of \(r.query) tokens among \(r.gallery) tokens, split \(r.split), \(path): \(r.records) records × \(r.tokensPerRecord) tokens; "
          + "\(r.validTokens) tokens with at least half their pixels valid in both sensors (\(excluded) left out)")
    print("                                  candidates   trained top-1/top-5   random init top-1/top-5   chance top-1/top-5")
    for (label, t) in [("same position, across records", r.acrossRecords), ("same record, across positions", r.acrossPositions), ("all tokens", r.allTokens)] {
        let cells = [t.trained, t.randomInit, t.chance].map { String(format: "%7.2f %% %7.2f %%", 100 * $0.top1, 100 * $0.top5) }
        print(label.padding(toLength: 32, withPad: " ", startingAt: 0) + String(format: "%12.1f", t.candidates)
              + "   " + cells.joined(separator: "     "))
    }
    return .success
}

CommandLineTool(
    name: "train-msad", summary: "train cross-sensor encoders with the MSAD loss on a GeoPairs dataset, and evaluate them",
    subcommands: [train, evaluate]
).main()
