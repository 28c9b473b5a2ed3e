import TestSupport
import Foundation
import GeoRaster

/// `gdalwarp`, the command-line program, as the independent reference for warps.
enum GDALCommand {
    /// `gdalwarp` of `sources` onto `grid` with the given resampling (and extra arguments);
    /// returns the output's bands read as `T`, band-sequential.
    static func gdalwarp<T: RasterScalar>(
        _ sources: [String], onto grid: GridSpec, resampling: Resampling, as type: T.Type,
        extra: [String] = []
    ) throws -> (pixels: [T], raster: Raster) {
        let out = TestEnvironment.temporaryDirectory() + "/reference.tif"
        let b = grid.bounds
        let targetCRS = grid.crs.epsg.map { "EPSG:\($0)" } ?? grid.crs.wkt
        try TestEnvironment.check("gdalwarp", ["-q", "-t_srs", targetCRS,
                             "-te", "\(b.minX)", "\(b.minY)", "\(b.maxX)", "\(b.maxY)",
                             "-tr", "\(grid.pixelSize)", "\(grid.pixelSize)",
                             "-r", resampling.rawValue, "-ovr", "NONE", "-ot", T.dataType.gdalName]
                + extra + sources + [out])
        let raster = try Raster(path: out)
        return (try raster.read(as: T.self), raster)
    }
}
