import CGDAL

/// A coordinate reference system as a value: WKT always, EPSG code when identifiable.
///
/// Definitions are `EPSG:<code>`, WKT (1 or 2), a PROJ string (`+proj=…`) or `OGC:CRS84`, each
/// parsed by its own GDAL importer. GDAL's catch-all `OSRSetFromUserInput` is never used: given a
/// path or a URL it reads the file or the network, and CRS text comes from manifests, record
/// headers and `dataset.json`, files that may come from anywhere. Coordinates always use the
/// traditional GIS axis order (x = easting or longitude), whatever the authority says
/// (`OAMS_TRADITIONAL_GIS_ORDER`).
public struct CRS: Sendable, CustomStringConvertible {
    /// WKT2 (2019) text of the CRS, as exported by `OSRExportToWktEx`.
    public let wkt: String
    /// The EPSG code when the CRS is, or is identified as, an EPSG one (`OSRAutoIdentifyEPSG`).
    public let epsg: Int?
    /// True for a geographic (degree-based) CRS (`OSRIsGeographic`), kept so that asking costs
    /// no WKT parse (planning asks once per scene).
    public let isGeographic: Bool
    /// Metres per unit of a projected CRS (`OSRGetLinearUnits`; 1 for geographic ones).
    public let linearUnit: Double

    /// Parses `EPSG:<code>`, WKT, a PROJ string or `OGC:CRS84`.
    /// - Throws: ``RasterError/Kind/crs`` naming the definition when it is none of these or GDAL rejects it.
    public init(_ definition: String) throws(RasterError) {
        GDALRuntime.ensureInitialized()
        let trimmed = definition.trimmingCharactersInWhitespace()
        func failure(_ message: String) -> RasterError {
            RasterError(.crs, operation: "parse CRS", subject: "\"\(definition.prefix(200))\"", message: message)
        }
        guard !trimmed.isEmpty, let handle = OSRNewSpatialReference(nil) else { throw failure("empty definition") }
        defer { OSRDestroySpatialReference(handle) }
        GDALRuntime.resetError()
        try Self.importDefinition(trimmed, into: handle, failure: failure)
        try self.init(copying: handle, subject: definition)
    }

    /// Fills `handle` from a definition with the importer its form calls for.
    private static func importDefinition(_ text: String, into handle: OGRSpatialReferenceH,
                                         failure: (String) -> RasterError) throws(RasterError) {
        // Only the head decides the form (uppercasing a whole WKT is slow).
        let upper = text.prefix(16).uppercased()
        let error: OGRErr
        if upper.hasPrefix("EPSG:") {
            guard let code = Int32(text.dropFirst(5)), code > 0 else { throw failure("expected EPSG:<positive integer>") }
            error = OSRImportFromEPSG(handle, code)
        } else if upper == "OGC:CRS84" {
            error = OSRSetWellKnownGeogCS(handle, "CRS84")
        } else if text.hasPrefix("+") {
            // `+init=` reads PROJ's init files: refused like any other file access.
            guard !text.contains("+init") else { throw failure("PROJ strings with +init are not accepted") }
            error = OSRImportFromProj4(handle, text)
        } else if let first = upper.first, first.isASCII, first.isLetter, text.contains("[") {
            error = text.withCString { cString in
                var cursor: UnsafeMutablePointer<CChar>? = UnsafeMutablePointer(mutating: cString)
                return OSRImportFromWkt(handle, &cursor)
            }
        } else {
            throw failure("expected EPSG:<code>, WKT, a PROJ string (+proj=…) or OGC:CRS84")
        }
        guard error == OGRERR_NONE else { throw failure(GDALRuntime.lastErrorMessage(or: "not a CRS GDAL understands")) }
    }

    /// The EPSG CRS with this code.
    public init(epsg code: Int) throws(RasterError) {
        try self.init("EPSG:\(code)")
    }

    /// Parses a stored definition (see ``init(_:)-(String)``).
    public init(_ definition: CRSDefinition) throws(RasterError) {
        try self.init(definition.text)
    }

    /// How a dataset writes this CRS: `EPSG:<code>` when it has one, WKT otherwise.
    public var definition: CRSDefinition { epsg.map { CRSDefinition(epsg: $0) } ?? CRSDefinition(wkt: wkt) }

    /// Copies a GDAL spatial reference handle into a value (the handle stays the caller's).
    init(copying handle: OGRSpatialReferenceH, subject: String) throws(RasterError) {
        var text: UnsafeMutablePointer<CChar>?
        let options = CStringArray(["FORMAT=WKT2_2019"])
        let err = options.withConstPointer { OSRExportToWktEx(handle, &text, $0) }
        defer { VSIFree(text) }
        guard err == OGRERR_NONE, let text else {
            throw RasterError(.crs, operation: "export CRS to WKT", subject: subject,
                              message: GDALRuntime.lastErrorMessage())
        }
        wkt = String(cString: text)
        epsg = CRS.identifyEPSG(handle)
        isGeographic = OSRIsGeographic(handle) != 0
        linearUnit = OSRGetLinearUnits(handle, nil)
    }

    private static func identifyEPSG(_ handle: OGRSpatialReferenceH) -> Int? {
        func code(_ h: OGRSpatialReferenceH) -> Int? {
            guard let name = OSRGetAuthorityName(h, nil), String(cString: name) == "EPSG",
                  let value = OSRGetAuthorityCode(h, nil) else { return nil }
            return Int(String(cString: value))
        }
        if let found = code(handle) { return found }
        // Identification may modify the handle, so it works on a clone.
        guard let clone = OSRClone(handle) else { return nil }
        defer { OSRDestroySpatialReference(clone) }
        guard OSRAutoIdentifyEPSG(clone) == OGRERR_NONE else { return nil }
        return code(clone)
    }

    /// Calls `body` with a fresh GDAL handle for this CRS (GIS axis order); the handle dies after.
    func withHandle<R>(_ body: (OGRSpatialReferenceH) throws(RasterError) -> R) throws(RasterError) -> R {
        GDALRuntime.ensureInitialized()
        guard let handle = OSRNewSpatialReference(nil) else {
            throw RasterError(.crs, operation: "create CRS", subject: description, message: "out of memory")
        }
        defer { OSRDestroySpatialReference(handle) }
        try Self.importDefinition(wkt, into: handle) { message in
            RasterError(.crs, operation: "parse CRS", subject: "WKT of a CRS", message: message)
        }
        OSRSetAxisMappingStrategy(handle, OAMS_TRADITIONAL_GIS_ORDER)
        return try body(handle)
    }

    /// The CRS's name (`OSRGetName`), e.g. `WGS 84 / UTM zone 30N`.
    ///
    /// - Complexity: parses the WKT through GDAL on every call (tens of microseconds); a loop that
    ///   needs it repeatedly keeps the result. `epsg`, `isGeographic` and `linearUnit` are stored.
    public var name: String {
        (try? withHandle { h in OSRGetName(h).map { String(cString: $0) } ?? "" }) ?? ""
    }

    /// `EPSG:<code>` when known, otherwise the CRS name.
    public var description: String {
        if let epsg { return "EPSG:\(epsg)" }
        let n = name
        return n.isEmpty ? "custom CRS" : "custom CRS \"\(n)\""
    }

    /// The WGS 84 UTM zone CRS (EPSG:326zz north, 327zz south) containing a longitude/latitude,
    /// as SEN12MS chooses per scene. Norway/Svalbard exceptions are not applied (like SEN12MS).
    public static func utm(longitude: Double, latitude: Double) throws(RasterError) -> CRS {
        guard longitude.isFinite, latitude.isFinite, (-80.0...84.0).contains(latitude) else {
            throw RasterError(.crs, operation: "choose UTM zone", subject: "(\(longitude), \(latitude))",
                              message: "UTM covers latitudes -80…84 only")
        }
        let normalized = (longitude + 180).truncatingRemainder(dividingBy: 360)
        let zone = min(60, Int(((normalized < 0 ? normalized + 360 : normalized) / 6).rounded(.down)) + 1)
        return try CRS(epsg: (latitude >= 0 ? 32600 : 32700) + zone)
    }
}

extension CRS: Equatable {
    /// Two CRSs are equal when they share an EPSG code, or when GDAL's `OSRIsSame` says so.
    public static func == (lhs: CRS, rhs: CRS) -> Bool {
        if let a = lhs.epsg, let b = rhs.epsg { return a == b }
        if lhs.wkt == rhs.wkt { return true }
        let same = try? lhs.withHandle { (a: OGRSpatialReferenceH) throws(RasterError) -> Bool in
            try rhs.withHandle { b in OSRIsSame(a, b) != 0 }
        }
        return same ?? false
    }
}

extension String {
    func trimmingCharactersInWhitespace() -> String {
        var s = Substring(self)
        while let c = s.first, c.isWhitespace { s.removeFirst() }
        while let c = s.last, c.isWhitespace { s.removeLast() }
        return String(s)
    }
}
