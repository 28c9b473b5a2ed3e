import DatasetBuilder
import Foundation
import ShardFormat
import TestSupport
import Testing

/// Partitioned builds (`--part I/N`) merged (`merge`) equal the one-machine build.
@Suite("Partitioned builds", .enabled(if: TestEnvironment.hasRealData), .serialized)
struct PartitionedBuildTests {
    /// Every record's keys, splits and decoded frames, by key.
    static func contents(_ dir: String) throws -> [String: [String]] {
        let reader = try DatasetReader(directory: dir)
        let codec = ZstdCodec()
        var out: [String: [String]] = [:]
        for location in reader.locations() {
            let meta = try reader.metadata(at: location)
            var items = [meta.split]
            for s in meta.sensors {
                items.append("\(s.sensor) \(SHA256.hex(try reader.readArray(at: location, sensor: s.sensor, codec: codec)))")
                if try reader.shards[location.shard].frame(record: location.record, sensor: s.sensor, kind: .mask) != nil {
                    items.append("mask \(SHA256.hex(try reader.readArray(at: location, sensor: s.sensor, kind: .mask, codec: codec)))")
                }
            }
            out[meta.key] = items
        }
        return out
    }

    static func expectClose(_ a: [String: [BandStatistics]], _ b: [String: [BandStatistics]], _ what: String) {
        #expect(a.keys.sorted() == b.keys.sorted(), "\(what)")
        for (sensor, bands) in a {
            for (x, y) in zip(bands, b[sensor] ?? []) {
                let close = { (u: Double, v: Double) in abs(u - v) <= 1e-12 * max(1, abs(u), abs(v)) }
                #expect(x.count == y.count && x.histogram == y.histogram && x.min == y.min && x.max == y.max
                        && close(x.mean, y.mean) && close(x.m2, y.m2), "\(what) \(sensor)")
            }
        }
    }

    @Test("N = 1, 2, 3 and 7 parts merge into the records, splits, frames and statistics of the one-machine build")
    func equivalence() throws {
        let manifest = aberManifest()
        let single = try Fixtures.build(manifest)
        let reference = try Self.contents(single)
        let referenceIndex = try DatasetIndex.load(directory: single)
        for n in [1, 2, 3, 7] {
            let dir = TestEnvironment.temporaryDirectory() + "/parts\(n)"
            for i in 0..<n {
                let r = try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", dir, "--part", "\(i)/\(n)", "--jobs", "1"])
                #expect(r.status == 0, "part \(i)/\(n): \(r.errors)")
            }
            let merged = try TestEnvironment.runProduct("build-dataset", ["merge", dir])
            #expect(merged.status == 0, "\(merged.errors)")
            #expect(try Self.contents(dir) == reference, "N = \(n)")
            let index = try DatasetIndex.load(directory: dir)
            #expect(index.splits == referenceIndex.splits && index.sensors == referenceIndex.sensors && index.inputs == referenceIndex.inputs)
            Self.expectClose(index.statistics, referenceIndex.statistics, "N = \(n) statistics")
            for (split, stats) in referenceIndex.splitStatistics { Self.expectClose(index.splitStatistics[split] ?? [:], stats, "N = \(n) \(split)") }
            #expect(DatasetVerifier.verify(directory: dir).isSound)
            #expect(try TestEnvironment.indexProblems(dir).isEmpty)
        }
    }

    @Test("A missing or stale part is named with the command that rebuilds it; a finished part run again does nothing")
    func missingAndRerun() throws {
        let manifest = aberManifest()
        let dir = TestEnvironment.temporaryDirectory() + "/parts"
        for i in [0, 2] {
            #expect(try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", dir, "--part", "\(i)/3"]).status == 0)
        }
        let missing = try TestEnvironment.runProduct("build-dataset", ["merge", dir, "--manifest", manifest])
        #expect(missing.status != 0 && missing.errors.contains("part 1 of 3 is missing: build-dataset build \(manifest) --out \(dir) --part 1/3"),
                "\(missing.errors)")
        let again = try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", dir, "--part", "2/3"])
        #expect(again.status == 0 && again.output.contains("resumed with"), "\(again.output)")
        let before = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/parts/part-00002-of-00003/dataset.json"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: "\(dir)/parts/part-00002-of-00003/dataset.json")) == before)
        // A part of another split of the work (N = 2) is stale beside parts of N = 3.
        #expect(try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", dir, "--part", "1/2"]).status == 0)
        let mixed = try TestEnvironment.runProduct("build-dataset", ["merge", dir])
        #expect(mixed.status != 0 && mixed.errors.contains("different counts"), "\(mixed.errors)")
    }

    @Test("--part auto reads Slurm, Kubernetes, AWS Batch and GCP Batch indices, and refuses what does not add up")
    func schedulerIndices() throws {
        #expect(try SchedulerIndex.resolve(environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "4"], count: nil) == (2, 4))
        #expect(try SchedulerIndex.resolve(environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "6"], count: nil) == (3, 7))
        #expect(try SchedulerIndex.resolve(environment: ["JOB_COMPLETION_INDEX": "5"], count: 8) == (5, 8))
        // A failed Slurm task resubmitted alone is an array of one; --parts keeps it part 3 of 4.
        #expect(try SchedulerIndex.resolve(environment: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "1"], count: 4) == (3, 4))
        #expect(try SchedulerIndex.resolve(environment: ["AWS_BATCH_JOB_ARRAY_INDEX": "0"], count: 2) == (0, 2))
        #expect(try SchedulerIndex.resolve(environment: ["BATCH_TASK_INDEX": "1", "BATCH_TASK_COUNT": "3"], count: nil) == (1, 3))
        let refused: [([String: String], Int?, String)] = [
            ([:], 4, "none of"),
            (["JOB_COMPLETION_INDEX": "1"], nil, "does not export the task count"),
            (["SLURM_ARRAY_TASK_ID": "4", "SLURM_ARRAY_TASK_COUNT": "4"], nil, "outside 0…3"),
            (["SLURM_ARRAY_TASK_ID": "1", "JOB_COMPLETION_INDEX": "2"], 4, "says part 1"),
            (["AWS_BATCH_JOB_ARRAY_INDEX": "x"], 2, "not a non-negative integer"),
        ]
        for (env, count, expected) in refused {
            #expect(performing: { try SchedulerIndex.resolve(environment: env, count: count) }, throws: { "\($0)".contains(expected) })
        }
        let manifest = aberManifest()
        let dir = TestEnvironment.temporaryDirectory() + "/auto"
        // The command line says which flag supplies what the scheduler does not export.
        let noCount = try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", dir, "--part", "auto"],
                                                     environment: ["JOB_COMPLETION_INDEX": "1"])
        #expect(noCount.status == 1 && noCount.errors.contains("--part auto: Kubernetes (JOB_COMPLETION_INDEX) does not export the task count; give --parts N"),
                "\(noCount.errors)")
        let r = try TestEnvironment.runProduct("build-dataset", ["build", manifest, "--out", dir, "--part", "auto"],
                                               environment: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "2"])
        #expect(r.status == 0 && FileManager.default.fileExists(atPath: "\(dir)/parts/part-00001-of-00002/part.json"), "\(r.errors)")
    }

    @Test("Parts are balanced: 160 m tiles of a real scene cut in 4 are within 10 % of even")
    func balance() throws {
        let manifest = Fixtures.manifestFile("""
        {"name": "tiles", "grid": {"crs": "EPSG:32630", "patchSize": 160, "stride": 160, "blockCells": 2},
         "sensors": [{"name": "s2", "inputs": ["\(TestEnvironment.real("aber_s2_20210527_epsg27700.tif"))"], "bands": ["b1"], "gsd": 10, "dtype": "u16"}]}
        """)
        let plan = try Planner.plan(try ManifestParser.load(path: manifest))
        let parts = Partitioner.parts(of: plan, count: 4)
        #expect(plan.blocks.count >= 16)
        #expect(parts.map(\.cells).reduce(0, +) == plan.cellCount && parts.first?.firstBlock == 0 && parts.last?.endBlock == plan.blocks.count)
        #expect(zip(parts, parts.dropFirst()).allSatisfy { $0.endBlock == $1.firstBlock })
        #expect(Partitioner.imbalance(parts) <= 1.10, "\(parts.map(\.estimatedBytes))")
    }
}

/// The job templates in Scripts/templates run `build-dataset build … --part auto` with the variable
/// their scheduler sets, and their part counts agree.
@Suite("Array-job templates", .enabled(if: TestEnvironment.hasRealData))
struct JobTemplateTests {
    /// Runs a template's command, pointed at a real manifest and a temporary folder, as the
    /// scheduler would for its last index.
    static func run(_ command: [String], variable: String, parts: Int) throws {
        #expect(Array(command.prefix(2)) == ["build-dataset", "build"] && command.contains("--part") && command.contains("auto"))
        let out = TestEnvironment.temporaryDirectory() + "/out"
        let manifest = aberManifest()
        let arguments = command.dropFirst().map { $0.hasSuffix(".json") ? manifest : $0 == "/data/out" ? out : $0 }
        let r = try TestEnvironment.runProduct("build-dataset", Array(arguments), environment: [variable: "\(parts - 1)"])
        #expect(r.status == 0, "\(r.errors)")
        #expect(FileManager.default.fileExists(atPath: "\(out)/parts/\(PlanPart.name(index: parts - 1, count: parts))/part.json"))
    }

    @Test("Kubernetes Indexed Job: JOB_COMPLETION_INDEX, completions = --parts")
    func kubernetes() throws {
        let text = try String(contentsOfFile: "\(TestEnvironment.repositoryRoot)/Scripts/templates/kubernetes-indexed-job.yaml", encoding: .utf8)
        func value(_ key: String) -> String? {
            text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.first { $0.hasPrefix("\(key):") }
                .map { String($0.dropFirst(key.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
        #expect(value("completionMode") == "Indexed" && value("backoffLimitPerIndex") != nil)
        let command = try JSONDecoder().decode([String].self, from: Data(try #require(value("command")).utf8))
        let at = try #require(command.firstIndex(of: "--parts"))
        let parts = try #require(Int(command[at + 1]))
        #expect(value("completions") == "\(parts)")
        try Self.run(command, variable: "JOB_COMPLETION_INDEX", parts: parts)
    }

    @Test("AWS Batch array job: AWS_BATCH_JOB_ARRAY_INDEX, arrayProperties.size = --parts")
    func awsBatch() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(TestEnvironment.repositoryRoot)/Scripts/templates/aws-batch-array-job.json"))
        struct Job: Decodable {
            struct Array: Decodable { var size: Int }
            struct Overrides: Decodable { var command: [String] }
            var arrayProperties: Array
            var containerOverrides: Overrides
        }
        let job = try JSONDecoder().decode(Job.self, from: data)
        let command = job.containerOverrides.command
        let at = try #require(command.firstIndex(of: "--parts"))
        #expect(command[at + 1] == "\(job.arrayProperties.size)")
        try Self.run(command, variable: "AWS_BATCH_JOB_ARRAY_INDEX", parts: job.arrayProperties.size)
    }
}
