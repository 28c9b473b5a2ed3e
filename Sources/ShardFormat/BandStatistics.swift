/// Statistics of one band over valid pixels, mergeable across records and workers.
///
/// Moments use the Welford/Chan form (count, mean, M2 = Σ(x − mean)²); merging two partial results
/// gives the statistics of their union. Count, min, max and the histogram merge exactly; mean and
/// M2 to rounding, and GeoPairs merges in a fixed (plan) order so results do not depend on threads.
public struct BandStatistics: Codable, Sendable, Equatable {
    /// Valid pixels seen.
    public var count: Int
    public var mean: Double
    /// Sum of squared deviations from the mean.
    public var m2: Double
    public var min: Double
    public var max: Double
    /// `[low, high]` of the histogram; values outside fall into the first or last bin.
    public var histogramRange: [Double]
    /// Counts per equal-width bin over `histogramRange`.
    public var histogram: [Int]

    /// Histogram bins when none are asked for.
    public static let defaultBins = 256

    public init(histogramRange: ClosedRange<Double>, bins: Int = defaultBins) {
        count = 0
        mean = 0
        m2 = 0
        min = .infinity
        max = -.infinity
        self.histogramRange = [histogramRange.lowerBound, histogramRange.upperBound]
        histogram = [Int](repeating: 0, count: Swift.max(1, bins))
    }

    /// Population variance (M2 / count).
    public var variance: Double { count > 0 ? m2 / Double(count) : 0 }
    /// Population standard deviation.
    public var standardDeviation: Double { variance.squareRoot() }

    /// Adds the values of one band: element `i` of `values` counts when `mask?[i] != 0` and it is not NaN.
    public mutating func add(_ values: UnsafeRawBufferPointer, dtype: DType, count n: Int, mask: [UInt8]?) {
        add(values, dtype: dtype, count: n, mask: mask, bins: nil)
    }

    /// As above; `bins`, when it was made for this dtype and histogram, looks each value's bin up.
    mutating func add(_ values: UnsafeRawBufferPointer, dtype: DType, count n: Int, mask: [UInt8]?, bins table: HistogramBinTable?) {
        guard n > 0 else { return }
        precondition(mask == nil || mask!.count >= n, "a mask of \(mask!.count) for \(n) values")
        precondition(values.count >= n * dtype.size, "\(n) \(dtype) values in \(values.count) bytes")
        // 8- and 16-bit bands (most imagery) take exact integer sums; x² < 2³² keeps n·x² in a UInt64
        // while n < 2³².
        if n < 1 << 32 {
            let table = table.flatMap { $0.fits(dtype, histogramRange, histogram.count) ? $0 : nil }
            switch dtype {
            case .u8: return addIntegers(values, as: UInt8.self, count: n, mask: mask, bins: table)
            case .i16: return addIntegers(values, as: Int16.self, count: n, mask: mask, bins: table)
            case .u16: return addIntegers(values, as: UInt16.self, count: n, mask: mask, bins: table)
            case .i32, .f32, .f64: break
            }
        }
        // The band as Doubles, pixels outside the mask as NaN: then each pass is a loop over one buffer.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { x in
            dtype.convert(values, count: n, into: x.baseAddress!)
            if let mask { for i in 0..<n where mask[i] == 0 { x[i] = .nan } }
            add(UnsafeBufferPointer(x))
        }
    }

    /// One pass of exact integer sums (Σx, Σx², min, max) and the histogram, then a Chan merge:
    /// M2 = (n·Σx² − (Σx)²) / n is computed exactly and rounded once, so no second pass is needed.
    private mutating func addIntegers<T: FixedWidthInteger>(_ values: UnsafeRawBufferPointer, as: T.Type, count n: Int, mask: [UInt8]?,
                                                            bins table: HistogramBinTable?) {
        var part = BandStatistics(histogramRange: histogramRange[0]...histogramRange[1], bins: histogram.count)
        var count = 0, sum: Int64 = 0, sumOfSquares: UInt64 = 0, low = T.max, high = T.min
        let rule = BinRule(histogramRange, histogram.count)
        let size = MemoryLayout<T>.size
        func tally(_ v: T, into bins: UnsafeMutableBufferPointer<Int>, _ lookup: UnsafeBufferPointer<UInt16>?) {
            count += 1
            sum += Int64(v)
            sumOfSquares &+= UInt64(Int64(v) * Int64(v))
            if v < low { low = v }
            if v > high { high = v }
            bins[lookup.map { Int($0[Int(v) - Int(T.min)]) } ?? rule.bin(Double(v))] += 1
        }
        part.histogram.withUnsafeMutableBufferPointer { bins in
            func run(_ lookup: UnsafeBufferPointer<UInt16>?) {
                if let mask {
                    mask.withUnsafeBufferPointer { m in
                        for i in 0..<n where m[i] != 0 { tally(T(littleEndian: values.loadUnaligned(fromByteOffset: i * size, as: T.self)), into: bins, lookup) }
                    }
                } else {
                    for i in 0..<n { tally(T(littleEndian: values.loadUnaligned(fromByteOffset: i * size, as: T.self)), into: bins, lookup) }
                }
            }
            if let table { table.binOfValue.withUnsafeBufferPointer { run($0) } } else { run(nil) }
        }
        guard count > 0 else { return }
        (part.count, part.min, part.max) = (count, Double(low), Double(high))
        part.mean = Double(sum) / Double(count)
        let n = Int128(count)
        part.m2 = Double(n * Int128(sumOfSquares) - Int128(sum) * Int128(sum)) / Double(count)
        merge(part)
    }

    /// Two passes over the band (mean, then squared deviations) for accuracy, then a Chan merge.
    private mutating func add(_ x: UnsafeBufferPointer<Double>) {
        var part = BandStatistics(histogramRange: histogramRange[0]...histogramRange[1], bins: histogram.count)
        var sum = 0.0, count = 0, low = Double.infinity, high = -Double.infinity
        let rule = BinRule(histogramRange, histogram.count)
        part.histogram.withUnsafeMutableBufferPointer { bins in
            for v in x where !v.isNaN {
                count += 1
                sum += v
                if v < low { low = v }
                if v > high { high = v }
                bins[rule.bin(v)] += 1
            }
        }
        guard count > 0 else { return }
        (part.count, part.min, part.max) = (count, low, high)
        part.mean = sum / Double(count)
        var m2 = 0.0
        for v in x where !v.isNaN { m2 += (v - part.mean) * (v - part.mean) }
        part.m2 = m2
        merge(part)
    }

    /// Merges another partial result over the same histogram range (Chan et al.).
    public mutating func merge(_ other: BandStatistics) {
        guard other.count > 0 else { return }
        precondition(other.histogram.count == histogram.count && other.histogramRange == histogramRange,
                     "statistics merged over different histogram ranges")
        guard count > 0 else { self = other; return }
        let n = Double(count + other.count)
        let delta = other.mean - mean
        mean += delta * Double(other.count) / n
        m2 += other.m2 + delta * delta * Double(count) * Double(other.count) / n
        count += other.count
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        for i in histogram.indices { histogram[i] += other.histogram[i] }
    }

    /// Why these statistics (read from a file) cannot be used, or `nil`: a histogram range of two
    /// finite numbers, low < high; 1…65536 bins of non-negative counts whose total fits an `Int`; a
    /// non-negative count; finite moments with M2 ≥ 0.
    public var problem: String? {
        guard histogramRange.count == 2, histogramRange.allSatisfy(\.isFinite), histogramRange[0] < histogramRange[1] else {
            return "histogramRange \(histogramRange) is not [low, high] with low < high"
        }
        guard (1...65_536).contains(histogram.count), Checked.sum(of: histogram) != nil else {
            return "histogram of \(histogram.count) bins with negative or overflowing counts"
        }
        guard count >= 0, mean.isFinite, m2.isFinite, m2 >= 0 else { return "count \(count), mean \(mean), m2 \(m2) are not valid moments" }
        return nil
    }

    /// True when `other` can be merged into these statistics (same histogram range and bins).
    public func isMergeable(with other: BandStatistics) -> Bool {
        other.histogram.count == histogram.count && other.histogramRange == histogramRange
    }

    /// The value below which `fraction` of the counted values lie, from the histogram (bin midpoint).
    public func percentile(_ fraction: Double) -> Double? {
        let total = histogram.reduce(0, +)
        guard total > 0 else { return nil }
        let target = fraction * Double(total)
        var seen = 0
        let width = (histogramRange[1] - histogramRange[0]) / Double(histogram.count)
        for (i, c) in histogram.enumerated() {
            seen += c
            if Double(seen) >= target { return histogramRange[0] + (Double(i) + 0.5) * width }
        }
        return histogramRange[1]
    }
}

/// Which of `bins` equal-width bins over `[low, high]` a value falls in; values below fall into the
/// first, values at or above the top of the last bin into the last.
struct BinRule {
    let low: Double, scale: Double, last: Int

    init(_ range: [Double], _ bins: Int) {
        low = range[0]
        scale = Double(bins) / max(range[1] - range[0], .leastNormalMagnitude)
        last = bins - 1
    }

    @inline(__always)
    func bin(_ v: Double) -> Int {
        let bin = (v - low) * scale
        return bin < 0 ? 0 : bin >= Double(last) ? last : Int(bin)
    }
}

/// The histogram bin of every value of an 8- or 16-bit type, for one range and bin count: the
/// ``BinRule`` evaluated once per value up front (65,536 entries at most), so that counting a
/// band is a lookup. A record encoder keeps one per dtype and range.
struct HistogramBinTable: Sendable {
    let dtype: DType
    let range: [Double]
    let bins: Int
    /// Indexed by the value minus the type's minimum.
    let binOfValue: [UInt16]

    /// `nil` for types wider than 16 bits or more than 65,536 bins.
    init?(dtype: DType, histogramRange: [Double], bins: Int) {
        let values: ClosedRange<Int>
        switch dtype {
        case .u8: values = 0...255
        case .i16: values = -32768...32767
        case .u16: values = 0...65535
        case .i32, .f32, .f64: return nil
        }
        guard (1...65_536).contains(bins) else { return nil }
        let rule = BinRule(histogramRange, bins)
        (self.dtype, range, self.bins) = (dtype, histogramRange, bins)
        binOfValue = values.map { UInt16(rule.bin(Double($0))) }
    }

    func fits(_ dtype: DType, _ range: [Double], _ bins: Int) -> Bool {
        dtype == self.dtype && range == self.range && bins == self.bins
    }
}
