import ShardFormat
import MSADTrainer
import TestSupport

func randomMatrix(_ rows: Int, _ cols: Int, _ g: inout SeededRandom, scale: Double = 1) -> Matrix<Double> {
    Matrix(rows: rows, cols: cols, values: (0..<(rows * cols)).map { _ in Double.random(in: -scale...scale, using: &g) })
}

/// Central differences of `f` at `x`, step h (Float64: truncation O(h²) ≈ 1e-12, rounding ≈ 1e-16/h ≈ 1e-10).
func finiteDifferences(_ x: [Double], h: Double = 1e-6, _ f: ([Double]) -> Double) -> [Double] {
    x.indices.map { i in
        var plus = x, minus = x
        plus[i] += h
        minus[i] -= h
        return (f(plus) - f(minus)) / (2 * h)
    }
}

/// The largest |a − b| / max(1, |b|).
func maxRelativeError(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
}

/// `Σ out ⊙ weights`: a scalar loss whose gradient with respect to `out` is `weights`.
func weightedSum(_ m: Matrix<Double>, _ weights: Matrix<Double>) -> Double {
    zip(m.values, weights.values).reduce(0) { $0 + $1.0 * $1.1 }
}
