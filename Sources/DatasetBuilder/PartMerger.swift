import Foundation
import ShardFormat

/// Joins the parts of a partitioned build into one dataset: `DIR/dataset.json` listing the shards
/// of `DIR/parts/part-IIIII-of-NNNNN/`, in part order (the plan's order). It reads the parts'
/// indexes and their shards' footers, never pixels, and the result does not depend on which part
/// finished first.
public enum PartMerger {
    /// - Throws: ``MergeRefusal`` naming every missing, unfinished or stale part, and ``ShardError``
    ///   when parts disagree or a key repeats.
    @discardableResult
    public static func merge(directory: String) throws -> DatasetIndex {
        let partsFolder = "\(directory)/parts"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: partsFolder)) ?? []).filter { $0.hasPrefix("part-") }.sorted()
        let counts = Set(names.compactMap { Int($0.split(separator: "-").last ?? "") })
        guard counts.count == 1, let n = counts.first, n >= 1 else {
            throw counts.isEmpty ? MergeRefusal.noParts(folder: partsFolder) : .mixedCounts(folder: partsFolder, counts: counts.sorted())
        }
        var parts: [(folder: String, part: PartIndex)] = []
        var unready: [(index: Int, state: MergeRefusal.PartState)] = []
        for i in 0..<n {
            let folder = "\(partsFolder)/\(PlanPart.name(index: i, count: n))"
            guard FileManager.default.fileExists(atPath: folder) else { unready.append((i, .missing)); continue }
            guard let part = try PartIndex.load(directory: folder) else { unready.append((i, .unfinished)); continue }
            guard part.part.index == i, part.part.count == n, part.fingerprint == (parts.first?.part.fingerprint ?? part.fingerprint) else {
                unready.append((i, .stale)); continue
            }
            parts.append((folder, part))
        }
        guard unready.isEmpty else { throw MergeRefusal.unready(count: n, parts: unready) }

        var merged: DatasetIndex?
        var keys: [String: String] = [:]
        for (folder, part) in parts {
            let index = try DatasetIndex.load(directory: folder)
            let prefix = "parts/\(part.part.name)/"
            for shard in index.shards {
                let reader = try ShardReader(path: try DatasetIndex.shardPath(shard.file, in: folder))
                for e in reader.entries {
                    if let other = keys.updateValue(prefix + shard.file, forKey: e.key) {
                        throw ShardError(.corrupt, file: prefix + shard.file, location: "record \(e.key)", message: "the key is also in \(other)")
                    }
                }
            }
            var shards = index.shards
            for s in shards.indices { shards[s].file = prefix + shards[s].file }
            guard var m = merged else {
                merged = index
                merged!.shards = shards
                continue
            }
            guard index.sensors == m.sensors, index.grid == m.grid, index.inputs == m.inputs, index.manifest == m.manifest else {
                throw ShardError(.corrupt, file: "\(folder)/dataset.json", message: "its sensors, grid, inputs or manifest differ from part 0's")
            }
            m.shards += shards
            for (split, count) in index.splits {
                guard let sum = Checked.sum(of: [m.splits[split] ?? 0, count]) else {
                    throw ShardError(.corrupt, file: "\(folder)/dataset.json", location: "splits.\(split)", message: "the record counts overflow")
                }
                m.splits[split] = sum
            }
            try merge(index.statistics, into: &m.statistics, place: folder)
            for (split, stats) in index.splitStatistics { try merge(stats, into: &m.splitStatistics[split, default: [:]], place: folder) }
            merged = m
        }
        let index = merged!
        try OutputFile.writeAtomically(try index.encoded(), to: "\(directory)/dataset.json")
        return index
    }

    private static func merge(_ part: [String: [BandStatistics]], into total: inout [String: [BandStatistics]], place: String) throws {
        for (sensor, bands) in part.sorted(by: { $0.key < $1.key }) {
            guard let current = total[sensor] else { total[sensor] = bands; continue }
            guard current.count == bands.count, zip(current, bands).allSatisfy({ $0.isMergeable(with: $1) && Checked.sum(of: [$0.count, $1.count]) != nil }) else {
                throw ShardError(.corrupt, file: "\(place)/dataset.json", location: "statistics of \(sensor)", message: "cannot be merged with part 0's")
            }
            total[sensor] = zip(current, bands).map { var a = $0; a.merge($1); return a }
        }
    }
}
