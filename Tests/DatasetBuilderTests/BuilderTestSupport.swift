import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat
import TestSupport

enum Fixtures {
    /// Writes a manifest into a temporary folder and returns its path.
    static func manifestFile(_ json: String) -> String {
        let path = TestEnvironment.temporaryDirectory() + "/manifest.json"
        _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        return path
    }

    /// Builds a manifest in-process; returns the dataset directory.
    @discardableResult
    static func build(_ manifestPath: String, inputs: [String] = [], jobs: Int = 2, out: String? = nil) throws -> String {
        let out = out ?? TestEnvironment.temporaryDirectory() + "/dataset"
        let plan = try Planner.plan(try ManifestParser.load(path: manifestPath, inputs: inputs))
        _ = try BuildExecutor.build(plan: plan, output: out, jobs: jobs, restart: false)
        return out
    }

    /// `gdalwarp` of a file onto a record's footprint at a sensor's resolution, with the options the
    /// builder uses (exact transformations `-et 0`, and the kernel scale fixed from the two pixel
    /// sizes, see `WarpOptions.fixedKernelScale`); the output's bands as Double.
    static func gdalwarp(_ source: String, footprint: [Double], crs: String, gsd: Double, resampling: String, type: String) throws -> [Double] {
        let out = TestEnvironment.temporaryDirectory() + "/ref.tif"
        let scale = try Warper.kernelScale(of: try Raster(path: source), crs: try CRS(crs), pixelSize: gsd)
        try TestEnvironment.check("gdalwarp", ["-q", "-t_srs", crs, "-te"] + footprint.map { "\($0)" } + ["-tr", "\(gsd)", "\(gsd)",
                                   "-r", resampling, "-ovr", "NONE", "-et", "0", "-wo", "XSCALE=\(scale.x)", "-wo", "YSCALE=\(scale.y)",
                                   "-ot", type, "-dstalpha", source, out])
        let raster = try Raster(path: out)
        return try raster.read(bands: Array(1..<raster.bandCount), as: Double.self)
    }

    /// A sensor's array of a record as Double.
    static func values(_ reader: DatasetReader, _ location: DatasetReader.Location, sensor: String) throws -> [Double] {
        let meta = try reader.metadata(at: location)
        let s = meta.sensor(sensor)!
        let bytes = try reader.readArray(at: location, sensor: sensor, codec: ZstdCodec())
        return bytes.withUnsafeBytes { raw in (0..<(bytes.count / s.dtype.size)).map { s.dtype.value(in: raw, at: $0) } }
    }
}
