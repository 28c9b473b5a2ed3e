import Foundation
import GeoRaster
import ShardFormat

/// What one block produced: its encoded records (in cell order) and counts for progress.
struct BlockResult: Sendable {
    var records: [EncodedRecord]
    var cells: Int
}

/// One sensor's scenes warped over the cells that chose them, ready to cut: raw little-endian
/// C×H×W bytes and per-pixel flags.
private struct WarpedBlock {
    var bytes: [UInt8]
    var valid: [UInt8]
    /// 1 where the cloud-mask band flags the pixel (only with a cloud mask).
    var cloudy: [UInt8]?
    var width: Int
    var height: Int
    /// The ground the warp covers, in the zone's CRS.
    var box: BoundingBox
}

/// Which cells share a warp: those that chose the same scenes (and, for vector labels, one cell each).
private struct WarpKey: Hashable {
    var scenes: [Int]
    var cell: String?
}

/// One window of a warp key (``WarpWindows``).
private struct WarpWindowID: Hashable {
    var key: WarpKey
    var part: Int
}

/// Turns blocks of the plan into encoded records. Owns GDAL handles and a zstd context, so each
/// instance is confined to one worker thread (GDAL 3.6 handles must not be shared).
final class BlockWorker {
    private let plan: BuildPlan
    private let encoder: RecordEncoder
    private let warpOptions: WarpOptions
    /// Approximate transformations make a patch depend on its warp's window, so records keep it.
    private var storesWarpWindows: Bool { (warpOptions.errorThreshold ?? 0.125) > 0 }
    private var rasters: [String: Raster] = [:]
    private var rasterOrder: [String] = []
    private static let maxOpenRasters = 256
    /// Position of each input file in `dataset.json`'s `inputs`.
    private let inputIndex: [String: Int]

    init(plan: BuildPlan, warpOptions: WarpOptions) {
        self.plan = plan
        inputIndex = Dictionary(uniqueKeysWithValues: plan.inputFiles.enumerated().map { ($1, $0) })
        encoder = RecordEncoder(options: plan.manifest.encoding)
        self.warpOptions = warpOptions
    }

    /// An open handle for a path, kept in a small least-recently-opened cache.
    private func raster(_ path: String) throws -> Raster {
        if let r = rasters[path] { return r }
        let r = try Raster(path: path)
        rasters[path] = r
        rasterOrder.append(path)
        if rasterOrder.count > Self.maxOpenRasters { rasters[rasterOrder.removeFirst()] = nil }
        return r
    }

    func process(_ block: PlanBlock, skip: (String) -> Bool) throws -> BlockResult {
        let zone = plan.zones[block.zone]
        let manifest = plan.manifest
        let all = block.cells.map { zone.cells[$0] }
        let kept = all.indices.filter { !skip(all[$0].key) }
        let cells = kept.map { all[$0] }
        guard !cells.isEmpty else { return BlockResult(records: [], cells: block.cells.count) }
        // Per sensor and cell, the warp its patch is cut from: one per distinct choice of scenes,
        // over the cells that made it (with fixed kernel scales a patch's pixels then depend only on
        // its own scenes and, for approximate warps, on the window); exact warps cut that box
        // where it holds much ground none of the cells needs (``WarpWindows``). Approximate warps
        // of a sensor whose cells take every scene that touches them (no time rule, or `mosaic`
        // without an anchor) warp once per block with all its scenes in name order instead: a
        // scene whose footprint misses a cell writes none of its pixels, and with cheap
        // transformations the fixed cost of each warp (PROJ's search for the operation) dominates.
        // Exact warps transform every window pixel once per scene, so there one warp of all the
        // scenes measured slower.
        // Windows come from all the block's cells, also those a resumed build skips, so that
        // approximate warps see the same windows.
        // Vector labels are burnt per cell: GDAL's all-touched rule decides pixels an edge passes
        // exactly through by rounding relative to the raster's origin, so a block's burn can differ
        // from the patch's own at such ties.
        var warped: [String: [String: [WarpedBlock]]] = [:]
        for sensor in manifest.sensors {
            let takesEveryCoveringScene = sensor.rasterize == nil && (sensor.time.map { $0.anchor == nil && $0.pick == .mosaic } ?? true)
            let oneWarpPerBlock = storesWarpWindows && takesEveryCoveringScene
            let blockScenes = Set(all.flatMap { cell in cell.sensors.firstIndex(of: sensor.name).map { cell.scenes[$0] } ?? [] }).sorted()
            // The warps a cell's patch is cut from: one, or one per step of a time series.
            func keys(_ cell: PlannedCell) -> [WarpKey] {
                guard let i = cell.sensors.firstIndex(of: sensor.name) else { return [] }
                if sensor.rasterize != nil { return [WarpKey(scenes: cell.scenes[i], cell: cell.key)] }
                if sensor.time?.pick == .timeSeries { return cell.scenes[i].map { WarpKey(scenes: [$0], cell: nil) } }
                return [WarpKey(scenes: oneWarpPerBlock ? blockScenes : cell.scenes[i], cell: nil)]
            }
            var members: [WarpKey: [Int]] = [:]
            for (i, cell) in all.enumerated() {
                for key in keys(cell) { members[key, default: []].append(i) }
            }
            // Each key's windows: the box of its cells, cut where that saves pixels for exact warps.
            var windows: [WarpKey: [(box: BoundingBox, members: [Int])]] = [:]
            for (key, cellIndices) in members {
                let boxes = cellIndices.map { all[$0].box }
                let groups = storesWarpWindows || sensor.rasterize != nil
                    ? [(box: WarpWindows.bounds(boxes), members: Array(boxes.indices))]
                    : WarpWindows.partition(boxes, minimumSaving: WarpWindows.minimumSavedPixels * sensor.gsd * sensor.gsd)
                windows[key] = groups.map { ($0.box, $0.members.map { cellIndices[$0] }) }
            }
            var done: [WarpWindowID: WarpedBlock] = [:]
            for i in kept {
                let cellKeys = keys(all[i])
                guard !cellKeys.isEmpty else { continue }
                warped[sensor.name, default: [:]][all[i].key] = try cellKeys.map { key in
                    let window = WarpWindowID(key: key, part: windows[key]!.firstIndex { $0.members.contains(i) }!)
                    if let block = done[window] { return block }
                    let block = try warp(sensor, scenes: key.scenes.map { zone.scenes[sensor.name]![$0] },
                                         box: windows[key]![window.part].box, crs: zone.crs)
                    done[window] = block
                    return block
                }
            }
        }
        var records: [EncodedRecord] = []
        for cell in cells {
            if let record = try cut(cell, zone: zone, warped: warped) {
                records.append(try encoder.encode(record))
            }
        }
        return BlockResult(records: records, cells: block.cells.count)
    }

    /// One warp of every scene of a sensor over the block, all bands stacked.
    private func warp(_ sensor: SensorConfig, scenes: [ZoneScene], box: BoundingBox, crs: CRS) throws -> WarpedBlock {
        if sensor.time?.pick == .median && scenes.count > 1 {
            return medianComposite(try scenes.map { try warp(sensor, scenes: [$0], box: box, crs: crs) }, sensor: sensor)
        }
        let grid = try GridSpec(crs: crs, bounds: box, pixelSize: sensor.gsd)
        let (bytes, valid) = try sensor.rasterize.map { try rasterizeBytes(scenes, rule: $0, grid: grid, dtype: sensor.dtype) }
            ?? warpBytes(inputs(sensor, scenes: scenes), grid: grid, dtype: sensor.dtype)
        var validity = valid
        let plane = grid.pixelCount
        if let range = sensor.validRange {
            bytes.withUnsafeBytes { raw in
                for b in 0..<sensor.bands.count {
                    for i in 0..<plane where validity[i] != 0 {
                        if !range.contains(sensor.dtype.value(in: raw, at: b * plane + i)) { validity[i] = 0 }
                    }
                }
            }
        }
        var cloudy: [UInt8]?
        if let mask = sensor.cloudMask, let band = sensor.bands.firstIndex(where: { $0.name == mask.band }) {
            cloudy = bytes.withUnsafeBytes { raw in
                (0..<plane).map { mask.values.contains(sensor.dtype.value(in: raw, at: band * plane + $0)) ? 1 : 0 }
            }
        }
        return WarpedBlock(bytes: bytes, valid: validity, cloudy: cloudy, width: grid.width, height: grid.height, box: box)
    }

    /// The warp calls DATASETS.md gives a reader: consecutive bands that come from the same file of
    /// every scene, with the same resampling and kernel scale, share one call.
    private func inputs(_ sensor: SensorConfig, scenes: [ZoneScene]) throws -> [WarpInput] {
        let resampling = sensor.resamplingPerBand
        let scales = plan.kernelScales[sensor.name]!
        func call(_ b: Int) -> ([String], Resampling, [Double]) { (scenes.map { $0.scene.bands[b].path }, resampling[b], scales[b]) }
        var inputs: [WarpInput] = []
        var start = 0
        while start < sensor.bands.count {
            var end = start + 1
            while end < sensor.bands.count && call(end) == call(start) { end += 1 }
            inputs.append(WarpInput(rasters: try call(start).0.map(raster), bands: scenes[0].scene.bands[start..<end].map(\.band),
                                    resampling: resampling[start], nodata: sensor.nodata, kernelScale: scales[start]))
            start = end
        }
        return inputs
    }

    /// Per pixel and band, the lower median of the scenes whose pixel is valid and not cloudy (the
    /// ⌈n/2⌉-th smallest value, copied as stored); a pixel no scene contributes to is invalid.
    private func medianComposite(_ parts: [WarpedBlock], sensor: SensorConfig) -> WarpedBlock {
        let first = parts[0], plane = first.width * first.height, size = sensor.dtype.size
        var bytes = [UInt8](repeating: 0, count: first.bytes.count)
        var valid = [UInt8](repeating: 0, count: plane)
        var values: [(value: Double, part: Int)] = []
        for i in 0..<plane {
            let contributing = parts.indices.filter { parts[$0].valid[i] != 0 && parts[$0].cloudy?[i] != 1 }
            guard !contributing.isEmpty else { continue }
            valid[i] = 1
            for b in 0..<sensor.bands.count {
                let at = b * plane + i
                values = contributing.map { p in (parts[p].bytes.withUnsafeBytes { sensor.dtype.value(in: $0, at: at) }, p) }
                values.sort { ($0.value, $0.part) < ($1.value, $1.part) }
                let chosen = values[(values.count - 1) / 2].part
                bytes.replaceSubrange(at * size..<(at + 1) * size, with: parts[chosen].bytes[at * size..<(at + 1) * size])
            }
        }
        return WarpedBlock(bytes: bytes, valid: valid, cloudy: nil, width: first.width, height: first.height, box: first.box)
    }

    /// Vector labels burnt onto the grid, every pixel valid (the background is a class too).
    private func rasterizeBytes(_ scenes: [ZoneScene], rule: RasterizeRule, grid: GridSpec, dtype: DType) throws -> ([UInt8], [UInt8]) {
        var bytes = [UInt8](repeating: 0, count: grid.pixelCount * dtype.size)
        try bytes.withUnsafeMutableBytes { raw in
            try Rasterizer.rasterize(scenes.map(\.scene.path), rule: rule, onto: grid, dataType: dtype, into: raw)
        }
        return (bytes, [UInt8](repeating: 1, count: grid.pixelCount))
    }

    /// Warps straight into byte arrays (no typed intermediate copy of the block).
    private func warpBytes(_ inputs: [WarpInput], grid: GridSpec, dtype: DType) throws -> ([UInt8], [UInt8]) {
        let bands = inputs.reduce(0) { $0 + $1.outputBandCount }
        var bytes = [UInt8](unsafeUninitializedCapacity: bands * grid.pixelCount * dtype.size) { _, n in n = bands * grid.pixelCount * dtype.size }
        var validity = [UInt8](unsafeUninitializedCapacity: grid.pixelCount) { _, n in n = grid.pixelCount }
        try bytes.withUnsafeMutableBytes { raw in
            try validity.withUnsafeMutableBufferPointer { mask in
                try Warper.warp(inputs, onto: grid, dataType: dtype, into: raw, validity: mask, options: warpOptions)
            }
        }
        return (bytes, validity)
    }

    /// A scene's files as indices into `dataset.json`'s `inputs`: one for all bands, or one per band.
    private func sources(of scene: Scene) -> [Int] {
        let files = scene.bands.map { inputIndex[$0.path]! }
        return Set(files).count == 1 ? [files[0]] : files
    }

    /// A sensor's pixels of one cell, cut from its warp, with the counts the filters need.
    private struct Patch {
        var data: [UInt8]
        /// 1 where the pixel is valid.
        var mask: [UInt8]
        var validCount: Int
        var cloudyCount: Int
        var pixelCount: Int { mask.count }
        var validFraction: Double { Double(validCount) / Double(pixelCount) }
    }

    /// Copies the cell's window out of a warp (rows of every band) and its validity.
    private func patch(of cell: PlannedCell, from w: WarpedBlock, sensor: SensorConfig) -> Patch {
        let n = Int((plan.manifest.grid.patchSize / sensor.gsd).rounded())
        let ox = Int(((cell.box.minX - w.box.minX) / sensor.gsd).rounded())
        let oy = Int(((w.box.maxY - cell.box.maxY) / sensor.gsd).rounded())
        let size = sensor.dtype.size, c = sensor.bands.count
        var out = Patch(data: [UInt8](repeating: 0, count: c * n * n * size), mask: [UInt8](repeating: 0, count: n * n), validCount: 0, cloudyCount: 0)
        out.data.withUnsafeMutableBytes { dst in
            w.bytes.withUnsafeBytes { src in
                for b in 0..<c {
                    for y in 0..<n {
                        let from = ((b * w.height + oy + y) * w.width + ox) * size
                        let to = (b * n + y) * n * size
                        dst.baseAddress!.advanced(by: to).copyMemory(from: src.baseAddress!.advanced(by: from), byteCount: n * size)
                    }
                }
            }
        }
        for y in 0..<n {
            for x in 0..<n {
                let i = (oy + y) * w.width + ox + x
                out.mask[y * n + x] = w.valid[i]
                out.validCount += Int(w.valid[i])
                if let cloudy = w.cloudy, cloudy[i] != 0 { out.cloudyCount += 1 }
            }
        }
        return out
    }

    /// Whether a patch passes the sensor's `maxInvalidFraction` and cloud-mask filters.
    private static func passesFilters(_ p: Patch, _ sensor: SensorConfig) -> Bool {
        if 1 - p.validFraction > sensor.maxInvalidFraction { return false }
        if let cloud = sensor.cloudMask, Double(p.cloudyCount) / Double(p.pixelCount) > cloud.maxFraction { return false }
        return true
    }

    /// Cuts a cell's patch from every warped sensor (one per step of a time series), applies the
    /// filters and pairing. A time series whose step fails a filter is left out whole, so a record
    /// holds either all its steps or none.
    private func cut(_ cell: PlannedCell, zone: PlanZone, warped: [String: [String: [WarpedBlock]]]) throws -> Record? {
        let manifest = plan.manifest
        let centre = Coordinate(x: (cell.box.minX + cell.box.maxX) / 2, y: (cell.box.minY + cell.box.maxY) / 2)
        let crs = zone.crs.definition
        var metas: [SensorMetadata] = []
        var arrays: [[UInt8]] = []
        var masks: [[UInt8]?] = []
        var present: Set<String> = []
        for sensor in manifest.sensors {
            guard let s = cell.sensors.firstIndex(of: sensor.name), let warps = warped[sensor.name]?[cell.key] else { continue }
            let patches = warps.map { patch(of: cell, from: $0, sensor: sensor) }
            guard patches.allSatisfy({ Self.passesFilters($0, sensor) }) else { continue }
            present.insert(sensor.name)
            let sceneList = zone.scenes[sensor.name]!
            let isSeries = sensor.time?.pick == .timeSeries
            let n = Int((manifest.grid.patchSize / sensor.gsd).rounded())
            for (k, p) in patches.enumerated() {
                // A time series' step k is its k-th scene alone; otherwise every chosen scene, in mosaic order.
                let scenes = isSeries ? [cell.scenes[s][k]] : cell.scenes[s]
                let onTop = TemporalPairing.top(scenes, of: sceneList, at: centre).map { sceneList[$0] }
                let covering = scenes.map { sceneList[$0] }
                let w = warps[k]
                metas.append(SensorMetadata(
                    sensor: isSeries ? TimeStep(series: sensor.name, index: k, steps: warps.count).sensorName : sensor.name, bands: sensor.bands.map(\.name), dtype: sensor.dtype,
                    shape: [sensor.bands.count, n, n], geotransform: GeoTransform(originX: cell.box.minX, originY: cell.box.maxY, pixelSize: sensor.gsd), crs: crs,
                    nodata: sensor.nodata ?? covering.first?.scene.bands[0].nodata, validFraction: p.validFraction,
                    acquired: onTop?.scene.acquired, sources: covering.map { sources(of: $0.scene) },
                    warpWindow: storesWarpWindows && sensor.rasterize == nil ? w.box : nil))
                arrays.append(p.data)
                masks.append(p.validCount == p.pixelCount ? nil : p.mask)
            }
        }
        guard manifest.pairing.require.allSatisfy(present.contains), present.count >= manifest.pairing.minSensors else { return nil }
        let metadata = RecordMetadata(key: cell.key, cell: [cell.col, cell.row], split: cell.split,
                                      footprint: cell.box, crs: crs,
                                      sensors: metas, attributes: attributes(of: cell, zone: zone, present: present, centre: centre))
        return Record(metadata: metadata, arrays: arrays, masks: masks)
    }

    /// A record's attributes: those of the manifest's attribute sensors' scene under the cell's
    /// centre (or any covering scene), and for each median composite the number of scenes it was
    /// made from (per pixel, fewer may have contributed).
    private func attributes(of cell: PlannedCell, zone: PlanZone, present: Set<String>, centre: Coordinate) -> [String: AttributeValue] {
        func contains(_ b: BoundingBox, _ p: Coordinate) -> Bool { p.x >= b.minX && p.x <= b.maxX && p.y >= b.minY && p.y <= b.maxY }
        let manifest = plan.manifest
        var attributes: [String: AttributeValue] = [:]
        for source in manifest.attributes {
            let candidates = zone.scenes[source.sensor]!.filter { $0.covers(cell.box) }
            if let scene = candidates.first(where: { contains($0.bounds, centre) }) ?? candidates.first {
                attributes.merge(scene.scene.attributes, uniquingKeysWith: { a, _ in a })
            }
        }
        for sensor in manifest.sensors where sensor.time?.pick == .median && present.contains(sensor.name) {
            attributes["\(sensor.name).scenes"] = .number(Double(cell.scenes[cell.sensors.firstIndex(of: sensor.name)!].count))
        }
        return attributes
    }
}
