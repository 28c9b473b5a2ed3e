#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// AdamW (Loshchilov & Hutter): Adam moments with bias correction and *decoupled* weight decay,
/// `θ ← θ − lr · (m̂ / (√v̂ + ε) + λ · θ · decay)`, evaluated as PyTorch's `torch.optim.AdamW` does
/// (decay first, then `θ −= (lr / c₁) · m / (√v / √c₂ + ε)`). The moments are one flat vector in
/// parameter order. Parameters whose `decay` flag is false (norms, biases, position embeddings) get
/// no weight decay.
public struct AdamW<T: BLASScalar>: Sendable, Equatable {
    public var beta1: T
    public var beta2: T
    public var epsilon: T
    public var weightDecay: T
    /// Steps taken so far.
    public var step: Int
    public var firstMoment: [T]
    public var secondMoment: [T]

    public init(parameterCount: Int, beta1: T = T(0.9), beta2: T = T(0.999), epsilon: T = T(1e-8), weightDecay: T = T(0.05)) {
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        step = 0
        firstMoment = [T](repeating: 0, count: parameterCount)
        secondMoment = [T](repeating: 0, count: parameterCount)
    }

    /// One update of `model` in place with `gradient` times `gradientScale` (the clipping factor,
    /// ``clippingScale(_:maxNorm:)``) at learning rate `lr`; `decay` is the model's ``Parameters/decayFlags``.
    public mutating func update<P: Parameters>(_ model: inout P, gradient: P, gradientScale: T = 1, decay: [Bool], learningRate lr: T)
        where P.Scalar == T {
        let gradients = gradient.parameterArrays
        var k = 0, offset = 0
        step += 1
        let rule = rule(learningRate: lr, gradientScale: gradientScale)
        model.forEachParameterArray { parameters in
            precondition(k < gradients.count && gradients[k].count == parameters.count && offset + parameters.count <= decay.count
                         && offset + parameters.count <= firstMoment.count, "the gradient, the decay flags and the moments have the model's shape")
            apply(rule, to: &parameters, gradients: gradients[k], at: offset, decay: decay)
            offset += parameters.count
            k += 1
        }
        precondition(offset == firstMoment.count && k == gradients.count, "the optimizer state has the model's parameter count")
    }

    /// One update of a flat parameter vector with `gradients` at learning rate `lr`.
    public mutating func update(_ parameters: inout [T], gradients: [T], decay: [Bool], learningRate lr: T) {
        precondition(parameters.count == gradients.count && parameters.count == decay.count && parameters.count == firstMoment.count)
        step += 1
        apply(rule(learningRate: lr, gradientScale: 1), to: &parameters, gradients: gradients, at: 0, decay: decay)
    }

    /// The constants of this step's update.
    private struct Rule {
        var beta1, beta2, epsilon: T
        /// `1 − lr · λ`, applied to decayed parameters first.
        var decayFactor: T
        /// `lr / c₁` and `1 / √c₂`.
        var stepSize, inverseRootC2: T
        var gradientScale: T
    }

    private func rule(learningRate lr: T, gradientScale: T) -> Rule {
        Rule(beta1: beta1, beta2: beta2, epsilon: epsilon, decayFactor: 1 - lr * weightDecay,
             stepSize: lr / (1 - pow(beta1, step)), inverseRootC2: 1 / (1 - pow(beta2, step)).squareRoot(), gradientScale: gradientScale)
    }

    /// Updates `parameters`, the moments from `offset` on, with `gradients`. Element-wise, so the
    /// lanes take contiguous parts and the result does not depend on their number; a loop over
    /// pointers (with array subscripts and their bounds checks the update took 15 ms of a 220 ms
    /// step for 3.7 M parameters).
    private mutating func apply(_ rule: Rule, to parameters: inout [T], gradients: [T], at offset: Int, decay: [Bool]) {
        let count = parameters.count
        guard count > 0 else { return }
        parameters.withUnsafeMutableBufferPointer { p in
            firstMoment.withUnsafeMutableBufferPointer { m in
                secondMoment.withUnsafeMutableBufferPointer { v in
                    gradients.withUnsafeBufferPointer { g in
                        decay.withUnsafeBufferPointer { d in
                            let (p, g) = (LanePointer(p.baseAddress!), LanePointer(g.baseAddress!))
                            let (m, v, d) = (LanePointer(m.baseAddress! + offset), LanePointer(v.baseAddress! + offset),
                                             LanePointer(d.baseAddress! + offset))
                            Lanes.split(count, parallel: count >= Self.parallelCount) { range in
                                for i in range {
                                    let gi = g[i] * rule.gradientScale
                                    let mi = rule.beta1 * m[i] + (1 - rule.beta1) * gi
                                    let vi = rule.beta2 * v[i] + (1 - rule.beta2) * gi * gi
                                    m[i] = mi
                                    v[i] = vi
                                    let decayed = d[i] ? p[i] * rule.decayFactor : p[i]
                                    p[i] = decayed - rule.stepSize * mi / (vi.squareRoot() * rule.inverseRootC2 + rule.epsilon)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Below this many parameters an array is updated on one lane.
    static var parallelCount: Int { 1 << 16 }

    /// `base^n` by squaring: O(log n) multiplications, whatever step an optimizer file claims.
    private func pow(_ base: T, _ n: Int) -> T {
        var (result, factor, k): (T, T, Int) = (1, base, n)
        while k > 0 {
            if k & 1 == 1 { result *= factor }
            factor *= factor
            k >>= 1
        }
        return result
    }
}

/// Linear warm-up to `peak`, then cosine decay to `floor` at `totalSteps`.
public struct LearningRateSchedule<T: BLASScalar>: Sendable, Equatable {
    public var peak: T
    public var floor: T
    public var warmupSteps: Int
    public var totalSteps: Int

    public init(peak: T, floor: T = 0, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.floor = floor
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The learning rate of step `step` (0-based).
    public func rate(at step: Int) -> T {
        if step < warmupSteps { return peak * T(step + 1) / T(warmupSteps) }
        let span = max(1, totalSteps - warmupSteps)
        let progress = Double(min(step - warmupSteps, span)) / Double(span)
        return floor + (peak - floor) * T(0.5 * (1 + cos(Double.pi * progress)))
    }
}

/// The global L2 norm of `gradient` and the factor that brings it to at most `maxNorm` (1 when it
/// is within). The arrays' sums of squares are added in their fixed order.
public func clippingScale<P: Parameters>(_ gradient: P, maxNorm: P.Scalar) -> (norm: P.Scalar, scale: P.Scalar) {
    var walked = gradient, sum: P.Scalar = 0
    walked.forEachParameterArray { array in sum += array.withUnsafeBufferPointer(VectorSums.sumOfSquares) }
    let norm = sum.squareRoot()
    return (norm, norm > maxNorm && norm > 0 ? maxNorm / norm : 1)
}
