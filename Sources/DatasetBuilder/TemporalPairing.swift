import Foundation
import GeoRaster
import ShardFormat

/// How well a partner sensor pairs with its anchor over the planned cells: what `plan` reports
/// before any pixel is warped.
public struct PairingYield: Codable, Sendable, Equatable {
    public var anchor: String
    public var maxDays: Double?
    public var pick: String
    /// Cells with an anchor scene.
    public var anchorCells = 0
    /// Of those, cells the partner covers at any date.
    public var coveredCells = 0
    /// Of those, cells with a partner scene within the window (the pairing yield); for a time
    /// series, cells with all its steps there.
    public var pairedCells = 0
    /// The steps of a time series (`nil` for other picks).
    public var steps: Int?
    /// Gaps of the paired cells, in days: `gapHistogram[d]` counts gaps in [d, d+1), the last
    /// entry everything from 30 days on.
    public var gapHistogram: [Int] = Array(repeating: 0, count: 31)
    /// Quantiles of the gaps, in days (`nil` without paired cells).
    public var medianGapDays: Double?
    public var p90GapDays: Double?
    public var maxGapDays: Double?
}

/// Chooses, per cell, which scenes of each sensor are warped (``TimeRule``), anchors before their
/// partners, and collects each partner's ``PairingYield``.
struct TemporalPairing {
    let sensors: [SensorConfig]
    private(set) var yields: [String: PairingYield] = [:]
    private var gaps: [String: [Double]] = [:]

    init(sensors: [SensorConfig]) {
        // Anchors (sensors without an anchor of their own) are chosen first.
        self.sensors = sensors.filter { $0.time?.anchor == nil } + sensors.filter { $0.time?.anchor != nil }
        for s in sensors {
            if let rule = s.time, let anchor = rule.anchor {
                yields[s.name] = PairingYield(anchor: anchor, maxDays: rule.maxDays, pick: rule.pick.rawValue,
                                              steps: rule.pick == .timeSeries ? rule.steps : nil)
            }
        }
    }

    /// The scene among `chosen` whose pixels are on top at `point`: the last one whose bounds hold
    /// it (scenes are warped in order, later ones over earlier ones), else the last one.
    static func top(_ chosen: [Int], of scenes: [ZoneScene], at point: Coordinate) -> Int? {
        chosen.last { i in
            let b = scenes[i].bounds
            return point.x >= b.minX && point.x <= b.maxX && point.y >= b.minY && point.y <= b.maxY
        } ?? chosen.last
    }

    /// Per sensor, the scenes to warp for a cell, in warp order, from the scenes covering it
    /// (`covering`: indices into `scenes`, ascending = name order).
    mutating func choose(covering: [String: [Int]], scenes: [String: [ZoneScene]], centre: Coordinate) -> [String: [Int]] {
        var chosen: [String: [Int]] = [:]
        for sensor in sensors {
            let list = scenes[sensor.name]!
            let candidates = covering[sensor.name] ?? []
            guard let rule = sensor.time else { chosen[sensor.name] = candidates; continue }
            guard let anchor = rule.anchor else {
                chosen[sensor.name] = Self.pickOwn(candidates, list, rule.pick)
                continue
            }
            let anchorScenes = scenes[anchor]!
            guard let a = Self.top(chosen[anchor] ?? [], of: anchorScenes, at: centre), let anchorTime = anchorScenes[a].scene.time else {
                chosen[sensor.name] = []
                continue
            }
            yields[sensor.name]!.anchorCells += 1
            if !candidates.isEmpty { yields[sensor.name]!.coveredCells += 1 }
            func gap(_ i: Int) -> Double { Double(list[i].scene.time!.seconds - anchorTime.seconds) / 86_400 }
            let window = candidates.filter { rule.maxDays == nil || abs(gap($0)) <= rule.maxDays! }
            let picked = Self.pickPartner(window, list, rule, gap: gap)
            chosen[sensor.name] = picked
            // A time series' gap is its nearest step's; otherwise the gap of the scene on top.
            let paired = rule.pick == .timeSeries ? picked.min { (abs(gap($0)), $0) < (abs(gap($1)), $1) } : Self.top(picked, of: list, at: centre)
            if let t = paired {
                yields[sensor.name]!.pairedCells += 1
                gaps[sensor.name, default: []].append(abs(gap(t)))
            }
        }
        return chosen
    }

    /// A sensor's own choice: all (`mosaic`), or the one latest or least cloudy scene.
    static func pickOwn(_ candidates: [Int], _ scenes: [ZoneScene], _ pick: TimeRule.Pick) -> [Int] {
        func time(_ i: Int) -> Int64 { scenes[i].scene.time?.seconds ?? .min }
        switch pick {
        case .mosaic, .closest, .median, .timeSeries: return candidates
        case .latest:
            return candidates.max { (time($0), $1) < (time($1), $0) }.map { [$0] } ?? []
        case .leastCloudy:
            return candidates.min { (scenes[$0].scene.cloudCover ?? 101, -time($0), $0) < (scenes[$1].scene.cloudCover ?? 101, -time($1), $1) }.map { [$0] } ?? []
        }
    }

    /// A partner's choice among the scenes within the window. Ties: the earlier scene, then the
    /// first by name, so the choice never depends on listing order. A time series is its steps in
    /// time order, or nothing when the window holds fewer scenes.
    static func pickPartner(_ window: [Int], _ scenes: [ZoneScene], _ rule: TimeRule, gap: (Int) -> Double) -> [Int] {
        func time(_ i: Int) -> Int64 { scenes[i].scene.time!.seconds }
        switch rule.pick {
        case .closest, .latest:
            return window.min { (abs(gap($0)), time($0), $0) < (abs(gap($1)), time($1), $1) }.map { [$0] } ?? []
        case .leastCloudy:
            return window.min {
                (scenes[$0].scene.cloudCover ?? 101, abs(gap($0)), time($0), $0) < (scenes[$1].scene.cloudCover ?? 101, abs(gap($1)), time($1), $1)
            }.map { [$0] } ?? []
        case .timeSeries:
            let nearest = window.sorted { (abs(gap($0)), time($0), $0) < (abs(gap($1)), time($1), $1) }
            guard nearest.count >= rule.steps else { return [] }
            return nearest.prefix(rule.steps).sorted { (time($0), $0) < (time($1), $1) }
        case .mosaic, .median:
            // Without a window, name order as always; within one, the closest is warped last, on top
            // (and is the composite's `acquired`).
            guard rule.maxDays != nil else { return window }
            return window.sorted { (abs(gap($0)), -time($0), $0) > (abs(gap($1)), -time($1), $1) }
        }
    }

    /// The yields with their gap quantiles filled in.
    func finished() -> [String: PairingYield] {
        var out = yields
        for (name, values) in gaps {
            let sorted = values.sorted()
            guard !sorted.isEmpty else { continue }
            func quantile(_ q: Double) -> Double { sorted[min(sorted.count - 1, Int((q * Double(sorted.count - 1)).rounded()))] }
            out[name]!.medianGapDays = quantile(0.5)
            out[name]!.p90GapDays = quantile(0.9)
            out[name]!.maxGapDays = sorted.last
            for g in sorted { out[name]!.gapHistogram[min(30, Int(g))] += 1 }
        }
        return out
    }
}
