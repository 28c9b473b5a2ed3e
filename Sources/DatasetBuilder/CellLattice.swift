import GeoRaster

/// A zone's cells before any filter: `patchSize`-wide squares every `stride`, from an origin
/// snapped inwards to multiples of `snap`, as many as lie wholly inside the area (DATASETS.md,
/// "Cells"). A tolerance of 10⁻⁶ stride absorbs rounding in coordinates that sit on the lattice.
struct CellLattice {
    /// The top-left corner of cell (0, 0).
    let originX: Double, originY: Double
    /// Cells across and down, as Doubles: a bogus area can make them too large for `Int`, and the
    /// planner refuses those (``cellCount``) before it counts in `Int`.
    let columns: Double, rows: Double
    let patchSize: Double, stride: Double

    init(inside area: BoundingBox, snap: Double, patchSize p: Double, stride s: Double) {
        let eps = 1e-6 * s
        let x0 = ((area.minX - eps) / snap).rounded(.up) * snap
        let y0 = ((area.maxY + eps) / snap).rounded(.down) * snap
        columns = area.maxX - x0 + eps >= p ? ((area.maxX - x0 - p + eps) / s).rounded(.down) + 1 : 0
        rows = y0 - area.minY + eps >= p ? ((y0 - area.minY - p + eps) / s).rounded(.down) + 1 : 0
        (originX, originY, patchSize, stride) = (x0, y0, p, s)
    }

    /// columns × rows; infinite when either is not finite.
    var cellCount: Double { columns.isFinite && rows.isFinite ? columns * rows : .infinity }

    /// The ground of cell (`column`, `row`), rows counted downwards from the origin.
    func box(column: Int, row: Int) -> BoundingBox {
        BoundingBox(minX: originX + Double(column) * stride, minY: originY - Double(row) * stride - patchSize,
                    maxX: originX + Double(column) * stride + patchSize, maxY: originY - Double(row) * stride)
    }
}
