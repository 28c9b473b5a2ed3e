@testable import DatasetBuilder
import Foundation
import ShardFormat
import TestSupport
import Testing

/// The build journal is appended one line per completed shard; a crash mid-append leaves a torn
/// last line, which a resumed build drops (redoing that shard) instead of refusing the journal.
/// The writer under it is ShardFormat's; the journal, fingerprint and resume are DatasetBuilder's.
@Suite("Build journal")
struct JournalTests {
    @Test("A torn last line is dropped: the build resumes with the shards before it and ends identical")
    func tornLastLine() throws {
        let (reference, records) = try RandomDataset.write(count: 12, sharding: ShardingOptions(maxRecords: 2))
        let dir = TestEnvironment.temporaryDirectory() + "/interrupted"
        do {
            let writer = try ResumableDatasetWriter(directory: dir, sensors: RandomDataset.sensors, sharding: ShardingOptions(maxRecords: 2),
                                           fingerprint: "test-42")
            let encoder = RecordEncoder()
            for r in records.prefix(8) { try writer.append(try encoder.encode(r)) }
            // The writer is dropped without finishing: a crash after some shards completed.
        }
        let journal = dir + "/.geopairs-journal.jsonl"
        let lines = try String(contentsOfFile: journal, encoding: .utf8).split(separator: "\n")
        #expect(lines.count >= 3, "a header and completed shards")
        let handle = try #require(FileHandle(forWritingAtPath: journal))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"shard": {"info": {"file": "shards/tr"#.utf8))
        try handle.close()
        let writer = try ResumableDatasetWriter(directory: dir, sensors: RandomDataset.sensors, sharding: ShardingOptions(maxRecords: 2),
                                       fingerprint: "test-42")
        #expect(writer.resumedRecordCount == 2 * (lines.count - 1))
        let encoder = RecordEncoder()
        for r in records where !writer.isAlreadyWritten(key: r.metadata.key) { try writer.append(try encoder.encode(r)) }
        let index = try writer.finish(name: "random", grid: GridInfo(crs: "EPSG:32631", patchSize: RandomDataset.patchSize, stride: RandomDataset.patchSize),
                                      manifest: .object(["name": .string("random")]),
                                      inputs: (0..<4).map { InputFile(path: "scenes/scene\($0).tif", bytes: 1000 + $0) })
        #expect(try index.encoded() == DatasetIndex.load(directory: reference).encoded())
        #expect(!FileManager.default.fileExists(atPath: journal))
    }

    @Test("The build fingerprint covers the block size the manifest resolves to, so a journal of other blocks is not resumed")
    func fingerprintCoversBlockSize() throws {
        // The same manifest document with another block size (as when a default changes between
        // versions): a resume position counts blocks, so it would point at other cells.
        var manifest = try ManifestParser.load(path: HostileBuildInputTests.soundPlan().manifest)
        let inputs = [InputFile(path: "a.vrt", bytes: 1)]
        let before = try BuildExecutor.fingerprint(manifest, inputs: inputs)
        #expect(try BuildExecutor.fingerprint(manifest, inputs: inputs) == before)
        manifest.grid.blockCells += 1
        #expect(try BuildExecutor.fingerprint(manifest, inputs: inputs) != before)
    }

    @Test("A second writer of the same directory is refused while the first holds it, and may start once it is gone")
    func secondWriterRefused() throws {
        let dir = TestEnvironment.temporaryDirectory() + "/locked"
        var first: ResumableDatasetWriter? = try ResumableDatasetWriter(directory: dir, sensors: RandomDataset.sensors, fingerprint: "f")
        let error = #expect(throws: ShardError.self) { try ResumableDatasetWriter(directory: dir, sensors: RandomDataset.sensors, fingerprint: "f") }
        #expect(error?.kind == .locked && error?.message.contains("another build is writing this directory") == true)
        #expect(first != nil)
        first = nil
        _ = try ResumableDatasetWriter(directory: dir, sensors: RandomDataset.sensors, fingerprint: "f")
    }
}
