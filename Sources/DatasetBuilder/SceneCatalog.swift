import Foundation
import GeoRaster
import ShardFormat
#if canImport(Glibc)
import Glibc
#endif

/// Expands each sensor's inputs (paths, URLs, globs, folders, STAC JSON) into scenes: one per
/// file, per folder of band-separate files, or per STAC item. Scenes are placed on the ground from
/// their STAC `proj:*` fields when given, otherwise by opening their first file.
public enum SceneCatalog {
    static let rasterExtensions: Set<String> = ["tif", "tiff", "vrt", "jp2", "img", "nc", "hdf", "h5", "dem", "asc", "png", "jpg"]

    /// The scenes of every sensor that pass its `where` and the manifest's time window.
    public struct Listing: Sendable {
        /// Per sensor, sorted by scene name (then path).
        public var scenes: [String: [Scene]]
        /// Per sensor, scenes left out by `where` or the time window.
        public var excluded: [String: Int]
    }

    /// - Throws: ``PlanError`` listing every input that matches nothing or cannot be listed, every
    ///   scene missing a band file or asset, every unreadable or ungeoreferenced file, and every scene
    ///   without an acquisition time where time rules need one, naming the sensor and path.
    public static func scenes(for manifest: Manifest) throws -> Listing {
        var problems: [String] = []
        var listing = Listing(scenes: [:], excluded: [:])
        let anchors = Set(manifest.sensors.compactMap { $0.time?.anchor })
        for sensor in manifest.sensors {
            var scenes: [Scene] = []
            if sensor.inputs.isEmpty {
                problems.append("sensor \(sensor.name): no inputs; give them in the manifest or with --input \(sensor.name)=PATH")
            }
            // Vector labels are timeless: no time rule or window applies to them.
            let needsTime = sensor.rasterize == nil && (manifest.time != nil || sensor.time != nil || anchors.contains(sensor.name))
            for input in sensor.inputs {
                let paths: [String]
                do { paths = try VirtualFileSystem.glob(input) } catch {
                    problems.append("sensor \(sensor.name): input \(input): \(error.message)"); continue
                }
                if paths.isEmpty { problems.append("sensor \(sensor.name): input \(input) matches nothing") }
                for path in paths {
                    do {
                        let found = sensor.rasterize != nil ? [try vectorScene(path, sensor: sensor)]
                            : StacCatalog.isStac(path) ? try StacCatalog.items(at: path).map { try scene($0, sensor: sensor, manifest: manifest) }
                            : try scenesAt(path, sensor: sensor, manifest: manifest)
                        for candidate in found {
                            guard let scene = candidate.scene else { listing.excluded[sensor.name, default: 0] += 1; continue }
                            if needsTime && scene.time == nil {
                                problems.append("sensor \(sensor.name): scene \(scene.path): no acquisition time (time rules need one: give datetime in its STAC item or metadata, or a YYYYMMDD date in its name)")
                            } else if let window = manifest.time, sensor.rasterize == nil, let time = scene.time, !window.contains(time) {
                                listing.excluded[sensor.name, default: 0] += 1
                            } else {
                                scenes.append(scene)
                            }
                        }
                    } catch let error as PlanError {
                        problems += error.problems
                    } catch {
                        problems.append("sensor \(sensor.name): \(path): \(error)")
                    }
                }
            }
            listing.scenes[sensor.name] = scenes.sorted { $0.name < $1.name || ($0.name == $1.name && $0.path < $1.path) }
            if !sensor.inputs.isEmpty && scenes.isEmpty && problems.isEmpty {
                let left = listing.excluded[sensor.name].map { " (\($0) left out by where or the time window)" } ?? ""
                problems.append("sensor \(sensor.name): inputs \(sensor.inputs.joined(separator: ", ")) hold no scene\(left)")
            }
        }
        if !problems.isEmpty { throw PlanError(problems: problems) }
        return listing
    }

    /// A scene, or `nil` (with its path) when the sensor's `where` leaves it out.
    typealias Candidate = (scene: Scene?, path: String)

    static func scenesAt(_ path: String, sensor: SensorConfig, manifest: Manifest) throws -> [Candidate] {
        let bandSeparate = sensor.bands.first?.file != nil
        if VirtualFileSystem.isDirectory(path) {
            let children = VirtualFileSystem.list(path)
            if bandSeparate {
                // A scene folder holds the band files; otherwise each sub-folder is a scene folder.
                if sensor.bands.contains(where: { band in children.contains { fnmatch(band.file!, $0, 0) == 0 } }) {
                    return [try scene(path, sensor: sensor, manifest: manifest)]
                }
                let folders = children.map { "\(path)/\($0)" }.filter(VirtualFileSystem.isDirectory)
                guard !folders.isEmpty else {
                    throw PlanError(problems: ["sensor \(sensor.name): \(path) holds no band files (\(sensor.bands.compactMap(\.file).joined(separator: ", "))) and no scene folders"])
                }
                var problems: [String] = []
                var scenes: [Candidate] = []
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

    /// A vector file of a rasterized sensor: one scene, placed by its features' extent.
    static func vectorScene(_ path: String, sensor: SensorConfig) throws -> Candidate {
        guard !VirtualFileSystem.isDirectory(path) else {
            throw PlanError(problems: ["sensor \(sensor.name): \(path) is a folder; a rasterized sensor's inputs are vector files (or globs of them)"])
        }
        let (box, crs): (BoundingBox, CRS)
        do { (box, crs) = try vectorExtent(path: path) } catch { throw PlanError(problems: ["sensor \(sensor.name): \(error)"]) }
        return (Scene(sensor: sensor.name, name: (path as NSString).lastPathComponent, path: path,
                      bands: [BandSource(path: path, band: 1, kernelScale: [1, 1])], footprint: Footprint(crs: crs, box: box),
                      time: nil, cloudCover: nil, attributes: [:]), path)
    }

    /// A scene from a file or a folder of band files.
    static func scene(_ path: String, sensor: SensorConfig, manifest: Manifest) throws -> Candidate {
        let name = (path as NSString).lastPathComponent
        let properties = SceneMetadata.properties(scene: path)
        guard sensor.filters.allSatisfy({ $0.accepts(properties) }) else { return (nil, path) }
        var bands: [BandSource] = []
        var problems: [String] = []
        let isFolder = VirtualFileSystem.isDirectory(path)
        let folder = isFolder ? path : (path as NSString).deletingLastPathComponent
        if sensor.bands.first?.file != nil {
            let children = VirtualFileSystem.list(path)
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
        let footprint = try describe(&bands, grids: [:], sensor: sensor, manifest: manifest)
        var attributes: [String: AttributeValue] = [:]
        for source in manifest.attributes where source.sensor == sensor.name {
            attributes.merge(try readAttributes(folder: folder, source: source, sensor: sensor.name), uniquingKeysWith: { a, _ in a })
        }
        return (Scene(sensor: sensor.name, name: name, path: path, bands: bands, footprint: footprint,
                      time: SceneMetadata.acquired(properties, name: name), cloudCover: SceneMetadata.cloudCover(properties),
                      attributes: attributes), path)
    }

    /// A scene from a STAC item: each band from the asset the sensor's `assets` maps it to (default:
    /// the asset named like the band), its n-th band where several bands share one asset.
    static func scene(_ item: StacItem, sensor: SensorConfig, manifest: Manifest) throws -> Candidate {
        guard sensor.filters.allSatisfy({ $0.accepts(item.properties) }) else { return (nil, item.location) }
        var bands: [BandSource] = []
        var grids: [String: StacGrid] = [:]
        var problems: [String] = []
        var perAsset: [String: Int] = [:]
        for band in sensor.bands {
            let key = sensor.assets[band.name] ?? band.name
            perAsset[key, default: 0] += 1
            guard let asset = item.assets[key] else {
                problems.append("sensor \(sensor.name): STAC item \(item.id) (\(item.location)): no asset \"\(key)\" for band \(band.name) (assets: \(item.assets.keys.sorted().joined(separator: ", ")))")
                continue
            }
            let index = band.index ?? perAsset[key]!
            let nodata = index <= asset.nodata.count ? asset.nodata[index - 1] : nil
            bands.append(BandSource(path: asset.path, band: index, nodata: nodata))
            if let grid = asset.grid { grids[asset.path] = grid }
        }
        if !problems.isEmpty { throw PlanError(problems: problems) }
        let footprint = try describe(&bands, grids: grids, sensor: sensor, manifest: manifest)
        var attributes: [String: AttributeValue] = [:]
        for source in manifest.attributes where source.sensor == sensor.name {
            for field in source.fields {
                switch item.properties[field] {
                case .string(let s)?: attributes[field] = .string(s)
                case .number(let n)?: attributes[field] = .number(n)
                case .bool(let b)?: attributes[field] = .number(b ? 1 : 0)
                case .array(let items)?: attributes[field] = .strings(items.compactMap { if case .string(let s) = $0 { s } else { nil } })
                default: break
                }
            }
        }
        return (Scene(sensor: sensor.name, name: item.id, path: item.location + "#" + item.id, bands: bands, footprint: footprint,
                      time: SceneMetadata.acquired(item.properties, name: item.id), cloudCover: SceneMetadata.cloudCover(item.properties),
                      attributes: attributes), item.location)
    }

    /// Fills each band's kernel scale (and nodata, from files opened) and returns the footprint of
    /// the first band's file. Files with a known grid (STAC `proj:*`) are not opened.
    static func describe(_ bands: inout [BandSource], grids: [String: StacGrid], sensor: SensorConfig, manifest: Manifest) throws -> Footprint {
        var problems: [String] = []
        var footprint: Footprint?
        let gridCRS = try manifest.grid.measuringCRS()
        for file in Set(bands.map(\.path)).sorted() {
            do throws(RasterError) {
                let fileFootprint: Footprint
                if let grid = grids[file] {
                    let scale = try KernelScale.of(transform: grid.transform, width: grid.width, height: grid.height, crs: grid.crs,
                                                   pixelSize: sensor.gsd, gridCRS: gridCRS, subject: file)
                    for i in bands.indices where bands[i].path == file { bands[i].kernelScale = scale }
                    fileFootprint = Footprint(crs: grid.crs, transform: grid.transform, width: grid.width, height: grid.height)
                } else {
                    fileFootprint = try Raster.withOpened(file) { raster throws(RasterError) in
                        let scale = try KernelScale.of(raster, pixelSize: sensor.gsd, gridCRS: gridCRS)
                        for i in bands.indices where bands[i].path == file {
                            guard bands[i].band <= raster.bandCount else {
                                problems.append("sensor \(sensor.name): \(file) has \(raster.bandCount) band(s); band \(bands[i].band) was asked for")
                                continue
                            }
                            bands[i].kernelScale = scale
                            bands[i].nodata = try raster.nodata(band: bands[i].band)
                        }
                        return try raster.footprint()
                    }
                }
                if file == bands[0].path { footprint = fileFootprint }
            } catch {
                problems.append("sensor \(sensor.name): \(error)")
            }
        }
        guard problems.isEmpty, let footprint else { throw PlanError(problems: problems) }
        return footprint
    }

    static func readAttributes(folder: String, source: AttributeSource, sensor: String) throws -> [String: AttributeValue] {
        guard let file = VirtualFileSystem.list(folder).first(where: { fnmatch(source.file, $0, 0) == 0 }) else {
            throw PlanError(problems: ["sensor \(sensor): attribute file \(source.file) not found in \(folder)"])
        }
        let path = "\(folder)/\(file)"
        guard let bytes = try? VirtualFileSystem.read(path, maxBytes: 16 << 20),
              case .object(let o)? = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
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
