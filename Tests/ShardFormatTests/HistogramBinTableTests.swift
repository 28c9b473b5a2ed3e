@testable import ShardFormat
import Testing

@Suite("Histogram bin lookup")
struct HistogramBinTableTests {
    @Test("Looking bins up gives the statistics of computing them, for every value of the 8- and 16-bit types",
          arguments: [DType.u8, .i16, .u16])
    func lookupEqualsRule(dtype: DType) {
        let values: [Int] = dtype == .u8 ? Array(0...255) : dtype == .i16 ? Array(-32768...32767) : Array(0...65535)
        var bytes: [UInt8] = []
        for v in values {
            if dtype == .u8 { bytes.append(UInt8(v)) } else { withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian) { bytes += $0 } }
        }
        let mask = values.indices.map { UInt8($0 % 7 == 0 ? 0 : 1) }
        // The default range of the type, a range inside it (values fall off both ends), one of
        // non-integral edges and one of a single bin.
        for (range, bins) in [(EncodingOptions.defaultHistogramRange(for: dtype), 256), (-50.0...300.0, 35), (0.3...200.7, 97), (1.0...2.0, 1)] {
            let table = HistogramBinTable(dtype: dtype, histogramRange: [range.lowerBound, range.upperBound], bins: bins)
            #expect(table != nil)
            var computed = BandStatistics(histogramRange: range, bins: bins), looked = computed
            bytes.withUnsafeBytes { raw in
                computed.add(raw, dtype: dtype, count: values.count, mask: mask, bins: nil)
                looked.add(raw, dtype: dtype, count: values.count, mask: mask, bins: table)
            }
            #expect(looked == computed, "\(dtype) over \(range) in \(bins) bins")
        }
    }

    @Test("A table made for another dtype, range or bin count is not used")
    func mismatchedTableIsIgnored() {
        let bytes: [UInt8] = [10, 0, 200, 0]
        var plain = BandStatistics(histogramRange: 0...255, bins: 4), withWrongTable = plain
        let table = HistogramBinTable(dtype: .u16, histogramRange: [0, 1000], bins: 4)
        bytes.withUnsafeBytes { raw in
            plain.add(raw, dtype: .u16, count: 2, mask: nil, bins: nil)
            withWrongTable.add(raw, dtype: .u16, count: 2, mask: nil, bins: table)
        }
        #expect(withWrongTable == plain)
        #expect(plain.histogram == [1, 0, 0, 1])
        #expect(HistogramBinTable(dtype: .f32, histogramRange: [0, 1], bins: 4) == nil)
    }
}
