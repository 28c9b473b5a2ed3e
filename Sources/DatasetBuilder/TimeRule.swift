import ShardFormat

/// The manifest's `time`: the period every scene must have been acquired in (inclusive; a `to`
/// date includes that whole day).
public struct TimeWindow: Sendable, Equatable {
    public var from: AcquisitionTime?
    public var to: AcquisitionTime?

    /// Whether a scene acquired at `time` is inside the window.
    public func contains(_ time: AcquisitionTime) -> Bool {
        if let from, time.seconds < from.seconds { return false }
        if let to, time.seconds >= to.seconds + (to.isDateOnly ? 86_400 : 1) { return false }
        return true
    }
}

/// A sensor's `time`: which of its scenes over a cell are used. Without an anchor the sensor's own
/// scenes decide (`mosaic`: all, later names on top; `latest`; `leastCloudy`); with an anchor, the
/// anchor sensor's scene fixes the cell's date and only scenes within `maxDays` of it qualify.
public struct TimeRule: Sendable, Equatable {
    public enum Pick: String, Sendable, CaseIterable {
        /// Every qualifying scene, warped together: without a window in name order (later on top),
        /// within a window the farthest first, so that the closest lands on top.
        case mosaic
        /// The one scene nearest the anchor's time.
        case closest
        /// The one scene with the lowest cloud cover (then the nearest, then the earliest).
        case leastCloudy
        /// The one most recent scene.
        case latest
        /// Every qualifying scene, composited: per pixel and band the lower median of the scenes
        /// whose pixel is valid and not cloudy (an observed value, never an average).
        case median
        /// The ``TimeRule/steps`` scenes nearest the anchor's time, each its own patch, in time
        /// order (manifest `"timeSeries": K`); a cell with fewer in the window has none.
        case timeSeries
    }

    /// The sensor whose scene fixes the cell's date.
    public var anchor: String?
    /// The largest gap to the anchor's time, in days (any gap when `nil`).
    public var maxDays: Double?
    public var pick: Pick
    /// The number of time steps of a `timeSeries` pick (1 for every other pick).
    public var steps: Int

    public init(anchor: String? = nil, maxDays: Double? = nil, pick: Pick, steps: Int = 1) {
        self.anchor = anchor
        self.maxDays = maxDays
        self.pick = pick
        self.steps = pick == .timeSeries ? steps : 1
    }

}
