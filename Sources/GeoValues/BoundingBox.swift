/// An axis-aligned rectangle in CRS units: `[minX, maxX] × [minY, maxY]`. Its JSON form is the
/// array of its ``corners``, `[minX, minY, maxX, maxY]`, as record headers write footprints.
public struct BoundingBox: Sendable, Equatable, Hashable, CustomStringConvertible, Codable {
    public var minX: Double
    public var minY: Double
    public var maxX: Double
    public var maxY: Double

    public init(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        self.minX = minX
        self.minY = minY
        self.maxX = maxX
        self.maxY = maxY
    }

    /// The smallest box holding every point; `nil` for no points.
    public init?(enclosing points: some Sequence<Coordinate>) {
        var box: BoundingBox?
        for p in points where p.x.isFinite && p.y.isFinite {
            if var b = box {
                b.minX = min(b.minX, p.x); b.maxX = max(b.maxX, p.x)
                b.minY = min(b.minY, p.y); b.maxY = max(b.maxY, p.y)
                box = b
            } else {
                box = BoundingBox(minX: p.x, minY: p.y, maxX: p.x, maxY: p.y)
            }
        }
        guard let box else { return nil }
        self = box
    }

    /// From `[minX, minY, maxX, maxY]` read from a file; `nil` for any other count or a NaN or
    /// infinity (an empty or inverted box is left to the caller to judge).
    public init?(corners: [Double]) {
        guard corners.count == 4, corners.allSatisfy(\.isFinite) else { return nil }
        self.init(minX: corners[0], minY: corners[1], maxX: corners[2], maxY: corners[3])
    }

    /// `[minX, minY, maxX, maxY]`.
    public var corners: [Double] { [minX, minY, maxX, maxY] }

    public var width: Double { maxX - minX }
    public var height: Double { maxY - minY }
    /// True when the box has no area.
    public var isEmpty: Bool { !(maxX > minX && maxY > minY) }

    /// The common part of two boxes; `nil` when they do not overlap with positive area.
    public func intersection(_ other: BoundingBox) -> BoundingBox? {
        let box = BoundingBox(
            minX: max(minX, other.minX), minY: max(minY, other.minY),
            maxX: min(maxX, other.maxX), maxY: min(maxY, other.maxY))
        return box.isEmpty ? nil : box
    }

    /// The smallest box holding both.
    public func union(_ other: BoundingBox) -> BoundingBox {
        BoundingBox(
            minX: min(minX, other.minX), minY: min(minY, other.minY),
            maxX: max(maxX, other.maxX), maxY: max(maxY, other.maxY))
    }

    public var description: String { "[\(minX), \(minY), \(maxX), \(maxY)]" }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        guard let box = BoundingBox(corners: try container.decode([Double].self)) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "a bounding box is 4 finite numbers")
        }
        self = box
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(corners)
    }
}
