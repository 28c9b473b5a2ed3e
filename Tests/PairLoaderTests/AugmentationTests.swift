import DatasetBuilder
import Foundation
import PairLoader
import ShardFormat
import TestSupport
import Testing

@Suite("Augmentations keep correspondence", .enabled(if: TestEnvironment.hasRealData))
struct AugmentationTests {
    /// One real raster (GeFolki Sentinel-2) as two sensors: `fine` at 10 m (its own pixels) and
    /// `coarse` at 20 m (GDAL `average` of each aligned 2×2 block).
    static func twoResolutionDataset() throws -> String {
        let source = TestEnvironment.real("gefolki_s2_patch11.tif")
        let folder = TestEnvironment.temporaryDirectory()
        let manifest = """
        {"name": "two-res", "grid": {"crs": "EPSG:32631", "patchSize": 320, "stride": 320},
         "sensors": [{"name": "fine", "inputs": ["\(source)"], "bands": ["r", "g", "b"], "gsd": 10, "dtype": "f32", "resampling": "near"},
                     {"name": "coarse", "inputs": ["\(source)"], "bands": ["r", "g", "b"], "gsd": 20, "dtype": "f32", "resampling": "average"}],
         "splits": {"fractions": {"train": 1.0}}}
        """
        let path = folder + "/m.json"
        try manifest.write(toFile: path, atomically: true, encoding: .utf8)
        let plan = try Planner.plan(try ManifestParser.load(path: path))
        _ = try BuildExecutor.build(plan: plan, output: folder + "/ds", jobs: 2, restart: false)
        return folder + "/ds"
    }

    @Test("After crop, flips and 90° rotations, every coarse pixel is the mean of the fine pixels on its ground")
    func correspondence() throws {
        let dir = try Self.twoResolutionDataset()
        let loader = try PairLoader(LoaderConfig(
            directory: dir, sensors: ["fine", "coarse"], batchSize: 8, seed: 3, normalizes: false,
            augmentation: Augmentation(cropSize: 160, flipsHorizontally: true, flipsVertically: true, rotates90: true)))
        var samples = 0, rotatedOrFlipped = 0
        try loader.forEach { batch in
            let fine = batch["fine"]!, coarse = batch["coarse"]!
            let (fineValues, coarseValues) = (fine.values, coarse.values)
            let (fineMask, coarseMask) = (fine.validity, coarse.validity)
            #expect(fine.shape == [8, 3, 16, 16] && coarse.shape == [8, 3, 8, 8])
            for s in 0..<batch.count where !batch.isPadding[s] {
                samples += 1
                for band in 0..<3 {
                    for r in 0..<8 {
                        for c in 0..<8 {
                            let f = { (rr: Int, cc: Int) in fineValues[((s * 3 + band) * 16 + rr) * 16 + cc] }
                            let mean = (f(2 * r, 2 * c) + f(2 * r, 2 * c + 1) + f(2 * r + 1, 2 * c) + f(2 * r + 1, 2 * c + 1)) / 4
                            let v = coarseValues[((s * 3 + band) * 8 + r) * 8 + c]
                            #expect(coarseMask[(s * 8 + r) * 8 + c] == 1 && fineMask[(s * 16 + 2 * r) * 16 + 2 * c] == 1)
                            #expect(abs(v - mean) <= 1e-4 * max(1, abs(mean)), "sample \(batch.keys[s]) band \(band) (\(r), \(c))")
                        }
                    }
                }
                // The two geotransforms describe the same ground: a coarse pixel's centre is the
                // centre of its 2×2 fine pixels, whatever the flips and rotation.
                let gf = batch.geotransforms["fine"]![s]!.coefficients, gc = batch.geotransforms["coarse"]![s]!.coefficients
                let cx = gc[0] + 0.5 * gc[1] + 0.5 * gc[2], cy = gc[3] + 0.5 * gc[4] + 0.5 * gc[5]
                let fx = gf[0] + 1 * gf[1] + 1 * gf[2], fy = gf[3] + 1 * gf[4] + 1 * gf[5]
                #expect(abs(cx - fx) < 1e-6 && abs(cy - fy) < 1e-6)
                if gf[2] != 0 || gf[1] < 0 || gf[5] > 0 { rotatedOrFlipped += 1 }
            }
        }
        #expect(samples > 50)
        #expect(rotatedOrFlipped > samples / 2, "the augmentations should have changed most samples")
    }
}
