import Foundation

/// What the GeoPairs tests share: where the real data is, temporary folders, and running programs.
public enum TestEnvironment {
    /// The repository root.
    public static let repositoryRoot: String = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// `$GEOPAIRS_REAL_DATA` (CI: `../shared/data/real`), or `nil` after printing a notice once.
    public static let realDataDirectory: String? = {
        guard let dir = ProcessInfo.processInfo.environment["GEOPAIRS_REAL_DATA"], !dir.isEmpty else {
            print("notice: GEOPAIRS_REAL_DATA is unset; tests on the shared real rasters are skipped")
            return nil
        }
        return URL(fileURLWithPath: dir).standardizedFileURL.path
    }()

    public static var hasRealData: Bool { realDataDirectory != nil }

    /// A file of the shared real data.
    public static func real(_ name: String) -> String { "\(realDataDirectory ?? "/nonexistent")/\(name)" }

    /// The BigEarthNet sample fetched by `Scripts/setup.sh` (`$GEOPAIRS_SAMPLE` overrides), or `nil`
    /// after printing a notice once.
    public static let bigEarthNet: String? = {
        let dir = ProcessInfo.processInfo.environment["GEOPAIRS_SAMPLE"] ?? "\(repositoryRoot)/.cache/bigearthnet"
        guard FileManager.default.fileExists(atPath: "\(dir)/BigEarthNet-S2-Example") else {
            print("notice: BigEarthNet sample not found at \(dir) (run Scripts/setup.sh); its tests are skipped")
            return nil
        }
        return dir
    }()

    public static var hasBigEarthNet: Bool { bigEarthNet != nil }

    /// A new, empty temporary folder.
    public static func temporaryDirectory() -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("geopairs-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// The outcome of a program run.
    public struct Outcome {
        public var status: Int32
        public var output: String
        public var errors: String
    }

    /// Runs a program found on PATH (e.g. `gdalwarp`, `python3`).
    @discardableResult
    public static func run(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        try execute("/usr/bin/env", [program] + arguments, environment: environment)
    }

    /// Problems `Scripts/check_index.py` finds in a dataset's `dataset.json` against the field tables
    /// of DATASETS.md (empty when it conforms).
    public static func indexProblems(_ dataset: String) throws -> String {
        let outcome = try run("python3", ["\(repositoryRoot)/Scripts/check_index.py", dataset])
        return outcome.status == 0 ? "" : outcome.errors + outcome.output
    }

    /// Whether `python3` can import `modules` (e.g. `"numpy, zstandard"`); otherwise prints a notice
    /// that `skipped` is skipped, naming what is missing.
    public static func pythonCanImport(_ modules: String, else skipped: String) -> Bool {
        let ok = (try? run("python3", ["-c", "import \(modules)"]))?.status == 0
        if !ok { print("notice: python3 cannot import \(modules); \(skipped) is skipped") }
        return ok
    }

    /// Runs one of this package's executables from the debug build (`build-dataset`, `inspect-shards`).
    public static func runProduct(_ product: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Outcome {
        try execute("\(repositoryRoot)/.build/debug/\(product)", arguments, environment: environment)
    }

    private static func execute(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> Outcome {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: executable)
        p.arguments = arguments
        if !environment.isEmpty { p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, b in b } }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read stderr on another thread so that neither pipe can fill up and block the child.
        let errors = ErrorCollector(err.fileHandleForReading)
        let o = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Outcome(status: p.terminationStatus, output: String(decoding: o, as: UTF8.self), errors: errors.text())
    }

    private final class ErrorCollector: @unchecked Sendable {
        private var data = Data()
        private let done = DispatchSemaphore(value: 0)
        init(_ handle: FileHandle) {
            Thread { [self] in
                data = handle.readDataToEndOfFile()
                done.signal()
            }.start()
        }
        func text() -> String {
            done.wait()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Fails with the program's stderr when it exits non-zero.
    public struct CommandFailed: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    /// Runs a program and throws ``CommandFailed`` unless it exits 0.
    public static func check(_ program: String, _ arguments: [String]) throws {
        let r = try run(program, arguments)
        guard r.status == 0 else {
            throw CommandFailed(description: "\(program) \(arguments.joined(separator: " ")) failed: \(r.errors)")
        }
    }
}
