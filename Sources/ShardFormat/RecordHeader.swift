import Foundation

/// The JSON record header: the record's metadata plus the list of its frames in file order.
struct RecordHeader: Codable {
    struct Frame: Codable, Equatable {
        var sensor: String
        var kind: String
        var filter: FrameFilter
        var size: Int
    }

    var record: RecordMetadata
    var frames: [Frame]

    static func encoder() -> JSONEncoder {
        let e = JSONEncoder()
        // Sorted keys: the same record always gives the same bytes.
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }

    /// The first way this header disagrees with its footer index entry, or with itself; `nil` when
    /// it is consistent. Readers size buffers from the footer and describe pixels from the header,
    /// so the two must say the same thing before either is used.
    func problem(against entry: IndexEntry, sensors table: [String]) -> String? {
        let r = record
        guard r.key == entry.key else { return "key \"\(r.key)\" disagrees with the index (\"\(entry.key)\")" }
        guard frames.count == entry.frames.count else {
            return "lists \(frames.count) frames, the index \(entry.frames.count)"
        }
        for (listed, indexed) in zip(frames, entry.frames) {
            let expected = Frame(sensor: table[indexed.sensorIndex], kind: "\(indexed.kind)", filter: indexed.filter, size: indexed.size)
            guard listed == expected else { return "frame \(listed.sensor) \(listed.kind) disagrees with the index" }
        }
        guard r.cell.count == 2 else { return "cell has \(r.cell.count) numbers, expected 2" }
        guard r.footprint.count == 4, r.footprint.allSatisfy(\.isFinite) else { return "footprint is not 4 finite numbers" }
        let dataFrames = entry.frames.filter { $0.kind == .data }
        guard r.sensors.count == dataFrames.count, Set(r.sensors.map(\.sensor)).count == r.sensors.count else {
            return "describes \(r.sensors.count) sensors for \(dataFrames.count) data frames"
        }
        for s in r.sensors {
            guard let frame = dataFrames.first(where: { table[$0.sensorIndex] == s.sensor }) else {
                return "sensor \(s.sensor) has no data frame"
            }
            let shape = [frame.channels, frame.height, frame.width]
            guard s.shape == shape, s.dtype == frame.dtype else {
                return "sensor \(s.sensor) is \(s.dtype) \(s.shape), its frame \(frame.dtype) \(shape)"
            }
            guard s.bands.count == frame.channels else { return "sensor \(s.sensor) names \(s.bands.count) bands for \(frame.channels) channels" }
            guard s.geotransform.count == 6, s.geotransform.allSatisfy(\.isFinite) else {
                return "sensor \(s.sensor): geotransform is not 6 finite numbers"
            }
            guard (0...1).contains(s.validFraction) else { return "sensor \(s.sensor): valid fraction \(s.validFraction) outside 0…1" }
        }
        return nil
    }
}
