import Foundation
import ShardFormat
import Testing

/// Record metadata carries typed geometry (GeoTransform, BoundingBox, CRSDefinition), but its JSON
/// — what `inspect-shards show --json` prints and the C interface hands to Python — keeps the
/// forms DATASETS.md documents: arrays of numbers and CRS text.
@Suite("Geo values in JSON")
struct GeoValuesCodingTests {
    static let metadata = RecordMetadata(
        key: "k", cell: [3, 4], split: "train",
        footprint: BoundingBox(minX: 500_000, minY: 4_999_840, maxX: 500_160, maxY: 5_000_000), crs: CRSDefinition(epsg: 32631),
        sensors: [SensorMetadata(sensor: "s2", bands: ["b4"], dtype: .u16, shape: [1, 16, 16],
                                 geotransform: GeoTransform(originX: 500_000, originY: 5_000_000, pixelSize: 10),
                                 crs: CRSDefinition(wkt: #"PROJCRS["x"]"#),
                                 warpWindow: BoundingBox(minX: 499_000, minY: 4_999_000, maxX: 501_000, maxY: 5_001_000))])

    @Test("Footprints, geotransforms and windows encode as arrays, CRSs as text, and decode back to the same values")
    func arrayForms() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = try #require(try JSONSerialization.jsonObject(with: encoder.encode(Self.metadata)) as? [String: Any])
        #expect(json["footprint"] as? [Double] == [500_000, 4_999_840, 500_160, 5_000_000])
        #expect(json["crs"] as? String == "EPSG:32631")
        let sensor = try #require((json["sensors"] as? [[String: Any]])?.first)
        #expect(sensor["geotransform"] as? [Double] == [500_000, 10, 0, 5_000_000, 0, -10])
        #expect(sensor["crs"] as? String == #"PROJCRS["x"]"#)
        #expect(sensor["warpWindow"] as? [Double] == [499_000, 4_999_000, 501_000, 5_001_000])
        #expect(try JSONDecoder().decode(RecordMetadata.self, from: encoder.encode(Self.metadata)) == Self.metadata)
    }

    @Test("A geotransform or box of the wrong count, or with a non-finite number, does not decode")
    func malformed() throws {
        for text in ["[1, 2, 3, 4, 5]", "[1, 2, 3, 4, 5, 6, 7]", "[1, 2, 3, 4, 5, 1e999]", "{\"originX\": 1}"] {
            #expect(throws: DecodingError.self, "\(text)") { try JSONDecoder().decode(GeoTransform.self, from: Data(text.utf8)) }
        }
        for text in ["[1, 2, 3]", "[1, 2, 3, 4, 5]", "[1, 2, -1e999, 4]"] {
            #expect(throws: DecodingError.self, "\(text)") { try JSONDecoder().decode(BoundingBox.self, from: Data(text.utf8)) }
        }
        #expect(GeoTransform(validating: [0, 1, 0, 0, 0, .nan]) == nil && GeoTransform(validating: [0, 1, 0, 0, 0, -1]) != nil)
        #expect(BoundingBox(corners: [0, 0, .infinity, 1]) == nil && BoundingBox(corners: [0, 0, 1, 1])?.corners == [0, 0, 1, 1])
    }

    @Test("A CRS definition knows its EPSG code only in the EPSG:<code> form, and shortens long WKT for messages")
    func crsDefinition() {
        #expect(CRSDefinition(epsg: 32631).epsg == 32631 && CRSDefinition(stored: "EPSG:x").epsg == nil)
        #expect(CRSDefinition(wkt: #"GEOGCRS["WGS 84"]"#).epsg == nil)
        let long = CRSDefinition(wkt: String(repeating: "W", count: 100))
        #expect(long.abbreviated(to: 10) == "WWWWWWWWWW…" && CRSDefinition(epsg: 4326).abbreviated(to: 10) == "EPSG:4326")
    }
}
