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
