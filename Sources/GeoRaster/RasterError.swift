/// A typed failure from GeoRaster: what was being done, to which input, and GDAL's own message.
public struct RasterError: Error, Equatable, CustomStringConvertible, Sendable {
    /// The class of failure, for callers that react differently to each.
    public enum Kind: String, Sendable {
        /// `GDALOpenEx` failed: missing file, unsupported format, unreachable URL.
        case open
        /// The raster has no geotransform or no CRS and cannot be placed on the ground.
        case notGeoreferenced
        /// A CRS definition could not be parsed (`OSRSetFromUserInput`) or transformed between.
        case crs
        /// A pixel read (`GDALDatasetRasterIO`) failed or asked for bands/windows that do not exist.
        case read
        /// A caller buffer is smaller than the data to be written into it.
        case buffer
        /// A grid is empty or malformed (zero size, non-positive or non-finite pixel size).
        case grid
        /// `GDALWarp` failed.
        case warp
        /// A file-system operation (stat, list, read, write) failed: local or object storage.
        case file
    }

    /// The class of failure.
    public let kind: Kind
    /// The operation, e.g. `open`, `read window`, `warp`.
    public let operation: String
    /// The input concerned: a path, a CRS definition, or a grid description.
    public let subject: String
    /// GDAL's message (`CPLGetLastErrorMsg`) or our own explanation.
    public let message: String

    public init(_ kind: Kind, operation: String, subject: String, message: String) {
        self.kind = kind
        self.operation = operation
        self.subject = subject
        self.message = message
    }

    public var description: String {
        "\(operation) failed for \(subject): \(message)"
    }

    /// The HTTP status of a failed request (0 when no server answered), or `nil` when the message
    /// is not GDAL's `HTTP response code on <url>: <status>`.
    public var httpStatus: Int? { Self.httpStatus(in: message) }

    /// The status in GDAL's `HTTP response code on <url>: <status>`, read after the URL and never
    /// from it: a URL's port or key may itself hold "403".
    public static func httpStatus(in message: String) -> Int? {
        guard let marker = message.range(of: "HTTP response code on ", options: .backwards),
              // URLs hold ":" (scheme, port) but never ": ".
              let colon = message[marker.upperBound...].range(of: ": ") else { return nil }
        let digits = message[colon.upperBound...].prefix { $0.isASCII && $0.isNumber }
        return digits.isEmpty ? nil : Int(digits)
    }
}
