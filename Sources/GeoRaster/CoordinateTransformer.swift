import CGDAL

/// Transforms points between two CRSs (`OCTNewCoordinateTransformation` / `OCTTransformEx`).
/// Not thread-safe; create one per thread.
public final class CoordinateTransformer {
    private let handle: OGRCoordinateTransformationH
    private let subject: String

    public init(from source: CRS, to target: CRS) throws(RasterError) {
        subject = "\(source) → \(target)"
        let subject = subject
        let made = try source.withHandle { (s: OGRSpatialReferenceH) throws(RasterError) -> OGRCoordinateTransformationH? in
            try target.withHandle { t in
                GDALRuntime.resetError()
                return OCTNewCoordinateTransformation(s, t)
            }
        }
        guard let made else {
            throw RasterError(.crs, operation: "create coordinate transformation", subject: subject,
                              message: GDALRuntime.lastErrorMessage())
        }
        handle = made
    }

    deinit { OCTDestroyCoordinateTransformation(handle) }

    /// Transforms every point; points that fail to transform are left out.
    public func transform(_ points: [Coordinate]) throws(RasterError) -> [Coordinate] {
        var xs = points.map(\.x), ys = points.map(\.y)
        var zs = [Double](repeating: 0, count: points.count)
        var ok = [Int32](repeating: 0, count: points.count)
        GDALRuntime.resetError()
        _ = OCTTransformEx(handle, Int32(points.count), &xs, &ys, &zs, &ok)
        return (0..<points.count).compactMap { i in
            ok[i] != 0 && xs[i].isFinite && ys[i].isFinite ? Coordinate(x: xs[i], y: ys[i]) : nil
        }
    }
}
