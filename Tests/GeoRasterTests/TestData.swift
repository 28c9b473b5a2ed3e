import Foundation

/// Where the tests find real rasters, and the notice they print when those are missing.
enum TestData {
    /// `$GEOPAIRS_REAL_DATA` (CI: `../shared/data/real`), or `nil` with a printed notice.
    static let realDirectory: String? = {
        guard let dir = ProcessInfo.processInfo.environment["GEOPAIRS_REAL_DATA"], !dir.isEmpty else {
            print("notice: GEOPAIRS_REAL_DATA is unset; tests on the shared real rasters are skipped")
            return nil
        }
        return URL(fileURLWithPath: dir).standardizedFileURL.path
    }()

    static var hasRealData: Bool { realDirectory != nil }

    /// The path of a file in the shared real-data folder.
    static func real(_ name: String) -> String {
        "\(realDirectory ?? "/nonexistent")/\(name)"
    }

    /// The repository root (tests live in `Tests/<Module>/`).
    static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// The BigEarthNet sample fetched by `Scripts/setup.sh` (`$GEOPAIRS_SAMPLE` overrides), or `nil`
    /// with a printed notice.
    static let bigEarthNet: String? = {
        let dir = ProcessInfo.processInfo.environment["GEOPAIRS_SAMPLE"] ?? "\(repositoryRoot)/.cache/bigearthnet"
        guard FileManager.default.fileExists(atPath: "\(dir)/BigEarthNet-S2-Example") else {
            print("notice: BigEarthNet sample not found at \(dir) (run Scripts/setup.sh); its tests are skipped")
            return nil
        }
        return dir
    }()

    static var hasBigEarthNet: Bool { bigEarthNet != nil }

    /// A fresh temporary directory.
    static func temporaryDirectory() throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("geopairs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }
}
