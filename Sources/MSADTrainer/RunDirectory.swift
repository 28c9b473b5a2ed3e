import Foundation
import PairLoader

/// A training run's folder and the files in it: `state.json` (written last, atomically, naming the
/// latest checkpoint pair), `log.jsonl`, `checkpoint-NNNNNN.safetensors` (the model) with
/// `optimizer-NNNNNN.safetensors` (AdamW's moments) beside it, and `reference-batch.safetensors`
/// (the first batch with its loss and gradients, for `Scripts/msad_reference.py`).
///
/// It owns the run-directory policy: a folder holding a run is never overwritten, and a resume
/// needs a run started with the same options.
public struct RunDirectory: Sendable {
    public let path: String

    public static let stateFile = "state.json"
    public static let logFile = "log.jsonl"
    public static let referenceFile = "reference-batch.safetensors"

    public init(_ path: String) { self.path = path }

    func file(_ name: String) -> String { path + "/" + name }

    /// The saved state to continue from with `resume`, or nil for a new run. Refuses a new run
    /// over an old one, a resume of nothing, and a resume whose options differ (naming each).
    func savedState(resume: Bool, options: TrainingOptions) throws -> TrainingState? {
        let statePath = file(Self.stateFile)
        guard FileManager.default.fileExists(atPath: statePath) else {
            guard !resume else { throw TrainingError("nothing to resume in \(path): it has no \(Self.stateFile)") }
            return nil
        }
        guard resume else {
            throw TrainingError("\(path) already holds a run (\(Self.stateFile)); pass --resume to continue it or choose another --out")
        }
        let state = try Self.readState(statePath)
        try checkSameOptions(state.options, options)
        return state
    }

    /// Creates the folder of a new run.
    func create() throws {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
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

    /// Names every option that differs from the run's.
    private func checkSameOptions(_ saved: TrainingOptions, _ given: TrainingOptions) throws {
        guard saved != given else { return }
        func fields(_ o: TrainingOptions) -> [String: String] {
            let object = (try? JSONSerialization.jsonObject(with: JSONEncoder().encode(o))) as? [String: Any] ?? [:]
            return object.mapValues { "\($0)" }
        }
        let a = fields(saved), b = fields(given)
        let differing = Set(a.keys).union(b.keys).sorted().filter { a[$0] != b[$0] }
            .map { "\($0): run \(a[$0] ?? "unset"), now \(b[$0] ?? "unset")" }
        throw TrainingError("\(path) was started with other options; resume with the same ones (\(differing.joined(separator: "; ")))")
    }

    /// Reads AdamW's moments and settings; `step` is the run's, which the file must agree with.
    func readOptimizer(_ name: String, parameterCount: Int, step expectedStep: Int) throws -> AdamW<Float> {
        let path = file(name)
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

    /// Model, optimizer, then `state.json` (each written atomically; the state names the other two,
    /// so a crash at any point leaves the previous checkpoint in force).
    func writeCheckpoint(model: MSADModel<Float>, optimizer: AdamW<Float>, step: Int, options: TrainingOptions, loader: LoaderState) throws {
        let checkpoint = String(format: "checkpoint-%06d.safetensors", step), moments = String(format: "optimizer-%06d.safetensors", step)
        try model.save(to: file(checkpoint), metadata: ["step": "\(step)"])
        try SafeTensors.write([NamedTensor(name: "exp_avg", shape: [optimizer.firstMoment.count], values: optimizer.firstMoment),
                               NamedTensor(name: "exp_avg_sq", shape: [optimizer.secondMoment.count], values: optimizer.secondMoment)],
                              metadata: ["step": "\(optimizer.step)", "beta1": "\(optimizer.beta1)", "beta2": "\(optimizer.beta2)",
                                         "eps": "\(optimizer.epsilon)", "weight_decay": "\(optimizer.weightDecay)"],
                              to: file(moments))
        let state = TrainingState(options: options, step: step, loader: loader, checkpoint: checkpoint, optimizer: moments)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(state).write(to: URL(fileURLWithPath: file(Self.stateFile)), options: .atomic)
        } catch {
            throw TrainingError("\(path)/\(Self.stateFile): cannot write: \(error.localizedDescription)")
        }
    }

    /// The first batch's pixels (as the encoders see them), masks, loss and gradients, for the PyTorch cross-check.
    func writeReference(batch: Batch, sensors: [String], loss: Float, gradient: MSADModel<Float>) throws {
        let pixels = sensors.flatMap { name in
            let s = batch[name]!
            return [NamedTensor(name: "batch.\(name)", shape: s.shape, values: s.values),
                    NamedTensor(name: "mask.\(name)", shape: [s.shape[0], s.shape[2], s.shape[3]], values: s.validity.map(Float.init))]
        }
        try SafeTensors.write(pixels + gradient.tensors(prefix: "grad."), metadata: ["loss": "\(loss)"], to: file(Self.referenceFile))
    }
}
