import ShardFormat
import Foundation
import MSADTrainer
import TestSupport
import Testing

@Suite("safetensors checkpoints")
struct CheckpointTests {
    static func heads() -> (ProjectionHead<Float>, TransformerBlock<Float>) {
        var g = SeededRandom(seed: 31)
        return (ProjectionHead<Float>(inputs: 6, outputs: 4, generator: &g), TransformerBlock<Float>(width: 6, heads: 2, generator: &g))
    }

    @Test("Save → load gives identical outputs; metadata survives")
    func roundTrip() throws {
        let (head, block) = Self.heads()
        let path = TestEnvironment.temporaryDirectory() + "/model.safetensors"
        try SafeTensors.write(head.tensors(prefix: "head_a.") + block.tensors(prefix: "encoder_a.blocks.0."),
                              metadata: ["config": "{\"width\":6}"], to: path)
        let (tensors, metadata) = try SafeTensors.read(path)
        #expect(metadata["config"] == "{\"width\":6}")
        var g = SeededRandom(seed: 99)
        var head2 = ProjectionHead<Float>(inputs: 6, outputs: 4, generator: &g)
        var block2 = TransformerBlock<Float>(width: 6, heads: 2, generator: &g)
        try head2.load(tensors: tensors, prefix: "head_a.")
        try block2.load(tensors: tensors, prefix: "encoder_a.blocks.0.")
        let x = Matrix<Float>(rows: 6, cols: 6, values: (0..<36).map { Float($0) / 36 })
        #expect(head2.forward(x) == head.forward(x))
        #expect(block2.forward(x, tokens: 3) == block.forward(x, tokens: 3))
        var wrong = ProjectionHead<Float>(inputs: 5, outputs: 4, generator: &g)
        #expect(throws: CheckpointError.self) { try wrong.load(tensors: tensors, prefix: "head_a.") }
    }

    static var pythonHasSafetensors: Bool {
        TestEnvironment.pythonCanImport("safetensors.numpy", else: "the safetensors cross-check (run Scripts/setup.sh)")
    }

    @Test("Python's safetensors package reads the file: names, shapes, values and metadata", .enabled(if: pythonHasSafetensors))
    func pythonReadsIt() throws {
        let (head, _) = Self.heads()
        let path = TestEnvironment.temporaryDirectory() + "/head.safetensors"
        let tensors = head.tensors(prefix: "head.")
        try SafeTensors.write(tensors, metadata: ["loss": "msad"], to: path)
        let script = """
        import json, sys
        from safetensors.numpy import load_file
        from safetensors import safe_open
        t = load_file(sys.argv[1])
        with safe_open(sys.argv[1], "np") as f: meta = f.metadata()
        print(json.dumps({"meta": meta, "tensors": {k: [list(v.shape), float(v.astype("float64").sum()), str(v.dtype)] for k, v in t.items()}}))
        """
        let r = try TestEnvironment.run("python3", ["-c", script, path])
        #expect(r.status == 0, "\(r.errors)")
        let json = try JSONSerialization.jsonObject(with: Data(r.output.utf8)) as? [String: Any]
        #expect((json?["meta"] as? [String: String]) == ["loss": "msad"])
        let read = json?["tensors"] as? [String: [Any]] ?? [:]
        #expect(read.count == tensors.count)
        for t in tensors {
            let entry = try #require(read[t.name])
            #expect((entry[0] as? [Int]) == t.shape, "\(t.name)")
            #expect(abs((entry[1] as? Double ?? .nan) - t.values.reduce(0.0) { $0 + Double($1) }) < 1e-4, "\(t.name)")
            #expect((entry[2] as? String) == "float32")
        }
    }

    @Test("Truncated or malformed files give errors naming the file")
    func badFiles() throws {
        let (head, _) = Self.heads()
        let path = TestEnvironment.temporaryDirectory() + "/m.safetensors"
        try SafeTensors.write(head.tensors(prefix: ""), metadata: [:], to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for cut in [0, 4, 8, 20, bytes.count - 1] {
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            let error = #expect(throws: CheckpointError.self) { try SafeTensors.read(path) }
            #expect(error?.file == path)
        }
        var huge = bytes
        huge.replaceSubrange(0..<8, with: [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        try huge.write(to: URL(fileURLWithPath: path))
        #expect(throws: CheckpointError.self) { try SafeTensors.read(path) }
    }
}
