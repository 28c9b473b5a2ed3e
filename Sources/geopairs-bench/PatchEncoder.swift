import CLICore
import Foundation
import GeoRaster
import ShardFormat

/// `geopairs-bench encode-patches LIST OUT`: the naive pipeline's second half. Reads per-patch
/// GeoTIFFs (one line per record: `key split path-sensor1 path-sensor2 …`, sensors named on the
/// first line as `# name1 name2 …`) and writes them with the same encoder and writer as
/// build-dataset, so that only the warping strategy differs between the two.
enum PatchEncoder {
    static let command = Subcommand(
        name: "encode-patches", summary: "encode per-patch GeoTIFFs with build-dataset's encoder and writer",
        positionals: [Positional("LIST", "one line per record: key split path-sensor1 …, after a first line # name1 name2 …"),
                      Positional("OUT", "the dataset folder to write")],
        run: { a in try run(list: a[positional: "LIST"], output: a[positional: "OUT"]); return .success })

    static func run(list: String, output: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: list, encoding: .utf8)
        } catch {
            throw BenchmarkError("cannot read \(list): \(error.localizedDescription)")
        }
        var lines = text.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        let names = Array(lines.removeFirst().dropFirst())
        var schemas: [SensorSchema] = []
        let encoder = RecordEncoder()
        var writer: DatasetWriter?
        var inputs: [InputFile] = []
        var grid: GridInfo?
        for line in lines {
            let (key, split, paths) = (line[0], line[1], Array(line[2...]))
            var metas: [SensorMetadata] = [], arrays: [[UInt8]] = []
            for (name, path) in zip(names, paths) {
                let raster = try Raster(path: path)
                let type = try raster.dataType(band: 1) ?? .f32
                let bytes = try CodecBenchmark.readBytes(raster, type: type, bands: nil)
                let t = try raster.geoTransform
                let dtype = type
                let shape = [raster.bandCount, raster.height, raster.width]
                if !inputs.contains(where: { $0.path == path }) {
                    inputs.append(InputFile(path: path, bytes: (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0))
                }
                metas.append(SensorMetadata(sensor: name, bands: (1...raster.bandCount).map { "b\($0)" }, dtype: dtype, shape: shape,
                                            geotransform: t, crs: try raster.crs.definition,
                                            sources: [[inputs.firstIndex { $0.path == path }!]]))
                arrays.append(bytes)
                if schemas.count < names.count {
                    schemas.append(SensorSchema(name: name, bands: metas.last!.bands, dtype: dtype, gsd: t.pixelWidth, shape: shape))
                }
            }
            if writer == nil { writer = try DatasetWriter(output: try ClaimedOutput(directory: output, discardingEarlierDataset: true), sensors: schemas) }
            let t = metas[0].geotransform
            let footprint = BoundingBox(minX: t.originX, minY: t.originY + Double(metas[0].shape[1]) * t.pixelHeight,
                                        maxX: t.originX + Double(metas[0].shape[2]) * t.pixelWidth, maxY: t.originY)
            let patch = footprint.width
            grid = grid ?? GridInfo(crs: metas[0].crs.text, patchSize: patch, stride: patch)
            let record = Record(metadata: RecordMetadata(key: key, cell: [0, 0], split: split, footprint: footprint, crs: metas[0].crs,
                                                         sensors: metas), arrays: arrays)
            try writer!.append(try encoder.encode(record))
        }
        // The patches' own grid and the files they came from, like build-dataset's (their stride is not known here).
        _ = try writer?.finish(name: "naive", grid: grid, manifest: nil, inputs: inputs)
    }
}
