/// One group of output bands of a warp: the same bands taken from one raster or a mosaic of several.
///
/// - One raster: `WarpInput(rasters: [r])`.
/// - A mosaic (tiles, possibly in different CRSs): several rasters; like `gdalwarp` with several
///   sources, they are warped in order and a later raster overwrites an earlier one where it has data.
/// - Band-separate files (Sentinel-2 style, one file per band at 10, 20 or 60 m): one `WarpInput`
///   per file, each with its own resampling; ``Warper`` stacks them into one multi-band output.
public struct WarpInput {
    /// The source rasters, in mosaic order.
    public var rasters: [Raster]
    /// 1-based source band numbers to take from every raster; `nil` takes all bands.
    public var bands: [Int]?
    /// How to resample these bands.
    public var resampling: Resampling
    /// Overrides the sources' own nodata value (`gdalwarp -srcnodata`); `nil` keeps theirs.
    public var nodata: Double?
    /// `[XSCALE, YSCALE]` of the resampling kernel (``KernelScale``); `nil` lets GDAL derive it per
    /// processing chunk, which makes downsampled values depend on the chunking.
    public var kernelScale: [Double]?

    public init(rasters: [Raster], bands: [Int]? = nil, resampling: Resampling, nodata: Double? = nil, kernelScale: [Double]? = nil) {
        self.rasters = rasters
        self.bands = bands
        self.resampling = resampling
        self.nodata = nodata
        self.kernelScale = kernelScale
    }

    /// A single raster.
    public init(_ raster: Raster, bands: [Int]? = nil, resampling: Resampling, nodata: Double? = nil, kernelScale: [Double]? = nil) {
        self.init(rasters: [raster], bands: bands, resampling: resampling, nodata: nodata, kernelScale: kernelScale)
    }

    /// How many output bands this input gives.
    public var outputBandCount: Int { bands?.count ?? rasters.first?.bandCount ?? 0 }
}
