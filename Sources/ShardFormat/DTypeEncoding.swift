@_exported import GeoValues

/// How shards store a ``DType``: its code in the binary index and its little-endian elements.
extension DType {
    /// The numeric code used in the binary shard index (DATASETS.md).
    var code: UInt8 {
        switch self {
        case .u8: 1
        case .i16: 2
        case .u16: 3
        case .i32: 4
        case .f32: 5
        case .f64: 6
        }
    }

    /// Converts the first `count` little-endian elements of raw bytes to Double: one switch for the
    /// whole run, so that each case is a plain loop.
    public func convert(_ bytes: UnsafeRawBufferPointer, count: Int, into out: UnsafeMutablePointer<Double>) {
        precondition(count >= 0 && bytes.count >= count * size, "\(count) \(self) elements in \(bytes.count) bytes")
        switch self {
        case .u8: for i in 0..<count { out[i] = Double(bytes[i]) }
        case .i16: for i in 0..<count { out[i] = Double(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: Int16.self))) }
        case .u16: for i in 0..<count { out[i] = Double(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))) }
        case .i32: for i in 0..<count { out[i] = Double(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: Int32.self))) }
        case .f32:
            for i in 0..<count {
                out[i] = Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self))))
            }
        case .f64:
            for i in 0..<count { out[i] = Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self))) }
        }
    }

    /// Converts the little-endian element at `index` of raw bytes to Double.
    @inline(__always)
    public func value(in bytes: UnsafeRawBufferPointer, at index: Int) -> Double {
        switch self {
        case .u8: Double(bytes[index])
        case .i16: Double(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 2, as: Int16.self)))
        case .u16: Double(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self)))
        case .i32: Double(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: Int32.self)))
        case .f32: Double(Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 4, as: UInt32.self))))
        case .f64: Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index * 8, as: UInt64.self)))
        }
    }
}
