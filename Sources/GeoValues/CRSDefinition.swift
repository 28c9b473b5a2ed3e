/// How a dataset writes a CRS down: `EPSG:<code>` when the CRS has one, its WKT otherwise.
///
/// A value of text only: GeoValues parses nothing. GeoRaster's `CRS` turns it into a CRS (and
/// back, with `CRS.definition`); record headers and `dataset.json` store ``text`` as a string.
public struct CRSDefinition: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `EPSG:<code>`, or WKT.
    public let text: String

    /// `EPSG:<code>`.
    public init(epsg code: Int) { text = "EPSG:\(code)" }

    /// A CRS by its WKT (1 or 2).
    public init(wkt: String) { text = wkt }

    /// The text a file stored, of either form; it is checked only when a CRS is made from it.
    public init(stored text: String) { self.text = text }

    /// The EPSG code when the text is of the form `EPSG:<code>`.
    public var epsg: Int? { text.hasPrefix("EPSG:") ? Int(text.dropFirst(5)) : nil }

    /// The text cut to `limit` characters (a WKT runs to kilobytes), for one-line messages.
    public func abbreviated(to limit: Int = 60) -> String {
        text.count > limit ? String(text.prefix(limit)) + "…" : text
    }

    public var description: String { text }

    public init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
