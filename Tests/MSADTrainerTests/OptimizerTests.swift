import ShardFormat
import Foundation
import MSADTrainer
import TestSupport
import Testing

@Suite("Optimiser and schedule")
struct OptimizerTests {
    @Test("AdamW matches a step-by-step reference, with decay only where flagged")
    func adamW() {
        var parameters: [Double] = [0.5, -1.0, 2.0]
        let decay = [true, false, true]
        var optimizer = AdamW<Double>(parameterCount: 3, weightDecay: 0.1)
        // Reference: Adam moments with bias correction, then decoupled decay on the pre-update value.
        var ref = parameters, m = [0.0, 0, 0], v = [0.0, 0, 0]
        for (step, gradients) in [[0.1, -0.2, 0.3], [0.05, 0.4, -0.1]].enumerated() {
            optimizer.update(&parameters, gradients: gradients, decay: decay, learningRate: 0.01)
            let t = Double(step + 1)
            for i in 0..<3 {
                m[i] = 0.9 * m[i] + 0.1 * gradients[i]
                v[i] = 0.999 * v[i] + 0.001 * gradients[i] * gradients[i]
                let update = (m[i] / (1 - pow(0.9, t))) / ((v[i] / (1 - pow(0.999, t))).squareRoot() + 1e-8)
                ref[i] -= 0.01 * (update + (decay[i] ? 0.1 * ref[i] : 0))
            }
            for i in 0..<3 { #expect(abs(parameters[i] - ref[i]) < 1e-12) }
        }
        #expect(optimizer.step == 2)
    }

    @Test("Warm-up is linear, then cosine decay to the floor")
    func schedule() {
        let s = LearningRateSchedule<Double>(peak: 1e-3, floor: 1e-5, warmupSteps: 10, totalSteps: 110)
        #expect(abs(s.rate(at: 0) - 1e-4) < 1e-15)
        #expect(abs(s.rate(at: 9) - 1e-3) < 1e-15)
        #expect(abs(s.rate(at: 60) - (1e-5 + (1e-3 - 1e-5) * 0.5)) < 1e-12)
        #expect(abs(s.rate(at: 110) - 1e-5) < 1e-15)
    }

    @Test("Global-norm clipping: the norm over every parameter array, and the factor that brings it to the limit")
    func clipping() {
        let gradient = Linear<Double>(weight: Matrix(rows: 1, cols: 1, values: [3]), bias: [4])
        let (norm, scale) = clippingScale(gradient, maxNorm: 1)
        #expect(norm == 5 && abs(scale - 0.2) < 1e-15)
        let small = Linear<Double>(weight: Matrix(rows: 1, cols: 1, values: [0.3]), bias: [0.4])
        #expect(clippingScale(small, maxNorm: 1).scale == 1)
        // Long arrays go through the vectorised sum: same norm as the plain formula.
        var g = SeededRandom(seed: 5)
        let long = Linear<Double>(weight: Matrix(rows: 7, cols: 11, values: (0..<77).map { _ in Double.random(in: -1...1, using: &g) }),
                                  bias: (0..<11).map { _ in Double.random(in: -1...1, using: &g) })
        let direct = long.flattened.reduce(0) { $0 + $1 * $1 }.squareRoot()
        #expect(abs(clippingScale(long, maxNorm: 1).norm - direct) < 1e-12 * direct)
    }

    @Test("AdamW's in-place update of a model equals the flat update with the scaled gradient, bit for bit")
    func inPlaceUpdate() {
        var g = SeededRandom(seed: 8)
        // Large enough that the biggest array is split over two lanes.
        var model = ProjectionHead<Float>(inputs: 300, outputs: 256, generator: &g)
        var flat = model.flattened
        var gradient = model
        gradient.load((0..<flat.count).map { _ in Float.random(in: -1...1, using: &g) }[...])
        let decay = model.decayFlags
        var inPlace = AdamW<Float>(parameterCount: flat.count), flatOptimizer = inPlace
        let before = ComputeThreads.count
        defer { ComputeThreads.set(before) }
        ComputeThreads.set(2)
        for _ in 0..<3 {
            inPlace.update(&model, gradient: gradient, gradientScale: 0.25, decay: decay, learningRate: 1e-2)
            flatOptimizer.update(&flat, gradients: gradient.flattened.map { $0 * 0.25 }, decay: decay, learningRate: 1e-2)
        }
        #expect(model.flattened == flat)
        #expect(inPlace == flatOptimizer)
    }

    @Test("Training the projection heads with AdamW lowers the MSAD loss on paired data")
    func trainingLowersLoss() {
        var g = SeededRandom(seed: 21)
        let (batch, tokens, d, e) = (8, 4, 6, 8)
        var headA = ProjectionHead<Float>(inputs: d, outputs: e, generator: &g)
        var headB = ProjectionHead<Float>(inputs: d, outputs: e, generator: &g)
        // Sensor b sees a fixed linear transform of what sensor a sees: there is structure to learn.
        let mix = (0..<(d * d)).map { _ in Float.random(in: -1...1, using: &g) }
        func batchPair(_ g: inout SeededRandom) -> (Matrix<Float>, Matrix<Float>) {
            let za = Matrix<Float>(rows: batch * tokens, cols: d, values: (0..<(batch * tokens * d)).map { _ in Float.random(in: -1...1, using: &g) })
            var zb = Matrix<Float>(zeros: za.rows, d)
            for r in 0..<za.rows { for c in 0..<d { for k in 0..<d { zb[r, c] += za[r, k] * mix[k * d + c] } } }
            return (za, zb)
        }
        let objective = MSADObjective<Float>()
        var parameters = headA.flattened + headB.flattened
        let na = headA.parameterCount
        let decay = headA.decayFlags + headB.decayFlags
        var optimizer = AdamW<Float>(parameterCount: parameters.count, weightDecay: 0.01)
        var evalGenerator = SeededRandom(seed: 99)
        let (evalA, evalB) = batchPair(&evalGenerator)
        let before = objective.evaluate(za: evalA, zb: evalB, batch: batch, tokens: tokens, headA: headA, headB: headB).loss
        for _ in 0..<150 {
            let (za, zb) = batchPair(&g)
            let r = objective.evaluate(za: za, zb: zb, batch: batch, tokens: tokens, headA: headA, headB: headB)
            var gradients = r.headA.flattened + r.headB.flattened
            let norm = gradients.reduce(0) { $0 + $1 * $1 }.squareRoot()
            if norm > 1 { gradients = gradients.map { $0 / norm } }
            optimizer.update(&parameters, gradients: gradients, decay: decay, learningRate: 3e-3)
            headA.load(parameters[0..<na])
            headB.load(parameters[na...])
        }
        let after = objective.evaluate(za: evalA, zb: evalB, batch: batch, tokens: tokens, headA: headA, headB: headB).loss
        #expect(after < before * 0.9, "loss \(before) → \(after)")
    }
}
