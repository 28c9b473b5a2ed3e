import CLICore
import DatasetBuilder
import Foundation
import GeoRaster
import ShardFormat

func loadManifest(_ a: Arguments) throws -> Manifest {
    let path = try a.positionals(["MANIFEST"])[0]
    return try ManifestParser.load(path: path, inputs: a.all("input"))
}

let inputHelp = "  --input NAME=PATH  point sensor NAME at PATH (file, folder or glob); repeat for several paths"

let validate = Subcommand(
    name: "validate", summary: "check a manifest and report every problem with its JSON path",
    usage: "validate MANIFEST [--input NAME=PATH]...",
    help: "Reads no pixels and opens no inputs.\n\(inputHelp)"
) { args in
    let a = try Arguments(args, options: ["input"])
    let m = try loadManifest(a)
    print("\(a.positionals[0]): valid (\(m.sensors.count) sensors: \(m.sensors.map(\.name).joined(separator: ", ")))")
    return .success
}

let plan = Subcommand(
    name: "plan", summary: "cells per sensor and split, and the estimated output size (no pixels read)",
    usage: "plan MANIFEST [--input NAME=PATH]... [--json]",
    help: "Opens every input for its footprint, lays out the snapped grid, assigns splits.\n\(inputHelp)\n  --json  print JSON"
) { args in
    let a = try Arguments(args, options: ["input"], flags: ["json"])
    let summary = PlanSummary(try Planner.plan(try loadManifest(a)))
    if a.has("json") {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted]
        print(String(decoding: try e.encode(summary), as: UTF8.self))
    } else {
        print(summary.text, terminator: "")
    }
    return .success
}

let build = Subcommand(
    name: "build", summary: "warp, cut, filter, split and write the dataset",
    usage: "build MANIFEST --out DIR [--input NAME=PATH]... [--jobs N] [--force]",
    help: """
    Writes DIR/shards/*.gpshard and DIR/dataset.json (last). Output is byte-identical for any --jobs.
    An interrupted build resumes from its last complete shard when run again with the same manifest and inputs.
      --out DIR      the dataset directory
    \(inputHelp)
      --jobs N       worker threads (default: the number of cores)
      --force        discard an earlier or interrupted build in DIR and start over
    """
) { args in
    let a = try Arguments(args, options: ["input", "out", "jobs"], flags: ["force"])
    guard let out = a.value("out") else { throw UsageError("--out DIR is required") }
    let jobs = try a.integer("jobs", in: 1...256) ?? ProcessInfo.processInfo.activeProcessorCount
    let manifest = try loadManifest(a)
    let plan = try Planner.plan(manifest)
    Terminal.error("build-dataset: \(plan.cellCount) cells in \(plan.blocks.count) blocks, \(jobs) job(s) → \(out)")
    // Testing hook: simulate a crash (no clean-up at all) after N completed shards.
    let crashAfter = ProcessInfo.processInfo.environment["GEOPAIRS_CRASH_AFTER_SHARDS"].flatMap(Int.init)
    var shardsDone = 0
    let reporter = ProgressReporter(label: "build-dataset: cells", total: plan.cellCount)
    let report = try BuildExecutor.build(
        plan: plan, output: out, jobs: jobs, restart: a.has("force"),
        onShardCompleted: { _ in
            shardsDone += 1
            if let crashAfter, shardsDone >= crashAfter { _exit(86) }
        },
        progress: { p in
            reporter.update(done: p.cellsDone, detail: "\(p.recordsKept) records, \(String(format: "%.1f", Double(p.bytesWritten) / 1e6)) MB")
        })
    reporter.finish(done: report.cellsPlanned, detail: "\(report.recordsWritten) records")
    let splits = report.index.splits.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    let bytes = report.index.shards.reduce(0) { $0 + $1.bytes }
    print("\(out): \(report.recordsWritten) records (\(splits)) in \(report.index.shards.count) shards, "
          + "\(String(format: "%.1f", Double(bytes) / 1e6)) MB, \(String(format: "%.1f", report.seconds)) s"
          + (report.recordsResumed > 0 ? " (resumed with \(report.recordsResumed) records already written)" : ""))
    return .success
}

CommandLineTool(
    name: "build-dataset", summary: "build co-registered multi-sensor patch datasets from a JSON manifest",
    subcommands: [validate, plan, build]
).main()
