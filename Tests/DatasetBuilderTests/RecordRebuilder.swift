import Foundation
import GeoRaster
import ShardFormat
import TestSupport
import Testing

/// Rebuilds records with the `gdalwarp` and `gdal_translate` commands from what the dataset stores,
/// following DATASETS.md ("Rebuilding a record") and nothing else: the sensor's `warp` recipe in
/// `dataset.json`, the record's `sources`, geotransform, shape and (approximate warps) window.
enum RecordRebuilder {
    /// Every record of `dir`, sensor by sensor, equals its rebuild byte for byte, and so does its mask.
    /// - Parameter manifestDirectory: the folder relative input paths are taken from.
    static func expectEveryRecordRebuilds(_ dir: String, manifestDirectory: String = "/") throws {
        let reader = try DatasetReader(directory: dir)
        #expect(reader.locations().count > 0)
        let codec = ZstdCodec()
        for location in reader.locations() {
            let meta = try reader.metadata(at: location)
            for s in meta.sensors {
                let schema = reader.index.sensor(s.sensor)!
                let (data, mask) = try rebuild(s, recipe: try #require(schema.warp), inputs: reader.index.inputs.map(\.path),
                                               manifestDirectory: manifestDirectory)
                let stored = try reader.readArray(at: location, sensor: s.sensor, codec: codec)
                let hasMask = try reader.shards[location.shard].frame(record: location.record, sensor: s.sensor, kind: .mask) != nil
                let storedMask = hasMask ? try reader.readArray(at: location, sensor: s.sensor, kind: .mask, codec: codec)
                    : [UInt8](repeating: 1, count: mask.count)
                let differing = zip(stored, data).filter { $0 != $1 }.count
                #expect(stored.count == data.count && differing == 0,
                        "record \(meta.key) sensor \(s.sensor): \(differing) of \(stored.count) bytes differ from gdalwarp")
                #expect(storedMask == mask, "record \(meta.key) sensor \(s.sensor): the mask differs from the rebuilt one")
            }
        }
    }

    /// One sensor of one record: its C×H×W little-endian bytes and its H×W mask.
    static func rebuild(_ s: SensorMetadata, recipe: WarpRecipe, inputs: [String], manifestDirectory: String) throws -> ([UInt8], [UInt8]) {
        let (c, h, w) = (s.shape[0], s.shape[1], s.shape[2])
        let gt = s.geotransform.coefficients
        // An approximate warp is rebuilt over the window it was cut from, with its working memory.
        let te = s.warpWindow?.corners ?? [gt[0], gt[3] + Double(h) * gt[5], gt[0] + Double(w) * gt[1], gt[3]]
        let patch = PixelWindow(x: Int(((gt[0] - te[0]) / gt[1]).rounded()), y: Int(((te[3] - gt[3]) / -gt[5]).rounded()), width: w, height: h)
        let memory = recipe.warpMemoryMiB.map { ["-wm", "\($0)"] } ?? []
        let type = DType(rawValue: s.dtype.rawValue)!
        func file(_ scene: [Int], band: Int) -> String {
            let path = inputs[scene.count == 1 ? scene[0] : scene[band]]
            return path.hasPrefix("/") ? path : "\(manifestDirectory)/\(path)"
        }
        var data: [UInt8] = []
        var mask = [UInt8](repeating: 1, count: h * w)
        let work = TestEnvironment.temporaryDirectory()
        var start = 0
        while start < c {
            // One gdalwarp call per run of bands with the same files, resampling and kernel scale.
            func call(_ b: Int) -> ([String], String, [Double]) {
                (s.sources.map { file($0, band: b) }, recipe.resampling[b], recipe.kernelScale[b])
            }
            var end = start + 1
            while end < c && call(end) == call(start) { end += 1 }
            let bands = Array(recipe.sourceBands[start..<end])
            var sources: [String] = []
            for (n, path) in call(start).0.enumerated() {
                if bands == Array(1...(try Raster(path: path).bandCount)) {
                    sources.append(path)
                } else {
                    let vrt = "\(work)/b\(start)-s\(n).vrt"
                    try TestEnvironment.check("gdal_translate", ["-q", "-of", "VRT"] + bands.flatMap { ["-b", "\($0)"] } + [path, vrt])
                    sources.append(vrt)
                }
            }
            let out = "\(work)/b\(start).tif"
            let scale = recipe.kernelScale[start]
            try TestEnvironment.check("gdalwarp", ["-q", "-t_srs", s.crs.text, "-te"] + te.map { "\($0)" } + ["-tr", "\(gt[1])", "\(-gt[5])",
                "-r", recipe.resampling[start], "-ot", type.gdalName, "-dstalpha", "-ovr", "NONE", "-et", "\(recipe.errorThreshold)",
                "-wo", "XSCALE=\(scale[0])", "-wo", "YSCALE=\(scale[1])"] + memory
                + (recipe.srcNodata.map { ["-srcnodata", "\($0)"] } ?? []) + sources + [out])
            let raster = try Raster(path: out)
            let alpha: [Double] = try raster.read(window: patch, bands: [bands.count + 1])
            for i in 0..<(h * w) where alpha[i] <= 0 { mask[i] = 0 }
            for b in 1...bands.count { data += try bytes(raster, window: patch, band: b, type: type) }
            start = end
        }
        // NaN and values outside validRange are never valid.
        data.withUnsafeBytes { raw in
            for b in 0..<c {
                for i in 0..<(h * w) {
                    let v = s.dtype.value(in: raw, at: b * h * w + i)
                    if v.isNaN || recipe.validRange.map({ v < $0[0] || v > $0[1] }) == true { mask[i] = 0 }
                }
            }
        }
        return (data, mask)
    }

    private static func bytes(_ raster: Raster, window: PixelWindow, band: Int, type: DType) throws -> [UInt8] {
        switch type {
        case .u8: try raster.read(window: window, bands: [band], as: UInt8.self)
        case .i16: try raster.read(window: window, bands: [band], as: Int16.self).withUnsafeBytes { Array($0) }
        case .u16: try raster.read(window: window, bands: [band], as: UInt16.self).withUnsafeBytes { Array($0) }
        case .i32: try raster.read(window: window, bands: [band], as: Int32.self).withUnsafeBytes { Array($0) }
        case .f32: try raster.read(window: window, bands: [band], as: Float.self).withUnsafeBytes { Array($0) }
        case .f64: try raster.read(window: window, bands: [band], as: Double.self).withUnsafeBytes { Array($0) }
        }
    }
}
