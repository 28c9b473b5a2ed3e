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
        var dropped = 0
        var outsideFootprints = 0
        var problems: [String] = []

        let areaLimit = try areaLimit(grid.area)

        // The zones: one grid over the area, or one per anchor scene.
        var zoneSpecs: [(name: String, crs: CRS, limit: Footprint?)] = []
        switch grid.scope {
        case .area:
            let all = scenes.values.flatMap { $0 }
            let crs: CRS
            switch grid.crs {
            case .fixed(let c): crs = c
            case .utm:
                guard let centre = try centreLonLat(of: all.map(\.footprint)) else {
                    throw PlanError(problems: ["the inputs' footprints cannot be placed on the globe to choose a UTM zone"])
                }
                crs = try CRS.utm(longitude: centre.x, latitude: centre.y)
            }
            zoneSpecs.append(("area", crs, nil))
        case .scene(let anchor):
            for scene in scenes[anchor] ?? [] {
                let crs: CRS
                switch grid.crs {
                case .fixed(let c): crs = c
                case .utm:
                    // A scene already in a WGS 84 UTM zone keeps it (MGRS tiles reach past their zone's
                    // edge; re-warping them into the neighbouring zone would rotate every patch).
                    if let epsg = scene.footprint.crs.epsg, (32601...32660).contains(epsg) || (32701...32760).contains(epsg) {
                        zoneSpecs.append((scene.name, scene.footprint.crs, scene.footprint))
                        continue
                    }
                    guard let centre = try centreLonLat(of: [scene.footprint]) else {
                        problems.append("scene \(scene.path): footprint cannot be placed on the globe"); continue
                    }
                    crs = try CRS.utm(longitude: centre.x, latitude: centre.y)
                }
                zoneSpecs.append((scene.name, crs, scene.footprint))
            }
        }

        var transformers = TransformerCache()
        for spec in zoneSpecs {
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
            let snap = grid.snap, p = grid.patchSize, s = grid.stride
            let eps = 1e-6 * s
            // Snapped inwards, so that every cell lies wholly inside the area.
            let x0 = ((area.minX - eps) / snap).rounded(.up) * snap
            let y0 = ((area.maxY + eps) / snap).rounded(.down) * snap
            let cols = area.maxX - x0 + eps >= p ? ((area.maxX - x0 - p + eps) / s).rounded(.down) + 1 : 0
            let rows = y0 - area.minY + eps >= p ? ((y0 - area.minY - p + eps) / s).rounded(.down) + 1 : 0
            // Inputs and areas come from files: a bogus geotransform can make the area astronomical.
            // Keys and split blocks use whole-number coordinates; no CRS on Earth reaches ±10¹⁵.
            guard [area.minX, area.minY, area.maxX, area.maxY].allSatisfy({ abs($0) <= 1e15 }) else {
                problems.append("zone \(spec.name): the area \(area) lies beyond ±10¹⁵ (check the inputs' georeferencing and the area)")
                continue
            }
            guard cols.isFinite, rows.isFinite, cols * rows <= Double(Self.maxCellsPerZone) else {
                problems.append("zone \(spec.name): the area spans \(cols) × \(rows) cells, more than the \(Self.maxCellsPerZone) a zone may have (check the inputs' georeferencing and the area)")
                continue
            }
            let splits: SplitAssigner.Locator
            do {
                splits = try assigner.cells(in: spec.crs)
            } catch {
                problems.append("zone \(spec.name): cells in \(spec.crs) cannot be placed on the globe for split blocks: \(error)")
                continue
            }
            let tag = spec.crs.epsg.map { "EPSG\($0)" } ?? "CRS" + String(SHA256.hex(Array(spec.crs.wkt.utf8)).prefix(8))
            let lookups = zoneScenes.mapValues { list in
                // Tiles about one scene wide: most scenes fall into a few tiles, a cell looks at one to four.
                let widths = list.map { max($0.bounds.width, $0.bounds.height) }.sorted()
                return SceneLookup(list.map(\.bounds), tile: max(p, widths.isEmpty ? p : widths[widths.count / 2]))
            }
            var cells: [PlannedCell] = []
            for row in 0..<Int(rows) {
                for col in 0..<Int(cols) {
                    let box = BoundingBox(minX: x0 + Double(col) * s, minY: y0 - Double(row) * s - p,
                                          maxX: x0 + Double(col) * s + p, maxY: y0 - Double(row) * s)
                    var covering: [String: [Int]] = [:]
                    for sensor in manifest.sensors {
                        let near = lookups[sensor.name]!.candidates(box).filter { zoneScenes[sensor.name]![$0].bounds.intersection(box) != nil }
                        covering[sensor.name] = near.filter { zoneScenes[sensor.name]![$0].covers(box) }
                        // A bounding-box test would have warped this sensor here, into a scene's empty corner.
                        if covering[sensor.name]!.isEmpty && !near.isEmpty { outsideFootprints += 1 }
                    }
                    let centre = Coordinate(x: (box.minX + box.maxX) / 2, y: (box.minY + box.maxY) / 2)
                    let chosen = pairing.choose(covering: covering, scenes: zoneScenes, centre: centre)
                    let present = manifest.sensors.map(\.name).filter { !chosen[$0]!.isEmpty }
                    guard manifest.pairing.require.allSatisfy(present.contains), present.count >= manifest.pairing.minSensors else { continue }
                    guard let split = splits.split(of: box) else { dropped += 1; continue }
                    let key = grid.scope == .area ? "\(tag)_\(coordinate(box.minX))_\(coordinate(box.maxY))" : "\(spec.name)_\(col)_\(row)"
                    cells.append(PlannedCell(key: key, col: col, row: row, box: box, split: split, sensors: present,
                                             scenes: present.map { chosen[$0]! }))
                }
            }
            zones.append(PlanZone(name: spec.name, crs: spec.crs, originX: x0, originY: y0, cells: cells, scenes: zoneScenes))
        }
        if !problems.isEmpty && zones.allSatisfy({ $0.cells.isEmpty }) { throw PlanError(problems: problems) }
        let keys = zones.flatMap { $0.cells.map(\.key) }
        if Set(keys).count != keys.count {
            throw PlanError(problems: ["two cells have the same key: scene names must be unique within the anchor sensor"])
        }
        return BuildPlan(manifest: manifest, zones: zones, blocks: blocks(zones, cellsPerSide: grid.blockCells), droppedAtSplitEdges: dropped,
                         outsideFootprints: outsideFootprints,
                         kernelScales: kernelScales(scenes, sensors: manifest.sensors),
                         excludedScenes: listing.excluded, pairing: pairing.finished())
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
