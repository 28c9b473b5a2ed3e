import Foundation
import GeoRaster
import ShardFormat

/// Plans a build without reading pixels: scenes, zones, snapped cells, coverage per cell, pairing,
/// splits and blocks.
public enum Planner {
    /// - Throws: ``PlanError`` for inputs that match nothing or cannot be read, and for areas that
    ///   do not overlap the inputs.
    public static func plan(_ manifest: Manifest) throws -> BuildPlan {
        let listing = try SceneCatalog.scenes(for: manifest)
        let scenes = listing.scenes
        let grid = manifest.grid
        var pairing = TemporalPairing(sensors: manifest.sensors)
        let assigner = SplitAssigner(manifest.splits)
        var zones: [PlanZone] = []
        var counts = CellCounts()
        var problems: [String] = []

        let areaLimit = try areaLimit(grid.area)
        var transformers = TransformerCache()
        for spec in try zoneSpecs(manifest, scenes: scenes, problems: &problems) {
            // Every sensor's scenes with their bounds in the zone CRS (skipping ones that cannot be placed there).
            var zoneScenes: [String: [ZoneScene]] = [:]
            for sensor in manifest.sensors {
                zoneScenes[sensor.name] = (scenes[sensor.name] ?? []).compactMap { scene in
                    guard let outline = try? transformers.transform(scene.footprint, to: spec.crs), let b = outline.bounds else { return nil }
                    return ZoneScene(scene: scene, outline: outline, bounds: b)
                }
            }
            guard var area = try areaBox(manifest, zoneScenes: zoneScenes, crs: spec.crs, limit: areaLimit.0,
                                         intersection: areaLimit.intersection) else {
                problems.append("zone \(spec.name): the area does not overlap the inputs of the required sensors")
                continue
            }
            if let limit = spec.limit {
                guard let b = try limit.transformed(to: spec.crs).bounds, let clipped = area.intersection(b) else { continue }
                area = clipped
            }
            // Inputs and areas come from files: a bogus geotransform can make the area astronomical.
            // Keys and split blocks use whole-number coordinates; no CRS on Earth reaches ±10¹⁵.
            guard [area.minX, area.minY, area.maxX, area.maxY].allSatisfy({ abs($0) <= 1e15 }) else {
                problems.append("zone \(spec.name): the area \(area) lies beyond ±10¹⁵ (check the inputs' georeferencing and the area)")
                continue
            }
            let lattice = CellLattice(inside: area, snap: grid.snap, patchSize: grid.patchSize, stride: grid.stride)
            guard lattice.cellCount <= Double(Self.maxCellsPerZone) else {
                problems.append("zone \(spec.name): the area spans \(lattice.columns) × \(lattice.rows) cells, more than the \(Self.maxCellsPerZone) a zone may have (check the inputs' georeferencing and the area)")
                continue
            }
            let splits: SplitAssigner.Locator
            do {
                splits = try assigner.cells(in: spec.crs)
            } catch {
                problems.append("zone \(spec.name): cells in \(spec.crs) cannot be placed on the globe for split blocks: \(error)")
                continue
            }
            let cells = cells(of: lattice, zone: spec, scenes: zoneScenes, manifest: manifest, splits: splits,
                              pairing: &pairing, counts: &counts)
            zones.append(PlanZone(name: spec.name, crs: spec.crs, originX: lattice.originX, originY: lattice.originY,
                                  cells: cells, scenes: zoneScenes))
        }
        if !problems.isEmpty && zones.allSatisfy({ $0.cells.isEmpty }) { throw PlanError(problems: problems) }
        let keys = zones.flatMap { $0.cells.map(\.key) }
        if Set(keys).count != keys.count {
            throw PlanError(problems: ["two cells have the same key: scene names must be unique within the anchor sensor"])
        }
        return BuildPlan(manifest: manifest, zones: zones, blocks: blocks(zones, cellsPerSide: grid.blockCells),
                         droppedAtSplitEdges: counts.droppedAtSplitEdges, outsideFootprints: counts.outsideFootprints,
                         kernelScales: kernelScales(scenes, sensors: manifest.sensors),
                         excludedScenes: listing.excluded, pairing: pairing.finished())
    }

    /// Where a grid is laid: over the whole area, or over one anchor scene (`grid.scope: scene`),
    /// clipped to `limit` then.
    struct ZoneSpec {
        let name: String
        let crs: CRS
        let limit: Footprint?
    }

    /// The zones: one grid over the area, or one per anchor scene. Each zone's CRS is the manifest's,
    /// or for `utm` the zone of the inputs' (or the scene's) centre; a scene already in a WGS 84 UTM
    /// zone keeps it. Scenes that cannot be placed on the globe become problems.
    static func zoneSpecs(_ manifest: Manifest, scenes: [String: [Scene]], problems: inout [String]) throws -> [ZoneSpec] {
        let grid = manifest.grid
        func utmZone(of footprints: [Footprint]) throws -> CRS? {
            guard let centre = try centreLonLat(of: footprints) else { return nil }
            return try CRS.utm(longitude: centre.x, latitude: centre.y)
        }
        switch grid.scope {
        case .area:
            switch grid.crs {
            case .fixed(let crs): return [ZoneSpec(name: "area", crs: crs, limit: nil)]
            case .utm:
                guard let crs = try utmZone(of: scenes.values.flatMap { $0 }.map(\.footprint)) else {
                    throw PlanError(problems: ["the inputs' footprints cannot be placed on the globe to choose a UTM zone"])
                }
                return [ZoneSpec(name: "area", crs: crs, limit: nil)]
            }
        case .scene(let anchor):
            var specs: [ZoneSpec] = []
            for scene in scenes[anchor] ?? [] {
                switch grid.crs {
                case .fixed(let crs): specs.append(ZoneSpec(name: scene.name, crs: crs, limit: scene.footprint))
                case .utm:
                    // A scene already in a WGS 84 UTM zone keeps it (MGRS tiles reach past their zone's
                    // edge; re-warping them into the neighbouring zone would rotate every patch).
                    if let epsg = scene.footprint.crs.epsg, (32601...32660).contains(epsg) || (32701...32760).contains(epsg) {
                        specs.append(ZoneSpec(name: scene.name, crs: scene.footprint.crs, limit: scene.footprint))
                    } else if let crs = try utmZone(of: [scene.footprint]) {
                        specs.append(ZoneSpec(name: scene.name, crs: crs, limit: scene.footprint))
                    } else {
                        problems.append("scene \(scene.path): footprint cannot be placed on the globe")
                    }
                }
            }
            return specs
        }
    }

    /// Cells left out of a plan, counted for its report.
    struct CellCounts {
        /// Cells whose ground touches blocks of two splits.
        var droppedAtSplitEdges = 0
        /// Cell–sensor pairs a bounding-box test would have warped, though no footprint covers the cell.
        var outsideFootprints = 0
    }

    /// A zone's records-to-be: the lattice's cells that enough sensors cover (footprint polygons),
    /// with the scenes the pairing rule picks and the split of the blocks they touch.
    static func cells(of lattice: CellLattice, zone: ZoneSpec, scenes zoneScenes: [String: [ZoneScene]], manifest: Manifest,
                      splits: SplitAssigner.Locator, pairing: inout TemporalPairing, counts: inout CellCounts) -> [PlannedCell] {
        let patch = manifest.grid.patchSize
        let tag = zone.crs.epsg.map { "EPSG\($0)" } ?? "CRS" + String(SHA256.hex(Array(zone.crs.wkt.utf8)).prefix(8))
        let lookups = zoneScenes.mapValues { list in
            // Tiles about one scene wide: most scenes fall into a few tiles, a cell looks at one to four.
            let widths = list.map { max($0.bounds.width, $0.bounds.height) }.sorted()
            return SceneLookup(list.map(\.bounds), tile: max(patch, widths.isEmpty ? patch : widths[widths.count / 2]))
        }
        var cells: [PlannedCell] = []
        for row in 0..<Int(lattice.rows) {
            for col in 0..<Int(lattice.columns) {
                let box = lattice.box(column: col, row: row)
                var covering: [String: [Int]] = [:]
                for sensor in manifest.sensors {
                    let near = lookups[sensor.name]!.candidates(box).filter { zoneScenes[sensor.name]![$0].bounds.intersection(box) != nil }
                    covering[sensor.name] = near.filter { zoneScenes[sensor.name]![$0].covers(box) }
                    // A bounding-box test would have warped this sensor here, into a scene's empty corner.
                    if covering[sensor.name]!.isEmpty && !near.isEmpty { counts.outsideFootprints += 1 }
                }
                let centre = Coordinate(x: (box.minX + box.maxX) / 2, y: (box.minY + box.maxY) / 2)
                let chosen = pairing.choose(covering: covering, scenes: zoneScenes, centre: centre)
                let present = manifest.sensors.map(\.name).filter { !chosen[$0]!.isEmpty }
                guard manifest.pairing.require.allSatisfy(present.contains), present.count >= manifest.pairing.minSensors else { continue }
                guard let split = splits.split(of: box) else { counts.droppedAtSplitEdges += 1; continue }
                let key = manifest.grid.scope == .area ? "\(tag)_\(coordinate(box.minX))_\(coordinate(box.maxY))" : "\(zone.name)_\(col)_\(row)"
                cells.append(PlannedCell(key: key, col: col, row: row, box: box, split: split, sensors: present,
                                         scenes: present.map { chosen[$0]! }))
            }
        }
        return cells
    }

    /// Per sensor and band, the lower median of each axis of the band files' kernel scales.
    static func kernelScales(_ scenes: [String: [Scene]], sensors: [SensorConfig]) -> [String: [[Double]]] {
        var out: [String: [[Double]]] = [:]
        for sensor in sensors {
            let list = scenes[sensor.name] ?? []
            out[sensor.name] = sensor.bands.indices.map { b in
                (0..<2).map { axis in
                    let values = list.map { $0.bands[b].kernelScale[axis] }.sorted()
                    return values.isEmpty ? 1 : values[(values.count - 1) / 2]
                }
            }
        }
        return out
    }

    /// One coordinate transformer per pair of CRSs: creating one looks the operation up in PROJ's
    /// database (about a millisecond), too slow to repeat for each of 10,000 scenes.
    struct TransformerCache {
        private var cache: [String: CoordinateTransformer] = [:]

        mutating func transform(_ footprint: Footprint, to target: CRS) throws -> Footprint {
            if footprint.crs == target { return footprint }
            let key = footprint.crs.wkt + "\u{0}" + target.wkt
            let transformer = try cache[key] ?? CoordinateTransformer(from: footprint.crs, to: target)
            cache[key] = transformer
            return try footprint.transformed(by: transformer, to: target)
        }
    }

    /// The most cells one zone's grid may have (a billion 1-byte patches would already be a terabyte).
    static let maxCellsPerZone = 1_000_000_000

    /// Cells grouped into square blocks of `cellsPerSide`², blocks and cells in row-major order.
    static func blocks(_ zones: [PlanZone], cellsPerSide n: Int) -> [PlanBlock] {
        var out: [PlanBlock] = []
        for (z, zone) in zones.enumerated() {
            var groups: [[Int]: [Int]] = [:]
            for (i, cell) in zone.cells.enumerated() { groups[[cell.row / n, cell.col / n], default: []].append(i) }
            for key in groups.keys.sorted(by: { ($0[0], $0[1]) < ($1[0], $1[1]) }) {
                let cells = groups[key]!
                let box = cells.dropFirst().reduce(zone.cells[cells[0]].box) { $0.union(zone.cells[$1].box) }
                out.append(PlanBlock(zone: z, cells: cells, box: box))
            }
        }
        return out
    }

    /// The area to cut in a zone's CRS: the sensors' required coverage (or, with `intersection`
    /// false, the union of all), limited to the manifest's box or GeoJSON extent when there is one.
    static func areaBox(_ manifest: Manifest, zoneScenes: [String: [ZoneScene]], crs: CRS,
                        limit: Footprint?, intersection: Bool) throws -> BoundingBox? {
        func coverage(_ sensor: String) -> BoundingBox? {
            zoneScenes[sensor]!.map(\.bounds).reduce(nil) { acc, b in acc.map { $0.union(b) } ?? b }
        }
        let union = manifest.sensors.compactMap { coverage($0.name) }.reduce(nil as BoundingBox?) { acc, b in acc.map { $0.union(b) } ?? b }
        var required: BoundingBox? = union
        if !manifest.pairing.require.isEmpty {
            required = coverage(manifest.pairing.require[0])
            for name in manifest.pairing.require.dropFirst() {
                guard let r = required, let c = coverage(name) else { return nil }
                required = r.intersection(c)
            }
        }
        guard let limit else { return intersection ? required : union }
        guard let b = try limit.transformed(to: crs).bounds else { return nil }
        return required.flatMap { $0.intersection(b) }
    }

    /// The manifest's area as a footprint (`nil` for coverage areas); a GeoJSON file is read once here.
    static func areaLimit(_ area: GridConfig.Area) throws -> (Footprint?, intersection: Bool) {
        switch area {
        case .coverage(let intersection): return (nil, intersection)
        case .bbox(let box, let crs): return (Footprint(crs: crs, box: box), true)
        case .geojson(let path):
            let (box, crs) = try vectorExtent(path: path)
            return (Footprint(crs: crs, box: box), true)
        }
    }

    /// The centre of footprints on the globe. Longitudes are unwrapped around the first vertex, so
    /// inputs crossing the antimeridian are centred on it, not on the far side of the Earth.
    static func centreLonLat(of footprints: [Footprint]) throws -> Coordinate? {
        let wgs84 = try CRS(epsg: 4326)
        var points: [Coordinate] = []
        for f in footprints { points += (try? f.transformed(to: wgs84).ring) ?? [] }
        guard let first = points.first?.x else { return nil }
        let lons = points.map { first + remainder($0.x - first, 360) }, lats = points.map(\.y)
        let lon = remainder((lons.min()! + lons.max()!) / 2, 360)
        return Coordinate(x: lon == 180 ? -180 : lon, y: (lats.min()! + lats.max()!) / 2)
    }

    /// A coordinate for keys: whole numbers without decimals, others with up to 3.
    static func coordinate(_ v: Double) -> String {
        v == v.rounded() ? String(Int64(v)) : String(format: "%.3f", v)
    }
}
