import ShardFormat
import Foundation
import MSADTrainer
import TestSupport
import Testing

/// An independent, loop-by-loop MSAD pair loss with the soft targets given (held constant).
func referencePairLoss(_ a: [[Double]], _ b: [[Double]], targets: [[Double]], tau: Double) -> Double {
    let n = a.count
    func dot(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } }
    let logits = (0..<n).map { i in (0..<n).map { j in dot(b[i], a[j]) / tau } }
    func ce(_ l: [[Double]], _ t: [[Double]]) -> Double {
        var total = 0.0
        for i in 0..<n {
            let logZ = log(l[i].map { exp($0) }.reduce(0, +))
            for j in 0..<n { total -= t[i][j] * (l[i][j] - logZ) }
        }
        return total / Double(n)
    }
    let lt = (0..<n).map { i in (0..<n).map { j in logits[j][i] } }
    let tt = (0..<n).map { i in (0..<n).map { j in targets[j][i] } }
    return (ce(logits, targets) + ce(lt, tt)) / 2
}

/// The reference soft targets: softmax_rows((A·Aᵀ + B·Bᵀ)/2 · τ), smoothed.
func referenceTargets(_ a: [[Double]], _ b: [[Double]], tau: Double, epsilon: Double) -> [[Double]] {
    let n = a.count
    func dot(_ x: [Double], _ y: [Double]) -> Double { zip(x, y).reduce(0) { $0 + $1.0 * $1.1 } }
    return (0..<n).map { i in
        let s = (0..<n).map { j in (dot(a[i], a[j]) + dot(b[i], b[j])) / 2 * tau }
        let e = s.map { exp($0) }, z = e.reduce(0, +)
        return e.map { (1 - epsilon) * $0 / z + epsilon / Double(n) }
    }
}

func rows(_ m: Matrix<Double>) -> [[Double]] { (0..<m.rows).map { r in (0..<m.cols).map { m[r, $0] } } }

@Suite("MSAD losses")
struct MSADLossTests {
    @Test("A hand-computable case: A = B = I₂, τ = 1")
    func handComputable() {
        let identity = Matrix<Double>(rows: 2, cols: 2, values: [1, 0, 0, 1])
        // logits = I; targets = softmax_rows(I) = [p, 1−p] with p = e/(1+e); CE = −Σ t log p.
        let p = exp(1.0) / (1 + exp(1.0))
        let entropy = -(p * log(p) + (1 - p) * log(1 - p))
        #expect(abs(MSADLoss.pair(identity, identity, temperature: 1, smoothing: 0).loss - entropy) < 1e-12)
        // With ε = 0.3 the targets become 0.7·t + 0.15.
        let t1 = 0.7 * p + 0.15, t2 = 0.7 * (1 - p) + 0.15
        let smoothed = -(t1 * log(p) + t2 * log(1 - p))
        #expect(abs(MSADLoss.pair(identity, identity, temperature: 1, smoothing: 0.3).loss - smoothed) < 1e-12)
        #expect(abs(entropy - 0.5822031) < 1e-6)
    }

    @Test("Pair loss: value equals an independent implementation; gradients equal finite differences", arguments: [(1.0, 0.3), (0.5, 0.0), (2.0, 0.1)])
    func pairGradients(tau: Double, epsilon: Double) {
        var g = SeededRandom(seed: 5)
        let a = randomMatrix(5, 4, &g), b = randomMatrix(5, 4, &g)
        let targets = referenceTargets(rows(a), rows(b), tau: tau, epsilon: epsilon)
        let (loss, da, db) = MSADLoss.pair(a, b, temperature: tau, smoothing: epsilon)
        #expect(abs(loss - referencePairLoss(rows(a), rows(b), targets: targets, tau: tau)) < 1e-12)
        let fdA = finiteDifferences(a.values) { v in referencePairLoss(rows(Matrix(rows: 5, cols: 4, values: v)), rows(b), targets: targets, tau: tau) }
        let fdB = finiteDifferences(b.values) { v in referencePairLoss(rows(a), rows(Matrix(rows: 5, cols: 4, values: v)), targets: targets, tau: tau) }
        #expect(maxRelativeError(da.values, fdA) < 1e-6)
        #expect(maxRelativeError(db.values, fdB) < 1e-6)
    }

    @Test("Full MSAD (heads, every token index, mean): gradients of tokens and both heads equal finite differences")
    func objectiveGradients() {
        var g = SeededRandom(seed: 6)
        let (batch, tokens, d, e) = (3, 4, 6, 5)
        let headA = ProjectionHead<Double>(inputs: d, outputs: e, generator: &g)
        let headB = ProjectionHead<Double>(inputs: d, outputs: e, generator: &g)
        let za = randomMatrix(batch * tokens, d, &g), zb = randomMatrix(batch * tokens, d, &g)
        let objective = MSADObjective<Double>()
        let result = objective.evaluate(za: za, zb: zb, batch: batch, tokens: tokens, headA: headA, headB: headB)
        // Targets are constants: fixed from the unperturbed heads and tokens.
        let pa = headA.forward(za), pb = headB.forward(zb)
        let targets = (0..<tokens).map { i -> [[Double]] in
            let r = (0..<batch).map { $0 * tokens + i }
            return referenceTargets(rows(pa.gatherRows(r)), rows(pb.gatherRows(r)), tau: 1, epsilon: 0.3)
        }
        func reference(_ ha: ProjectionHead<Double>, _ hb: ProjectionHead<Double>, _ xa: Matrix<Double>, _ xb: Matrix<Double>) -> Double {
            let qa = ha.forward(xa), qb = hb.forward(xb)
            return (0..<tokens).reduce(0.0) { sum, i in
                let r = (0..<batch).map { $0 * tokens + i }
                return sum + referencePairLoss(rows(qa.gatherRows(r)), rows(qb.gatherRows(r)), targets: targets[i], tau: 1) / Double(tokens)
            }
        }
        #expect(abs(result.loss - reference(headA, headB, za, zb)) < 1e-12)
        #expect(maxRelativeError(result.dza.values, finiteDifferences(za.values) { v in
            reference(headA, headB, Matrix(rows: za.rows, cols: d, values: v), zb) }) < 1e-6)
        #expect(maxRelativeError(result.headA.flattened, finiteDifferences(headA.flattened) { p in
            var h = headA; h.load(p[...]); return reference(h, headB, za, zb) }) < 1e-6)
        #expect(maxRelativeError(result.headB.flattened, finiteDifferences(headB.flattened) { p in
            var h = headB; h.load(p[...]); return reference(headA, h, za, zb) }) < 1e-6)
    }

    @Test("MSAD-dense: gradients equal finite differences; aligned tokens give a lower loss")
    func denseGradients() {
        var g = SeededRandom(seed: 7)
        let za = randomMatrix(8, 5, &g), zb = randomMatrix(8, 5, &g)
        let (loss, dza, dzb) = MSADDenseLoss.evaluate(za: za, zb: zb)
        #expect(maxRelativeError(dza.values, finiteDifferences(za.values) { v in
            MSADDenseLoss.evaluate(za: Matrix(rows: 8, cols: 5, values: v), zb: zb).loss }) < 1e-6)
        #expect(maxRelativeError(dzb.values, finiteDifferences(zb.values) { v in
            MSADDenseLoss.evaluate(za: za, zb: Matrix(rows: 8, cols: 5, values: v)).loss }) < 1e-6)
        // Identical tokens for both sensors must score better than random pairs.
        #expect(MSADDenseLoss.evaluate(za: za, zb: za).loss < loss)
    }

    /// The dense loss splits its N×N logits into blocks of 64 rows on the lanes; 150 tokens give
    /// two whole blocks and a partial one.
    @Test("MSAD-dense over several row blocks: loss equals a direct formula, gradients equal finite differences, one lane equals two bit for bit")
    func denseAcrossBlocks() {
        var g = SeededRandom(seed: 11)
        let n = 150, e = 3, tau = 0.1
        let za = randomMatrix(n, e, &g), zb = randomMatrix(n, e, &g)
        let before = ComputeThreads.count
        defer { ComputeThreads.set(before) }
        ComputeThreads.set(1)
        let serial = MSADDenseLoss.evaluate(za: za, zb: zb)
        ComputeThreads.set(2)
        let parallel = MSADDenseLoss.evaluate(za: za, zb: zb)
        #expect(parallel.loss == serial.loss && parallel.dza.values == serial.dza.values && parallel.dzb.values == serial.dzb.values)
        // Direct: cosine logits / τ, cross-entropy of the rows and of the columns against the diagonal.
        func unit(_ v: [Double]) -> [Double] { let s = v.reduce(0) { $0 + $1 * $1 }.squareRoot(); return v.map { $0 / s } }
        let a = rows(za).map(unit), b = rows(zb).map(unit)
        let logits = (0..<n).map { i in (0..<n).map { j in zip(a[i], b[j]).reduce(0) { $0 + $1.0 * $1.1 } / tau } }
        var direct = 0.0
        for k in 0..<n {
            direct += log(logits[k].map(exp).reduce(0, +)) - logits[k][k]
            direct += log((0..<n).map { exp(logits[$0][k]) }.reduce(0, +)) - logits[k][k]
        }
        #expect(abs(serial.loss - direct / Double(2 * n)) < 1e-9 * abs(serial.loss))
        #expect(maxRelativeError(serial.dza.values, finiteDifferences(za.values) { v in
            MSADDenseLoss.evaluate(za: Matrix(rows: n, cols: e, values: v), zb: zb).loss }) < 1e-5)
        #expect(maxRelativeError(serial.dzb.values, finiteDifferences(zb.values) { v in
            MSADDenseLoss.evaluate(za: za, zb: Matrix(rows: n, cols: e, values: v)).loss }) < 1e-5)
    }

    /// The softmax shifts every logit by 1/τ instead of by row and column maxima; at the smallest
    /// temperature the logits span [−40, 40], and in Float32 nothing may underflow.
    @Test("MSAD-dense at the smallest temperature, in Float32, with logits at both ends of their range: equals the Float64 formula")
    func denseSmallestTemperature() {
        let tau = MSADDenseLoss.minimumTemperature
        // Rows 0 and 1 of a are b's rows 0 and 1 reversed in sign (cosine −1); the rest are near-random.
        var g = SeededRandom(seed: 13)
        let n = 70, e = 4
        let zb = randomMatrix(n, e, &g)
        var za = randomMatrix(n, e, &g)
        for c in 0..<e { za[0, c] = -zb[0, c]; za[1, c] = -zb[1, c]; za[2, c] = zb[2, c] }
        let f = { (m: Matrix<Double>) in Matrix<Float>(rows: m.rows, cols: m.cols, values: m.values.map(Float.init)) }
        let single = MSADDenseLoss.evaluate(za: f(za), zb: f(zb), temperature: Float(tau))
        let double = MSADDenseLoss.evaluate(za: za, zb: zb, temperature: tau)
        #expect(single.loss.isFinite && single.dza.values.allSatisfy(\.isFinite) && single.dzb.values.allSatisfy(\.isFinite))
        #expect(abs(Double(single.loss) - double.loss) < 1e-4 * abs(double.loss))
        #expect(maxRelativeError(single.dza.values.map(Double.init), double.dza.values) < 1e-4)
        // A configuration below the smallest temperature is refused, naming the field.
        let sensors = [ModelConfig.Sensor(name: "a", channels: 1, pixelsPerToken: 1), .init(name: "b", channels: 1, pixelsPerToken: 1)]
        #expect(ModelConfig(sensors: sensors, grid: 1, width: 4, heads: 1, projection: 2, loss: .msadDense, temperature: 0.02).problem?
            .contains("temperature") == true)
        #expect(ModelConfig(sensors: sensors, grid: 1, width: 4, heads: 1, projection: 2, loss: .msadDense, temperature: tau).problem == nil)
    }

    @Test("Float32 (training precision) agrees with Float64 on the loss and gradients")
    func floatMatchesDouble() {
        var g = SeededRandom(seed: 8)
        let a = randomMatrix(6, 8, &g), b = randomMatrix(6, 8, &g)
        let f = { (m: Matrix<Double>) in Matrix<Float>(rows: m.rows, cols: m.cols, values: m.values.map(Float.init)) }
        let d = MSADLoss.pair(a, b, temperature: 1, smoothing: 0.3)
        let s = MSADLoss.pair(f(a), f(b), temperature: 1, smoothing: 0.3)
        #expect(abs(Double(s.loss) - d.loss) < 1e-5)
        #expect(maxRelativeError(s.da.values.map(Double.init), d.da.values) < 1e-5)
    }
}
