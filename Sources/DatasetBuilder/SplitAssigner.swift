import Foundation
import GeoRaster
import ShardFormat

/// Assigns cells to splits by blocks of one grid on the globe, shared by every zone and CRS, so
/// that no ground lies in cells of two splits — also where scenes of neighbouring UTM zones overlap.
///
/// The block grid: rows of `blockSize` metres of latitude from the south pole; row `r` is cut into
/// `n_r = max(1, ⌊360° · cos φ_r / Δφ⌋)` equal columns from −180° (φ_r the row's middle latitude),
/// so blocks are about `blockSize` square everywhere and a column edge always lies on the
/// antimeridian. Each block goes wholly to one split, chosen by a seeded hash of its row and column.
/// A cell takes the split of the blocks its footprint (grown by `buffer`) touches, and is dropped
/// when they belong to different splits. A ground point lies in one block, so every cell covering
/// it touches that block: two such cells can only have its split.
public struct SplitAssigner: Sendable {
    public let config: SplitConfig
    /// Block height in degrees of latitude.
    let rowDegrees: Double

    /// Metres per degree on the WGS 84 equator (the block grid is nominal, like UTM's zones).
    static let metresPerDegree = Double.pi / 180 * 6_378_137

    public init(_ config: SplitConfig) {
        self.config = config
        rowDegrees = min(180, config.blockSize / Self.metresPerDegree)
    }

    /// Places one zone's cells on the globe.
    public func cells(in crs: CRS) throws(RasterError) -> Locator {
        Locator(assigner: self, transformer: try CoordinateTransformer(from: crs, to: try CRS(epsg: 4326)))
    }

    /// Finds the splits of cells of one CRS. Not thread-safe (it owns a coordinate transformation).
    public final class Locator {
        let assigner: SplitAssigner
        let transformer: CoordinateTransformer

        init(assigner: SplitAssigner, transformer: CoordinateTransformer) {
            self.assigner = assigner
            self.transformer = transformer
        }

        /// The split of a cell, or `nil` when it touches blocks of two splits, or cannot be placed on the globe.
        public func split(of box: BoundingBox) -> String? {
            // Corners and edge midpoints: cells are small enough for their edges to stay straight in lon/lat.
            let (x0, x1, y0, y1) = (box.minX, box.maxX, box.minY, box.maxY)
            let (xm, ym) = ((x0 + x1) / 2, (y0 + y1) / 2)
            let ring = [(x0, y1), (xm, y1), (x1, y1), (x1, ym), (x1, y0), (xm, y0), (x0, y0), (x0, ym)].map { Coordinate(x: $0.0, y: $0.1) }
            let points = (try? transformer.transform(ring)) ?? []
            guard points.count == 8 else { return nil }
            return assigner.split(lonLat: points)
        }
    }

    /// The split of a lon/lat polygon (longitudes unwrapped, so one crossing the antimeridian works).
    func split(lonLat points: [Coordinate]) -> String? {
        let first = points[0].x
        let lons = points.map { first + remainder($0.x - first, 360) }
        let lats = points.map(\.y)
        let buffer = config.buffer / Self.metresPerDegree
        let south = max(-90, lats.min()! - buffer), north = min(90, lats.max()! + buffer)
        let rows = Int(((south + 90) / rowDegrees).rounded(.down))...Int(((north + 90) / rowDegrees).rounded(.down))
        var split: String?
        for row in rows {
            let bottom = -90 + Double(row) * rowDegrees, top = min(90, bottom + rowDegrees)
            let middle = (bottom + top) / 2
            let columns = max(1, Int((360 * cos(middle * .pi / 180) / rowDegrees).rounded(.down)))
            let width = 360 / Double(columns)
            // The buffer in degrees of longitude, at the row's latitude nearest a pole.
            let widest = max(abs(bottom), abs(top))
            let lonBuffer = widest >= 89.999 ? 360 : buffer / cos(widest * .pi / 180)
            let west = lons.min()! - lonBuffer, east = lons.max()! + lonBuffer
            guard east - west < 360 else { return nil }
            let first = Int(((west + 180) / width).rounded(.down)), last = Int(((east + 180) / width).rounded(.down))
            for column in first...last {
                let wrapped = ((column % columns) + columns) % columns
                let s = splitOfBlock(row: row, column: wrapped)
                if let split, split != s { return nil }
                split = s
            }
        }
        return split
    }

    /// The split of one block: a seeded hash of its position, cut by the fractions.
    func splitOfBlock(row: Int, column: Int) -> String {
        let u = Self.unitHash(seed: config.seed, x: Int64(column), y: Int64(row))
        var cumulative = 0.0
        for (name, fraction) in config.fractions {
            cumulative += fraction
            if u < cumulative { return name }
        }
        return config.fractions.last { $0.fraction > 0 }!.name
    }

    /// A uniform number in [0, 1) from the seed and block (SplitMix64's finaliser).
    static func unitHash(seed: UInt64, x: Int64, y: Int64) -> Double {
        let z = SeededRandom.mix(seed ^ (UInt64(bitPattern: x) &* 0x9E37_79B9_7F4A_7C15) ^ (UInt64(bitPattern: y) &* 0xC2B2_AE3D_27D4_EB4F))
        return Double(z >> 11) / Double(1 << 53)
    }
}
