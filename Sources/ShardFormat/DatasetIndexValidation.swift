import Foundation

extension DatasetIndex {
    /// Every problem that makes this index unusable, each naming its field (`sensors[1].shape`,
    /// `shards[3].file`, …). `dataset.json` may come from anywhere, so a reader checks it once, when
    /// it opens a dataset; everything downstream may then trust shapes, sizes, counts and paths.
    public func problems(limits: ReaderLimits = ReaderLimits()) -> [String] {
        var problems: [String] = []
        func check(_ ok: Bool, _ field: String, _ message: @autoclosure () -> String) {
            if !ok { problems.append("\(field): \(message())") }
        }
        check(!sensors.isEmpty, "sensors", "no sensors")
        check(Set(sensors.map(\.name)).count == sensors.count, "sensors", "names repeat")
        if let grid {
            check(grid.patchSize.isFinite && grid.patchSize > 0, "grid.patchSize", "\(grid.patchSize) is not a positive number")
            check(grid.stride.isFinite && grid.stride > 0, "grid.stride", "\(grid.stride) is not a positive number")
        }
        for (i, s) in sensors.enumerated() {
            let field = "sensors[\(i)]"
            check(!s.name.isEmpty, "\(field).name", "empty")
            guard s.shape.count == 3, s.shape.allSatisfy({ $0 > 0 }) else {
                problems.append("\(field).shape: \(s.shape) is not three positive numbers [C, H, W]")
                continue
            }
            let bytes = Checked.product(of: s.shape + [s.dtype.size])
            check(bytes.map { $0 <= limits.maxFrameBytes } ?? false, "\(field).shape", "\(s.shape) of \(s.dtype) exceeds the frame limit")
            check(s.bands.count == s.shape[0], "\(field).bands", "\(s.bands.count) names for \(s.shape[0]) channels")
            if let problem = s.warp?.problem(bands: s.shape[0]) { problems.append("\(field).warp: \(problem)") }
            if let gsd = s.gsd {
                check(gsd.isFinite && gsd > 0, "\(field).gsd", "\(gsd) is not a positive number")
                // With a grid, gsd × pixels is the patch size along both axes (square pixels).
                if let patch = grid?.patchSize, gsd.isFinite, gsd > 0, patch.isFinite, patch > 0 {
                    for (axis, n) in [("height", s.shape[1]), ("width", s.shape[2])] {
                        check(abs(Double(n) * gsd - patch) <= 1e-6 * patch, "\(field).gsd",
                              "\(n) pixels of \(gsd) do not span the grid's patch size \(patch) (\(axis))")
                    }
                }
            }
        }
        // Time-series steps: each names itself, and every series has all its steps.
        var steps: [String: (count: Int, seen: Set<Int>)] = [:]
        for (i, s) in sensors.enumerated() {
            guard let t = s.timeStep else { continue }
            guard t.steps > 0, (0..<t.steps).contains(t.index), t.sensorName == s.name else {
                problems.append("sensors[\(i)].timeStep: step \(t.index) of \(t.steps) of \(t.series) does not name sensor \(s.name)")
                continue
            }
            if let other = steps[t.series], other.count != t.steps {
                problems.append("sensors[\(i)].timeStep: series \(t.series) has \(other.count) steps elsewhere, \(t.steps) here")
            }
            steps[t.series, default: (t.steps, [])].seen.insert(t.index)
        }
        for (series, s) in steps.sorted(by: { $0.key < $1.key }) where s.seen.count != s.count {
            problems.append("sensors: time series \(series) lists \(s.seen.count) of its \(s.count) steps")
        }
        for (sensor, bands) in statistics {
            for (b, stats) in bands.enumerated() { if let p = stats.problem { problems.append("statistics.\(sensor)[\(b)]: \(p)") } }
        }
        for (split, perSensor) in splitStatistics {
            for (sensor, bands) in perSensor {
                for (b, stats) in bands.enumerated() { if let p = stats.problem { problems.append("splitStatistics.\(split).\(sensor)[\(b)]: \(p)") } }
            }
        }
        check(splits.values.allSatisfy { $0 >= 0 }, "splits", "negative record count")
        var directoryFiles: Set<String> = []
        for (i, shard) in shards.enumerated() {
            let field = "shards[\(i)]"
            if let problem = Self.shardPathProblem(shard.file) { problems.append("\(field).file: \(problem)") }
            check(directoryFiles.insert(shard.file).inserted, "\(field).file", "\(shard.file) is listed twice")
            check(splits[shard.split] != nil, "\(field).split", "\"\(shard.split)\" is not in splits")
            check(shard.records >= 0, "\(field).records", "negative")
            check(shard.bytes >= 0, "\(field).bytes", "negative")
            check(shard.sha256.count == 64 && shard.sha256.allSatisfy(\.isHexDigit), "\(field).sha256", "not 64 hex digits")
            for (sensor, counts) in shard.sensorBytes {
                check(counts.raw >= 0 && counts.compressed >= 0, "\(field).sensorBytes.\(sensor)", "negative")
            }
        }
        // Totals that readers and summaries compute must not overflow, and the counts must agree.
        let splitTotal = Checked.sum(of: splits.values)
        let shardTotal = Checked.sum(of: shards.map(\.records))
        check(splitTotal != nil && shardTotal != nil, "splits", "record counts overflow")
        check(Checked.sum(of: shards.map(\.bytes)) != nil, "shards", "byte sizes overflow")
        for sensor in Set(shards.flatMap(\.sensorBytes.keys)) {
            check(Checked.sum(of: shards.map { $0.sensorBytes[sensor]?.raw ?? 0 }) != nil
                  && Checked.sum(of: shards.map { $0.sensorBytes[sensor]?.compressed ?? 0 }) != nil,
                  "shards[].sensorBytes.\(sensor)", "byte counts overflow")
        }
        for (split, count) in splits where splitTotal != nil && shardTotal != nil {
            let inShards = shards.filter { $0.split == split }.reduce(0) { $0 + $1.records }
            check(inShards == count, "splits.\(split)", "\(count) records, its shards hold \(inShards)")
        }
        return problems
    }

    /// Why a shard path from `dataset.json` is unsafe, or `nil`: it must be relative and stay inside
    /// the dataset directory (no `..`, no absolute paths such as `/dev/zero`).
    public static func shardPathProblem(_ file: String) -> String? {
        let parts = file.split(separator: "/", omittingEmptySubsequences: false)
        guard !file.isEmpty, !file.hasPrefix("/"), !parts.contains(where: { $0 == ".." || $0 == "." || $0.isEmpty }),
              !file.contains("\0") else {
            return "\"\(file)\" must be a relative path inside the dataset directory"
        }
        return nil
    }

    /// The path of a shard inside `directory`, refusing paths that leave it, also through symbolic links.
    public static func shardPath(_ file: String, in directory: String) throws -> String {
        if let problem = shardPathProblem(file) {
            throw ShardError(.corrupt, file: "dataset.json", location: "shard \(file)", message: problem)
        }
        let path = (directory as NSString).appendingPathComponent(file)
        let root = (directory as NSString).resolvingSymlinksInPath
        let resolved = (path as NSString).resolvingSymlinksInPath
        guard resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw ShardError(.corrupt, file: "dataset.json", location: "shard \(file)",
                             message: "leads outside the dataset directory (to \(resolved))")
        }
        return path
    }
}
