/// GDAL's affine geotransform (`GDALGetGeoTransform`): pixel/line → georeferenced x/y.
///
/// `x = originX + pixel·pixelWidth + line·rowRotation`,
/// `y = originY + pixel·columnRotation + line·pixelHeight` (pixelHeight is negative for north-up).
/// The coefficient order is GDAL's: `(originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight)`,
/// and so is its JSON form: an array of the six numbers, as record headers and batches write it.
public struct GeoTransform: Sendable, Equatable, Hashable, CustomStringConvertible, Codable {
    public var originX: Double
    public var pixelWidth: Double
    public var rowRotation: Double
    public var originY: Double
    public var columnRotation: Double
    public var pixelHeight: Double

    /// A north-up transform with square pixels of `pixelSize`, top-left corner at (originX, originY).
    public init(originX: Double, originY: Double, pixelSize: Double) {
        self.init([originX, pixelSize, 0, originY, 0, -pixelSize])
    }

    /// From GDAL's six coefficients; precondition: exactly six.
    public init(_ coefficients: [Double]) {
        precondition(coefficients.count == 6, "a geotransform has six coefficients")
        originX = coefficients[0]; pixelWidth = coefficients[1]; rowRotation = coefficients[2]
        originY = coefficients[3]; columnRotation = coefficients[4]; pixelHeight = coefficients[5]
    }

    /// From six finite coefficients read from a file; `nil` for any other count or a NaN or infinity.
    public init?(validating coefficients: [Double]) {
        guard coefficients.count == 6, coefficients.allSatisfy(\.isFinite) else { return nil }
        self.init(coefficients)
    }

    /// The six coefficients in GDAL's order.
    public var coefficients: [Double] {
        [originX, pixelWidth, rowRotation, originY, columnRotation, pixelHeight]
    }

    /// True for a north-up transform without rotation terms.
    public var isNorthUp: Bool { rowRotation == 0 && columnRotation == 0 && pixelHeight < 0 }

    /// The georeferenced position of fractional pixel/line coordinates (0,0 is the top-left corner).
    public func world(pixel: Double, line: Double) -> Coordinate {
        Coordinate(
            x: originX + pixel * pixelWidth + line * rowRotation,
            y: originY + pixel * columnRotation + line * pixelHeight)
    }

    /// The fractional pixel/line of a georeferenced position; `nil` when the transform is singular.
    public func pixel(of point: Coordinate) -> (pixel: Double, line: Double)? {
        let det = pixelWidth * pixelHeight - rowRotation * columnRotation
        guard det != 0, det.isFinite else { return nil }
        let dx = point.x - originX, dy = point.y - originY
        return ((dx * pixelHeight - dy * rowRotation) / det, (dy * pixelWidth - dx * columnRotation) / det)
    }

    public var description: String {
        "(\(originX), \(pixelWidth), \(rowRotation), \(originY), \(columnRotation), \(pixelHeight))"
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let transform = GeoTransform(validating: try container.decode([Double].self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a geotransform is 6 finite numbers")
        }
        self = transform
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(coefficients)
    }
}
