/// The fields of every manifest section: what the reader accepts (anything else is an "unknown
/// field" problem) and what DATASETS.md's manifest table documents, one row per field or, for the
/// small objects marked `inline`, inside their parent's row. A test keeps the two in step.
///
/// Sections whose keys are data (split names, band names, dtypes, scene properties) are not listed:
/// the reader checks those keys against the manifest's own values.
public struct ManifestSection: Sendable {
    /// The section's path as DATASETS.md writes it: `grid`, `sensors[]`, `sensors[].cloudMask`; empty for the root.
    public let path: String
    public let fields: [String]
    /// Documented inside the row of `path` rather than one row per field.
    public let isInline: Bool

    init(_ path: String, _ fields: [String], inline: Bool = false) {
        self.path = path
        self.fields = fields
        isInline = inline
    }

    /// The field names, for the unknown-field check.
    var allowed: Set<String> { Set(fields) }
}

public enum ManifestSchema {
    public static let root = ManifestSection("", ["name", "description", "grid", "sensors", "pairing", "attributes",
                                                  "splits", "sharding", "compression", "time"])
    public static let grid = ManifestSection("grid", ["crs", "patchSize", "stride", "snap", "scope", "anchor", "area",
                                                      "blockCells", "errorThreshold"])
    public static let area = ManifestSection("grid.area", ["bbox", "crs", "geojson", "coverage"], inline: true)
    public static let sensor = ManifestSection("sensors[]", ["name", "description", "inputs", "bands", "gsd", "dtype", "resampling",
                                                             "nodata", "validRange", "maxInvalidFraction", "cloudMask", "role",
                                                             "assets", "where", "time", "rasterize"])
    public static let band = ManifestSection("sensors[].bands", ["name", "file", "index", "resampling"], inline: true)
    public static let cloudMask = ManifestSection("sensors[].cloudMask", ["band", "values", "maxFraction"], inline: true)
    public static let rasterize = ManifestSection("sensors[].rasterize", ["attribute", "classes", "burn", "allTouched",
                                                                         "background", "layer"], inline: true)
    public static let timeRule = ManifestSection("sensors[].time", ["anchor", "maxDays", "pick", "timeSeries"], inline: true)
    public static let pairing = ManifestSection("pairing", ["require", "minSensors"])
    public static let attributeSource = ManifestSection("attributes[]", ["sensor", "file", "fields"], inline: true)
    public static let timeWindow = ManifestSection("time", ["from", "to"], inline: true)
    public static let splits = ManifestSection("splits", ["blockSize", "fractions", "seed", "buffer"])
    public static let sharding = ManifestSection("sharding", ["targetMB", "maxRecords"])
    public static let compression = ManifestSection("compression", ["level", "filters"])

    /// Every section, root first.
    public static let sections = [root, grid, area, sensor, band, cloudMask, rasterize, timeRule, pairing, attributeSource,
                                  timeWindow, splits, sharding, compression]
}
