import Foundation
import GeoRaster
import ObjectStore
import ShardFormat

/// Progress of a running build.
public struct BuildProgress: Sendable {
    public var blocksDone: Int
    public var blocksTotal: Int
    public var cellsDone: Int
    public var cellsTotal: Int
    public var recordsKept: Int
    public var bytesWritten: Int
}

/// The outcome of a build.
public struct BuildReport: Sendable {
    public var index: DatasetIndex
    public var cellsPlanned: Int
    public var recordsWritten: Int
    /// Records found in shards of an interrupted earlier run.
    public var recordsResumed: Int
    public var seconds: Double
}

/// Runs a plan: blocks are warped and encoded on `jobs` worker threads (each with its own GDAL
/// handles) and written in plan order, so the output is byte-identical for any `jobs`.
public enum BuildExecutor {
    /// - Parameters:
    ///   - restart: discard an interrupted or finished earlier build in `output` (`--force`).
    ///   - onShardCompleted: called after each shard is safely on disk.
    ///   - output: a local directory, or a bucket prefix (`s3://…`, `gs://…`, `az://…`, `/vsi…/`):
    ///     shards are then written into `staging` and uploaded as they complete, `dataset.json` last.
    ///   - staging: the local directory for shards being written to a bucket (default: one per
    ///     output under the temporary directory); removed when the build is finished.
    ///   - part: build only this part's blocks into `output` (a part folder) and write its `part.json`.
    public static func build(
        plan: BuildPlan, output: String, staging: String? = nil, jobs: Int, restart: Bool, part: PlanPart? = nil,
        onShardCompleted: ((ShardInfo) -> Void)? = nil, progress: (BuildProgress) -> Void = { _ in }
    ) throws -> BuildReport {
        let start = Date()
        let manifest = plan.manifest
        let warpOptions = warpOptions(manifest)
        BlockCache.resize(to: plan.blockCacheBytes(jobs: jobs))
        let inputs = inputSizes(plan.inputFiles).map { InputFile(path: manifest.displayPath($0.path), bytes: $0.bytes) }
        let buildFingerprint = try fingerprint(manifest, inputs: inputs, parts: part?.count)
        if let part {
            // A finished part run again (a scheduler's retry) is a no-op; a part of another build is refused.
            let expected = PartIndex(part: part, fingerprint: buildFingerprint)
            if let existing = try PartIndex.load(directory: output) {
                if existing == expected, !restart {
                    let index = try DatasetIndex.load(directory: output)
                    return BuildReport(index: index, cellsPlanned: part.cells, recordsWritten: index.splits.values.reduce(0, +),
                                       recordsResumed: index.splits.values.reduce(0, +), seconds: 0)
                }
                guard restart else {
                    throw ShardError(.outputInUse, file: output, message: "holds \(existing.part.name) of another build")
                }
                try FileManager.default.removeItem(atPath: "\(output)/\(PartIndex.fileName)")
            }
        }
        let blocks = part.map { $0.firstBlock..<$0.endBlock } ?? 0..<plan.blocks.count
        let remote = DatasetLocation.isRemote(output)
        if remote && part != nil {
            throw PlanError(problems: ["--part writes part folders on a local or shared file system; give a local --out (then upload the merged dataset)"])
        }
        let writer = try ResumableDatasetWriter(directory: remote ? staging ?? defaultStaging(for: output) : output,
                                                sensors: schemas(plan, warpOptions: warpOptions), sharding: manifest.sharding,
                                                fingerprint: buildFingerprint + (part.map { "/part\($0.index)" } ?? ""), restart: restart,
                                                mirror: remote ? BucketMirror(location: output) : nil)
        writer.onShardCompleted = onShardCompleted
        let resumeFrom = min(max(writer.resumePosition, blocks.lowerBound), blocks.upperBound)
        let resumed = writer.resumedRecordCount
        var status = BuildProgress(blocksDone: resumeFrom - blocks.lowerBound, blocksTotal: blocks.count,
                                   cellsDone: plan.blocks[blocks.lowerBound..<resumeFrom].reduce(0) { $0 + $1.cells.count },
                                   cellsTotal: plan.blocks[blocks].reduce(0) { $0 + $1.cells.count }, recordsKept: resumed,
                                   bytesWritten: writer.bytesWritten)
        let alreadyWritten = Set(blocks.flatMap { b in plan.blocks[b].cells.map { plan.zones[plan.blocks[b].zone].cells[$0].key } }
            .filter(writer.isAlreadyWritten))
        // Blocks that warp the same scenes run at the same time only where the window leaves no
        // other choice: GDAL 3.6 lends a file's coordinate transformation to one warp at a time, so
        // a second thread warping the same file at once repeats PROJ's search for the operation
        // (~20 ms). A window of three blocks per job leaves that choice on the build benchmark
        // (one search per file instead of 1.4-2), for about 20 MB more peak memory than two.
        let scenesOfBlock = Dictionary(uniqueKeysWithValues: (resumeFrom..<blocks.upperBound).map { b in
            let zone = plan.zones[plan.blocks[b].zone]
            return (b, Set(plan.blocks[b].cells.flatMap { c in
                zip(zone.cells[c].sensors, zone.cells[c].scenes).flatMap { sensor, scenes in scenes.map { "\(sensor)/\($0)" } }
            }))
        })
        try OrderedPipeline.run(
            range: resumeFrom..<blocks.upperBound, jobs: max(1, jobs), window: 3 * max(1, jobs),
            sharing: { a, b in plan.blocks[a].zone == plan.blocks[b].zone ? scenesOfBlock[a]!.intersection(scenesOfBlock[b]!).count : 0 },
            makeWorker: {
                let worker = BlockWorker(plan: plan, warpOptions: warpOptions)
                return { index in try worker.process(plan.blocks[index], skip: alreadyWritten.contains) }
            },
            consume: { index, result in
                for record in result.records { try writer.append(record, position: index) }
                status.blocksDone = index + 1 - blocks.lowerBound
                status.cellsDone += result.cells
                status.recordsKept += result.records.count
                status.bytesWritten = writer.bytesWritten
                progress(status)
            })
        let index = try writer.finish(
            name: manifest.name,
            grid: GridInfo(crs: gridCRSText(manifest), patchSize: manifest.grid.patchSize, stride: manifest.grid.stride),
            manifest: manifest.document, inputs: inputs)
        if let part { try PartIndex(part: part, fingerprint: buildFingerprint).save(directory: output) }
        return BuildReport(index: index, cellsPlanned: status.cellsTotal, recordsWritten: index.splits.values.reduce(0, +),
                           recordsResumed: resumed, seconds: Date().timeIntervalSince(start))
    }

    /// The staging directory of a build into a bucket: named by the bucket location, so that a
    /// rerun on the same machine finds it (a rerun elsewhere resumes from the bucket's journal).
    public static func defaultStaging(for output: String) -> String {
        var hasher = SHA256()
        hasher.update(Array(output.utf8))
        return (NSTemporaryDirectory() as NSString).appendingPathComponent("geopairs-staging-" + hasher.finalizeHex().prefix(16))
    }

    /// Every input's size, asked 16 at a time: in object storage each is a request, and thousands
    /// of them one after another would delay the first warp by seconds.
    static func inputSizes(_ paths: [String]) -> [(path: String, bytes: Int)] {
        // Each iteration writes its own indices only.
        nonisolated(unsafe) let sizes = UnsafeMutableBufferPointer<Int>.allocate(capacity: paths.count)
        defer { sizes.deallocate() }
        let chunk = max(1, (paths.count + 15) / 16)
        DispatchQueue.concurrentPerform(iterations: (paths.count + chunk - 1) / chunk) { c in
            for i in (c * chunk)..<min(paths.count, (c + 1) * chunk) {
                sizes[i] = ((try? VirtualFileSystem.stat(paths[i])) ?? nil)?.size ?? 0
            }
        }
        return paths.indices.map { (paths[$0], sizes[$0]) }
    }

    /// The warp settings of a build: the manifest's `grid.errorThreshold`, by default 0 (exact
    /// coordinate transformations). With the plan's fixed kernel scales, an exact warp gives a
    /// patch the same pixels whether it was warped in a block or alone, which is what makes block
    /// warping correct and every record reproducible by `gdalwarp` of its own cell. Above 0, a
    /// record is reproducible by `gdalwarp` of the window it was cut from, which records then store.
    static func warpOptions(_ manifest: Manifest) -> WarpOptions {
        WarpOptions(errorThreshold: manifest.grid.errorThreshold)
    }

    /// The dataset's sensor schemas: shapes from the manifest, nodata from the manifest or shared
    /// by every input file, and the warp recipe; a time series has one schema per step.
    static func schemas(_ plan: BuildPlan, warpOptions: WarpOptions) -> [SensorSchema] {
        let manifest = plan.manifest
        return manifest.sensors.flatMap { s -> [SensorSchema] in
            let n = Int((manifest.grid.patchSize / s.gsd).rounded())
            let fileNodata = Set(plan.zones.flatMap { $0.scenes[s.name]!.map { $0.scene.bands[0].nodata } })
            let recipe = WarpRecipe(
                resampling: s.resamplingPerBand.map(\.rawValue), sourceBands: s.bands.enumerated().map { $1.index ?? (s.bands[0].file == nil ? $0 + 1 : 1) },
                kernelScale: plan.kernelScales[s.name]!, errorThreshold: warpOptions.errorThreshold ?? 0.125,
                warpMemoryMiB: warpOptions.memoryMiB, srcNodata: s.nodata,
                validRange: s.validRange.map { [$0.lowerBound, $0.upperBound] })
            let schema = SensorSchema(name: s.name, bands: s.bands.map(\.name), dtype: s.dtype, gsd: s.gsd, shape: [s.bands.count, n, n],
                                      nodata: s.nodata ?? (fileNodata.count == 1 ? fileNodata.first! : nil), role: s.role, warp: recipe)
            guard let rule = s.time, rule.pick == .timeSeries else { return [schema] }
            return (0..<rule.steps).map { k in
                var step = schema
                step.timeStep = TimeStep(series: s.name, index: k, steps: rule.steps)
                step.name = step.timeStep!.sensorName
                return step
            }
        }
    }

    static func gridCRSText(_ manifest: Manifest) -> String {
        switch manifest.grid.crs {
        case .utm: "utm"
        case .fixed(let crs): crs.definition.text
        }
    }

    /// Identifies a build configuration: the manifest as given, the block size it resolves to, every
    /// input's path and size, and for a partitioned build the part count.
    static func fingerprint(_ manifest: Manifest, inputs: [InputFile], parts: Int? = nil) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var hasher = SHA256()
        hasher.update(Array(try encoder.encode(manifest.document)))
        hasher.update(Array(try encoder.encode(inputs)))
        // The block size decides which cells a resume position covers, and its default has changed
        // between versions: a journal or part of another block size must not be taken for this one.
        hasher.update(Array("blockCells \(manifest.grid.blockCells)".utf8))
        if let parts { hasher.update(Array("parts \(parts)".utf8)) }
        return hasher.finalizeHex()
    }
}
