/// Settings of a warp that do not change which ground is sampled.
public struct WarpOptions: Sendable, Equatable {
    /// Use the sources' overviews when downsampling (`gdalwarp -ovr AUTO`); off by default
    /// (`-ovr NONE`) so that every output pixel comes from full-resolution data.
    public var usesOverviews: Bool
    /// Working memory of GDAL's warper in MiB (`gdalwarp -wm`).
    public var memoryMiB: Int
    /// Threads inside one warp (`-wo NUM_THREADS`). Default 1: GeoPairs parallelises across workers,
    /// each with its own handles, which also avoids GDAL 3.6's multi-threaded band-separate read bug.
    public var threads: Int

    /// Largest error, in pixels, allowed when GDAL approximates the coordinate transformation by
    /// interpolation (`gdalwarp -et`). `nil` keeps GDAL's default (0.125 px), whose interpolation
    /// depends on the output window; `0` transforms every pixel exactly, so a pixel's value does not
    /// depend on how large a block it was warped in.
    public var errorThreshold: Double?
    public init(usesOverviews: Bool = false, memoryMiB: Int = 256, threads: Int = 1, errorThreshold: Double? = nil) {
        self.usesOverviews = usesOverviews
        self.memoryMiB = memoryMiB
        self.threads = threads
        self.errorThreshold = errorThreshold
    }

    /// The `gdalwarp` arguments these options stand for.
    var gdalwarpArguments: [String] {
        ["-ovr", usesOverviews ? "AUTO" : "NONE", "-wm", String(max(1, memoryMiB)),
         "-wo", "NUM_THREADS=\(max(1, threads))"] + (errorThreshold.map { ["-et", String($0)] } ?? [])
    }
}
