/// A point in some CRS's units (x = easting/longitude, y = northing/latitude: GIS axis order).
public struct Coordinate: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var x: Double
    public var y: Double

    public init(x: Double, y: Double) {
        self.x = x
        self.y = y
    }

    public var description: String { "(\(x), \(y))" }
}
