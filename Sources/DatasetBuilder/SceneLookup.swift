import GeoRaster

/// Finds the scenes whose bounds may touch a box without testing every scene: scenes are filed
/// into square tiles of a fixed size by their bounds, and a box looks only at the tiles it
/// touches. Planning 10,000 STAC items over 100,000 cells is then linear, not quadratic.
struct SceneLookup {
    private let tile: Double
    private var tiles: [SIMD2<Int64>: [Int]] = [:]
    /// Scenes too large to file (more than `maxTilesPerScene` tiles): tested for every box.
    private var everywhere: [Int] = []
    private static let maxTilesPerScene = 4096

    /// - Parameter tile: the tile side, in the zone's units (about one scene's size works best).
    init(_ bounds: [BoundingBox], tile: Double) {
        self.tile = tile > 0 && tile.isFinite ? tile : 1
        for (i, b) in bounds.enumerated() {
            let (x0, x1, y0, y1) = range(b)
            guard x1 >= x0, y1 >= y0, (x1 - x0 + 1) * (y1 - y0 + 1) <= Int64(Self.maxTilesPerScene) else {
                everywhere.append(i); continue
            }
            for x in x0...x1 { for y in y0...y1 { tiles[SIMD2(x, y), default: []].append(i) } }
        }
    }

    private func range(_ b: BoundingBox) -> (Int64, Int64, Int64, Int64) {
        func index(_ v: Double) -> Int64 { Int64(max(-1e15, min(1e15, (v / tile).rounded(.down)))) }
        return (index(b.minX), index(b.maxX), index(b.minY), index(b.maxY))
    }

    /// Indices of scenes whose bounds may touch `box`, ascending (the scenes' own order).
    func candidates(_ box: BoundingBox) -> [Int] {
        let (x0, x1, y0, y1) = range(box)
        var found = Set(everywhere)
        if (x1 - x0 + 1) * (y1 - y0 + 1) > Int64(tiles.count) {
            for list in tiles.values { found.formUnion(list) }
        } else {
            for x in x0...x1 { for y in y0...y1 { if let list = tiles[SIMD2(x, y)] { found.formUnion(list) } } }
        }
        return found.sorted()
    }
}
