/// Layer normalisation over each row: `y = γ ⊙ (x − mean) / √(var + ε) + β` (population variance).
public struct LayerNorm<T: BLASScalar>: Parameters, Sendable {
    public var gamma: [T]
    public var beta: [T]
    public var epsilon: T

    public init(features: Int, epsilon: T = T(1e-5)) {
        gamma = [T](repeating: 1, count: features)
        beta = [T](repeating: 0, count: features)
        self.epsilon = epsilon
    }

    /// Per row: mean and 1/√(var + ε).
    private func moments(_ x: Matrix<T>, row r: Int) -> (mean: T, inverseStd: T) {
        let n = T(x.cols)
        var mean: T = 0
        for c in 0..<x.cols { mean += x[r, c] }
        mean /= n
        var variance: T = 0
        for c in 0..<x.cols { variance += (x[r, c] - mean) * (x[r, c] - mean) }
        variance /= n
        return (mean, 1 / (variance + epsilon).squareRoot())
    }

    public func forward(_ x: Matrix<T>) -> Matrix<T> {
        var y = x
        for r in 0..<x.rows {
            let (mean, inv) = moments(x, row: r)
            for c in 0..<x.cols { y[r, c] = gamma[c] * (x[r, c] - mean) * inv + beta[c] }
        }
        return y
    }

    /// `dL/dx = inv/n · (n·ĝ − Σĝ − x̂·Σ(ĝ·x̂))` with `ĝ = dy ⊙ γ`, plus `dL/dγ`, `dL/dβ`.
    public func backward(_ x: Matrix<T>, _ dy: Matrix<T>) -> (dx: Matrix<T>, gradient: LayerNorm<T>) {
        var dx = x
        var grad = LayerNorm(features: gamma.count, epsilon: epsilon)
        grad.gamma = [T](repeating: 0, count: gamma.count)
        let n = T(x.cols)
        for r in 0..<x.rows {
            let (mean, inv) = moments(x, row: r)
            var sumG: T = 0, sumGX: T = 0
            for c in 0..<x.cols {
                let xhat = (x[r, c] - mean) * inv
                let g = dy[r, c] * gamma[c]
                sumG += g
                sumGX += g * xhat
                grad.gamma[c] += dy[r, c] * xhat
                grad.beta[c] += dy[r, c]
            }
            for c in 0..<x.cols {
                let xhat = (x[r, c] - mean) * inv
                dx[r, c] = inv / n * (n * dy[r, c] * gamma[c] - sumG - xhat * sumGX)
            }
        }
        return (dx, grad)
    }

    public var flattened: [T] { gamma + beta }

    public var decayFlags: [Bool] { [Bool](repeating: false, count: gamma.count + beta.count) }

    public mutating func load(_ values: ArraySlice<T>) {
        gamma = Array(values.prefix(gamma.count))
        beta = Array(values.dropFirst(gamma.count).prefix(beta.count))
    }
}
