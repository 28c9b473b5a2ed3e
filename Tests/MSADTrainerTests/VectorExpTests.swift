import Foundation
import MSADTrainer
import Testing

/// Float's bulk `exp` (GELU's gate, attention's softmax) is a vectorised loop with its own
/// polynomial; glibc's `expf` is the reference.
@Suite("Vectorised exp")
struct VectorExpTests {
    /// The largest distance in ulps between `expInPlace` and glibc's `expf` over `values`.
    static func maxUlpError(_ values: [Float]) -> Float {
        var out = values
        out.withUnsafeMutableBufferPointer { Float.expInPlace($0) }
        var worst: Float = 0
        for (x, y) in zip(values, out) {
            let reference = expf(x)
            worst = max(worst, abs(y - reference) / reference.ulp)
        }
        return worst
    }

    @Test("Within 2 ulp of glibc's expf (1 ulp measured) across the range of normal results")
    func accuracy() {
        // A dense sweep of the whole range, and values around the points where n (x · log₂e rounded) changes.
        let sweep = stride(from: Float(-87.3), through: 88.7, by: 0.0007).map { $0 }
        let steps = (-126...127).flatMap { n -> [Float] in
            let x = Float(n) * 0.6931472
            return [x.nextDown.nextDown, x.nextDown, x, x.nextUp, x.nextUp.nextUp, x + 0.3465736, x - 0.3465736]
        }.filter { $0 > -87.33 && $0 < 88.72 }
        #expect(Self.maxUlpError(sweep) <= 2)
        #expect(Self.maxUlpError(steps) <= 2)
    }

    @Test("Overflow gives +∞, underflow and −∞ give 0, NaN stays NaN, 0 gives exactly 1")
    func edges() {
        var values: [Float] = [89, 1000, .infinity, -88, -1000, -.infinity, .nan, 0, 88.72, -87.33]
        values.withUnsafeMutableBufferPointer { Float.expInPlace($0) }
        #expect(values[0] == .infinity && values[1] == .infinity && values[2] == .infinity)
        #expect(values[3] == 0 && values[4] == 0 && values[5] == 0)
        #expect(values[6].isNaN && values[7] == 1)
        #expect(values[8].isFinite && values[8] > 3e38 && values[9] > 0 && values[9] < 1.2e-38)
    }
}
