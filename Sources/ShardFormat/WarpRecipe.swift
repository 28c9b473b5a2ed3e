/// How the builder warped one sensor's pixels: with a record's `sources` and geotransform, enough
/// to run `gdalwarp` again and get the same bytes (DATASETS.md, "Rebuilding a record").
public struct WarpRecipe: Codable, Sendable, Equatable {
    /// Per band: GDAL resampling name (`-r`).
    public var resampling: [String]
    /// Per band: the 1-based band number in its source file.
    public var sourceBands: [Int]
    /// Per band: `[XSCALE, YSCALE]` (`-wo`), destination pixels per source pixel, fixed for the build.
    public var kernelScale: [[Double]]
    /// `-et`: 0 (the default), every pixel transformed exactly; above 0, GDAL's approximate
    /// transformer, and records store the window they were warped in.
    public var errorThreshold: Double
    /// `-wm` in MiB, stored when `errorThreshold` is above 0: GDAL then approximates over each
    /// chunk of a warp, and the working memory decides the chunks.
    public var warpMemoryMiB: Int?
    /// `-srcnodata` when the manifest sets `nodata`; absent: the sources' own nodata.
    public var srcNodata: Double?
    /// Pixels with a band outside `[low, high]` are invalid (the manifest's `validRange`).
    public var validRange: [Double]?

    public init(resampling: [String], sourceBands: [Int], kernelScale: [[Double]], errorThreshold: Double,
                warpMemoryMiB: Int? = nil, srcNodata: Double?, validRange: [Double]?) {
        self.resampling = resampling
        self.sourceBands = sourceBands
        self.kernelScale = kernelScale
        self.errorThreshold = errorThreshold
        self.warpMemoryMiB = errorThreshold > 0 ? warpMemoryMiB : nil
        self.srcNodata = srcNodata
        self.validRange = validRange
    }

    /// The first way this recipe does not fit a sensor of `bands` bands, or `nil`.
    func problem(bands: Int) -> String? {
        guard resampling.count == bands, sourceBands.count == bands, kernelScale.count == bands else {
            return "lists \(resampling.count) resamplings, \(sourceBands.count) source bands and \(kernelScale.count) kernel scales for \(bands) bands"
        }
        guard sourceBands.allSatisfy({ $0 >= 1 }) else { return "source band numbers start at 1" }
        guard kernelScale.allSatisfy({ $0.count == 2 && $0.allSatisfy { $0.isFinite && $0 > 0 } }) else {
            return "kernel scales are not pairs of positive numbers"
        }
        guard errorThreshold.isFinite, errorThreshold >= 0 else { return "error threshold \(errorThreshold)" }
        if let m = warpMemoryMiB, !(1...(1 << 20)).contains(m) { return "warp memory \(m) MiB" }
        if let r = validRange, r.count != 2 || !(r[0] <= r[1]) { return "valid range \(r) is not [low, high]" }
        return nil
    }
}
