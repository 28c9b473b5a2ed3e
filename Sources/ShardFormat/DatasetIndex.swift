import Foundation

/// `dataset.json`: the index of a dataset directory, written last, after every shard.
public struct DatasetIndex: Codable, Sendable, Equatable {
    /// Always `geopairs-dataset`.
    public var format: String
    public var formatVersion: Int
    public var name: String
    /// Tool name and version that wrote the dataset.
    public var tool: ToolInfo
    /// The grid CRS (`EPSG:<code>` or WKT, or `utm` when chosen per scene), patch size and stride.
    public var grid: GridInfo?
    /// Sensors in record order.
    public var sensors: [SensorSchema]
    /// Record count per split.
    public var splits: [String: Int]
    public var shards: [ShardInfo]
    /// Per sensor, per band statistics over valid pixels of all records (all splits).
    public var statistics: [String: [BandStatistics]]
    /// Per split, per sensor, per band statistics (normalise with the training split's).
    public var splitStatistics: [String: [String: [BandStatistics]]]
    /// The manifest that built the dataset, as written.
    public var manifest: JSONValue?
    /// Input files with their sizes.
    public var inputs: [InputFile]

    public static let formatName = "geopairs-dataset"
    /// The version written: 2 (see ``ShardLayout/version``).
    public static let currentVersion = 2
    /// Versions readers accept.
    public static let readableVersions = 1...2

    public init(name: String, tool: ToolInfo = ToolInfo(), grid: GridInfo? = nil, sensors: [SensorSchema],
                splits: [String: Int] = [:], shards: [ShardInfo] = [], statistics: [String: [BandStatistics]] = [:],
                splitStatistics: [String: [String: [BandStatistics]]] = [:], manifest: JSONValue? = nil, inputs: [InputFile] = []) {
        format = Self.formatName
        formatVersion = Self.currentVersion
        self.name = name
        self.tool = tool
        self.grid = grid
        self.sensors = sensors
        self.splits = splits
        self.shards = shards
        self.statistics = statistics
        self.splitStatistics = splitStatistics
        self.manifest = manifest
        self.inputs = inputs
    }

    /// Reads and checks `dataset.json` in a local dataset directory.
    public static func load(directory: String, limits: ReaderLimits = ReaderLimits()) throws -> DatasetIndex {
        try DatasetLocation.requireLocal(directory)
        return try load(storage: LocalStorage(directory: directory), limits: limits)
    }

    /// Reads and checks `dataset.json` of a dataset: its format, and every field readers rely on
    /// (``problems(limits:)``).
    /// - Throws: ``ShardError`` naming `dataset.json` and the first fields at fault.
    public static func load(storage: any DatasetStorage, limits: ReaderLimits = ReaderLimits()) throws -> DatasetIndex {
        let path = storage.path(of: "dataset.json")
        guard let data = try storage.contents(of: "dataset.json", maxBytes: limits.maxIndexBytes) else {
            throw ShardError(.io, file: path, message: "does not exist (is this a GeoPairs dataset, and is its build finished?)")
        }
        let index: DatasetIndex
        do {
            index = try JSONDecoder().decode(DatasetIndex.self, from: Data(data))
        } catch {
            throw ShardError(.corrupt, file: path, message: "not a valid dataset.json: \(error)")
        }
        guard index.format == formatName, readableVersions.contains(index.formatVersion) else {
            throw ShardError(.badMagic, file: path, message: "format \(index.format) v\(index.formatVersion); this reader reads \(formatName) v\(readableVersions)")
        }
        let problems = index.problems(limits: limits)
        guard problems.isEmpty else {
            let shown = problems.prefix(5).joined(separator: "; ") + (problems.count > 5 ? "; and \(problems.count - 5) more" : "")
            throw ShardError(.corrupt, file: path, message: shown)
        }
        return index
    }

    /// The JSON bytes GeoPairs writes (sorted keys, pretty-printed: stable and diffable).
    public func encoded() throws -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return Array(try e.encode(self)) + [0x0A]
    }

    /// The schema of a sensor by name.
    public func sensor(_ name: String) -> SensorSchema? { sensors.first { $0.name == name } }
}

/// Name and version of the writing tool.
public struct ToolInfo: Codable, Sendable, Equatable {
    public var name: String
    public var version: String
    public init(name: String = "geopairs", version: String = GeoPairsVersion.current) {
        self.name = name
        self.version = version
    }
}

/// The version of GeoPairs written into datasets.
public enum GeoPairsVersion {
    public static let current = "0.1.0"
}

/// The patch grid a dataset was cut on.
public struct GridInfo: Codable, Sendable, Equatable {
    /// The grid's CRS as the manifest chose it: `EPSG:<code>` or WKT, or `utm` when every record
    /// lies in its own UTM zone (each record's header then names the zone's CRS).
    public var crs: String
    public var patchSize: Double
    public var stride: Double
    public init(crs: String, patchSize: Double, stride: Double) {
        self.crs = crs
        self.patchSize = patchSize
        self.stride = stride
    }
}

/// What every record's array of a sensor looks like.
public struct SensorSchema: Codable, Sendable, Equatable {
    public var name: String
    public var bands: [String]
    public var dtype: DType
    /// Ground sample distance in grid CRS units.
    public var gsd: Double?
    /// `[C, H, W]` of every patch of this sensor.
    public var shape: [Int]
    /// The value of pixels no input covered: the manifest's `nodata`, or the one the inputs share.
    public var nodata: Double?
    /// `image` or `label`.
    public var role: String
    /// How the builder warped this sensor's pixels (absent for datasets not built from rasters).
    public var warp: WarpRecipe?
    /// For one step of a manifest sensor's time series, which (absent otherwise).
    public var timeStep: TimeStep?

    public init(name: String, bands: [String], dtype: DType, gsd: Double? = nil, shape: [Int], nodata: Double? = nil,
                role: String = "image", warp: WarpRecipe? = nil, timeStep: TimeStep? = nil) {
        self.warp = warp
        self.timeStep = timeStep
        self.name = name
        self.bands = bands
        self.dtype = dtype
        self.gsd = gsd
        self.shape = shape
        self.nodata = nodata
        self.role = role
    }
}

/// A dataset sensor that is step `index` (0 = earliest) of the `steps` scenes of manifest sensor
/// `series` nearest its anchor's date; it is named `<series>.t<index>`.
public struct TimeStep: Codable, Sendable, Equatable {
    public var series: String
    public var index: Int
    public var steps: Int
    public init(series: String, index: Int, steps: Int) {
        self.series = series
        self.index = index
        self.steps = steps
    }
    /// The dataset sensor name of this step (manifest sensor names hold no `.`, so it never collides).
    public var sensorName: String { "\(series).t\(index)" }
}

/// An input file of the build.
public struct InputFile: Codable, Sendable, Equatable {
    /// Relative to the folder of the manifest that built the dataset when the file lies in it,
    /// otherwise as the manifest gave it (absolute).
    public var path: String
    public var bytes: Int
    public init(path: String, bytes: Int) {
        self.path = path
        self.bytes = bytes
    }
}
