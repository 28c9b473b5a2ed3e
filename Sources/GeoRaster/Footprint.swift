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
        return try transformed(by: CoordinateTransformer(from: crs, to: target), to: target)
    }

    /// The ring transformed by a transformer from this footprint's CRS to `target` (reused across
    /// many footprints, as planning does).
    public func transformed(by transformer: CoordinateTransformer, to target: CRS) throws(RasterError) -> Footprint {
        let points = try transformer.transform(ring)
        guard points.count >= 3 else {
            throw RasterError(.crs, operation: "transform footprint", subject: "\(crs) → \(target)",
                              message: "fewer than three vertices lie in the target CRS's domain")
        }
        return Footprint(crs: target, ring: points)
    }

    /// True when the ring's polygon and the box share area (vertices inside the box, box corners
    /// inside the polygon, or crossing edges): the footprint test that keeps the empty corners of
    /// rotated scenes from being warped.
    public func intersects(_ box: BoundingBox) -> Bool {
        guard let b = bounds, b.intersection(box) != nil, ring.count >= 3 else { return false }
        if ring.contains(where: { $0.x > box.minX && $0.x < box.maxX && $0.y > box.minY && $0.y < box.maxY }) { return true }
        let corners = [Coordinate(x: box.minX, y: box.minY), Coordinate(x: box.maxX, y: box.minY),
                       Coordinate(x: box.maxX, y: box.maxY), Coordinate(x: box.minX, y: box.maxY)]
        if corners.contains(where: contains) { return true }
        for i in ring.indices {
            let a = ring[i], b = ring[(i + 1) % ring.count]
            for j in 0..<4 where Self.segmentsCross(a, b, corners[j], corners[(j + 1) % 4]) { return true }
        }
        return false
    }

    /// Even-odd ray casting.
    public func contains(_ p: Coordinate) -> Bool {
        var inside = false
        var j = ring.count - 1
        for i in ring.indices {
            let (a, b) = (ring[i], ring[j])
            if (a.y > p.y) != (b.y > p.y), p.x < (b.x - a.x) * (p.y - a.y) / (b.y - a.y) + a.x { inside.toggle() }
            j = i
        }
        return inside
    }

    static func segmentsCross(_ p: Coordinate, _ q: Coordinate, _ r: Coordinate, _ s: Coordinate) -> Bool {
        func side(_ a: Coordinate, _ b: Coordinate, _ c: Coordinate) -> Double { (b.x - a.x) * (c.y - a.y) - (b.y - a.y) * (c.x - a.x) }
        let d1 = side(r, s, p), d2 = side(r, s, q), d3 = side(p, q, r), d4 = side(p, q, s)
        return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))
    }

    public var description: String {
        "footprint in \(crs), \(ring.count) vertices, bounds \(bounds.map(\.description) ?? "none")"
    }
}
