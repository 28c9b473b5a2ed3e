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
    func encode(_ source: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer,
                elementSize: Int, rowLength: Int) {
        precondition(source.count == destination.count && source.count % elementSize == 0)
        switch self {
        case .none:
            destination.copyMemory(from: source)
        case .shuffle:
            Self.shuffle(source, into: destination, elementSize: elementSize)
        case .deltaShuffle:
            // Difference into the destination, then shuffle through a scratch copy.
            let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 16)
            defer { scratch.deallocate() }
            Self.delta(source, into: scratch, elementSize: elementSize, rowLength: rowLength, forward: true)
            Self.shuffle(UnsafeRawBufferPointer(scratch), into: destination, elementSize: elementSize)
        }
    }

    /// Reverses the filter in place.
    func decode(_ bytes: UnsafeMutableRawBufferPointer, elementSize: Int, rowLength: Int) {
        guard self != .none, elementSize > 0 else { return }
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        defer { scratch.deallocate() }
        Self.unshuffle(UnsafeRawBufferPointer(bytes), into: scratch, elementSize: elementSize)
        if self == .deltaShuffle {
            Self.delta(UnsafeRawBufferPointer(scratch), into: bytes, elementSize: elementSize, rowLength: rowLength, forward: false)
        } else {
            bytes.copyMemory(from: UnsafeRawBufferPointer(scratch))
        }
    }

    private static func shuffle(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer, elementSize k: Int) {
        let n = src.count / k
        guard k > 1 else { dst.copyMemory(from: src); return }
        for b in 0..<k {
            let plane = b * n
            var s = b
            for i in 0..<n {
                dst[plane + i] = src[s]
                s += k
            }
        }
    }

    private static func unshuffle(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer, elementSize k: Int) {
        let n = src.count / k
        guard k > 1 else { dst.copyMemory(from: src); return }
        for b in 0..<k {
            let plane = b * n
            var d = b
            for i in 0..<n {
                dst[d] = src[plane + i]
                d += k
            }
        }
    }

    private static func delta(_ src: UnsafeRawBufferPointer, into dst: UnsafeMutableRawBufferPointer,
                              elementSize: Int, rowLength: Int, forward: Bool) {
        switch elementSize {
        case 1: delta(src, dst, UInt8.self, rowLength, forward)
        case 2: delta(src, dst, UInt16.self, rowLength, forward)
        case 4: delta(src, dst, UInt32.self, rowLength, forward)
        default: delta(src, dst, UInt64.self, rowLength, forward)
        }
    }

    private static func delta<T: FixedWidthInteger & UnsignedInteger>(
        _ src: UnsafeRawBufferPointer, _ dst: UnsafeMutableRawBufferPointer, _: T.Type, _ rowLength: Int, _ forward: Bool
    ) {
        let n = src.count / MemoryLayout<T>.size
        let w = max(1, rowLength)
        var rowStart = 0
        while rowStart < n {
            let rowEnd = min(n, rowStart + w)
            var previous: T = 0
            for i in rowStart..<rowEnd {
                let x = T(littleEndian: src.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
                let y: T
                if forward {
                    y = x &- previous
                    previous = x
                } else {
                    y = x &+ previous
                    previous = y
                }
                dst.storeBytes(of: y.littleEndian, toByteOffset: i * MemoryLayout<T>.size, as: T.self)
            }
            rowStart = rowEnd
        }
    }
}
