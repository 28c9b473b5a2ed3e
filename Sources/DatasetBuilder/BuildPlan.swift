import GeoRaster

/// One grid cell to build: where it is, which split it goes to, which sensors cover it.
public struct PlannedCell: Sendable, Equatable {
    /// Unique record key.
    public var key: String
    /// `[col, row]` from the zone's origin (row 0 at the north).
    public var col: Int
    public var row: Int
    /// Ground box in the zone CRS.
    public var box: BoundingBox
    public var split: String
    /// Sensors with at least one scene chosen for the cell (pixels decide later whether they pass).
    public var sensors: [String]
    /// Per sensor of ``sensors``, the scenes warped for the cell: indices into the zone's scenes of
    /// that sensor, in warp order (later ones on top).
    public var scenes: [[Int]]
}

/// A set of cells sharing one grid: the whole area, or one scene (scope `scene`).
public struct PlanZone: Sendable {
    public var name: String
    public var crs: CRS
    public var originX: Double
    public var originY: Double
    public var cells: [PlannedCell]
    /// Scenes of each sensor that touch the zone, with their bounds in the zone CRS.
    public var scenes: [String: [ZoneScene]]
}

/// A scene placed in a zone: its footprint and bounding box in the zone's CRS.
public struct ZoneScene: Sendable {
    public var scene: Scene
    public var outline: Footprint
    public var bounds: BoundingBox

    /// True when the scene's footprint (not just its bounding box) shares area with `box`.
    public func covers(_ box: BoundingBox) -> Bool { outline.intersects(box) }
}

/// A block of neighbouring cells warped together.
public struct PlanBlock: Sendable {
    public var zone: Int
    /// Indices into the zone's cells.
    public var cells: [Int]
    /// Union of the cells' boxes.
    public var box: BoundingBox
}

/// The result of planning: zones, cells and blocks, before any pixel is read.
public struct BuildPlan: Sendable {
    public var manifest: Manifest
    public var zones: [PlanZone]
    /// Blocks in build order; records are written in this order.
    public var blocks: [PlanBlock]
    /// Cells dropped because they touch split blocks of two splits (or their buffer does).
    public var droppedAtSplitEdges: Int
    /// Cell–sensor pairs inside a scene's bounding box but outside its footprint: a bounding-box
    /// coverage test would have warped them (into a rotated scene's empty corners).
    public var outsideFootprints: Int
    /// Per sensor, per band: `[XSCALE, YSCALE]` for the whole build (``KernelScale``): of the
    /// band's files over all scenes, the lower median of each axis, so that neither the block
    /// layout nor which scene comes first changes any pixel.
    public var kernelScales: [String: [[Double]]]
    /// Per sensor, scenes its `where` or the manifest's time window left out.
    public var excludedScenes: [String: Int] = [:]
    /// Per partner sensor (one with a time anchor), how many cells found a partner in its window.
    public var pairing: [String: PairingYield] = [:]

    public var cellCount: Int { zones.reduce(0) { $0 + $1.cells.count } }

    /// Per sensor, the scenes chosen for at least one cell.
    public var sceneCounts: [String: Int] {
        var used: [String: Set<String>] = [:]
        for zone in zones {
            for cell in zone.cells {
                for (sensor, choice) in zip(cell.sensors, cell.scenes) {
                    for i in choice { used[sensor, default: []].insert(zone.scenes[sensor]![i].scene.path) }
                }
            }
        }
        return used.mapValues(\.count)
    }

    /// Every scene file the plan reads, sorted: records' `sources` index into this list.
    public var inputFiles: [String] {
        var seen = Set<String>(), out: [String] = []
        for zone in zones {
            for (_, scenes) in zone.scenes.sorted(by: { $0.key < $1.key }) {
                for s in scenes { for f in s.scene.files where seen.insert(f).inserted { out.append(f) } }
            }
        }
        return out.sorted()
    }
}
