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
    private func moments(_ row: UnsafeBufferPointer<T>) -> (mean: T, inverseStd: T) {
        let n = T(row.count)
        var mean: T = 0
        for v in row { mean += v }
        mean /= n
        var variance: T = 0
        for v in row { variance += (v - mean) * (v - mean) }
        variance /= n
        return (mean, 1 / (variance + epsilon).squareRoot())
    }

    public func forward(_ x: Matrix<T>) -> Matrix<T> {
        var y = x
        let cols = x.cols
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeMutableBufferPointer { ys in
                for r in 0..<x.rows {
                    let row = UnsafeBufferPointer(rebasing: xs[(r * cols)..<((r + 1) * cols)])
                    let (mean, inv) = moments(row)
                    for c in 0..<cols { ys[r * cols + c] = gamma[c] * (row[c] - mean) * inv + beta[c] }
                }
            }
        }
        return y
    }

    /// `dL/dx = inv/n · (n·ĝ − Σĝ − x̂·Σ(ĝ·x̂))` with `ĝ = dy ⊙ γ`, plus `dL/dγ`, `dL/dβ`.
    public func backward(_ x: Matrix<T>, _ dy: Matrix<T>) -> (dx: Matrix<T>, gradient: LayerNorm<T>) {
        var dx = x
        var dGamma = [T](repeating: 0, count: gamma.count), dBeta = dGamma
        let cols = x.cols, n = T(cols)
        x.values.withUnsafeBufferPointer { xs in
            dy.values.withUnsafeBufferPointer { dys in
                dx.values.withUnsafeMutableBufferPointer { dxs in
                    for r in 0..<x.rows {
                        let row = UnsafeBufferPointer(rebasing: xs[(r * cols)..<((r + 1) * cols)])
                        let (mean, inv) = moments(row)
                        var sumG: T = 0, sumGX: T = 0
                        for c in 0..<cols {
                            let xhat = (row[c] - mean) * inv, d = dys[r * cols + c]
                            let g = d * gamma[c]
                            sumG += g
                            sumGX += g * xhat
                            dGamma[c] += d * xhat
                            dBeta[c] += d
                        }
                        for c in 0..<cols {
                            let xhat = (row[c] - mean) * inv
                            dxs[r * cols + c] = inv / n * (n * dys[r * cols + c] * gamma[c] - sumG - xhat * sumGX)
                        }
                    }
                }
            }
        }
        var grad = self
        grad.gamma = dGamma
        grad.beta = dBeta
        return (dx, grad)
    }

    public func appendParameters(to out: inout [T]) {
        out += gamma
        out += beta
    }

    public var parameterCount: Int { gamma.count + beta.count }

    public var decayFlags: [Bool] { [Bool](repeating: false, count: gamma.count + beta.count) }

    public mutating func load(_ values: ArraySlice<T>) {
        gamma = Array(values.prefix(gamma.count))
        beta = Array(values.dropFirst(gamma.count).prefix(beta.count))
    }
}
