import CLICore
import Foundation
import MSADTrainer
import ObjectStore
import PairLoader
import ShardFormat

/// `--sensors A,B` as a list of at least two different names.
func sensorList(_ a: Arguments) throws -> [String] {
    let text = a[text: "sensors"]
    let names = text.split(separator: ",").map(String.init)
    guard names.count >= 2, Set(names).count == names.count else { throw UsageError("--sensors needs two or more different names, got \"\(text)\"") }
    return names
}

/// Where the dataset's bytes come from: a local directory, or a bucket with the cache options.
func storage(_ location: String, _ a: Arguments) throws -> any DatasetStorage {
    try DatasetStorageOpener.open(location, cache: a.value("cache"), cacheSize: a.value("cache-size"), remoteTimeout: a.value("remote-timeout"))
}

let dataset = DatasetLocationOptions.dataset

let train = Subcommand(
    name: "train", summary: "train per-sensor encoders with the MSAD loss; progress, JSONL log, checkpoints, exact --resume",
    positionals: [dataset],
    options: [
        .text("sensors", "A,B", help: "sensors to align (two or more; all pairs are averaged)", required: true),
        .text("out", "RUN", help: "run directory", required: true),
        .choice("loss", LossKind.allCases.map(\.rawValue), help: "the loss", default: LossKind.msad.rawValue),
        .integer("steps", in: 1...100_000_000, help: "optimizer steps (or --epochs)", default: 200),
        .integer("epochs", "E", in: 1...1_000_000, help: "passes over the split, converted to steps (or --steps)"),
        .integer("batch", "B", in: 2...65536, help: "records per batch", default: 32),
        .number("lr", help: "peak learning rate", default: "5e-4"),
        .number("min-lr", help: "learning rate at the end of the cosine decay", default: "1e-5"),
        .integer("warmup", in: 0...Int.max, help: "linear warm-up steps (default steps/20)"),
        .number("weight-decay", help: "AdamW decoupled decay of weights (none on norms, biases, positions)", default: "0.05"),
        .number("clip", help: "global gradient-norm clip", default: "1"),
        .flag("augment", help: "random flips and 90° rotations, the same for every sensor of a record"),
        .integer("checkpoint-every", "K", in: 1...Int.max, help: "steps between checkpoints", default: 100),
        .integer("seed", "S", in: 0...Int.max, help: "initialisation and shuffling seed", default: 0),
        .integer("workers", "W", in: 1...256, help: "loader threads", default: 1),
        .integer("blas-threads", "T", in: 1...256, help: "compute threads of a step", default: 2),
        .integer("grid", "G", in: 1...1024, help: "tokens per side (default: the largest G ≤ 8 dividing every patch side)"),
        .integer("width", "D", in: 1...65536, help: "token width", default: 192),
        .integer("depth", "L", in: 0...1024, help: "transformer blocks", default: 4),
        .integer("heads", "H", in: 1...1024, help: "attention heads", default: 3),
        .integer("projection", "E", in: 1...65536, help: "projection head width", default: 128),
        .number("temperature", "T", help: "softmax temperature (default 1 for msad, 0.1 for msad-dense; msad-dense needs at least 0.025)"),
        .number("smoothing", "ε", help: "msad's label smoothing", default: "0.3"),
        .text("split", "S", help: "the split to train on", default: "train"),
        .flag("resume", help: "continue the run in RUN exactly (same options required)"),
    ] + DatasetLocationOptions.all,
    discussion: """
    Trains one ViT-style encoder and projection head per sensor on the records of a split that hold
    every named sensor. RUN receives log.jsonl (one line per step), checkpoint-NNNNNN.safetensors with
    optimizer-NNNNNN.safetensors (every --checkpoint-every steps and at the end), state.json and
    reference-batch.safetensors (the first batch with its loss and gradients, for Scripts/msad_reference.py).
    """
) { a in
    let dataset = a[positional: "DIR"]
    let source = try storage(dataset, a)
    let out = a[text: "out"]
    let sensors = try sensorList(a)
    if a.isGiven("steps") && a.isGiven("epochs") { throw UsageError("give --steps or --epochs, not both") }
    let split = a[text: "split"], batch = a[integer: "batch"], seed = UInt64(a[integer: "seed"])
    var steps = a[integer: "steps"]
    if let epochs = a.integer("epochs") {
        let loader = try PairLoader(LoaderConfig(directory: dataset, split: split, sensors: sensors, batchSize: batch, seed: seed, storage: source))
        steps = epochs * loader.batchesPerEpoch
    }
    let options = TrainingOptions(
        dataset: dataset, split: split, sensors: sensors, loss: a[choice: "loss"], steps: steps, batchSize: batch,
        learningRate: a[number: "lr"], minLearningRate: a[number: "min-lr"], warmupSteps: a.integer("warmup"),
        weightDecay: a[number: "weight-decay"], augment: a.has("augment"), clipNorm: a[number: "clip"],
        checkpointEvery: a[integer: "checkpoint-every"], seed: seed, workers: a[integer: "workers"], blasThreads: a[integer: "blas-threads"],
        grid: a.integer("grid"), width: a[integer: "width"], depth: a[integer: "depth"], heads: a[integer: "heads"],
        projection: a[integer: "projection"], temperature: a.number("temperature"), smoothing: a[number: "smoothing"])
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
    positionals: [dataset],
    options: [
        .text("checkpoint", "FILE", help: "a checkpoint-NNNNNN.safetensors of train-msad", required: true),
        .text("sensors", "A,B", help: "gallery sensor A, query sensor B", required: true),
        .text("split", "S", help: "the split to evaluate", default: "val"),
        .integer("batch", "B", in: 1...65536, help: "records per forward pass", default: 32),
        .integer("blas-threads", "T", in: 1...256, help: "compute threads", default: 2),
        .flag("json", help: "print JSON"),
    ] + DatasetLocationOptions.all,
    discussion: """
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
    """
) { a in
    let dataset = a[positional: "DIR"], path = a[text: "checkpoint"]
    let sensors = try sensorList(a)
    guard sensors.count == 2 else { throw UsageError("--sensors names a gallery and a query sensor: exactly two") }
    ComputeThreads.set(a[integer: "blas-threads"])
    let model = try MSADModel<Float>(checkpoint: path)
    let r = try RetrievalReport.evaluate(model: model, dataset: dataset, split: a[text: "split"], gallery: sensors[0], query: sensors[1],
                                         batchSize: a[integer: "batch"], storage: try storage(dataset, a))
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
