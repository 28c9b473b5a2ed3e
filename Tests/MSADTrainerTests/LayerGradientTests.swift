import ShardFormat
import MSADTrainer
import TestSupport
import Testing

/// Every layer's backward pass against central finite differences of its own forward, in Float64.
/// Tolerance 1e-6 relative: the finite differences are accurate to ~1e-9 here, so anything larger
/// is a wrong gradient, not noise.
@Suite("Layer gradients")
struct LayerGradientTests {
    @Test("Linear: input, weight and bias")
    func linear() {
        var g = SeededRandom(seed: 1)
        let layer = Linear<Double>(inputs: 5, outputs: 4, generator: &g)
        let x = randomMatrix(3, 5, &g), w = randomMatrix(3, 4, &g)
        let (dx, grad) = layer.backward(x, w)
        #expect(maxRelativeError(dx.values, finiteDifferences(x.values) { v in
            weightedSum(layer.forward(Matrix(rows: 3, cols: 5, values: v)), w) }) < 1e-6)
        #expect(maxRelativeError(grad.flattened, finiteDifferences(layer.flattened) { p in
            var l = layer; l.load(p[...]); return weightedSum(l.forward(x), w) }) < 1e-6)
    }

    @Test("GELU (tanh approximation)")
    func gelu() {
        var g = SeededRandom(seed: 2)
        let x = randomMatrix(4, 6, &g, scale: 3), w = randomMatrix(4, 6, &g)
        let dx = GELU.backward(x, w)
        #expect(maxRelativeError(dx.values, finiteDifferences(x.values) { v in
            weightedSum(GELU.forward(Matrix(rows: 4, cols: 6, values: v)), w) }) < 1e-6)
        // Known values: gelu(0) = 0, gelu(1) ≈ 0.841192 (tanh form).
        let y = GELU.forward(Matrix<Double>(rows: 1, cols: 2, values: [0, 1]))
        #expect(abs(y.values[0]) < 1e-12 && abs(y.values[1] - 0.8411919906) < 1e-9)
    }

    @Test("LayerNorm: input, γ and β (19 features: two whole blocks of the vectorised sums and a tail)")
    func layerNorm() {
        var g = SeededRandom(seed: 3)
        let features = 19
        var norm = LayerNorm<Double>(features: features)
        norm.gamma = (0..<features).map { _ in Double.random(in: 0.5...1.5, using: &g) }
        norm.beta = (0..<features).map { _ in Double.random(in: -0.5...0.5, using: &g) }
        let x = randomMatrix(3, features, &g, scale: 2), w = randomMatrix(3, features, &g)
        let (dx, grad) = norm.backward(x, w)
        #expect(maxRelativeError(dx.values, finiteDifferences(x.values) { v in
            weightedSum(norm.forward(Matrix(rows: 3, cols: features, values: v)), w) }) < 1e-6)
        #expect(maxRelativeError(grad.flattened, finiteDifferences(norm.flattened) { p in
            var l = norm; l.load(p[...]); return weightedSum(l.forward(x), w) }) < 1e-6)
        // (y − β)/γ is the normalised row: mean 0, variance var/(var + ε) ≈ 1.
        let y = norm.forward(x)
        for r in 0..<3 {
            let z = (0..<features).map { (y[r, $0] - norm.beta[$0]) / norm.gamma[$0] }
            #expect(abs(z.reduce(0, +) / Double(features)) < 1e-12)
            #expect(abs(z.map { $0 * $0 }.reduce(0, +) / Double(features) - 1) < 1e-4)
        }
    }

    @Test("Projection head (Linear → GELU → Linear, + first Linear, LayerNorm)")
    func projectionHead() {
        var g = SeededRandom(seed: 4)
        let head = ProjectionHead<Double>(inputs: 6, outputs: 5, generator: &g)
        let z = randomMatrix(4, 6, &g), w = randomMatrix(4, 5, &g)
        let (dz, grad) = head.backward(z, w)
        #expect(maxRelativeError(dz.values, finiteDifferences(z.values) { v in
            weightedSum(head.forward(Matrix(rows: 4, cols: 6, values: v)), w) }) < 1e-6)
        #expect(maxRelativeError(grad.flattened, finiteDifferences(head.flattened) { p in
            var h = head; h.load(p[...]); return weightedSum(h.forward(z), w) }) < 1e-6)
    }
}
