/// What the shard index (format 2) stores for each sensor of each record, so that readers learn
/// where a patch lies, how much of it is valid and when it was acquired without parsing JSON.
public struct PatchPlacement: Sendable, Equatable {
    /// GDAL geotransform of the patch (finite coefficients).
    public var geotransform: GeoTransform
    /// Fraction of pixels valid in every band, 0…1.
    public var validFraction: Double
    public var acquired: AcquisitionTime?

    public init(geotransform: GeoTransform, validFraction: Double, acquired: AcquisitionTime?) {
        self.geotransform = geotransform
        self.validFraction = validFraction
        self.acquired = acquired
    }

    /// Bytes per placement in the index: 6 + 1 f64, an i64 and a precision byte.
    static let encodedSize = 8 * 8 + 1

    func encode(into w: inout ByteWriter) {
        for v in geotransform.coefficients { w.u64(v.bitPattern) }
        w.u64(validFraction.bitPattern)
        w.u64(UInt64(bitPattern: acquired?.seconds ?? 0))
        w.u8(acquired.map { $0.isDateOnly ? 1 : 2 } ?? 0)
    }

    /// Reads one placement, refusing non-finite geotransforms, fractions outside 0…1 and times
    /// that are not a date or an instant of years 1…9999.
    static func parse(_ r: inout ByteCursor) throws -> Result<PatchPlacement, FormatProblem> {
        var gt: [Double] = []
        for _ in 0..<6 { gt.append(Double(bitPattern: try r.u64())) }
        let valid = Double(bitPattern: try r.u64())
        let seconds = Int64(bitPattern: try r.u64())
        let precision = try r.u8()
        guard gt.allSatisfy(\.isFinite) else { return .failure(FormatProblem("geotransform is not 6 finite numbers")) }
        guard (0...1).contains(valid) else { return .failure(FormatProblem("valid fraction \(valid) outside 0…1")) }
        var acquired: AcquisitionTime?
        switch precision {
        case 0 where seconds == 0: acquired = nil
        case 1, 2:
            guard let t = AcquisitionTime(seconds: seconds, isDateOnly: precision == 1) else {
                return .failure(FormatProblem("acquisition time \(seconds) s is not a \(precision == 1 ? "date" : "time") of years 1…9999"))
            }
            acquired = t
        default: return .failure(FormatProblem("acquisition precision \(precision) with \(seconds) s"))
        }
        return .success(PatchPlacement(geotransform: GeoTransform(gt), validFraction: valid, acquired: acquired))
    }
}
