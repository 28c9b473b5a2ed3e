@_exported import GeoValues
import CGDAL

/// The pixel types GeoPairs reads, writes and warps (``DType``) as GDAL knows them (`GDALDataType`).
extension DType {
    /// GDAL's name, as `gdalwarp -ot` takes it (`GDALGetDataTypeName`).
    public var gdalName: String {
        switch self {
        case .u8: "Byte"
        case .i16: "Int16"
        case .u16: "UInt16"
        case .i32: "Int32"
        case .f32: "Float32"
        case .f64: "Float64"
        }
    }

    /// The `GDALDataType` constant (`GDT_Byte`, `GDT_Int16`, …).
    var gdal: GDALDataType {
        switch self {
        case .u8: GDT_Byte
        case .i16: GDT_Int16
        case .u16: GDT_UInt16
        case .i32: GDT_Int32
        case .f32: GDT_Float32
        case .f64: GDT_Float64
        }
    }

    /// The matching case of a `GDALDataType`; `nil` for types GeoPairs does not handle (complex, Int8, 64-bit ints).
    init?(gdal: GDALDataType) {
        guard let match = DType.allCases.first(where: { $0.gdal == gdal }) else { return nil }
        self = match
    }
}

/// A Swift scalar type that GDAL reads and writes directly.
public protocol RasterScalar: Sendable, Equatable {
    static var dataType: DType { get }
    /// Whether the value is NaN (always false for integers).
    var isNaNValue: Bool { get }
    /// The value as Double (for statistics and nodata comparison).
    var doubleValue: Double { get }
}

extension UInt8: RasterScalar {
    public static var dataType: DType { .u8 }
    public var isNaNValue: Bool { false }
    public var doubleValue: Double { Double(self) }
}
extension Int16: RasterScalar {
    public static var dataType: DType { .i16 }
    public var isNaNValue: Bool { false }
    public var doubleValue: Double { Double(self) }
}
extension UInt16: RasterScalar {
    public static var dataType: DType { .u16 }
    public var isNaNValue: Bool { false }
    public var doubleValue: Double { Double(self) }
}
extension Int32: RasterScalar {
    public static var dataType: DType { .i32 }
    public var isNaNValue: Bool { false }
    public var doubleValue: Double { Double(self) }
}
extension Float: RasterScalar {
    public static var dataType: DType { .f32 }
    public var isNaNValue: Bool { isNaN }
    public var doubleValue: Double { Double(self) }
}
extension Double: RasterScalar {
    public static var dataType: DType { .f64 }
    public var isNaNValue: Bool { isNaN }
    public var doubleValue: Double { self }
}
