import Foundation

/// What `build-dataset plan` reports: cells per split and sensor, zones, and the output size.
public struct PlanSummary: Codable, Sendable {
    public var zones: Int
    public var cells: Int
    public var blocks: Int
    /// Split → number of cells.
    public var splits: [String: Int]
    /// Sensor → split → cells it covers.
    public var sensors: [String: [String: Int]]
    /// Cells dropped for touching split blocks of two splits.
    public var droppedAtSplitEdges: Int
    /// Cell–sensor warps the footprint test saved (inside a scene's bounding box, outside its footprint).
    public var outsideFootprints: Int
    /// Uncompressed bytes of every planned patch.
    public var rawBytes: Int
    /// At the ~2× ratio measured for shuffled zstd on Sentinel-2 (before quality filters drop patches).
    public var estimatedBytes: Int
    /// With `plan --parts N`: the parts and their imbalance (largest over mean).
    public var parts: [PlanPart]?
    public var imbalance: Double?
    /// Sensor → scenes used (after `where` and the time window) and scenes left out.
    public var scenes: [String: Int]
    public var excludedScenes: [String: Int]
    /// Partner sensor → how many anchor cells found a partner within the window, and the gaps.
    public var pairing: [String: PairingYield]

    public init(_ plan: BuildPlan, parts count: Int? = nil) {
        if let count {
            let parts = Partitioner.parts(of: plan, count: count)
            self.parts = parts
            imbalance = Partitioner.imbalance(parts)
        }
        scenes = plan.sceneCounts
        excludedScenes = plan.excludedScenes
        pairing = plan.pairing
        zones = plan.zones.count
        cells = plan.cellCount
        blocks = plan.blocks.count
        droppedAtSplitEdges = plan.droppedAtSplitEdges
        outsideFootprints = plan.outsideFootprints
        var splits: [String: Int] = [:], sensors: [String: [String: Int]] = [:]
        var raw = 0
        let m = plan.manifest
        for zone in plan.zones {
            for cell in zone.cells {
                splits[cell.split, default: 0] += 1
                for s in cell.sensors {
                    sensors[s, default: [:]][cell.split, default: 0] += 1
                    if let config = m.sensor(s) {
                        let n = Int((m.grid.patchSize / config.gsd).rounded())
                        raw += config.bands.count * n * n * config.dtype.size * (config.time?.steps ?? 1)
                    }
                }
            }
        }
        self.splits = splits
        self.sensors = sensors
        rawBytes = raw
        estimatedBytes = raw / 2
    }

    public var text: String {
        var t = "\(cells) cells in \(zones) zone(s), \(blocks) blocks\n"
        t += "splits: " + splits.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        for (name, counts) in sensors.sorted(by: { $0.key < $1.key }) {
            t += "  \(name): " + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ") + "\n"
        }
        for (name, count) in scenes.sorted(by: { $0.key < $1.key }) {
            t += "  \(name): \(count) scene(s)" + (excludedScenes[name].map { ", \($0) left out by where or the time window" } ?? "") + "\n"
        }
        for (name, y) in pairing.sorted(by: { $0.key < $1.key }) {
            let window = y.maxDays.map { "within \(Self.days($0)) days of" } ?? "at any gap from"
            let share = y.anchorCells > 0 ? String(format: "%.1f", 100 * Double(y.pairedCells) / Double(y.anchorCells)) : "0.0"
            let pick = y.steps.map { "timeSeries of \($0)" } ?? y.pick
            t += "pairing \(name) (\(pick)) \(window) \(y.anchor): \(y.pairedCells) of \(y.anchorCells) anchor cells (\(share) %); "
                + "\(y.anchorCells - y.coveredCells) without any \(name) scene, \(y.coveredCells - y.pairedCells) only outside the window\n"
            if let median = y.medianGapDays, let p90 = y.p90GapDays, let max = y.maxGapDays {
                let histogram = y.gapHistogram.enumerated().filter { $0.element > 0 }
                    .map { "\($0.offset == 30 ? "≥30" : "\($0.offset)–\($0.offset + 1)") d: \($0.element)" }.joined(separator: ", ")
                t += "  gaps: median \(Self.days(median)) d, 90 % ≤ \(Self.days(p90)) d, max \(Self.days(max)) d; \(histogram)\n"
            }
        }
        if droppedAtSplitEdges > 0 { t += "dropped at split-block edges: \(droppedAtSplitEdges)\n" }
        if outsideFootprints > 0 { t += "warps saved by testing footprints, not bounding boxes: \(outsideFootprints) cell-sensor patches\n" }
        t += String(format: "output: %.1f MB raw, about %.1f MB stored\n", Double(rawBytes) / 1e6, Double(estimatedBytes) / 1e6)
        for p in parts ?? [] {
            t += "part \(p.index)/\(p.count): blocks \(p.firstBlock)..<\(p.endBlock), \(p.cells) cells, "
                + String(format: "%.1f MB raw\n", Double(p.estimatedBytes) / 1e6)
        }
        if let imbalance { t += String(format: "imbalance (largest part / mean): %.3f\n", imbalance) }
        return t
    }

    static func days(_ d: Double) -> String { String(format: d == d.rounded() ? "%.0f" : "%.2f", d) }
}
