@testable import DatasetBuilder
import GeoValues
import Testing

@Suite("Exact warp windows")
struct WarpWindowsTests {
    /// Unit cells at lattice positions (column, row).
    private func cells(_ positions: [(Int, Int)]) -> [BoundingBox] {
        positions.map { BoundingBox(minX: Double($0.0), minY: Double($0.1), maxX: Double($0.0 + 1), maxY: Double($0.1 + 1)) }
    }

    /// Every cell in exactly one group, inside its group's box, and each box the bounds of its cells.
    private func expectPartition(_ groups: [(box: BoundingBox, members: [Int])], of boxes: [BoundingBox]) {
        #expect(groups.flatMap(\.members).sorted() == Array(boxes.indices))
        for group in groups {
            let bounds = group.members.dropFirst().reduce(boxes[group.members[0]]) { $0.union(boxes[$1]) }
            #expect(bounds == group.box)
        }
    }

    @Test("Cells that fill their box stay one window")
    func fullRectangle() {
        let boxes = cells((0..<4).flatMap { x in (0..<3).map { (x, $0) } })
        let groups = WarpWindows.partition(boxes, minimumSaving: 0.5)
        #expect(groups.count == 1)
        expectPartition(groups, of: boxes)
    }

    @Test("A staircase along a tile's edge is cut into windows that cover less ground than its box")
    func staircase() {
        // Rows 0-3 of two cells, each row one cell further right: the box is 5×4 = 20, the cells 8.
        let boxes = cells([(0, 0), (1, 0), (1, 1), (2, 1), (2, 2), (3, 2), (3, 3), (4, 3)])
        let groups = WarpWindows.partition(boxes, minimumSaving: 0.5)
        expectPartition(groups, of: boxes)
        let covered = groups.reduce(0) { $0 + $1.box.width * $1.box.height }
        #expect(covered == 8, "every cut pays here, down to one window per row: \(covered)")
        #expect(groups.count == 4)
    }

    @Test("A cut that saves less than the minimum is not made")
    func minimumSaving() {
        // An L of three cells: its box holds one cell of ground no cell needs.
        let boxes = cells([(0, 0), (1, 0), (0, 1)])
        #expect(WarpWindows.partition(boxes, minimumSaving: 1.5).count == 1)
        let cut = WarpWindows.partition(boxes, minimumSaving: 1)
        #expect(cut.count == 2)
        expectPartition(cut, of: boxes)
        #expect(WarpWindows.partition([], minimumSaving: 1).isEmpty)
    }
}
