import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat
import TestSupport
import Testing

/// Manifest features checked on real data: nodata and unpaired records, the valid range, the cloud
/// mask, GeoJSON areas and `plan --json`.
@Suite("Manifest features on real rasters", .enabled(if: TestEnvironment.hasRealData), .serialized)
struct ManifestFeatureTests {
    @Test("GeoPile-2 style: unpaired records are kept, the DSM's nodata becomes invalid, records equal gdalwarp")
    func unpairedWithNodata() throws {
        let manifest = Fixtures.manifestFile("""
        {"name": "autzen", "grid": {"crs": "EPSG:32610", "patchSize": 96, "stride": 96, "area": {"coverage": "union"}},
         "sensors": [
           {"name": "rgb", "inputs": ["\(TestEnvironment.real("autzen_rgb_1ft.tif"))"], "bands": ["r", "g", "b"], "gsd": 2, "dtype": "u8",
            "maxInvalidFraction": 0.1},
           {"name": "dsm", "inputs": ["\(TestEnvironment.real("autzen_lidar_dsm_3ft.tif"))"], "bands": ["z"], "gsd": 3, "dtype": "f32",
            "maxInvalidFraction": 0.5}],
         "pairing": {"require": [], "minSensors": 1},
         "splits": {"blockSize": 960, "fractions": {"train": 1.0}}}
        """)
        let dir = try Fixtures.build(manifest)
        let reader = try DatasetReader(directory: dir)
        let metas = try reader.locations().map { try reader.metadata(at: $0) }
        let paired = metas.filter { $0.sensors.count == 2 }, rgbOnly = metas.filter { $0.sensors.map(\.sensor) == ["rgb"] }
        #expect(!paired.isEmpty && !rgbOnly.isEmpty, "\(paired.count) paired, \(rgbOnly.count) rgb-only records")
        let codec = ZstdCodec()
        for location in reader.locations() {
            let meta = try reader.metadata(at: location)
            guard let dsm = meta.sensor("dsm") else { continue }
            #expect(dsm.validFraction >= 0.5)
            let values = try Fixtures.values(reader, location, sensor: "dsm")
            let hasMask = try reader.shards[location.shard].frame(record: location.record, sensor: "dsm", kind: .mask) != nil
            let mask = hasMask ? try reader.readArray(at: location, sensor: "dsm", kind: .mask, codec: codec) : [UInt8](repeating: 1, count: values.count)
            // The source's nodata (−9999) is never a valid pixel, and the recorded fraction is the mask's.
            #expect(zip(values, mask).allSatisfy { $1 == 0 || ($0 != -9999 && $0.isFinite) })
            #expect(abs(Double(mask.filter { $0 == 1 }.count) / Double(mask.count) - dsm.validFraction) < 1e-12)
        }
        #expect(metas.contains { ($0.sensor("dsm")?.validFraction ?? 1) < 1 }, "the nodata handling should have been exercised")
        try RecordRebuilder.expectEveryRecordRebuilds(dir)
    }

    /// The Aberystwyth Sentinel-2 subset alone, with optional extra sensor fields.
    func aberS2(_ extra: String) -> String {
        Fixtures.manifestFile("""
        {"name": "aber-s2", "grid": {"crs": "EPSG:27700", "patchSize": 320, "stride": 320},
         "sensors": [{"name": "s2", "inputs": ["\(TestEnvironment.real("aber_s2_20210527_epsg27700.tif"))"],
            "bands": ["b1", "b2", "b3", "b4", "b5", "b6", "b7", "b8", "b9", "b10"], "gsd": 10, "dtype": "u16" \(extra)}],
         "splits": {"blockSize": 3200, "fractions": {"train": 1.0}}}
        """)
    }

    @Test("The cloud mask drops patches with too many flagged pixels, and only those")
    func cloudMask() throws {
        let dark = (0...45).map(String.init).joined(separator: ", ")
        let all = try DatasetReader(directory: try Fixtures.build(aberS2("")))
        let filtered = try DatasetReader(directory: try Fixtures.build(
            aberS2(#", "cloudMask": {"band": "b1", "values": [\#(dark)], "maxFraction": 0.3}"#)))
        let kept = Set(filtered.locations().map(filtered.key(at:)))
        #expect(kept.count < all.locations().count && !kept.isEmpty, "\(kept.count) of \(all.locations().count) kept")
        for location in all.locations() {
            let values = try Fixtures.values(all, location, sensor: "s2")
            let band1 = values.prefix(32 * 32)
            let flagged = Double(band1.filter { $0 <= 45 }.count) / Double(band1.count)
            #expect(kept.contains(all.key(at: location)) == (flagged <= 0.3), "\(all.key(at: location)): \(flagged) flagged")
        }
    }

    @Test("A valid range makes out-of-range pixels invalid in the mask")
    func validRange() throws {
        let reader = try DatasetReader(directory: try Fixtures.build(aberS2(#", "validRange": [0, 300], "maxInvalidFraction": 1"#)))
        let codec = ZstdCodec()
        var invalidated = 0
        for location in reader.locations() {
            let values = try Fixtures.values(reader, location, sensor: "s2")
            let hasMask = try reader.shards[location.shard].frame(record: location.record, sensor: "s2", kind: .mask) != nil
            let mask = hasMask ? try reader.readArray(at: location, sensor: "s2", kind: .mask, codec: codec) : [UInt8](repeating: 1, count: 1024)
            for p in 0..<1024 {
                let bands = (0..<10).map { values[$0 * 1024 + p] }
                #expect((mask[p] == 1) == bands.allSatisfy { $0 <= 300 } || bands.allSatisfy { $0 == 0 })
                if mask[p] == 0 && bands.contains(where: { $0 > 300 }) { invalidated += 1 }
            }
        }
        #expect(invalidated > 0, "some pixels of this scene exceed 300 and must have been masked")
    }

    @Test("A GeoJSON area limits the cells; plan --json counts them before any pixel is read")
    func geojsonArea() throws {
        let source = TestEnvironment.real("gefolki_s1_patch11.tif")
        let lonLat = try #require(try Raster(path: source).footprint().transformed(to: try CRS(epsg: 4326)).bounds)
        // The western half of the raster, as a GeoJSON polygon in longitude/latitude.
        let west = BoundingBox(minX: lonLat.minX, minY: lonLat.minY, maxX: (lonLat.minX + lonLat.maxX) / 2, maxY: lonLat.maxY)
        let geojson = TestEnvironment.temporaryDirectory() + "/aoi.geojson"
        let ring = "[[\(west.minX), \(west.minY)], [\(west.maxX), \(west.minY)], [\(west.maxX), \(west.maxY)], [\(west.minX), \(west.maxY)], [\(west.minX), \(west.minY)]]"
        try #"{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [\#(ring)]}}]}"#
            .write(toFile: geojson, atomically: true, encoding: .utf8)
        func manifest(area: String) -> String {
            Fixtures.manifestFile("""
            {"name": "g", "grid": {"crs": "EPSG:32631", "patchSize": 640, "stride": 640 \(area)},
             "sensors": [{"name": "s1", "inputs": ["\(source)"], "bands": ["a", "b"], "gsd": 10, "dtype": "f32"}],
             "splits": {"blockSize": 640, "fractions": {"train": 1.0}}}
            """)
        }
        let limited = manifest(area: #", "area": {"geojson": "\#(geojson)"}"#)
        let plan = try TestEnvironment.runProduct("build-dataset", ["plan", limited, "--json"])
        #expect(plan.status == 0, "\(plan.errors)")
        struct Summary: Decodable { let cells: Int }
        let planned = try JSONDecoder().decode(Summary.self, from: Data(plan.output.utf8)).cells
        let full = try DatasetReader(directory: try Fixtures.build(manifest(area: "")))
        let part = try DatasetReader(directory: try Fixtures.build(limited))
        #expect(part.locations().count == planned)
        #expect(planned > 0 && planned < full.locations().count)
        // Every cell lies inside the GeoJSON polygon's extent (taken into the grid CRS).
        let box = try #require(try Footprint(crs: try CRS(epsg: 4326), box: west).transformed(to: try CRS(epsg: 32631)).bounds)
        for location in part.locations() {
            let f = try part.metadata(at: location).footprint.corners
            #expect(f[0] >= box.minX - 1e-6 && f[1] >= box.minY - 1e-6 && f[2] <= box.maxX + 1e-6 && f[3] <= box.maxY + 1e-6)
        }
    }
}
