import Foundation

/// The JSON record header of format 1, which held the whole record (sources as file paths) and
/// the list of its frames. Kept so that readers keep reading format-1 datasets.
struct LegacyRecordHeader: Decodable {
    struct Frame: Decodable, Equatable {
        var sensor: String
        var kind: String
        var filter: FrameFilter
        var size: Int
    }

    struct Sensor: Decodable {
        var sensor: String
        var bands: [String]
        var dtype: DType
        var shape: [Int]
        var geotransform: [Double]
        var crs: String
        var nodata: Double?
        var validFraction: Double
        var acquired: String?
        var sources: [String]
    }

    struct Record: Decodable {
        var key: String
        var cell: [Int]
        var split: String
        var footprint: [Double]
        var crs: String
        var sensors: [Sensor]
        var attributes: [String: AttributeValue]
    }

    var record: Record
    var frames: [Frame]

    /// The record, or the first way this header disagrees with its footer index entry or itself.
    /// - Parameter inputs: `dataset.json`'s input paths, to turn source paths into indices (paths
    ///   not among them are left out: format 1 had no input table to point into).
    func record(entry: IndexEntry, sensors table: [String], inputs: [String]) -> Result<RecordMetadata, FormatProblem> {
        let r = record
        guard r.key == entry.key else { return .failure(FormatProblem("key \"\(r.key)\" disagrees with the index (\"\(entry.key)\")")) }
        guard frames.count == entry.frames.count else {
            return .failure(FormatProblem("lists \(frames.count) frames, the index \(entry.frames.count)"))
        }
        for (listed, indexed) in zip(frames, entry.frames) {
            guard listed == Frame(sensor: table[indexed.sensorIndex], kind: "\(indexed.kind)", filter: indexed.filter, size: indexed.size) else {
                return .failure(FormatProblem("frame \(listed.sensor) \(listed.kind) disagrees with the index"))
            }
        }
        guard r.cell.count == 2 else { return .failure(FormatProblem("cell has \(r.cell.count) numbers, expected 2")) }
        guard let footprint = BoundingBox(corners: r.footprint) else { return .failure(FormatProblem("footprint is not 4 finite numbers")) }
        let dataFrames = entry.frames.filter { $0.kind == .data }
        guard r.sensors.count == dataFrames.count, Set(r.sensors.map(\.sensor)).count == r.sensors.count else {
            return .failure(FormatProblem("describes \(r.sensors.count) sensors for \(dataFrames.count) data frames"))
        }
        var sensors: [SensorMetadata] = []
        for s in r.sensors {
            guard let frame = dataFrames.first(where: { table[$0.sensorIndex] == s.sensor }) else {
                return .failure(FormatProblem("sensor \(s.sensor) has no data frame"))
            }
            let shape = [frame.channels, frame.height, frame.width]
            guard s.shape == shape, s.dtype == frame.dtype else {
                return .failure(FormatProblem("sensor \(s.sensor) is \(s.dtype) \(s.shape), its frame \(frame.dtype) \(shape)"))
            }
            guard s.bands.count == frame.channels else {
                return .failure(FormatProblem("sensor \(s.sensor) names \(s.bands.count) bands for \(frame.channels) channels"))
            }
            guard let geotransform = GeoTransform(validating: s.geotransform) else {
                return .failure(FormatProblem("sensor \(s.sensor): geotransform is not 6 finite numbers"))
            }
            guard (0...1).contains(s.validFraction) else {
                return .failure(FormatProblem("sensor \(s.sensor): valid fraction \(s.validFraction) outside 0…1"))
            }
            sensors.append(SensorMetadata(
                sensor: s.sensor, bands: s.bands, dtype: s.dtype, shape: s.shape, geotransform: geotransform, crs: CRSDefinition(stored: s.crs),
                nodata: s.nodata, validFraction: s.validFraction, acquired: s.acquired,
                sources: s.sources.compactMap { path in inputs.firstIndex(of: path).map { [$0] } }))
        }
        return .success(RecordMetadata(key: r.key, cell: r.cell, split: r.split, footprint: footprint, crs: CRSDefinition(stored: r.crs),
                                       sensors: sensors, attributes: r.attributes))
    }
}
