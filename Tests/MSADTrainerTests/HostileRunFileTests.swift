import Foundation
import MSADTrainer
import TestSupport
import Testing

/// Checkpoints, optimizer files and run states that could come from a damaged disk or a hostile
/// party: each is refused with an error naming the file, before anything is allocated from it.
@Suite("Hostile checkpoints, optimizer files and run states")
struct HostileRunFileTests {
    @Test("ModelConfig.parameterCount equals the built model's, and bounds what a checkpoint may ask for")
    func parameterCount() throws {
        let sensors = [ModelConfig.Sensor(name: "a", channels: 3, pixelsPerToken: 2), .init(name: "b", channels: 1, pixelsPerToken: 4)]
        for (depth, width, heads, projection, grid) in [(0, 8, 2, 4, 2), (1, 12, 3, 6, 3), (3, 16, 4, 5, 1)] {
            let config = ModelConfig(sensors: sensors, grid: grid, width: width, depth: depth, heads: heads, projection: projection)
            #expect(config.parameterCount == MSADModel<Float>(config: config).parameterCount, "depth \(depth) width \(width)")
        }
        let huge = ModelConfig(sensors: sensors, grid: 2, width: 1 << 20, heads: 1)
        #expect(huge.problem?.contains("parameters") == true)
        let overflowing = ModelConfig(sensors: sensors, grid: Int.max, width: Int.max, heads: 1)
        #expect(overflowing.parameterCount == nil && overflowing.problem != nil)
    }

    /// Writes a checkpoint whose stored configuration is `config` but whose tensors come from `model`.
    static func checkpoint(config json: String, tensorsOf model: MSADModel<Float>) throws -> String {
        let path = TestEnvironment.temporaryDirectory() + "/hostile.safetensors"
        try SafeTensors.write(model.tensors(), metadata: ["geopairs.model": json], to: path)
        return path
    }

    @Test("A checkpoint whose configuration asks for a huge or different model is refused before allocating it")
    func hostileCheckpointConfig() throws {
        let sensors = [ModelConfig.Sensor(name: "a", channels: 1, pixelsPerToken: 2), .init(name: "b", channels: 1, pixelsPerToken: 2)]
        let small = MSADModel<Float>(config: ModelConfig(sensors: sensors, grid: 2, width: 8, depth: 1, heads: 2, projection: 4))
        let encoder = JSONEncoder()
        for (width, depth, expected) in [(1 << 40, 1, "parameters"), (8, 1 << 40, "parameters"), (16, 1, "holds")] {
            var config = small.config
            config.width = width
            config.depth = depth
            let json = String(decoding: try encoder.encode(config), as: UTF8.self)
            let path = try Self.checkpoint(config: json, tensorsOf: small)
            let error = #expect(throws: CheckpointError.self) { try MSADModel<Float>(checkpoint: path) }
            #expect(error?.file == path && error?.message.contains(expected) == true, "\(String(describing: error))")
        }
    }

    @Test("evaluate refuses a checkpoint whose encoders expect other patch shapes than the dataset has (they would read past the batch)")
    func checkpointForAnotherDataset() throws {
        let dataset = try TrainerFixtures.correlatedDataset()
        // The dataset has fine 2×8×8 and coarse 1×4×4; this model expects fine with 3 channels.
        let sensors = [ModelConfig.Sensor(name: "fine", channels: 3, pixelsPerToken: 4), .init(name: "coarse", channels: 1, pixelsPerToken: 2)]
        let model = MSADModel<Float>(config: ModelConfig(sensors: sensors, grid: 2, width: 8, depth: 1, heads: 2, projection: 4))
        #expect { try RetrievalReport.evaluate(model: model, dataset: dataset, split: "val", gallery: "fine", query: "coarse") } throws: {
            "\($0)".contains("3×8×8") && "\($0)".contains("[2, 8, 8]")
        }
    }

    @Test("safetensors entries whose shape product overflows are refused")
    func overflowingShape() throws {
        let path = TestEnvironment.temporaryDirectory() + "/shape.safetensors"
        let header = #"{"t":{"dtype":"F32","shape":[4294967296,4294967296,4],"data_offsets":[0,16]}}"#
        var bytes = ShardSurgery.le(UInt64(header.utf8.count), 8) + Array(header.utf8)
        bytes += [UInt8](repeating: 0, count: 16)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: CheckpointError.self) { try SafeTensors.read(path) }
        #expect(error?.message.contains("tensor t") == true)
    }

    @Test("state.json and optimizer files with impossible numbers are refused on resume, naming the file")
    func hostileStateAndOptimizer() throws {
        let dataset = try TrainerFixtures.correlatedDataset()
        let run = TestEnvironment.temporaryDirectory() + "/run"
        let options = TrainerTests.options(dataset, steps: 3)
        try Trainer(options: options, runDirectory: run, resume: false).run()
        let statePath = run + "/" + RunDirectory.stateFile
        let original = try Data(contentsOf: URL(fileURLWithPath: statePath))
        func edit(_ change: (inout [String: Any]) -> Void) throws {
            var object = try JSONSerialization.jsonObject(with: original) as! [String: Any]
            change(&object)
            try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: statePath))
        }
        let cases: [(String, (inout [String: Any]) -> Void)] = [
            ("position", { var l = $0["loader"] as! [String: Any]; l["position"] = -5; $0["loader"] = l }),
            ("epoch", { var l = $0["loader"] as! [String: Any]; l["epoch"] = -1; $0["loader"] = l }),
            ("step", { $0["step"] = 1 << 62 }),
            ("not a file name", { $0["checkpoint"] = "../../etc/passwd" }),
        ]
        for (expected, change) in cases {
            try edit(change)
            #expect("\(expected)") { try Trainer(options: options, runDirectory: run, resume: true) } throws: {
                "\($0)".contains(expected) && "\($0)".contains(RunDirectory.stateFile)
            }
        }
        try original.write(to: URL(fileURLWithPath: statePath))
        // An optimizer file that claims 2^62 steps (bias correction would loop that often) disagrees with the run.
        let state = try JSONSerialization.jsonObject(with: original) as! [String: Any]
        let optimizerPath = run + "/" + (state["optimizer"] as! String)
        let (tensors, metadata) = try SafeTensors.read(optimizerPath)
        try SafeTensors.write(Array(tensors.values), metadata: metadata.merging(["step": "\(1 << 62)"]) { $1 }, to: optimizerPath)
        #expect { try Trainer(options: options, runDirectory: run, resume: true) } throws: {
            "\($0)".contains("optimizer step") && "\($0)".contains(optimizerPath)
        }
    }

    @Test("AdamW's bias correction takes O(log step) work: an update at step 2^40 finishes and stays finite")
    func biasCorrectionAtHugeStep() {
        var optimizer = AdamW<Double>(parameterCount: 1, beta1: 0.9, beta2: 0.999)
        var parameters = [1.0]
        optimizer.step = 1 << 40
        optimizer.update(&parameters, gradients: [0.5], decay: [false], learningRate: 0.1)
        // Both corrections are 1 by then: m̂ = 0.05, v̂ = 0.00025, so the step is lr · 0.05 / √0.00025.
        #expect(abs(parameters[0] - (1 - 0.1 * 0.05 / (0.00025.squareRoot() + 1e-8))) < 1e-9)
    }
}
