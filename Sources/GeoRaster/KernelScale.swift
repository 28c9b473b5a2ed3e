import CGDAL
import Foundation

/// GDAL's resampling-kernel scale (`gdalwarp -wo XSCALE=… -wo YSCALE=…`): destination pixels per
/// source pixel. Left to GDAL, it is derived per processing chunk from the chunk's window sizes, so
/// when downsampling with `bilinear`, `cubic` or `average` a pixel's value would depend on how large
/// a block it was warped in. GeoPairs fixes it instead, by one rule that needs no reprojection:
///
///     scale = source pixel size in metres / target pixel size in metres   (per axis)
///
/// where a projected CRS's size is its pixel size (`hypot` of the geotransform's column or row
/// terms) times its linear unit, and a geographic CRS's is its size in degrees times
/// π/180 · 6378137 m (times cos φ along x), at the latitude φ of the source raster's centre.
public enum KernelScale {
    /// `[XSCALE, YSCALE]` for warping `raster` onto pixels of `pixelSize` grid-CRS units.
    /// - Throws: ``RasterError`` when the raster is not georeferenced or a geographic size cannot
    ///   be placed at a latitude.
    public static func of(_ raster: Raster, pixelSize: Double, gridCRS: CRS) throws(RasterError) -> [Double] {
        try of(transform: try raster.geoTransform, width: raster.width, height: raster.height, crs: try raster.crs,
               pixelSize: pixelSize, gridCRS: gridCRS, subject: raster.path)
    }

    /// `[XSCALE, YSCALE]` for a raster described by its grid alone (e.g. a STAC item's
    /// `proj:transform`, `proj:shape` and `proj:epsg`), so that planning need not open it.
    public static func of(transform gt: GeoTransform, width: Int, height: Int, crs: CRS, pixelSize: Double, gridCRS: CRS,
                          subject: String) throws(RasterError) -> [Double] {
        let centre = gt.world(pixel: Double(width) / 2, line: Double(height) / 2)
        var latitude: Double?
        if crs.isGeographic {
            latitude = centre.y
        } else if gridCRS.isGeographic {
            latitude = try CoordinateTransformer(from: crs, to: try CRS(epsg: 4326)).transform([centre]).first?.y
        }
        let source = try metresPerUnit(crs, latitude: latitude, subject: subject)
        let target = try metresPerUnit(gridCRS, latitude: latitude, subject: subject)
        let sx = (gt.pixelWidth * gt.pixelWidth + gt.columnRotation * gt.columnRotation).squareRoot() * source.x
        let sy = (gt.rowRotation * gt.rowRotation + gt.pixelHeight * gt.pixelHeight).squareRoot() * source.y
        let scale = [sx / (pixelSize * target.x), sy / (pixelSize * target.y)]
        guard scale.allSatisfy({ $0.isFinite && $0 > 0 }) else {
            throw RasterError(.crs, operation: "measure pixel size", subject: subject, message: "kernel scale \(scale) is not positive")
        }
        return scale
    }

    /// The semi-major axis of WGS 84, used for every geographic CRS (the scale is nominal).
    static let earthRadius = 6_378_137.0

    static func metresPerUnit(_ crs: CRS, latitude: Double?, subject: String) throws(RasterError) -> (x: Double, y: Double) {
        if crs.isGeographic {
            guard let latitude, latitude.isFinite, abs(latitude) < 90 else {
                throw RasterError(.crs, operation: "measure pixel size", subject: subject, message: "no latitude to size degrees at")
            }
            let perDegree = Double.pi / 180 * earthRadius
            return (perDegree * cos(latitude * Double.pi / 180), perDegree)
        }
        return (crs.linearUnit, crs.linearUnit)
    }
}
