/// A north-up raster grid on the ground: CRS, top-left origin, square pixel size, width × height.
///
/// This is the target of every warp: a sensor's patch (or a block of patches) of a grid cell is the
/// `GridSpec` whose origin is the cell's top-left corner and whose pixel size is the sensor's GSD.
public struct GridSpec: Sendable, Equatable, CustomStringConvertible {
    public let crs: CRS
    /// x of the left edge of the first column.
    public let originX: Double
    /// y of the top edge of the first row.
    public let originY: Double
    /// Ground size of one pixel side, in CRS units.
    public let pixelSize: Double
    public let width: Int
    public let height: Int

    /// - Throws: ``RasterError/Kind/grid`` for an empty grid or a non-positive/non-finite pixel size.
    public init(crs: CRS, originX: Double, originY: Double, pixelSize: Double, width: Int, height: Int) throws(RasterError) {
        let subject = "grid \(width)×\(height) at (\(originX), \(originY)) step \(pixelSize) in \(crs)"
        guard width > 0, height > 0 else {
            throw RasterError(.grid, operation: "define grid", subject: subject, message: "the grid is empty")
        }
        guard pixelSize > 0, pixelSize.isFinite, originX.isFinite, originY.isFinite else {
            throw RasterError(.grid, operation: "define grid", subject: subject,
                              message: "pixel size must be positive and finite, origin finite")
        }
        self.crs = crs
        self.originX = originX
        self.originY = originY
        self.pixelSize = pixelSize
        self.width = width
        self.height = height
    }

    /// The grid covering `bounds` exactly with `pixelSize` pixels (the size is rounded to whole pixels).
    public init(crs: CRS, bounds: BoundingBox, pixelSize: Double) throws(RasterError) {
        let (width, height) = ((bounds.width / pixelSize).rounded(), (bounds.height / pixelSize).rounded())
        guard width.isFinite, height.isFinite, (0...Double(Int32.max)).contains(width), (0...Double(Int32.max)).contains(height) else {
            throw RasterError(.grid, operation: "make grid", subject: "\(bounds)",
                              message: "\(width) × \(height) pixels of \(pixelSize) is not a grid GDAL can hold")
        }
        try self.init(crs: crs, originX: bounds.minX, originY: bounds.maxY, pixelSize: pixelSize, width: Int(width), height: Int(height))
    }

    /// The grid's geotransform `(originX, pixelSize, 0, originY, 0, -pixelSize)`.
    public var geoTransform: GeoTransform {
        GeoTransform(originX: originX, originY: originY, pixelSize: pixelSize)
    }

    /// The ground rectangle the grid covers.
    public var bounds: BoundingBox {
        BoundingBox(minX: originX, minY: originY - Double(height) * pixelSize,
                    maxX: originX + Double(width) * pixelSize, maxY: originY)
    }

    /// Number of pixels per band.
    public var pixelCount: Int { width * height }

    /// The sub-grid of a pixel window of this grid (same CRS and pixel size).
    public func subgrid(_ window: PixelWindow) throws(RasterError) -> GridSpec {
        try GridSpec(crs: crs, originX: originX + Double(window.x) * pixelSize,
                     originY: originY - Double(window.y) * pixelSize, pixelSize: pixelSize,
                     width: window.width, height: window.height)
    }

    public var description: String {
        "\(width)×\(height) px of \(pixelSize) from (\(originX), \(originY)) in \(crs)"
    }
}
