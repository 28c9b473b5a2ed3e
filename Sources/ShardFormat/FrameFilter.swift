/// A reversible transform applied to an array's bytes before zstd, declared per frame.
///
/// - `none`: the little-endian bytes as they are.
/// - `shuffle`: byte planes — all first bytes of the elements, then all second bytes, …
///   (`out[b·n + i] = in[i·k + b]` for n elements of k bytes). Helps zstd on multi-byte data.
/// - `deltaShuffle`: per row, each element is replaced by its difference from the previous element
///   of the same row (the first is kept), computed on the k-byte unsigned integer of its bits with
///   wrap-around; then `shuffle`. Exactly reversible for every type, floats included.
public enum FrameFilter: String, Sendable, CaseIterable, Codable {
    case none
    case shuffle
    case deltaShuffle = "delta+shuffle"

    /// The numeric code used in the binary shard index (DATASETS.md).
    var code: UInt8 {
        switch self {
        case .none: 0
        case .shuffle: 1
        case .deltaShuffle: 2
        }
    }

    init?(code: UInt8) {
        guard let f = FrameFilter.allCases.first(where: { $0.code == code }) else { return nil }
        self = f
    }

    /// Applies the filter: `source` → `destination` (same byte count), for elements of
    /// `elementSize` bytes in rows of `rowLength` elements.
    public func encode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                       elementSize: Int, rowLength: Int) {
        precondition(source.count == destination.count && source.count % elementSize == 0)
        if self == .none || (self == .shuffle && elementSize == 1) {
            destination.copyMemory(from: source)
            return
        }
        let delta = self == .deltaShuffle
        // Concrete calls, so each width gets a specialised loop.
        switch elementSize {
        case 1: Self.encode(source, into: destination, UInt8.self, rowLength: rowLength, delta: delta)
        case 2: Self.encode(source, into: destination, UInt16.self, rowLength: rowLength, delta: delta)
        case 4: Self.encode(source, into: destination, UInt32.self, rowLength: rowLength, delta: delta)
        default: Self.encode(source, into: destination, UInt64.self, rowLength: rowLength, delta: delta)
        }
    }

    /// Reverses the filter: `source` (filtered bytes) → `destination` (the original array).
    public func decode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                       elementSize: Int, rowLength: Int) {
        precondition(source.count == destination.count && source.count % elementSize == 0)
        if self == .none || (self == .shuffle && elementSize == 1) {
            destination.copyMemory(from: source)
            return
        }
        let delta = self == .deltaShuffle
        switch elementSize {
        case 1: Self.decode(source, into: destination, UInt8.self, rowLength: rowLength, delta: delta)
        case 2: Self.decode(source, into: destination, UInt16.self, rowLength: rowLength, delta: delta)
        case 4: Self.decode(source, into: destination, UInt32.self, rowLength: rowLength, delta: delta)
        default: Self.decode(source, into: destination, UInt64.self, rowLength: rowLength, delta: delta)
        }
    }

    // One fused pass per direction: element i's byte b lives at plane b, position i; the delta runs
    // along each row on the element's bits as an unsigned integer with wrap-around.
    private static func encode<T: FixedWidthInteger & UnsignedInteger>(
        _ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer, _: T.Type, rowLength: Int, delta: Bool
    ) {
        let k = MemoryLayout<T>.size, n = src.count / k, w = max(1, rowLength)
        let out = dst.baseAddress!.assumingMemoryBound(to: UInt8.self)
        func element(_ i: Int) -> T { T(littleEndian: src.loadUnaligned(fromByteOffset: i * k, as: T.self)) }
        func store(_ v: T, at i: Int) { for b in 0..<k { out[b * n + i] = UInt8(truncatingIfNeeded: v >> (8 * b)) } }
        var rowStart = 0
        while rowStart < n {
            // Row by row, each delta from the two elements it differs: no division to find rows, no
            // value carried from one iteration to the next, so the compiler can vectorise the loop.
            let rowEnd = min(n, rowStart + w)
            store(element(rowStart), at: rowStart)
            if delta {
                for i in (rowStart + 1)..<rowEnd { store(element(i) &- element(i - 1), at: i) }
            } else {
                for i in (rowStart + 1)..<rowEnd { store(element(i), at: i) }
            }
            rowStart = rowEnd
        }
    }

    private static func decode<T: FixedWidthInteger & UnsignedInteger>(
        _ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer, _: T.Type, rowLength: Int, delta: Bool
    ) {
        unshuffle(src, into: dst, T.self)
        guard delta else { return }
        // Prefix sums along each row, in place, on the restored elements.
        let k = MemoryLayout<T>.size, n = src.count / k, w = max(1, rowLength)
        var rowStart = 0
        while rowStart < n {
            var previous: T = 0
            for i in rowStart..<min(n, rowStart + w) {
                let v = T(littleEndian: dst.loadUnaligned(fromByteOffset: i * k, as: T.self)) &+ previous
                previous = v
                dst.storeBytes(of: v.littleEndian, toByteOffset: i * k, as: T.self)
            }
            rowStart += w
        }
    }

    /// Byte planes → elements.
    private static func unshuffle<T: FixedWidthInteger & UnsignedInteger>(
        _ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer, _: T.Type
    ) {
        let k = MemoryLayout<T>.size, n = src.count / k
        let base = src.baseAddress!, out = dst.baseAddress!
        var i = 0
        // Plain typed loops over the planes: LLVM vectorises these (the generic SIMD initialisers
        // were not specialised and cost more than the loop itself).
        if k == 2 {
            let p0 = base.assumingMemoryBound(to: UInt8.self), p1 = p0 + n
            let o = out.assumingMemoryBound(to: UInt16.self)
            while i < n {
                o[i] = (UInt16(p0[i]) | UInt16(p1[i]) << 8).littleEndian
                i += 1
            }
        } else if k == 4 {
            let p0 = base.assumingMemoryBound(to: UInt8.self), p1 = p0 + n, p2 = p1 + n, p3 = p2 + n
            let o = out.assumingMemoryBound(to: UInt32.self)
            while i < n {
                o[i] = (UInt32(p0[i]) | UInt32(p1[i]) << 8 | UInt32(p2[i]) << 16 | UInt32(p3[i]) << 24).littleEndian
                i += 1
            }
        }
        let planes = base.assumingMemoryBound(to: UInt8.self)
        while i < n {
            var v: T = 0
            for b in 0..<k { v |= T(planes[b * n + i]) << (8 * b) }
            dst.storeBytes(of: v.littleEndian, toByteOffset: i * k, as: T.self)
            i += 1
        }
    }
}
