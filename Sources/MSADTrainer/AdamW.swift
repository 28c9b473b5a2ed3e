#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// AdamW (Loshchilov & Hutter): Adam moments with bias correction and *decoupled* weight decay,
/// `θ ← θ − lr · (m̂ / (√v̂ + ε) + λ · θ · decay)`, over one flat parameter vector. Parameters whose
/// `decay` flag is false (norms, biases, position embeddings) get no weight decay.
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

    /// One update of `parameters` with `gradients` at learning rate `lr`.
    public mutating func update(_ parameters: inout [T], gradients: [T], decay: [Bool], learningRate lr: T) {
        precondition(parameters.count == gradients.count && parameters.count == decay.count && parameters.count == firstMoment.count)
        step += 1
        let c1 = 1 - pow(beta1, step), c2 = 1 - pow(beta2, step)
        let (beta1, beta2, epsilon, weightDecay) = (beta1, beta2, epsilon, weightDecay)
        parameters.withUnsafeMutableBufferPointer { p in
            firstMoment.withUnsafeMutableBufferPointer { m in
                secondMoment.withUnsafeMutableBufferPointer { v in
                    for i in p.indices {
                        let g = gradients[i]
                        m[i] = beta1 * m[i] + (1 - beta1) * g
                        v[i] = beta2 * v[i] + (1 - beta2) * g * g
                        let mHat = m[i] / c1, vHat = v[i] / c2
                        let decayTerm = decay[i] ? weightDecay * p[i] : 0
                        p[i] -= lr * (mHat / (vHat.squareRoot() + epsilon) + decayTerm)
                    }
                }
            }
        }
    }

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

/// Scales `gradients` so that their global L2 norm is at most `maxNorm`; returns the norm before clipping.
@discardableResult
public func clipGlobalNorm<T: BLASScalar>(_ gradients: inout [T], maxNorm: T) -> T {
    let norm = gradients.reduce(T(0)) { $0 + $1 * $1 }.squareRoot()
    if norm > maxNorm, norm > 0 {
        let scale = maxNorm / norm
        for i in gradients.indices { gradients[i] *= scale }
    }
    return norm
}
