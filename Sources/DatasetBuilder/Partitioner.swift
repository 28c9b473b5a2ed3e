/// One of N parts of a build: a contiguous run of the plan's blocks, built on its own (an array
/// job's task) and merged afterwards.
public struct PlanPart: Codable, Sendable, Equatable {
    /// 0-based part number.
    public var index: Int
    public var count: Int
    /// The plan's blocks `firstBlock..<endBlock`.
    public var firstBlock: Int
    public var endBlock: Int
    public var cells: Int
    /// Raw bytes of every sensor patch of its cells: the pixels it warps and encodes.
    public var estimatedBytes: Int

    /// `part-IIIII-of-NNNNN`, its folder under `DIR/parts/`.
    public var name: String { Self.name(index: index, count: count) }

    public static func name(index: Int, count: Int) -> String {
        "part-" + pad(index) + "-of-" + pad(count)
    }

    private static func pad(_ n: Int) -> String { String(repeating: "0", count: max(0, 5 - String(n).count)) + String(n) }
}

/// Cuts a plan into N parts of contiguous blocks (so that each part warps neighbouring ground),
/// balanced by estimated work: part k ends at the block where the running work first reaches
/// k/N of the total, or the block before when that is nearer.
public enum Partitioner {
    /// The most parts a build may be cut into.
    public static let maxParts = 99_999

    public static func parts(of plan: BuildPlan, count n: Int) -> [PlanPart] {
        precondition((1...maxParts).contains(n), "part count outside 1…\(maxParts)")
        let costs = plan.blocks.map { work(of: $0, in: plan) }
        var prefix = [0]
        for c in costs { prefix.append(prefix.last! + c) }
        let total = prefix.last!
        var ends: [Int] = []
        for k in 1..<n {
            let target = Double(total) * Double(k) / Double(n)
            var end = prefix.firstIndex { Double($0) >= target } ?? costs.count
            if end > 0, target - Double(prefix[end - 1]) < Double(prefix[end]) - target { end -= 1 }
            ends.append(max(end, ends.last ?? 0))
        }
        ends.append(costs.count)
        var start = 0
        return ends.enumerated().map { k, end in
            defer { start = end }
            let blocks = plan.blocks[start..<end]
            return PlanPart(index: k, count: n, firstBlock: start, endBlock: end, cells: blocks.reduce(0) { $0 + $1.cells.count },
                            estimatedBytes: prefix[end] - prefix[start])
        }
    }

    /// The largest part's estimated work over the mean (1 = perfectly even).
    public static func imbalance(_ parts: [PlanPart]) -> Double {
        let mean = Double(parts.reduce(0) { $0 + $1.estimatedBytes }) / Double(max(1, parts.count))
        return mean > 0 ? Double(parts.map(\.estimatedBytes).max()!) / mean : 1
    }

    /// Raw bytes of the patches a block's cells have, sensor by sensor.
    static func work(of block: PlanBlock, in plan: BuildPlan) -> Int {
        let zone = plan.zones[block.zone], m = plan.manifest
        var bytes = 0
        for i in block.cells {
            for s in m.sensors where zone.cells[i].sensors.contains(s.name) {
                let n = Int((m.grid.patchSize / s.gsd).rounded())
                bytes += s.bands.count * n * n * s.dtype.size
            }
        }
        return bytes
    }
}
