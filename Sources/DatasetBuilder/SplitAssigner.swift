import GeoRaster

/// Assigns cells to splits by square spatial blocks, so that no pixel of one split lies in a cell of
/// another: a cell is kept only when it lies entirely inside one block (minus the buffer), and every
/// block goes wholly to one split, chosen by a seeded hash of the block's position.
public struct SplitAssigner: Sendable {
    public let config: SplitConfig

    public init(_ config: SplitConfig) {
        self.config = config
    }

    /// The split of a cell, or `nil` when the cell crosses a block edge or lies in the buffer.
    /// - Parameter zoneKey: distinguishes CRSs (blocks of different zones are independent).
    public func split(of box: BoundingBox, zoneKey: String) -> String? {
        let b = config.blockSize, eps = 1e-6 * b
        let bx = ((box.minX + eps) / b).rounded(.down), by = ((box.minY + eps) / b).rounded(.down)
        let x0 = bx * b + config.buffer, x1 = (bx + 1) * b - config.buffer
        let y0 = by * b + config.buffer, y1 = (by + 1) * b - config.buffer
        guard box.minX >= x0 - eps, box.maxX <= x1 + eps, box.minY >= y0 - eps, box.maxY <= y1 + eps else { return nil }
        let u = Self.unitHash(seed: config.seed, zoneKey: zoneKey, x: Int64(bx), y: Int64(by))
        var cumulative = 0.0
        for (name, fraction) in config.fractions {
            cumulative += fraction
            if u < cumulative { return name }
        }
        return config.fractions.last { $0.fraction > 0 }?.name
    }

    /// A uniform number in [0, 1) from the seed, zone and block (SplitMix64 finaliser over FNV-1a).
    static func unitHash(seed: UInt64, zoneKey: String, x: Int64, y: Int64) -> Double {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in zoneKey.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var z = h ^ seed ^ (UInt64(bitPattern: x) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(bitPattern: y) &* 0xC2B2_AE3D_27D4_EB4F)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}
