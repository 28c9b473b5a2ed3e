/// A value of a record attribute: a string, a list of strings (e.g. multi-labels), or a number.
public enum AttributeValue: Codable, Sendable, Equatable, CustomStringConvertible {
    case string(String)
    case strings([String])
    case number(Double)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let list = try? c.decode([String].self) {
            self = .strings(list)
        } else {
            self = .number(try c.decode(Double.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .strings(let list): try c.encode(list)
        case .number(let n): try c.encode(n)
        }
    }

    public var description: String {
        switch self {
        case .string(let s): s
        case .strings(let list): list.joined(separator: "; ")
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        }
    }
}

/// One sensor's array in a record: what it holds and where it lies on the ground.
public struct SensorMetadata: Codable, Sendable, Equatable {
    /// Sensor name, as in the manifest and `dataset.json`.
    public var sensor: String
    public var bands: [String]
    public var dtype: DType
    /// `[C, H, W]`.
    public var shape: [Int]
    /// GDAL geotransform `(xmin, r, 0, ymax, 0, −r)` of the patch.
    public var geotransform: GeoTransform
    /// CRS of the patch.
    public var crs: CRSDefinition
    public var nodata: Double?
    /// Fraction of pixels valid in every band, 0…1.
    public var validFraction: Double
    /// Acquisition time when known: `YYYY-MM-DDTHH:MM:SSZ` (UTC), or `YYYY-MM-DD` when only the
    /// date is known (see ``AcquisitionTime``).
    public var acquired: String?
    /// The input scenes the pixels were warped from, in mosaic order (a later scene overwrites an
    /// earlier one): per scene, indices into `dataset.json`'s `inputs`, one file for all bands or one
    /// per band (band-separate scenes).
    public var sources: [[Int]]
    /// The ground of the warp the patch was cut from, in `crs`, kept only for builds with an
    /// approximate transformation (`errorThreshold` above 0), whose pixels depend on it; `nil`
    /// when the patch equals a warp of its own cell.
    public var warpWindow: BoundingBox?

    public init(sensor: String, bands: [String], dtype: DType, shape: [Int], geotransform: GeoTransform, crs: CRSDefinition,
                nodata: Double? = nil, validFraction: Double = 1, acquired: String? = nil, sources: [[Int]] = [],
                warpWindow: BoundingBox? = nil) {
        self.sensor = sensor
        self.bands = bands
        self.dtype = dtype
        self.shape = shape
        self.geotransform = geotransform
        self.crs = crs
        self.nodata = nodata
        self.validFraction = validFraction
        self.acquired = acquired
        self.sources = sources
        self.warpWindow = warpWindow
    }

    /// Bytes of the raw array: C·H·W·size.
    public var byteCount: Int { shape.reduce(1, *) * dtype.size }
}

/// A record's description: one grid cell and its sensors. Shards store it split between the
/// binary index (key, shapes, bands, placements) and the record's JSON header (the rest).
public struct RecordMetadata: Codable, Sendable, Equatable {
    /// Unique key of the record in its dataset.
    public var key: String
    /// Grid cell `[col, row]`.
    public var cell: [Int]
    public var split: String
    /// Ground footprint in the grid CRS.
    public var footprint: BoundingBox
    /// The grid CRS.
    public var crs: CRSDefinition
    /// One entry per sensor present, in the dataset's sensor order.
    public var sensors: [SensorMetadata]
    public var attributes: [String: AttributeValue]

    public init(key: String, cell: [Int], split: String, footprint: BoundingBox, crs: CRSDefinition,
                sensors: [SensorMetadata], attributes: [String: AttributeValue] = [:]) {
        self.key = key
        self.cell = cell
        self.split = split
        self.footprint = footprint
        self.crs = crs
        self.sensors = sensors
        self.attributes = attributes
    }

    /// The metadata of one sensor, if present.
    public func sensor(_ name: String) -> SensorMetadata? { sensors.first { $0.sensor == name } }
}
