import ShardFormat
import Foundation
import MSADTrainer
import TestSupport
import Testing

@Suite("MSADModel: both losses over sensor pairs, checkpoints")
struct MSADModelTests {
    /// Three sensors (so the loss averages three pairs) of a 40 m patch: 4×4 px at 10 m (2 bands),
    /// 2×2 px at 20 m (1 band) and 4×4 px at 10 m (1 band); G = 2; one block in one encoder.
    static func tinyModel(_ loss: LossKind) -> (MSADModel<Double>, [Matrix<Double>]) {
        let config = ModelConfig(sensors: [.init(name: "a", channels: 2, pixelsPerToken: 2), .init(name: "b", channels: 1, pixelsPerToken: 1),
                                           .init(name: "c", channels: 1, pixelsPerToken: 2)],
                                 grid: 2, width: 4, depth: 1, heads: 2, projection: 3, loss: loss, seed: 5)
        let model = MSADModel<Double>(config: config)
        var g = SeededRandom(seed: 6)
        let records = 3
        let pixels = config.sensors.indices.map { s in
            let side = config.grid * config.sensors[s].pixelsPerToken
            let image = (0..<(records * config.sensors[s].channels * side * side)).map { _ in Double.random(in: -1...1, using: &g) }
            return image.withUnsafeBufferPointer { model.encoders[s].embedding.tokens($0, records: records) }
        }
        return (model, pixels)
    }

    @Test("msad-dense: every parameter's gradient equals central finite differences")
    func denseGradient() {
        let (model, pixels) = Self.tinyModel(.msadDense)
        let gradient = model.lossAndGradient(pixels, records: 3).gradient
        let numeric = finiteDifferences(model.flattened) { p in
            var m = model; m.load(p[...]); return m.lossAndGradient(pixels, records: 3).loss
        }
        #expect(maxRelativeError(gradient.flattened, numeric) < 1e-6)
    }

    /// Per sensor, tokens that do not count: record 0's token 1 in `a`, record 2's token 3 in `b`,
    /// and in `c` token 2 of records 0 and 1 (so position 2 of pairs with `c` has one record left).
    static let usable: [[Bool]] = [(0..<12).map { $0 != 1 }, (0..<12).map { $0 != 11 }, (0..<12).map { $0 != 2 && $0 != 6 }]

    @Test("Tokens that do not count change the loss (an all-true mask does not); msad-dense's gradient still equals finite differences (msad's: the PyTorch cross-check)",
          arguments: [LossKind.msad, .msadDense])
    func maskedGradient(loss: LossKind) {
        let (model, pixels) = Self.tinyModel(loss)
        let (value, gradient) = model.lossAndGradient(pixels, records: 3, usable: Self.usable)
        #expect(value != model.lossAndGradient(pixels, records: 3).loss)
        // All-true is the same as no mask.
        let all = Self.usable.map { $0.map { _ in true } }
        #expect(model.lossAndGradient(pixels, records: 3, usable: all).loss == model.lossAndGradient(pixels, records: 3).loss)
        // msad's targets depend on the parameters but are held constant: compare with the dense
        // loss only, whose every term is differentiated.
        if loss == .msadDense {
            let numeric = finiteDifferences(model.flattened) { p in
                var m = model; m.load(p[...]); return m.lossAndGradient(pixels, records: 3, usable: Self.usable).loss
            }
            #expect(maxRelativeError(gradient.flattened, numeric) < 1e-6)
        }
    }

    @Test("msad: every parameter's gradient equals central finite differences, targets held constant")
    func msadGradient() {
        let (model, pixels) = Self.tinyModel(.msad)
        let (loss, gradient) = model.lossAndGradient(pixels, records: 3)
        let pairs = [(0, 1), (0, 2), (1, 2)], tokens = 4
        func picked(_ m: Matrix<Double>, _ i: Int) -> [[Double]] { rows(m.gatherRows((0..<3).map { $0 * tokens + i })) }
        let projected = model.projectedTokens(pixels)
        let targets = pairs.map { a, b in
            (0..<tokens).map { referenceTargets(picked(projected[a], $0), picked(projected[b], $0), tau: 1, epsilon: 0.3) }
        }
        func reference(_ m: MSADModel<Double>) -> Double {
            let p = m.projectedTokens(pixels)
            return pairs.enumerated().reduce(0.0) { sum, pair in
                let (a, b) = pair.element
                return sum + (0..<tokens).reduce(0.0) { s, i in
                    s + referencePairLoss(picked(p[a], i), picked(p[b], i), targets: targets[pair.offset][i], tau: 1)
                } / Double(tokens * pairs.count)
            }
        }
        #expect(abs(loss - reference(model)) < 1e-12)
        let numeric = finiteDifferences(model.flattened) { p in var m = model; m.load(p[...]); return reference(m) }
        #expect(maxRelativeError(gradient.flattened, numeric) < 1e-6)
    }

    /// Products large enough to be split by rows, eight records of attention and two encoders:
    /// every parallel pass of a step (``ComputeThreads/set(_:)``) on work that is its own.
    @Test("Two compute lanes give the same loss and gradient as one, bit for bit", arguments: [LossKind.msad, .msadDense])
    func lanesAgree(loss: LossKind) {
        let config = ModelConfig(sensors: [.init(name: "a", channels: 3, pixelsPerToken: 2), .init(name: "b", channels: 2, pixelsPerToken: 1)],
                                 grid: 4, width: 64, depth: 1, heads: 2, projection: 16, loss: loss, seed: 3)
        let model = MSADModel<Float>(config: config)
        var g = SeededRandom(seed: 4)
        let records = 8
        let pixels = config.sensors.indices.map { s in
            let side = config.grid * config.sensors[s].pixelsPerToken
            let image = (0..<(records * config.sensors[s].channels * side * side)).map { _ in Float.random(in: -1...1, using: &g) }
            return image.withUnsafeBufferPointer { model.encoders[s].embedding.tokens($0, records: records) }
        }
        let before = ComputeThreads.count
        defer { ComputeThreads.set(before) }
        ComputeThreads.set(1)
        let (serialLoss, serialGradient) = model.lossAndGradient(pixels, records: records)
        ComputeThreads.set(2)
        let (parallelLoss, parallelGradient) = model.lossAndGradient(pixels, records: records)
        #expect(parallelLoss == serialLoss)
        #expect(parallelGradient.flattened == serialGradient.flattened)
    }

    @Test("Checkpoint save → load gives the same configuration and identical outputs; bad files name the file")
    func checkpointRoundTrip() throws {
        let config = ModelConfig(sensors: [.init(name: "s1", channels: 2, pixelsPerToken: 3), .init(name: "s2", channels: 4, pixelsPerToken: 3)],
                                 grid: 2, width: 6, depth: 2, heads: 2, projection: 5, loss: .msadDense, seed: 9)
        let model = MSADModel<Float>(config: config)
        let dir = TestEnvironment.temporaryDirectory()
        try model.save(to: dir + "/m.safetensors", metadata: ["step": "7"])
        let loaded = try MSADModel<Float>(checkpoint: dir + "/m.safetensors")
        #expect(loaded.config == config)
        #expect(loaded.flattened == model.flattened)
        var g = SeededRandom(seed: 1)
        let pixels = [2, 4].enumerated().map { s, channels in
            let image = (0..<(3 * channels * 36)).map { _ in Float.random(in: -1...1, using: &g) }
            return image.withUnsafeBufferPointer { model.encoders[s].embedding.tokens($0, records: 3) }
        }
        #expect(loaded.projectedTokens(pixels) == model.projectedTokens(pixels))
        #expect(loaded.lossAndGradient(pixels, records: 3).loss == model.lossAndGradient(pixels, records: 3).loss)

        // A safetensors file without the model configuration, and one with a missing tensor.
        try SafeTensors.write(model.tensors(), metadata: [:], to: dir + "/plain.safetensors")
        #expect { try MSADModel<Float>(checkpoint: dir + "/plain.safetensors") } throws: { error in
            "\(error)".contains("plain.safetensors") && "\(error)".contains("configuration")
        }
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        try SafeTensors.write(Array(model.tensors().dropLast()), metadata: ["geopairs.model": json], to: dir + "/short.safetensors")
        #expect { try MSADModel<Float>(checkpoint: dir + "/short.safetensors") } throws: { error in
            "\(error)".contains("short.safetensors") && "\(error)".contains("heads.s2.norm.bias")
        }
    }

    @Test("A batch with a NaN leaves the model and the optimizer untouched")
    func nonFiniteStep() {
        let config = ModelConfig(sensors: [.init(name: "a", channels: 1, pixelsPerToken: 2), .init(name: "b", channels: 1, pixelsPerToken: 1)],
                                 grid: 2, width: 4, depth: 1, heads: 2, projection: 3)
        var model = MSADModel<Float>(config: config)
        let before = model.flattened
        var optimizer = AdamW<Float>(parameterCount: model.parameterCount)
        var a = [Float](repeating: 0.5, count: 2 * 16), b = [Float](repeating: 0.25, count: 2 * 4)
        a[3] = .nan
        b[1] = 1
        let pixels = [a.withUnsafeBufferPointer { OptimizerStep.tokenPixels(model: model, sensor: 0, $0, records: 2) },
                      b.withUnsafeBufferPointer { OptimizerStep.tokenPixels(model: model, sensor: 1, $0, records: 2) }]
        let (loss, _, _) = OptimizerStep.take(model: &model, optimizer: &optimizer, pixels: pixels, records: 2, learningRate: 1e-3,
                                              clipNorm: 1, decay: model.decayFlags)
        #expect(loss.isNaN)
        #expect(model.flattened == before)
        #expect(optimizer.step == 0)
    }
}
