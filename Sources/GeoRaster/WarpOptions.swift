/// Settings of a warp that do not change which ground is sampled.
public struct WarpOptions: Sendable, Equatable {
    /// Use the sources' overviews when downsampling (`gdalwarp -ovr AUTO`); off by default
    /// (`-ovr NONE`) so that every output pixel comes from full-resolution data.
    public var useOverviews: Bool
    /// Working memory of GDAL's warper in MiB (`gdalwarp -wm`).
    public var memoryMiB: Int
    /// Threads inside one warp (`-wo NUM_THREADS`). Default 1: GeoPairs parallelises across workers,
    /// each with its own handles, which also avoids GDAL 3.6's multi-threaded band-separate read bug.
    public var threads: Int

    public init(useOverviews: Bool = false, memoryMiB: Int = 256, threads: Int = 1) {
        self.useOverviews = useOverviews
        self.memoryMiB = memoryMiB
        self.threads = threads
    }

    /// The `gdalwarp` arguments these options stand for.
    var gdalwarpArguments: [String] {
        ["-ovr", useOverviews ? "AUTO" : "NONE", "-wm", String(max(1, memoryMiB)),
         "-wo", "NUM_THREADS=\(max(1, threads))"]
    }
}
