/// `exp` over a buffer of Floats, for the trainer's element-wise passes (GELU's gate, attention's
/// softmax), written as a loop the compiler vectorises instead of one glibc `expf` call per element.
///
/// `eˣ = 2ⁿ · eʳ` with `n = round(x · log₂e)` and `r = x − n · ln 2` (ln 2 split in two so that
/// `n · ln2_hi` is exact), `|r| ≤ ln 2 / 2`; `eʳ` is its Taylor polynomial of degree 7, whose
/// truncation error there is below 6e-9, under a Float's half-ulp. `n` is rounded by adding
/// 1.5 · 2²³ (its low bits are then `n`), and `2ⁿ` is built from exponent bits in two halves, so
/// that no branch or float-to-integer conversion stands in the loop. Results are within 2 ulp of
/// glibc's `expf` across the range of normal results (tested). Above 88.72283 the result is +∞,
/// below −87.33654 (where results would be subnormal) it is 0, and NaN stays NaN.
enum VectorExp {
    static func expInPlace(_ values: UnsafeMutableBufferPointer<Float>) {
        for i in values.indices { values[i] = exp(values[i]) }
    }

    @inline(__always)
    static func exp(_ x: Float) -> Float {
        let clamped = min(max(x, -87.33654), 88.72283)
        let shifted = clamped * 1.442695 + 12_582_912
        let n = shifted - 12_582_912
        let k = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
        let r = (clamped - n * 0.693359375) - n * -2.12194440e-4
        var p: Float = 1 / 5040
        p = p * r + 1 / 720
        p = p * r + 1 / 120
        p = p * r + 1 / 24
        p = p * r + 1 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // n is in −126…128; 2ⁿ = 2^(n₁) · 2^(n − n₁) with both halves in −63…64, normal Floats.
        let half = k &>> 1
        let scale1 = Float(bitPattern: UInt32(bitPattern: (half &+ 127) &<< 23))
        let scale2 = Float(bitPattern: UInt32(bitPattern: (k &- half &+ 127) &<< 23))
        var result = p * scale1 * scale2
        result = x > 88.72283 ? .infinity : result
        result = x < -87.33654 ? 0 : result
        return x.isNaN ? x : result
    }
}
