import Foundation
import ShardFormat
import TestSupport
import Testing

/// A byte source that records every range read, to prove what a read touches.
final class RecordingSource: ByteSource, @unchecked Sendable {
    let inner: FileByteSource
    private let lock = NSLock()
    private var ranges: [Range<Int>] = []
    init(path: String) throws { inner = try FileByteSource(path: path) }
    var size: Int { inner.size }
    var name: String { inner.name }
    func read(at offset: Int, into destination: UnsafeMutableRawBufferPointer) throws {
        lock.withLock { ranges.append(offset..<(offset + destination.count)) }
        try inner.read(at: offset, into: destination)
    }
    func takeRanges() -> [Range<Int>] { lock.withLock { defer { ranges = [] }; return ranges } }
}

@Suite("Shard round trip")
struct RoundTripTests {
    @Test("Random records over every dtype, shape, mask and split read back equal")
    func roundTrip() throws {
        let (dir, records) = try RandomDataset.write(count: 40)
        let reader = try DatasetReader(directory: dir)
        let codec = ZstdCodec()
        #expect(reader.index.splits == ["train": 14, "val": 13, "test": 13])
        #expect(reader.index.shards.count == 2 + 2 + 2)
        for record in records {
            let loc = try #require(reader.locate(key: record.metadata.key))
            #expect(try reader.metadata(at: loc) == record.metadata)
            for (i, s) in record.metadata.sensors.enumerated() {
                #expect(try reader.readArray(at: loc, sensor: s.sensor, codec: codec) == record.arrays[i])
                if let mask = record.masks[i] {
                    #expect(try reader.readArray(at: loc, sensor: s.sensor, kind: .mask, codec: codec) == mask)
                } else {
                    #expect(try reader.shards[loc.shard].frame(record: loc.record, sensor: s.sensor, kind: .mask) == nil)
                }
            }
        }
        #expect(DatasetVerifier.verify(directory: dir).isSound)
        #expect(try TestEnvironment.indexProblems(dir).isEmpty, "dataset.json conforms to DATASETS.md")
    }

    @Test("The same records give byte-identical shards")
    func deterministic() throws {
        let a = try RandomDataset.write(count: 20, seed: 9).directory
        let b = try RandomDataset.write(count: 20, seed: 9).directory
        let ia = try DatasetIndex.load(directory: a), ib = try DatasetIndex.load(directory: b)
        #expect(ia.shards.map(\.sha256) == ib.shards.map(\.sha256))
        #expect(try ia.encoded() == ib.encoded())
    }

    @Test("Reading one sensor reads only that sensor's frame (and the header of nothing else)")
    func selectedSensorOnly() throws {
        let (dir, records) = try RandomDataset.write(count: 10)
        let index = try DatasetIndex.load(directory: dir)
        let source = try RecordingSource(path: "\(dir)/\(index.shards[0].file)")
        let shard = try ShardReader(source: source)
        _ = source.takeRanges()  // opening reads header, trailer and footer
        let codec = ZstdCodec()
        for i in 0..<shard.recordCount {
            let key = shard.entries[i].key
            let record = try #require(records.first { $0.metadata.key == key })
            let frame = try #require(try shard.frame(record: i, sensor: "s2"))
            let bytes = try shard.readArray(record: i, sensor: "s2", codec: codec)
            #expect(bytes == record.arrays[record.metadata.sensors.firstIndex { $0.sensor == "s2" }!])
            let touched = source.takeRanges()
            #expect(touched == [frame.offset..<(frame.offset + frame.size)])
        }
    }

    @Test("Sequential iteration gives every record in order with its frames")
    func sequentialIteration() throws {
        let (dir, records) = try RandomDataset.write(count: 12, sharding: ShardingOptions(targetBytes: 1 << 30))
        let index = try DatasetIndex.load(directory: dir)
        var seen: [String] = []
        for info in index.shards {
            let shard = try ShardReader(path: "\(dir)/\(info.file)")
            try shard.forEachRecord(chunkBytes: 2048) { i, meta, frames in
                seen.append(meta.key)
                #expect(frames.count == shard.entries[i].frames.count)
                #expect(zip(frames, shard.entries[i].frames).allSatisfy { $0.count == $1.size })
            }
        }
        #expect(Set(seen) == Set(records.map(\.metadata.key)))
        #expect(seen.count == records.count)
    }

    @Test("An array of the wrong size names the record and sensor")
    func wrongArraySize() throws {
        var rng = SeededRandom(seed: 5)
        var record = RandomDataset.record(0, rng: &rng)
        record.arrays[0].removeLast()
        let error = #expect(throws: ShardError.self) { try RecordEncoder().encode(record) }
        #expect(error?.location.contains("cell-00000") == true)
        #expect(error?.location.contains(record.metadata.sensors[0].sensor) == true)
    }
}

@Suite("Statistics")
struct StatisticsTests {
    @Test("One band of every dtype, with a mask, NaNs and values beyond the histogram: textbook count, moments, extremes and bins")
    func bandOfEveryType() {
        var g = SeededRandom(seed: 17)
        let n = 1000, range = -50.0...300.0, bins = 35
        for dtype in DType.allCases {
            let limit: Double = dtype == .u8 ? 255 : 400
            let low: Double = [.u8, .u16].contains(dtype) ? 0 : -limit
            var values = (0..<n).map { _ in Double(Int.random(in: Int(low)...Int(limit), using: &g)) }
            if dtype == .f32 || dtype == .f64 { for i in stride(from: 3, to: n, by: 17) { values[i] = .nan } }
            let mask: [UInt8] = (0..<n).map { _ in UInt8.random(in: 0...3, using: &g) == 0 ? 0 : 1 }
            var bytes: [UInt8] = []
            for v in values {
                switch dtype {
                case .u8: bytes.append(UInt8(v))
                case .i16: withUnsafeBytes(of: Int16(v).littleEndian) { bytes += $0 }
                case .u16: withUnsafeBytes(of: UInt16(v).littleEndian) { bytes += $0 }
                case .i32: withUnsafeBytes(of: Int32(v).littleEndian) { bytes += $0 }
                case .f32: withUnsafeBytes(of: Float(v).bitPattern.littleEndian) { bytes += $0 }
                case .f64: withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes += $0 }
                }
            }
            var stats = BandStatistics(histogramRange: range, bins: bins)
            bytes.withUnsafeBytes { stats.add($0, dtype: dtype, count: n, mask: mask) }
            let counted: [Double] = zip(values, mask).filter { v, m in m != 0 && !v.isNaN }.map { v, _ in v }
            let mean = counted.reduce(0, +) / Double(counted.count)
            let variance: Double = counted.reduce(0) { total, v in total + (v - mean) * (v - mean) } / Double(counted.count)
            var histogram = [Int](repeating: 0, count: bins)
            for v in counted {
                let bin = Int(((v - range.lowerBound) / 10).rounded(.down))   // 35 bins of 10 over [−50, 300]
                histogram[min(bins - 1, max(0, bin))] += 1
            }
            #expect(stats.count == counted.count, "\(dtype)")
            #expect(abs(stats.mean - mean) <= 1e-12 * max(1, abs(mean)), "\(dtype)")
            #expect(abs(stats.variance - variance) <= 1e-9 * variance, "\(dtype)")
            #expect(stats.min == counted.min() && stats.max == counted.max(), "\(dtype)")
            #expect(stats.histogram == histogram, "\(dtype)")
        }
    }

    @Test("8- and 16-bit bands take exact integer moments: at the extremes of the type, mean and variance are exact")
    func integerMomentsAreExact() {
        // Half the pixels at the type's minimum and half at its maximum: mean (lo+hi)/2 and variance
        // ((hi−lo)/2)², both exact in a Double, which the integer sums reproduce bit for bit.
        for (dtype, lo, hi, bytes) in [(DType.u8, 0.0, 255.0, [UInt8(0), 255]),
                                       (.u16, 0, 65535, [0, 0, 255, 255]),
                                       (.i16, -32768, 32767, [0, 0x80, 0xff, 0x7f])] {
            let n = 1 << 16   // n·Σx² passes 2⁶⁴ for the 16-bit types
            let band = (0..<n).flatMap { i in i % 2 == 0 ? Array(bytes[..<dtype.size]) : Array(bytes[dtype.size...]) }
            var stats = BandStatistics(histogramRange: lo...hi)
            band.withUnsafeBytes { stats.add($0, dtype: dtype, count: n, mask: nil) }
            #expect(stats.count == n && stats.min == lo && stats.max == hi, "\(dtype)")
            #expect(stats.mean == (lo + hi) / 2, "\(dtype)")
            #expect(stats.variance == ((hi - lo) / 2) * ((hi - lo) / 2), "\(dtype)")
            #expect(stats.histogram.first == n / 2 && stats.histogram.last == n / 2, "\(dtype)")
        }
    }

    @Test("Statistics merged from shards equal statistics computed in one pass")
    func mergedEqualsOnePass() throws {
        let (dir, records) = try RandomDataset.write(count: 30)
        let index = try DatasetIndex.load(directory: dir)
        for schema in RandomDataset.sensors {
            let range = EncodingOptions.defaultHistogramRange(for: schema.dtype)
            var onePass = (0..<schema.shape[0]).map { _ in BandStatistics(histogramRange: range) }
            var values: [[Double]] = Array(repeating: [], count: schema.shape[0])
            for r in records {
                guard let i = r.metadata.sensors.firstIndex(where: { $0.sensor == schema.name }) else { continue }
                let plane = schema.shape[1] * schema.shape[2]
                r.arrays[i].withUnsafeBytes { raw in
                    for b in 0..<schema.shape[0] {
                        for p in 0..<plane where r.masks[i]?[p] ?? 1 == 1 {
                            let v = schema.dtype.value(in: raw, at: b * plane + p)
                            if !v.isNaN { values[b].append(v) }
                        }
                    }
                }
            }
            // Reference: textbook formulas over all values at once.
            let stats = try #require(index.statistics[schema.name])
            for b in 0..<schema.shape[0] {
                let n = Double(values[b].count)
                let mean = values[b].reduce(0, +) / n
                let variance = values[b].reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
                #expect(stats[b].count == values[b].count)
                #expect(abs(stats[b].mean - mean) <= 1e-9 * max(1, abs(mean)))
                #expect(abs(stats[b].variance - variance) <= 1e-9 * max(1, variance))
                #expect(stats[b].min == values[b].min() && stats[b].max == values[b].max())
                for v in values[b] { withUnsafeBytes(of: v) { onePass[b].add($0, dtype: .f64, count: 1, mask: nil) } }
                #expect(stats[b].histogram == onePass[b].histogram)
            }
        }
    }
}
