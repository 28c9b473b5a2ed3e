/// The element type of a raster band and of a stored array: one type for GDAL's side (GeoRaster)
/// and the shards' side (ShardFormat). The raw value is the name `dataset.json` and record headers
/// write (DATASETS.md).
public enum DType: String, Sendable, CaseIterable, Codable {
    case u8, i16, u16, i32, f32, f64

    /// Bytes per element.
    public var size: Int {
        switch self {
        case .u8: 1
        case .i16, .u16: 2
        case .i32, .f32: 4
        case .f64: 8
        }
    }

    /// Whether the type is floating-point (and so can hold NaN).
    public var isFloatingPoint: Bool { self == .f32 || self == .f64 }
}
