import DatasetBuilder
import Foundation
import FuzzHarness
import TestSupport
import Testing

/// Every input that ever crashed a fuzz target (Tests/FuzzRegressions/TARGET/*) runs through the
/// same harness again; the header and index targets start from the fuzz seed dataset, rebuilt
/// byte for byte from manifests/fuzz-seed.json and the BigEarthNet sample.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    static let root = "\(TestEnvironment.repositoryRoot)/Tests/FuzzRegressions"

    static func inputs(_ target: FuzzTarget) -> [String] {
        let dir = "\(root)/\(target.rawValue)"
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted().map { "\(dir)/\($0)" }
    }

    /// The seed dataset, built once per test process.
    static let seedDataset: String? = {
        guard TestEnvironment.hasBigEarthNet else {
            print("notice: the BigEarthNet sample is missing (run Scripts/setup.sh); fuzz regressions of the header and index targets are skipped")
            return nil
        }
        let out = TestEnvironment.temporaryDirectory() + "/fuzz-seed"
        let manifest = try! ManifestParser.load(path: "\(TestEnvironment.repositoryRoot)/manifests/fuzz-seed.json")
        _ = try! BuildExecutor.build(plan: try! Planner.plan(manifest), output: out, jobs: 2, restart: false)
        return out
    }()

    @Test("Crash inputs of every target run without a crash", arguments: FuzzTarget.allCases)
    func replay(target: FuzzTarget) throws {
        let files = Self.inputs(target)
        guard !files.isEmpty else { return }
        let needsContext = target == .header || target == .index
        guard !needsContext || Self.seedDataset != nil else { return }
        let harness = try FuzzHarness(target: target, context: needsContext ? Self.seedDataset : nil)
        for file in files { harness.run(Array(try Data(contentsOf: URL(fileURLWithPath: file)))) }
    }
}
