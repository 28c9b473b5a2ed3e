import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat
import TestSupport
import Testing

@Suite("The BigEarthNet recipe", .enabled(if: TestEnvironment.hasBigEarthNet))
struct BigEarthNetBuildTests {
    @Test("Every scene becomes one record whose 10 m bands and S1 equal their files; labels are carried")
    func recipe() throws {
        let dir = try Fixtures.build("\(TestEnvironment.repositoryRoot)/manifests/bigearthnet-s1s2.json")
        let reader = try DatasetReader(directory: dir)
        #expect(reader.locations().count == 6)
        #expect(DatasetVerifier.verify(directory: dir).isSound)
        let root = try #require(TestEnvironment.bigEarthNet)
        for location in reader.locations() {
            let meta = try reader.metadata(at: location)
            let scene = String(meta.key.dropLast(4))  // "<scene>_0_0"
            guard case .strings(let labels)? = meta.attributes["labels"] else { Issue.record("no labels on \(meta.key)"); continue }
            #expect(!labels.isEmpty)
            let s2 = try Fixtures.values(reader, location, sensor: "s2")
            for (i, band) in ["B02", "B03", "B04", "B08"].enumerated() {
                let b = [1, 2, 3, 7][i]
                let file: [Double] = try Raster(path: "\(root)/BigEarthNet-S2-Example/\(scene)/\(scene)_\(band).tif").read()
                #expect(Array(s2[(b * 14400)..<((b + 1) * 14400)]) == file, "\(scene) \(band)")
            }
            let s1Folder = try FileManager.default.contentsOfDirectory(atPath: "\(root)/BigEarthNet-S1-Example")
                .first { folder in scene.hasSuffix(folder.split(separator: "_").suffix(2).joined(separator: "_")) }
            let s1Name = try #require(s1Folder)
            let s1 = try Fixtures.values(reader, location, sensor: "s1")
            let vv: [Double] = try Raster(path: "\(root)/BigEarthNet-S1-Example/\(s1Name)/\(s1Name)_VV.tif").read()
            #expect(Array(s1[0..<14400]) == vv, "\(scene) VV")
            // The scene JSON's time wins over the name (whose "T93020" is malformed in one scene).
            let acquired = try #require(meta.sensor("s2")?.acquired)
            #expect(acquired.count == 20 && acquired.hasSuffix("Z"), "\(scene): \(acquired)")
            if scene.hasPrefix("S2B_MSIL2A_20170924T93020") { #expect(acquired == "2017-09-24T09:30:20Z") }
        }
        // Inputs are named as the manifest gave them (relative to its folder), never by this machine's paths.
        #expect(reader.index.inputs.allSatisfy { $0.path.hasPrefix("../.cache/bigearthnet/") })
        // Band-separate files at 10, 20 and 60 m: every record rebuilds from its stored metadata alone.
        try RecordRebuilder.expectEveryRecordRebuilds(dir, manifestDirectory: "\(TestEnvironment.repositoryRoot)/manifests")
    }
}
