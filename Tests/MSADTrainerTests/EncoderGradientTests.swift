import ShardFormat
import MSADTrainer
import TestSupport
import Testing

/// The encoder's layers against central finite differences in Float64 (tolerance as in LayerGradientTests).
@Suite("Encoder layer gradients")
struct EncoderGradientTests {
    @Test("Multi-head self-attention: input and all four projections", arguments: [1, 3])
    func attention(heads: Int) {
        var g = SeededRandom(seed: 11)
        let layer = MultiHeadAttention<Double>(width: 6, heads: heads, generator: &g)
        let tokens = 4
        let x = randomMatrix(2 * tokens, 6, &g), w = randomMatrix(2 * tokens, 6, &g)
        let (dx, grad) = layer.backward(x, w, tokens: tokens)
        #expect(maxRelativeError(dx.values, finiteDifferences(x.values) { v in
            weightedSum(layer.forward(Matrix(rows: x.rows, cols: 6, values: v), tokens: tokens), w) }) < 1e-6)
        #expect(maxRelativeError(grad.flattened, finiteDifferences(layer.flattened) { p in
            var l = layer; l.load(p[...]); return weightedSum(l.forward(x, tokens: tokens), w) }) < 1e-6)
    }

    @Test("Attention never mixes records: a change in one record leaves the other's output alone")
    func attentionPerRecord() {
        var g = SeededRandom(seed: 12)
        let layer = MultiHeadAttention<Double>(width: 6, heads: 2, generator: &g)
        var x = randomMatrix(8, 6, &g)
        let before = layer.forward(x, tokens: 4)
        x[5, 2] += 1
        let after = layer.forward(x, tokens: 4)
        #expect(before.block(rows: 0..<4, cols: 0..<6) == after.block(rows: 0..<4, cols: 0..<6))
        #expect(before.block(rows: 4..<8, cols: 0..<6) != after.block(rows: 4..<8, cols: 0..<6))
    }

    @Test("Pre-LN transformer block: input and every parameter")
    func block() {
        var g = SeededRandom(seed: 13)
        let layer = TransformerBlock<Double>(width: 6, heads: 2, generator: &g)
        let x = randomMatrix(6, 6, &g), w = randomMatrix(6, 6, &g)
        let (dx, grad) = layer.backward(x, w, tokens: 3)
        #expect(maxRelativeError(dx.values, finiteDifferences(x.values) { v in
            weightedSum(layer.forward(Matrix(rows: 6, cols: 6, values: v), tokens: 3), w) }) < 1e-6)
        #expect(maxRelativeError(grad.flattened, finiteDifferences(layer.flattened) { p in
            var l = layer; l.load(p[...]); return weightedSum(l.forward(x, tokens: 3), w) }) < 1e-6)
    }

    @Test("Patch embedding: projection and position gradients")
    func patchEmbedding() {
        var g = SeededRandom(seed: 14)
        let layer = PatchEmbedding<Double>(channels: 2, grid: 2, pixelsPerToken: 2, width: 3, generator: &g)
        let pixels = randomMatrix(2 * 4, 2 * 2 * 2, &g), w = randomMatrix(8, 3, &g)
        let grad = layer.backward(pixels, w)
        #expect(maxRelativeError(grad.flattened, finiteDifferences(layer.flattened) { p in
            var l = layer; l.load(p[...]); return weightedSum(l.forward(pixels), w) }) < 1e-6)
    }

    @Test("Token i of a 10 m and of a 20 m sensor cover the same ground")
    func tokensShareGround() {
        var g = SeededRandom(seed: 15)
        // A 40 m patch: 4×4 px at 10 m and 2×2 px at 20 m, G = 2. Each pixel holds its ground x + 100·y
        // (of its top-left corner, in metres).
        func ground(_ column: Int, _ row: Int, metres: Int) -> Double {
            let x: Int = column * metres, y: Int = row * metres
            return Double(x + 100 * y)
        }
        let fine: [Double] = (0..<16).map { i in ground(i % 4, i / 4, metres: 10) }
        let coarse: [Double] = (0..<4).map { i in ground(i % 2, i / 2, metres: 20) }
        let f = PatchEmbedding<Double>(channels: 1, grid: 2, pixelsPerToken: 2, width: 2, generator: &g)
        let c = PatchEmbedding<Double>(channels: 1, grid: 2, pixelsPerToken: 1, width: 2, generator: &g)
        let ft = fine.withUnsafeBufferPointer { f.tokens($0, records: 1) }
        let ct = coarse.withUnsafeBufferPointer { c.tokens($0, records: 1) }
        for token in 0..<4 {
            // The coarse token's single pixel and the fine token's top-left pixel share their corner.
            #expect(ct[token, 0] == ft[token, 0])
        }
    }
}

@Suite("Encoder and MSAD end to end")
struct EncoderEndToEndTests {
    @Test("Two encoders (depth 1 and 0) + heads + MSAD: every parameter's gradient equals finite differences")
    func endToEnd() {
        var g = SeededRandom(seed: 41)
        // Sensor a: 2 channels, 4×4 px per record (p = 2); sensor b: 1 channel, 2×2 px (p = 1); G = 2.
        let encA = Encoder<Double>(channels: 2, grid: 2, pixelsPerToken: 2, width: 4, depth: 1, heads: 2, generator: &g)
        let encB = Encoder<Double>(channels: 1, grid: 2, pixelsPerToken: 1, width: 4, depth: 0, heads: 2, generator: &g)
        let headA = ProjectionHead<Double>(inputs: 4, outputs: 3, generator: &g)
        let headB = ProjectionHead<Double>(inputs: 4, outputs: 3, generator: &g)
        let batch = 3
        let imageA = (0..<(batch * 2 * 16)).map { _ in Double.random(in: -1...1, using: &g) }
        let imageB = (0..<(batch * 4)).map { _ in Double.random(in: -1...1, using: &g) }
        let pa = imageA.withUnsafeBufferPointer { encA.embedding.tokens($0, records: batch) }
        let pb = imageB.withUnsafeBufferPointer { encB.embedding.tokens($0, records: batch) }
        let objective = MSADObjective<Double>()
        let za = encA.forward(pa), zb = encB.forward(pb)
        let r = objective.evaluate(za: za, zb: zb, batch: batch, tokens: 4, headA: headA, headB: headB)
        let gA = encA.backward(pa, r.dza), gB = encB.backward(pb, r.dzb)
        // Targets held constant at the unperturbed model, as the loss defines them.
        let qa = headA.forward(za), qb = headB.forward(zb)
        let targets = (0..<4).map { i -> [[Double]] in
            let picked = (0..<batch).map { $0 * 4 + i }
            return referenceTargets(rows(qa.gatherRows(picked)), rows(qb.gatherRows(picked)), tau: 1, epsilon: 0.3)
        }
        func loss(_ ea: Encoder<Double>, _ eb: Encoder<Double>) -> Double {
            let xa = headA.forward(ea.forward(pa)), xb = headB.forward(eb.forward(pb))
            return (0..<4).reduce(0.0) { sum, i in
                let picked = (0..<batch).map { $0 * 4 + i }
                return sum + referencePairLoss(rows(xa.gatherRows(picked)), rows(xb.gatherRows(picked)), targets: targets[i], tau: 1) / 4
            }
        }
        #expect(maxRelativeError(gA.flattened, finiteDifferences(encA.flattened) { p in var e = encA; e.load(p[...]); return loss(e, encB) }) < 1e-6)
        #expect(maxRelativeError(gB.flattened, finiteDifferences(encB.flattened) { p in var e = encB; e.load(p[...]); return loss(encA, e) }) < 1e-6)
        #expect(encA.decayFlags.count == encA.parameterCount && encA.decayFlags.contains(false) && encA.decayFlags.contains(true))
    }
}
