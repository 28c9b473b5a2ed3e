import Foundation

/// Turns ``Record``s into ``EncodedRecord``s: filter + zstd per sensor array and mask, the index's
/// placements, the JSON header, and per-band statistics. Owns a zstd context, so use one encoder per worker thread.
public final class RecordEncoder {
    public let options: EncodingOptions
    private let codec: ZstdCodec
    private let jsonEncoder = RecordHeader.encoder()
    /// Histogram bin lookups, one per dtype and histogram range met (`nil` for types without one).
    private var binTables: [BinTableKey: HistogramBinTable?] = [:]

    private struct BinTableKey: Hashable {
        var dtype: DType
        var low: Double, high: Double
    }

    public init(options: EncodingOptions = EncodingOptions()) {
        self.options = options
        codec = ZstdCodec(level: options.level)
    }

    /// Encodes one record.
    /// - Throws: ``ShardError/Kind/invalidArgument`` naming the record and sensor when an array or
    ///   mask does not have the size its metadata declares.
    public func encode(_ record: Record) throws -> EncodedRecord {
        let meta = record.metadata
        var frames: [(sensor: String, descriptor: FrameDescriptor, bytes: [UInt8])] = []
        var placements: [PatchPlacement] = []
        var statistics: [String: [BandStatistics]] = [:]
        for (i, sensor) in meta.sensors.enumerated() {
            let place = "record \(meta.key), sensor \(sensor.sensor)"
            guard sensor.shape.count == 3, sensor.shape.allSatisfy({ $0 > 0 }) else {
                throw ShardError(.invalidArgument, file: "", location: place, message: "shape \(sensor.shape) is not [C, H, W]")
            }
            let (c, h, w) = (sensor.shape[0], sensor.shape[1], sensor.shape[2])
            // What a reader checks in every header (RecordHeader.problem), a writer never writes.
            guard sensor.bands.count == c, sensor.geotransform.coefficients.allSatisfy(\.isFinite),
                  (0...1).contains(sensor.validFraction) else {
                throw ShardError(.invalidArgument, file: "", location: place,
                                 message: "needs \(c) band names, a geotransform of 6 finite numbers and a valid fraction in 0…1")
            }
            let acquired = sensor.acquired.flatMap { AcquisitionTime(iso: $0) }
            guard acquired != nil || sensor.acquired == nil else {
                throw ShardError(.invalidArgument, file: "", location: place,
                                 message: "acquired \"\(sensor.acquired!)\" is neither YYYY-MM-DD nor YYYY-MM-DDTHH:MM:SSZ")
            }
            guard meta.sensors[..<i].allSatisfy({ $0.sensor != sensor.sensor }) else {
                throw ShardError(.invalidArgument, file: "", location: place, message: "the sensor appears twice")
            }
            placements.append(PatchPlacement(geotransform: sensor.geotransform, validFraction: sensor.validFraction, acquired: acquired))
            let array = record.arrays[i]
            guard array.count == sensor.byteCount else {
                throw ShardError(.invalidArgument, file: "", location: place,
                                 message: "array has \(array.count) bytes, shape \(sensor.shape) of \(sensor.dtype) needs \(sensor.byteCount)")
            }
            let filter = options.filter(for: sensor.dtype)
            let data = try compress(array, filter: filter, elementSize: sensor.dtype.size, rowLength: w)
            frames.append((sensor.sensor, FrameDescriptor(sensorIndex: 0, kind: .data, filter: filter, dtype: sensor.dtype,
                                                          channels: c, height: h, width: w, offset: 0, size: data.count, crc32: CRC32.checksum(data)), data))
            let mask = record.masks[i]
            if let mask {
                guard mask.count == h * w else {
                    throw ShardError(.invalidArgument, file: "", location: place, message: "mask has \(mask.count) values, \(h * w) expected")
                }
                let packed = try compress(mask, filter: .none, elementSize: 1, rowLength: w)
                frames.append((sensor.sensor, FrameDescriptor(sensorIndex: 0, kind: .mask, filter: .none, dtype: .u8,
                                                              channels: 1, height: h, width: w, offset: 0, size: packed.count, crc32: CRC32.checksum(packed)), packed))
            }
            let range = options.histogramRange(sensor: sensor.sensor, dtype: sensor.dtype)
            let key = BinTableKey(dtype: sensor.dtype, low: range.lowerBound, high: range.upperBound)
            let table = binTables[key] ?? HistogramBinTable(dtype: sensor.dtype, histogramRange: [range.lowerBound, range.upperBound],
                                                            bins: BandStatistics.defaultBins)
            binTables[key] = table
            statistics[sensor.sensor] = array.withUnsafeBytes { raw in
                (0..<c).map { band in
                    var stats = BandStatistics(histogramRange: range)
                    let plane = UnsafeRawBufferPointer(rebasing: raw[(band * h * w * sensor.dtype.size)..<((band + 1) * h * w * sensor.dtype.size)])
                    stats.add(plane, dtype: sensor.dtype, count: h * w, mask: mask, bins: table)
                    return stats
                }
            }
        }
        let header: [UInt8]
        do {
            header = Array(try jsonEncoder.encode(RecordHeader(meta)))
        } catch {
            throw ShardError(.invalidArgument, file: "", location: "record \(meta.key)", message: "metadata cannot be encoded: \(error)")
        }
        return EncodedRecord(metadata: meta, header: header, frames: frames, placements: placements, statistics: statistics)
    }

    private func compress(_ bytes: [UInt8], filter: FrameFilter, elementSize: Int, rowLength: Int) throws -> [UInt8] {
        if filter == .none {
            return try bytes.withUnsafeBytes { (raw) throws in try codec.compress(raw) }
        }
        var filtered = [UInt8](repeating: 0, count: bytes.count)
        bytes.withUnsafeBytes { src in
            filtered.withUnsafeMutableBytes { dst in filter.encode(src, into: dst, elementSize: elementSize, rowLength: rowLength) }
        }
        return try filtered.withUnsafeBytes { (raw) throws in try codec.compress(raw) }
    }
}
