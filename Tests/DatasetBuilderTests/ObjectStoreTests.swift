import DatasetBuilder
import Foundation
import ShardFormat
import TestSupport
import Testing

/// Builds from a real S3-compatible server (SeaweedFS on 127.0.0.1) through GDAL's `/vsis3/`:
/// identical to the local build, anonymous and with credentials, with clear errors for what goes
/// wrong, retries of 503s, and a resumable build when the server dies mid-way.
@Suite("Inputs in object storage (SeaweedFS)", .serialized)
struct ObjectStoreTests {
    /// Why the suite cannot run here, printed as a notice, or `nil`.
    static func skipReason() -> String? {
        if !TestEnvironment.hasRealData { return "GEOPAIRS_REAL_DATA is unset" }
        let weed = ObjectStoreServer.binary()
        if weed.path == nil { return weed.reason }
        if (try? TestEnvironment.run("curl", ["--version"]))?.status != 0 { return "curl is not installed" }
        return nil
    }

    /// The fixture, its local build (the reference), and a started server holding the fixture in
    /// both buckets under `gefolki/`.
    static func setUp() throws -> (StacFixture, reference: String, ObjectStoreServer) {
        let fixture = try StacFixture(root: TestEnvironment.temporaryDirectory())
        let reference = try Fixtures.build(Fixtures.manifestFile(fixture.manifest(s2Inputs: [fixture.s2Collection], s1Inputs: [fixture.s1Catalog])))
        let server = try ObjectStoreServer(directory: TestEnvironment.temporaryDirectory())
        try server.start()
        for bucket in ["public", "private"] {
            try server.createBucket(bucket)
            for file in fixture.files { try server.upload(fixture.root + "/" + file, bucket: bucket, key: "gefolki/" + file) }
        }
        return (fixture, reference, server)
    }

    static func build(_ manifest: String, env: [String: String], out: String? = nil) throws -> (TestEnvironment.Outcome, String) {
        let out = out ?? TestEnvironment.temporaryDirectory() + "/dataset"
        let r = try TestEnvironment.runProduct("build-dataset", ["build", Fixtures.manifestFile(manifest), "--out", out, "--jobs", "1"],
                                               environment: env)
        return (r, out)
    }

    @Test("STAC on S3 builds the local dataset shard for shard (anonymous, with credentials, by glob); bad credentials, buckets and keys are named")
    func sameAsLocal() throws {
        if let reason = Self.skipReason() { print("notice: object-storage tests skipped: \(reason)"); return }
        let (f, reference, server) = try Self.setUp()
        defer { server.stop() }
        func stac(_ bucket: String) -> String {
            f.manifest(s2Inputs: ["s3://\(bucket)/gefolki/s2.json"], s1Inputs: ["/vsis3/\(bucket)/gefolki/s1/catalog.json"])
        }
        let plan = try TestEnvironment.runProduct("build-dataset", ["plan", Fixtures.manifestFile(stac("public"))],
                                                  environment: server.environment())
        print("plan from s3://public (anonymous):\n\(plan.output)\(plan.errors)")
        #expect(plan.status == 0 && plan.output.contains("pairing s1 (closest) within 3 days of s2: 36 of 36 anchor cells"))

        let (anonymous, a) = try Self.build(stac("public"), env: server.environment())
        #expect(anonymous.status == 0, "\(anonymous.errors)")
        try StacPairingTests.expectSameShards(reference, a)
        let index = try DatasetIndex.load(directory: a)
        #expect(index.inputs.allSatisfy { $0.path.hasPrefix("/vsis3/public/gefolki/cogs/") && $0.bytes > 0 }, "\(index.inputs)")

        let credentials = (ObjectStoreServer.accessKey, ObjectStoreServer.secretKey)
        let (signed, b) = try Self.build(stac("private"), env: server.environment(credentials: credentials))
        #expect(signed.status == 0, "\(signed.errors)")
        try StacPairingTests.expectSameShards(reference, b)

        // Globs are listed in the bucket; times come from the names, as for local files.
        let globbed = f.manifest(s2Inputs: ["s3://public/gefolki/cogs/S2_*.tif"], s1Inputs: ["s3://public/gefolki/cogs/S1_*.tif"],
                                 s2Time: #"{"pick": "latest"}"#)
        let (listed, c) = try Self.build(globbed, env: server.environment())
        #expect(listed.status == 0, "\(listed.errors)")
        try StacPairingTests.expectSameShards(reference, c)

        let (wrongKey, _) = try Self.build(stac("private"), env: server.environment(credentials: (ObjectStoreServer.accessKey, "wrong")))
        #expect(wrongKey.status == 1 && wrongKey.errors.contains("/vsis3/private/gefolki/s2.json")
                && wrongKey.errors.contains("403") && wrongKey.errors.contains("check the credentials"), "\(wrongKey.errors)")
        let (anonymousPrivate, _) = try Self.build(stac("private"), env: server.environment())
        #expect(anonymousPrivate.status == 1 && anonymousPrivate.errors.contains("403 (access denied"), "\(anonymousPrivate.errors)")
        let (noBucket, _) = try Self.build(stac("nobucket"), env: server.environment(credentials: credentials))
        #expect(noBucket.status == 1 && noBucket.errors.contains("/vsis3/nobucket/gefolki/s2.json"), "\(noBucket.errors)")
        let (noGlob, _) = try Self.build(globbed.replacingOccurrences(of: "s3://public/gefolki/cogs/S1_", with: "s3://public/elsewhere/S1_"),
                                         env: server.environment())
        #expect(noGlob.status == 1 && noGlob.errors.contains("input /vsis3/public/elsewhere/S1_*.tif matches nothing"), "\(noGlob.errors)")

        // The chosen item's asset is not in the bucket: the missing object is named when warping.
        let broken = try String(contentsOfFile: f.s2Collection, encoding: .utf8)
            .replacingOccurrences(of: "cogs/S2_20200120T103000.tif", with: "cogs/missing.tif")
        let brokenFile = TestEnvironment.temporaryDirectory() + "/s2.json"
        try broken.write(toFile: brokenFile, atomically: true, encoding: .utf8)
        try server.upload(brokenFile, bucket: "public", key: "gefolki/s2-broken.json")
        let (missing, _) = try Self.build(stac("public").replacingOccurrences(of: "gefolki/s2.json", with: "gefolki/s2-broken.json"),
                                          env: server.environment())
        #expect(missing.status == 1 && missing.errors.contains("/vsis3/public/gefolki/cogs/missing.tif"), "\(missing.errors)")
    }

    /// Starts `Scripts/flaky_proxy.py` in front of the server; returns it and where its log goes.
    static func proxy(_ server: ObjectStoreServer, _ options: [String]) throws -> (Process, port: Int, log: String) {
        let port = server.basePort + 5
        let log = TestEnvironment.temporaryDirectory() + "/proxy.log"
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", TestEnvironment.repositoryRoot + "/Scripts/flaky_proxy.py", "--port", "\(port)",
                       "--target-port", "\(server.s3Port)"] + options
        p.standardError = FileHandle(forWritingAtPath: log)
        try p.run()
        for _ in 0..<100 where (try? String(contentsOfFile: log, encoding: .utf8))?.contains("listening") != true {
            Thread.sleep(forTimeInterval: 0.1)
        }
        return (p, port, log)
    }

    /// SIGKILL: processes started from the test runner may inherit a blocked SIGTERM.
    static func stop(_ p: Process) {
        if p.isRunning { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
    }

    static func lines(_ log: String, _ prefix: String) -> Int {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").filter { $0.hasPrefix(prefix) }.count
    }

    @Test("Every 4th request answered 503 is retried to the same dataset; a server killed mid-build is a clear error, and the rerun resumes to the same dataset")
    func faults() throws {
        if let reason = Self.skipReason() { print("notice: object-storage tests skipped: \(reason)"); return }
        let (f, reference, server) = try Self.setUp()
        defer { server.stop() }
        let manifest = f.manifest(s2Inputs: ["s3://public/gefolki/s2.json"], s1Inputs: ["s3://public/gefolki/s1/catalog.json"])

        let (flaky, flakyPort, flakyLog) = try Self.proxy(server, ["--fail-every", "4"])
        let (retried, a) = try Self.build(manifest, env: server.environment(port: flakyPort))
        Self.stop(flaky)
        let failures = Self.lines(flakyLog, "503"), forwarded = Self.lines(flakyLog, "forward")
        print("503 proxy: \(failures) requests answered 503 and retried, \(forwarded) forwarded")
        #expect(retried.status == 0 && failures > 0, "\(retried.errors)")
        try StacPairingTests.expectSameShards(reference, a)

        // The proxy kills the server at the first request after the build's first shard is journaled,
        // then refuses connections.
        guard let pid = server.pid else { Issue.record("no server pid"); return }
        let out = TestEnvironment.temporaryDirectory() + "/dataset"
        let (killer, killerPort, killerLog) = try Self.proxy(server, ["--kill-when-written", out + "/.geopairs-journal.jsonl", "--lines", "2", "--kill-pid", "\(pid)"])
        let (died, _) = try Self.build(manifest, env: server.environment(port: killerPort), out: out)
        Self.stop(killer)
        #expect(Self.lines(killerLog, "killed") == 1)
        #expect(died.status == 1 && died.errors.contains("/vsis3/public/gefolki/cogs/") && died.errors.contains("no answer"), "\(died.errors)")
        #expect(!FileManager.default.fileExists(atPath: out + "/dataset.json"), "an interrupted build must not look finished")
        server.kill()
        try server.start()
        let (resumed, _) = try Self.build(manifest, env: server.environment(), out: out)
        #expect(resumed.status == 0 && resumed.output.contains("resumed with"), "\(resumed.output)\(resumed.errors)")
        try StacPairingTests.expectSameShards(reference, out)
    }
}
