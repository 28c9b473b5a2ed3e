import CLICore
import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat

func loadManifest(_ a: Arguments) throws -> Manifest {
    try ManifestParser.load(path: a[positional: "MANIFEST"], inputs: a.all("input"))
}

let manifest = Positional("MANIFEST", "the manifest (JSON; DATASETS.md documents every field)")
let input = Option.text("input", "NAME=PATH", help: """
    point sensor NAME at PATH: a file, folder, glob or STAC JSON, local or remote
    (s3://, gs://, az://, https:// or a GDAL /vsi…/ path); repeat for several paths
    """, repeatable: true)
/// `--parts N`: for `plan`, cut into N parts; for `build --part auto`, N where the scheduler does not export it.
func partsOption(_ help: String) -> Option { .integer("parts", in: 1...Partitioner.maxParts, help: help) }

/// What `plan` and `build` say about remote inputs.
let remoteHelp = """
Remote inputs use GDAL's configuration: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY (or AWS_NO_SIGN_REQUEST=YES),
AWS_S3_ENDPOINT, AWS_HTTPS, AWS_VIRTUAL_HOSTING, GS_*, AZURE_*, GDAL_HTTP_*. Set unless you set them:
\(VirtualFileSystem.networkDefaultsHelp)
"""

let validate = Subcommand(
    name: "validate", summary: "check a manifest and report every problem with its JSON path",
    positionals: [manifest], options: [input],
    discussion: "Reads no pixels and opens no inputs."
) { a in
    let m = try loadManifest(a)
    print("\(a[positional: "MANIFEST"]): valid (\(m.sensors.count) sensors: \(m.sensors.map(\.name).joined(separator: ", ")))")
    return .success
}

let plan = Subcommand(
    name: "plan", summary: "cells per sensor and split, and the estimated output size (no pixels read)",
    positionals: [manifest],
    options: [
        input,
        partsOption("also cut the plan into N parts for an array job: each part's blocks, cells and\nestimated bytes, and the imbalance (largest part over the mean)"),
        .flag("json", help: "print JSON"),
    ],
    discussion: """
    Places every input (from STAC proj:* fields, else by opening it), lays out the snapped grid, chooses
    each cell's scenes by the time rules, assigns splits; reports each partner sensor's pairing yield.
    \(remoteHelp)
    """
) { a in
    let count = a.integer("parts")
    let summary = PlanSummary(try Planner.plan(try loadManifest(a)), parts: count)
    if a.has("json") {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try e.encode(summary), as: UTF8.self))
    } else {
        print(summary.text, terminator: "")
    }
    return .success
}

/// `--part I/N`, or `--part auto` with the index (and maybe the count) from the scheduler.
func partChoice(_ a: Arguments) throws -> (index: Int, count: Int)? {
    guard let text = a.value("part") else {
        guard !a.isGiven("parts") else { throw UsageError("--parts N goes with --part auto") }
        return nil
    }
    if text == "auto" {
        do {
            return try SchedulerIndex.resolve(environment: ProcessInfo.processInfo.environment, count: a.integer("parts"))
        } catch let error as SchedulerIndexError {
            if case .countNotExported = error { throw PlanError(problems: ["--part auto: \(error); give --parts N"]) }
            throw PlanError(problems: ["--part auto: \(error)"])
        }
    }
    let fields = text.split(separator: "/", omittingEmptySubsequences: false)
    guard fields.count == 2, let i = Int(fields[0]), let n = Int(fields[1]), (1...Partitioner.maxParts).contains(n), (0..<n).contains(i) else {
        throw UsageError("--part expects I/N with 0 ≤ I < N ≤ \(Partitioner.maxParts), or auto; found \"\(text)\"")
    }
    guard !a.isGiven("parts") else { throw UsageError("--parts N goes with --part auto, not with --part I/N") }
    return (i, n)
}

let build = Subcommand(
    name: "build", summary: "warp, cut, filter, split and write the dataset",
    positionals: [manifest],
    options: [
        .text("out", "DIR|URL", help: """
            the dataset directory, or a bucket prefix (s3://, gs://, az://, /vsis3/…): shards are
            uploaded as they complete (multipart when large), each with a journal object under
            URL/.geopairs-journal/ so that a rerun anywhere resumes, and URL/dataset.json last
            """, required: true),
        .text("staging", "DIR", help: """
            with a bucket --out: where shards are written before upload (default: a folder
            named after the URL in the temporary directory); removed when the build is done
            """),
        input,
        .integer("jobs", in: 1...256, help: "worker threads (one per core unless given)", default: min(256, ProcessInfo.processInfo.activeProcessorCount)),
        .flag("force", help: "discard an earlier or interrupted build in DIR (or part) and start over"),
        .text("part", "I/N|auto", help: """
            I/N: build only part I (0-based) of N into DIR/parts/part-IIIII-of-NNNNN; then `merge DIR`.
            A finished part run again does nothing; an interrupted one resumes.
            auto: take I (and N when exported) from the array job: SLURM_ARRAY_TASK_ID (+ _COUNT or
            _MIN/_MAX), JOB_COMPLETION_INDEX (Kubernetes), AWS_BATCH_JOB_ARRAY_INDEX,
            BATCH_TASK_INDEX/BATCH_TASK_COUNT (GCP)
            """),
        partsOption("with --part auto: N where the scheduler does not export it"),
    ],
    discussion: """
    Writes DIR/shards/*.gpshard and DIR/dataset.json (last). Output is byte-identical for any --jobs.
    An interrupted build resumes from its last complete shard when run again with the same manifest and inputs.
    GDAL's block cache is sized to the build (every job's block of source pixels, 64–512 MiB)
    unless GDAL_CACHEMAX is set.
    \(remoteHelp)
    """
) { a in
    let dataset = a[text: "out"], jobs = a[integer: "jobs"]
    let choice = try partChoice(a)
    let manifest = try loadManifest(a)
    let plan = try Planner.plan(manifest)
    let part = choice.map { Partitioner.parts(of: plan, count: $0.count)[$0.index] }
    let out = part.map { PartIndex.folder(of: dataset, part: $0) } ?? dataset
    let cells = part?.cells ?? plan.cellCount
    Terminal.error("build-dataset: \(cells) cells in \(part.map { $0.endBlock - $0.firstBlock } ?? plan.blocks.count) blocks"
                   + (part.map { " (part \($0.index) of \($0.count))" } ?? "") + ", \(jobs) job(s) → \(out)")
    let crash = SimulatedCrash(variable: "GEOPAIRS_CRASH_AFTER_SHARDS")
    var shardsDone = 0
    let reporter = ProgressReporter(label: "build-dataset: cells", total: cells)
    let report = try suggestingForce { try BuildExecutor.build(
        plan: plan, output: out, staging: a.value("staging"), jobs: jobs, restart: a.has("force"), part: part,
        onShardCompleted: { _ in
            shardsDone += 1
            crash.check(shardsDone)
        },
        progress: { p in
            reporter.update(done: p.cellsDone, detail: "\(p.recordsKept) records, \(String(format: "%.1f", Double(p.bytesWritten) / 1e6)) MB")
        }) }
    reporter.finish(done: report.cellsPlanned, detail: "\(report.recordsWritten) records")
    let splits = report.index.splits.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    let bytes = report.index.shards.reduce(0) { $0 + $1.bytes }
    print("\(out): \(report.recordsWritten) records (\(splits)) in \(report.index.shards.count) shards, "
          + "\(String(format: "%.1f", Double(bytes) / 1e6)) MB, \(String(format: "%.1f", report.seconds)) s"
          + (report.recordsResumed > 0 ? " (resumed with \(report.recordsResumed) records already written)" : ""))
    return .success
}

/// The library says what already holds the output; the command line adds the flag that replaces it.
func suggestingForce<R>(_ body: () throws -> R) throws -> R {
    do {
        return try body()
    } catch let error as ShardError where error.kind == .outputInUse {
        throw ShardError(error.kind, file: error.file, location: error.location, message: "\(error.message) (use --force to start over)")
    }
}

let merge = Subcommand(
    name: "merge", summary: "join the parts of a partitioned build into one dataset",
    positionals: [Positional("DIR", "the partitioned build's folder (it holds parts/)")],
    options: [.text("manifest", "MANIFEST", help: "the manifest's path, to write into those commands", default: "MANIFEST")],
    discussion: """
    Checks that DIR/parts holds all N parts, finished, of one build (same manifest, inputs and N) and
    that no key repeats, then writes DIR/dataset.json over the parts' shards (in part order; statistics
    merged in a fixed order). Reads the parts' indexes and shard footers only, never pixels.
    Names every missing or stale part with the command that builds it.
    """
) { a in
    let dir = a[positional: "DIR"]
    let start = Date()
    let index: DatasetIndex
    do {
        index = try PartMerger.merge(directory: dir)
    } catch let refusal as MergeRefusal {
        throw PlanError(problems: buildCommands(for: refusal, manifest: a[text: "manifest"], dataset: dir))
    }
    let splits = index.splits.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    print("\(dir): merged \(index.splits.values.reduce(0, +)) records (\(splits)) in \(index.shards.count) shards, "
          + String(format: "%.2f s", Date().timeIntervalSince(start)))
    return .success
}

/// What the merge refused, each part with the command that builds it.
func buildCommands(for refusal: MergeRefusal, manifest: String, dataset: String) -> [String] {
    switch refusal {
    case .noParts:
        return ["\(refusal) (build them with build-dataset build \(manifest) --out \(dataset) --part I/N)"]
    case .mixedCounts:
        return ["\(refusal)"]
    case .unready(let count, let parts):
        return parts.map { part in
            let command = "build-dataset build \(manifest) --out \(dataset) --part \(part.index)/\(count)"
            let fix = switch part.state {
            case .missing: command
            case .unfinished: "\(command) (resumes where it stopped)"
            case .stale: "\(command) --force"
            }
            return MergeRefusal.describe(index: part.index, count: count, state: part.state) + ": " + fix
        }
    }
}

CommandLineTool(
    name: "build-dataset", summary: "build co-registered multi-sensor patch datasets from a JSON manifest",
    subcommands: [validate, plan, build, merge]
).main()
