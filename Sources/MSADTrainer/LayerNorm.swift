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

    /// Per row: `x̂ = (x − mean) / √(var + ε)` into `xhat`; returns 1/√(var + ε).
    private func normalise(_ row: UnsafePointer<T>, into xhat: UnsafeMutablePointer<T>, count: Int) -> T {
        let n = T(count)
        let mean = VectorSums.sum(row, count: count) / n
        for c in 0..<count { xhat[c] = row[c] - mean }
        let inverseStd = 1 / (VectorSums.dot(xhat, xhat, count: count) / n + epsilon).squareRoot()
        for c in 0..<count { xhat[c] *= inverseStd }
        return inverseStd
    }

    public func forward(_ x: Matrix<T>) -> Matrix<T> {
        var y = Matrix<T>(zeros: x.rows, x.cols)
        let cols = x.cols
        precondition(gamma.count == cols && beta.count == cols, "LayerNorm of \(gamma.count) features on rows of \(cols)")
        guard x.rows > 0, cols > 0 else { return y }
        x.values.withUnsafeBufferPointer { xs in
            y.values.withUnsafeMutableBufferPointer { ys in
                gamma.withUnsafeBufferPointer { gamma in
                    beta.withUnsafeBufferPointer { beta in
                        for r in 0..<x.rows {
                            let out = ys.baseAddress! + r * cols
                            _ = normalise(xs.baseAddress! + r * cols, into: out, count: cols)
                            for c in 0..<cols { out[c] = gamma[c] * out[c] + beta[c] }
                        }
                    }
                }
            }
        }
        return y
    }

    /// `dL/dx = inv/n · (n·ĝ − Σĝ − x̂·Σ(ĝ·x̂))` with `ĝ = dy ⊙ γ`, plus `dL/dγ = Σ dy ⊙ x̂`, `dL/dβ = Σ dy`.
    public func backward(_ x: Matrix<T>, _ dy: Matrix<T>) -> (dx: Matrix<T>, gradient: LayerNorm<T>) {
        var dx = Matrix<T>(zeros: x.rows, x.cols)
        var dGamma = [T](repeating: 0, count: gamma.count), dBeta = dGamma
        let cols = x.cols, n = T(cols)
        precondition(gamma.count == cols && dy.rows == x.rows && dy.cols == cols, "LayerNorm of \(gamma.count) features on rows of \(cols)")
        var grad = self
        guard x.rows > 0, cols > 0 else {
            (grad.gamma, grad.beta) = (dGamma, dBeta)
            return (dx, grad)
        }
        var xhat = [T](repeating: 0, count: cols), g = xhat
        x.values.withUnsafeBufferPointer { xs in
            dy.values.withUnsafeBufferPointer { dys in
                dx.values.withUnsafeMutableBufferPointer { dxs in
                    gamma.withUnsafeBufferPointer { gamma in
                        dGamma.withUnsafeMutableBufferPointer { dGamma in
                            dBeta.withUnsafeMutableBufferPointer { dBeta in
                                xhat.withUnsafeMutableBufferPointer { xhat in
                                    g.withUnsafeMutableBufferPointer { g in
                                        let (xh, gh) = (xhat.baseAddress!, g.baseAddress!)
                                        for r in 0..<x.rows {
                                            let d = dys.baseAddress! + r * cols, out = dxs.baseAddress! + r * cols
                                            let inv = normalise(xs.baseAddress! + r * cols, into: xh, count: cols)
                                            for c in 0..<cols {
                                                gh[c] = d[c] * gamma[c]
                                                dGamma[c] += d[c] * xh[c]
                                                dBeta[c] += d[c]
                                            }
                                            let sumG = VectorSums.sum(gh, count: cols), sumGX = VectorSums.dot(gh, xh, count: cols)
                                            let scale = inv / n
                                            for c in 0..<cols { out[c] = scale * (n * gh[c] - sumG - xh[c] * sumGX) }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (grad.gamma, grad.beta) = (dGamma, dBeta)
        return (dx, grad)
    }

    public mutating func forEachParameterArray(_ body: (inout [T]) -> Void) {
        body(&gamma)
        body(&beta)
    }

    public var decayFlags: [Bool] { [Bool](repeating: false, count: gamma.count + beta.count) }
}
