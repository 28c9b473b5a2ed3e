/// SplitMix64: small, fast and fully determined by its seed, so orders and augmentations can be
/// recomputed exactly on resume.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose whole sequence is determined by `seed`.
    public init(seed: UInt64) { state = seed }

    /// A generator for a purpose derived from several numbers (seed, epoch, sample …).
    public init(_ parts: UInt64...) {
        var s: UInt64 = 0x243F_6A88_85A3_08D3
        for p in parts {
            s ^= p &+ 0x9E37_79B9_7F4A_7C15 &+ (s << 6) &+ (s >> 2)
            s = SeededRandom.mix(s)
        }
        state = s
    }

    /// The next number of the sequence.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return SeededRandom.mix(state)
    }

    /// SplitMix64's finaliser: a bijective mix of 64 bits, also usable alone as a stateless hash.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
