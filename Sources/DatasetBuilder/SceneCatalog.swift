import Foundation
import GeoRaster
import ShardFormat
#if canImport(Glibc)
import Glibc
#endif

/// A problem found while turning inputs into scenes or planning: the sensor/input concerned and what.
public struct PlanError: Error, CustomStringConvertible, Sendable {
    public var problems: [String]
    public var description: String { problems.count == 1 ? problems[0] : problems.map { "  \($0)" }.joined(separator: "\n") }
}

/// Expands each sensor's inputs (paths, globs, folders) into scenes, opening each scene's first
/// file for its footprint. One scene per file, or per folder of band-separate files.
public enum SceneCatalog {
    static let rasterExtensions: Set<String> = ["tif", "tiff", "vrt", "jp2", "img", "nc", "hdf", "h5", "dem", "asc", "png", "jpg"]

    /// The scenes of every sensor, keyed by sensor name, each list sorted by scene name.
    /// - Throws: ``PlanError`` listing every input that matches nothing, every scene missing a band
    ///   file, and every unreadable or ungeoreferenced file, naming the sensor and path.
    public static func scenes(for manifest: Manifest) throws -> [String: [Scene]] {
        var problems: [String] = []
        var out: [String: [Scene]] = [:]
        for sensor in manifest.sensors {
            var scenes: [Scene] = []
            if sensor.inputs.isEmpty {
                problems.append("sensor \(sensor.name): no inputs; give them in the manifest or with --input \(sensor.name)=PATH")
            }
            for input in sensor.inputs {
                let paths = expand(input)
                if paths.isEmpty { problems.append("sensor \(sensor.name): input \(input) matches nothing") }
                for path in paths {
                    do {
                        scenes += try scenesAt(path, sensor: sensor, manifest: manifest)
                    } catch let error as PlanError {
                        problems += error.problems
                    } catch {
                        problems.append("sensor \(sensor.name): \(path): \(error)")
                    }
                }
            }
            out[sensor.name] = scenes.sorted { $0.name < $1.name || ($0.name == $1.name && $0.path < $1.path) }
            if !sensor.inputs.isEmpty && scenes.isEmpty && problems.isEmpty {
                problems.append("sensor \(sensor.name): inputs \(sensor.inputs.joined(separator: ", ")) hold no scene")
            }
        }
        if !problems.isEmpty { throw PlanError(problems: problems) }
        return out
    }

    /// Paths matching a glob (sorted), or the path itself when it exists.
    static func expand(_ pattern: String) -> [String] {
        if pattern.contains(where: { "*?[".contains($0) }) {
            var g = glob_t()
            defer { globfree(&g) }
            guard glob(pattern, 0, nil, &g) == 0 else { return [] }
            return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }.sorted()
        }
        return FileManager.default.fileExists(atPath: pattern) ? [pattern] : []
    }

    static func isDirectory(_ path: String) -> Bool {
        var dir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &dir) && dir.boolValue
    }

    static func scenesAt(_ path: String, sensor: SensorConfig, manifest: Manifest) throws -> [Scene] {
        let bandSeparate = sensor.bands.first?.file != nil
        if isDirectory(path) {
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            if bandSeparate {
                // A scene folder holds the band files; otherwise each sub-folder is a scene folder.
                if sensor.bands.contains(where: { band in children.contains { fnmatch(band.file!, $0, 0) == 0 } }) {
                    return [try scene(path, sensor: sensor, manifest: manifest)]
                }
                let folders = children.map { "\(path)/\($0)" }.filter(isDirectory)
                guard !folders.isEmpty else {
                    throw PlanError(problems: ["sensor \(sensor.name): \(path) holds no band files (\(sensor.bands.compactMap(\.file).joined(separator: ", "))) and no scene folders"])
                }
                var problems: [String] = []
                var scenes: [Scene] = []
                for folder in folders {
                    do { scenes.append(try scene(folder, sensor: sensor, manifest: manifest)) } catch let e as PlanError { problems += e.problems }
                }
                if !problems.isEmpty { throw PlanError(problems: problems) }
                return scenes
            }
            let files = children.filter { rasterExtensions.contains(($0 as NSString).pathExtension.lowercased()) }.map { "\(path)/\($0)" }
            guard !files.isEmpty else { throw PlanError(problems: ["sensor \(sensor.name): folder \(path) holds no raster files"]) }
            return try files.map { try scene($0, sensor: sensor, manifest: manifest) }
        }
        if bandSeparate {
            throw PlanError(problems: ["sensor \(sensor.name): \(path) is a file, but the bands name their own files: give scene folders"])
        }
        return [try scene(path, sensor: sensor, manifest: manifest)]
    }

    static func scene(_ path: String, sensor: SensorConfig, manifest: Manifest) throws -> Scene {
        let name = (path as NSString).lastPathComponent
        var bands: [BandSource] = []
        var problems: [String] = []
        let folder = isDirectory(path) ? path : (path as NSString).deletingLastPathComponent
        if sensor.bands.first?.file != nil {
            let children = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
            for band in sensor.bands {
                let matches = children.filter { fnmatch(band.file!, $0, 0) == 0 }
                if matches.count != 1 {
                    problems.append("sensor \(sensor.name): scene \(path): band \(band.name) (\(band.file!)) matches \(matches.count) files, expected 1")
                    continue
                }
                bands.append(BandSource(path: "\(path)/\(matches[0])", band: band.index ?? 1))
            }
        } else {
            bands = sensor.bands.enumerated().map { i, b in BandSource(path: path, band: b.index ?? i + 1) }
        }
        if !problems.isEmpty { throw PlanError(problems: problems) }
        var footprint: Footprint?
        let gridCRS = try manifest.grid.measuringCRS()
        for file in Set(bands.map(\.path)).sorted() {
            do throws(RasterError) {
                let raster = try Raster(path: file)
                let scale = try KernelScale.of(raster, pixelSize: sensor.gsd, gridCRS: gridCRS)
                for i in bands.indices where bands[i].path == file {
                    guard bands[i].band <= raster.bandCount else {
                        problems.append("sensor \(sensor.name): \(file) has \(raster.bandCount) band(s); band \(bands[i].band) was asked for")
                        continue
                    }
                    bands[i].kernelScale = scale
                    bands[i].nodata = try raster.nodata(band: bands[i].band)
                }
                if file == bands[0].path { footprint = try raster.footprint() }
            } catch {
                problems.append("sensor \(sensor.name): \(error)")
            }
        }
        guard problems.isEmpty, let footprint else { throw PlanError(problems: problems) }
        var attributes: [String: AttributeValue] = [:]
        for source in manifest.attributes where source.sensor == sensor.name {
            attributes.merge(try readAttributes(folder: folder, source: source, sensor: sensor.name), uniquingKeysWith: { a, _ in a })
        }
        return Scene(sensor: sensor.name, name: name, path: path, bands: bands, footprint: footprint,
                     acquired: SceneTime.acquired(scene: path, name: name)?.iso, attributes: attributes)
    }

    static func readAttributes(folder: String, source: AttributeSource, sensor: String) throws -> [String: AttributeValue] {
        let children = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        guard let file = children.first(where: { fnmatch(source.file, $0, 0) == 0 }) else {
            throw PlanError(problems: ["sensor \(sensor): attribute file \(source.file) not found in \(folder)"])
        }
        let path = "\(folder)/\(file)"
        guard let data = FileManager.default.contents(atPath: path),
              case .object(let o)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
            throw PlanError(problems: ["sensor \(sensor): attribute file \(path) is not a JSON object"])
        }
        var out: [String: AttributeValue] = [:]
        for field in source.fields {
            switch o[field] {
            case .string(let s)?: out[field] = .string(s)
            case .number(let n)?: out[field] = .number(n)
            case .bool(let b)?: out[field] = .number(b ? 1 : 0)
            case .array(let items)?: out[field] = .strings(items.compactMap { if case .string(let s) = $0 { s } else { nil } })
            default: throw PlanError(problems: ["sensor \(sensor): \(path) has no string, number or list field \"\(field)\""])
            }
        }
        return out
    }
}
