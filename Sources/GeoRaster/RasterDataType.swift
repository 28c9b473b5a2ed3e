import CGDAL

/// The pixel types GeoPairs reads, writes and warps, with their GDAL equivalents (`GDALDataType`).
public enum RasterDataType: String, Sendable, CaseIterable, Codable {
    case uint8 = "u8"
    case int16 = "i16"
    case uint16 = "u16"
    case int32 = "i32"
    case float32 = "f32"
    case float64 = "f64"

    /// Bytes per sample.
    public var byteSize: Int {
        switch self {
        case .uint8: 1
        case .int16, .uint16: 2
        case .int32, .float32: 4
        case .float64: 8
        }
    }

    /// True for floating-point types (which can hold NaN).
    public var isFloatingPoint: Bool { self == .float32 || self == .float64 }

    /// GDAL's name, as `gdalwarp -ot` takes it (`GDALGetDataTypeName`).
    public var gdalName: String {
        switch self {
        case .uint8: "Byte"
        case .int16: "Int16"
        case .uint16: "UInt16"
        case .int32: "Int32"
        case .float32: "Float32"
        case .float64: "Float64"
        }
    }

    /// The `GDALDataType` constant (`GDT_Byte`, `GDT_Int16`, …).
    var gdal: GDALDataType {
        switch self {
        case .uint8: GDT_Byte
        case .int16: GDT_Int16
        case .uint16: GDT_UInt16
        case .int32: GDT_Int32
        case .float32: GDT_Float32
        case .float64: GDT_Float64
        }
    }

    /// The matching case of a `GDALDataType`; `nil` for types GeoPairs does not handle (complex, Int8, 64-bit ints).
    init?(gdal: GDALDataType) {
        guard let match = RasterDataType.allCases.first(where: { $0.gdal == gdal }) else { return nil }
        self = match
    }
}

/// A Swift scalar type that GDAL reads and writes directly.
public protocol RasterScalar: Sendable, Equatable {
    static var rasterDataType: RasterDataType { get }
    /// Whether the value is NaN (always false for integers).
    var isNaNValue: Bool { get }
    /// The value as Double (for statistics and nodata comparison).
    var doubleValue: Double { get }
}

extension UInt8: RasterScalar {
    public static var rasterDataType: RasterDataType { .uint8 }
    public var isNaNValue: Bool { false }
    public var doubleValue: Double { Double(self) }
}
extension Int16: RasterScalar {
    public static var rasterDataType: RasterDataType { .int16 }
    public var isNaNValue: Bool { false }
    public var doubleValue: Double { Double(self) }
}
extension UInt16: RasterScalar {
    public static var rasterDataType: RasterDataType { .uint16 }
    public var isNaNValue: Bool { false }
    public var doubleValue: Double { Double(self) }
}
extension Int32: RasterScalar {
    public static var rasterDataType: RasterDataType { .int32 }
    public var isNaNValue: Bool { false }
    public var doubleValue: Double { Double(self) }
}
extension Float: RasterScalar {
    public static var rasterDataType: RasterDataType { .float32 }
    public var isNaNValue: Bool { isNaN }
    public var doubleValue: Double { Double(self) }
}
extension Double: RasterScalar {
    public static var rasterDataType: RasterDataType { .float64 }
    public var isNaNValue: Bool { isNaN }
    public var doubleValue: Double { self }
}
