import CGDAL

/// A closed polygon ring on the ground in a CRS: a raster's outline, densified so that it stays
/// faithful when transformed into another CRS (straight edges become curves under reprojection).
public struct Footprint: Sendable, Equatable, CustomStringConvertible {
    public let crs: CRS
    /// The ring's vertices in order, without repeating the first at the end.
    public let ring: [Coordinate]

    public init(crs: CRS, ring: [Coordinate]) {
        self.crs = crs
        self.ring = ring
    }

    /// The outline of a `width × height` pixel raster under `transform`, with `pointsPerEdge`
    /// points on each edge (corners included), counter-clockwise in pixel space from the top-left.
    public init(crs: CRS, transform: GeoTransform, width: Int, height: Int, pointsPerEdge: Int = 21) {
        let n = max(2, pointsPerEdge)
        let w = Double(width), h = Double(height)
        var pixels: [(Double, Double)] = []
        for i in 0..<(n - 1) { pixels.append((0, h * Double(i) / Double(n - 1))) }         // left, down
        for i in 0..<(n - 1) { pixels.append((w * Double(i) / Double(n - 1), h)) }         // bottom, right
        for i in 0..<(n - 1) { pixels.append((w, h - h * Double(i) / Double(n - 1))) }     // right, up
        for i in 0..<(n - 1) { pixels.append((w - w * Double(i) / Double(n - 1), 0)) }     // top, left
        self.init(crs: crs, ring: pixels.map { transform.world(pixel: $0.0, line: $0.1) })
    }

    /// The outline of a box in `crs`, `pointsPerEdge` points per edge.
    public init(crs: CRS, box: BoundingBox, pointsPerEdge: Int = 21) {
        self.init(crs: crs, transform: GeoTransform([box.minX, box.width, 0, box.maxY, 0, -box.height]), width: 1, height: 1,
                  pointsPerEdge: pointsPerEdge)
    }

    /// The bounding box of the ring.
    public var bounds: BoundingBox? { BoundingBox(enclosing: ring) }

    /// The ring transformed into `target` (`OCTTransform`, GIS axis order). Vertices that cannot be
    /// transformed (outside the target projection's domain) are dropped.
    /// - Throws: ``RasterError/Kind/crs`` when no transformation exists or no vertex transforms.
    public func transformed(to target: CRS) throws(RasterError) -> Footprint {
        if target == crs { return Footprint(crs: target, ring: ring) }
        let points = try CoordinateTransformer(from: crs, to: target).transform(ring)
        guard points.count >= 3 else {
            throw RasterError(.crs, operation: "transform footprint", subject: "\(crs) → \(target)",
                              message: "fewer than three vertices lie in the target CRS's domain")
        }
        return Footprint(crs: target, ring: points)
    }

    public var description: String {
        "footprint in \(crs), \(ring.count) vertices, bounds \(bounds.map(\.description) ?? "none")"
    }
}
