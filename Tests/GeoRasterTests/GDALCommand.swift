import Foundation
import GeoRaster

/// Runs GDAL's command-line programs (`gdalwarp`, `gdal_create`, …) as independent references.
enum GDALCommand {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Runs a program found on PATH; throws with its stderr when it exits non-zero.
    static func run(_ program: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(program) \(arguments.joined(separator: " ")) failed: "
                          + (String(data: message, encoding: .utf8) ?? ""))
        }
    }

    /// `gdalwarp` of `sources` onto `grid` with the given resampling (and extra arguments);
    /// returns the output's bands read as `T`, band-sequential.
    static func gdalwarp<T: RasterScalar>(
        _ sources: [String], onto grid: GridSpec, resampling: Resampling, as type: T.Type,
        extra: [String] = []
    ) throws -> (pixels: [T], raster: Raster) {
        let out = try TestData.temporaryDirectory() + "/reference.tif"
        let b = grid.bounds
        let targetCRS = grid.crs.epsg.map { "EPSG:\($0)" } ?? grid.crs.wkt
        try run("gdalwarp", ["-q", "-t_srs", targetCRS,
                             "-te", "\(b.minX)", "\(b.minY)", "\(b.maxX)", "\(b.maxY)",
                             "-tr", "\(grid.pixelSize)", "\(grid.pixelSize)",
                             "-r", resampling.rawValue, "-ovr", "NONE", "-ot", T.rasterDataType.gdalName]
                + extra + sources + [out])
        let raster = try Raster(path: out)
        return (try raster.read(as: T.self), raster)
    }
}
