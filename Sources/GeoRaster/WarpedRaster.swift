/// The result of a warp: band-sequential pixels on the target grid and a per-pixel validity mask.
public struct WarpedRaster<T: RasterScalar>: Sendable {
    /// The grid the pixels lie on.
    public let grid: GridSpec
    /// Number of bands.
    public let bandCount: Int
    /// `bandCount × grid.height × grid.width` values, band by band, row by row.
    public var pixels: [T]
    /// `grid.height × grid.width` flags: 1 where every band has data (inside some input, not the
    /// source nodata, not NaN), 0 elsewhere.
    public var validity: [UInt8]

    public init(grid: GridSpec, bandCount: Int, pixels: [T], validity: [UInt8]) {
        precondition(pixels.count == bandCount * grid.pixelCount && validity.count == grid.pixelCount)
        self.grid = grid
        self.bandCount = bandCount
        self.pixels = pixels
        self.validity = validity
    }

    /// The fraction of valid pixels, 0…1.
    public var validFraction: Double {
        guard !validity.isEmpty else { return 0 }
        return Double(validity.reduce(0) { $0 + Int($1) }) / Double(validity.count)
    }
}
