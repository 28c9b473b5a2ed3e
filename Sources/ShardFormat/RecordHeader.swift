import Foundation

/// The JSON record header of format 2: what a record says that its index entry does not — the
/// cell, split, footprint, CRS, attributes, and per sensor its sources and nodata.
struct RecordHeader: Codable, Equatable {
    struct Sensor: Codable, Equatable {
        /// Per scene in mosaic order: indices into `dataset.json`'s `inputs`.
        var sources: [[Int]]
        var nodata: Double?
        /// Only when it differs from the record's CRS.
        var crs: CRSDefinition?
        /// Only for approximate warps: ``SensorMetadata/warpWindow`` as `[minX, minY, maxX, maxY]`.
        var window: [Double]?
    }

    var cell: [Int]
    var split: String
    /// `[minX, minY, maxX, maxY]`: kept as numbers so that a hostile header gets a precise error.
    var footprint: [Double]
    var crs: CRSDefinition
    var attributes: [String: AttributeValue]
    var sensors: [String: Sensor]

    init(_ r: RecordMetadata) {
        cell = r.cell
        split = r.split
        footprint = r.footprint.corners
        crs = r.crs
        attributes = r.attributes
        sensors = Dictionary(uniqueKeysWithValues: r.sensors.map {
            ($0.sensor, Sensor(sources: $0.sources, nodata: $0.nodata, crs: $0.crs == r.crs ? nil : $0.crs, window: $0.warpWindow?.corners))
        })
    }

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        // Sorted keys: the same record always gives the same bytes.
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// The record this header and its index entry describe, or the first way they disagree.
    func record(entry: IndexEntry, sensors table: [String], bands: [[String]]) -> Result<RecordMetadata, FormatProblem> {
        guard cell.count == 2 else { return .failure(FormatProblem("cell has \(cell.count) numbers, expected 2")) }
        guard let footprint = BoundingBox(corners: footprint) else { return .failure(FormatProblem("footprint is not 4 finite numbers")) }
        let dataFrames = entry.frames.filter { $0.kind == .data }
        guard sensors.count == dataFrames.count, dataFrames.count == entry.placements.count else {
            return .failure(FormatProblem("describes \(sensors.count) sensors for \(dataFrames.count) data frames"))
        }
        var out: [SensorMetadata] = []
        for (frame, placement) in zip(dataFrames, entry.placements) {
            let name = table[frame.sensorIndex]
            guard let s = sensors[name] else { return .failure(FormatProblem("sensor \(name) has a data frame but no header entry")) }
            let window = s.window.flatMap { BoundingBox(corners: $0) }
            if s.window != nil, window?.isEmpty != false {
                return .failure(FormatProblem("sensor \(name)'s window is not [minX, minY, maxX, maxY]"))
            }
            out.append(SensorMetadata(
                sensor: name, bands: bands[frame.sensorIndex], dtype: frame.dtype, shape: [frame.channels, frame.height, frame.width],
                geotransform: placement.geotransform, crs: s.crs ?? crs, nodata: s.nodata, validFraction: placement.validFraction,
                acquired: placement.acquired?.iso, sources: s.sources, warpWindow: window))
        }
        return .success(RecordMetadata(key: entry.key, cell: cell, split: split, footprint: footprint, crs: crs,
                                       sensors: out, attributes: attributes))
    }
}
