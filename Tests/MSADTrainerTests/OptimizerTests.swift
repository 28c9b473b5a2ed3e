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

    @Test("Global-norm clipping scales all gradients together")
    func clipping() {
        var g: [Double] = [3, 4]
        #expect(clipGlobalNorm(&g, maxNorm: 1) == 5)
        #expect(abs(g[0] - 0.6) < 1e-12 && abs(g[1] - 0.8) < 1e-12)
        var small: [Double] = [0.3, 0.4]
        clipGlobalNorm(&small, maxNorm: 1)
        #expect(small == [0.3, 0.4])
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
            clipGlobalNorm(&gradients, maxNorm: 1)
            optimizer.update(&parameters, gradients: gradients, decay: decay, learningRate: 3e-3)
            headA.load(parameters[0..<na])
            headB.load(parameters[na...])
        }
        let after = objective.evaluate(za: evalA, zb: evalB, batch: batch, tokens: tokens, headA: headA, headB: headB).loss
        #expect(after < before * 0.9, "loss \(before) → \(after)")
    }
}
