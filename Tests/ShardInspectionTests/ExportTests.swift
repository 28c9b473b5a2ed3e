import Foundation
import GeoRaster
import ShardFormat
import ShardInspection
import TestSupport
import Testing

/// Builds a one-split dataset whose records are windows of real rasters (one sensor per raster).
func datasetFromRealWindows(_ windows: [(sensor: String, path: String, window: PixelWindow)]) throws -> String {
    let dir = TestEnvironment.temporaryDirectory() + "/dataset"
    var metas: [SensorMetadata] = []
    var arrays: [[UInt8]] = []
    var schemas: [SensorSchema] = []
    for (sensor, path, window) in windows {
        let raster = try Raster(path: path)
        let type = try #require(try raster.dataType(band: 1))
        let dtype = try #require(DType(rawValue: type.rawValue))
        let t = try raster.geoTransform
        let origin = t.world(pixel: Double(window.x), line: Double(window.y))
        let bytes: [UInt8]
        switch type {
        case .u16: bytes = try raster.read(window: window, as: UInt16.self).withUnsafeBytes { Array($0) }
        case .f32: bytes = try raster.read(window: window, as: Float.self).withUnsafeBytes { Array($0) }
        case .u8: bytes = try raster.read(window: window, as: UInt8.self)
        default: bytes = try raster.read(window: window, as: Int16.self).withUnsafeBytes { Array($0) }
        }
        let bands = (1...raster.bandCount).map { "b\($0)" }
        let shape = [raster.bandCount, window.height, window.width]
        let crs = try raster.crs
        metas.append(SensorMetadata(sensor: sensor, bands: bands, dtype: dtype, shape: shape,
                                    geotransform: GeoTransform([origin.x, t.pixelWidth, 0, origin.y, 0, t.pixelHeight]),
                                    crs: crs.definition, sources: [[0]]))
        arrays.append(bytes)
        schemas.append(SensorSchema(name: sensor, bands: bands, dtype: dtype, gsd: t.pixelWidth, shape: shape))
    }
    let first = metas[0]
    let record = Record(metadata: RecordMetadata(
        key: "window-0", cell: [0, 0], split: "train",
        footprint: BoundingBox(minX: first.geotransform.originX, minY: first.geotransform.originY + Double(first.shape[1]) * first.geotransform.pixelHeight,
                               maxX: first.geotransform.originX + Double(first.shape[2]) * first.geotransform.pixelWidth, maxY: first.geotransform.originY),
        crs: first.crs, sensors: metas), arrays: arrays)
    let writer = try DatasetWriter(directory: dir, sensors: schemas)
    try writer.append(try RecordEncoder().encode(record))
    _ = try writer.finish(name: "real-windows", grid: nil, manifest: nil, inputs: [])
    return dir
}

@Suite("Record export", .enabled(if: TestEnvironment.hasRealData))
struct ExportTests {
    @Test("Exported GeoTIFFs give back the source window's pixels and georeferencing")
    func exportMatchesSourceWindow() throws {
        let s2 = TestEnvironment.real("gefolki_s2_patch11.tif"), aber = TestEnvironment.real("aber_s2_20210527_epsg27700.tif")
        let dir = try datasetFromRealWindows([("s2", s2, PixelWindow(x: 100, y: 50, width: 64, height: 48)),
                                              ("aber", aber, PixelWindow(x: 10, y: 20, width: 30, height: 40))])
        let out = TestEnvironment.temporaryDirectory()
        let paths = try RecordExporter.export(reader: try DatasetReader(directory: dir), key: "window-0", folder: out)
        #expect(paths.map { ($0 as NSString).lastPathComponent } == ["s2.tif", "aber.tif"])

        for (path, source, window) in [(paths[0], s2, PixelWindow(x: 100, y: 50, width: 64, height: 48)),
                                       (paths[1], aber, PixelWindow(x: 10, y: 20, width: 30, height: 40))] {
            let exported = try Raster(path: path), original = try Raster(path: source)
            #expect(exported.width == window.width && exported.height == window.height && exported.bandCount == original.bandCount)
            #expect(try exported.crs == original.crs)
            let t = try original.geoTransform, e = try exported.geoTransform
            #expect(e.originX == t.originX + Double(window.x) * t.pixelWidth)
            #expect(e.originY == t.originY + Double(window.y) * t.pixelHeight)
            #expect(e.pixelWidth == t.pixelWidth && e.pixelHeight == t.pixelHeight)
            #expect(try exported.dataType(band: 1) == original.dataType(band: 1))
            let a: [Double] = try exported.read(), b: [Double] = try original.read(window: window)
            #expect(a == b)
        }
    }
}
