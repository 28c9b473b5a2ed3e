import GeoValues

/// The windows an exact warp of some cells covers. One bounding box of the cells warps ground none
/// of them needs where they do not fill it (a staircase of cells along a tile's edge, an L around
/// another scene's cells), and every pixel of a window costs one exact transformation per scene. So
/// the box is cut, along cell edges, wherever a cut saves more pixels than a warp costs by itself
/// (its transformer and source window). Only for exact warps: a patch of an approximate warp depends
/// on its window.
enum WarpWindows {
    /// Pixels a cut must save to pay for the extra warp it makes. Measured on the small-patch
    /// benchmark (exact, 2 cores): ~1.1 µs of CPU per pixel and scene warped, ~1.5 ms per warp and
    /// scene besides the pixels (taking a cached transformation, the source window, set-up).
    static let minimumSavedPixels = 2048.0

    /// Groups `cells` (boxes on one lattice) under windows: each group with its bounding box.
    /// Guillotine cuts, the best one first, as long as a cut saves at least `minimumSaving` (in
    /// squared CRS units); every cell is in exactly one group, and cells keep their order.
    static func partition(_ cells: [BoundingBox], minimumSaving: Double) -> [(box: BoundingBox, members: [Int])] {
        guard !cells.isEmpty else { return [] }
        var groups: [(box: BoundingBox, members: [Int])] = []
        func split(_ members: [Int]) {
            let box = bounds(members.map { cells[$0] })
            var best: (saving: Double, first: [Int], second: [Int])?
            // A cut at a cell edge: cells on the lattice lie wholly on one side of it.
            for vertical in [true, false] {
                let edges = Set(members.map { vertical ? cells[$0].maxX : cells[$0].maxY }).sorted()
                for edge in edges {
                    let first = members.filter { (vertical ? cells[$0].maxX : cells[$0].maxY) <= edge }
                    let second = members.filter { (vertical ? cells[$0].minX : cells[$0].minY) >= edge }
                    guard !first.isEmpty, !second.isEmpty, first.count + second.count == members.count else { continue }
                    let saving = area(box) - area(bounds(first.map { cells[$0] })) - area(bounds(second.map { cells[$0] }))
                    if saving > (best?.saving ?? 0) { best = (saving, first, second) }
                }
            }
            if let best, best.saving >= minimumSaving {
                split(best.first)
                split(best.second)
            } else {
                groups.append((box, members))
            }
        }
        split(Array(cells.indices))
        return groups
    }

    /// The bounding box of `boxes` (at least one).
    static func bounds(_ boxes: [BoundingBox]) -> BoundingBox {
        boxes.dropFirst().reduce(boxes[0]) { $0.union($1) }
    }

    private static func area(_ box: BoundingBox) -> Double { box.width * box.height }
}
