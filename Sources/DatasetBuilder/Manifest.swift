import GeoRaster
import ShardFormat

/// A validated build manifest (see DATASETS.md, "Manifests", for every field).
public struct Manifest: Sendable {
    public var name: String
    public var grid: GridConfig
    public var sensors: [SensorConfig]
    public var pairing: Pairing
    public var attributes: [AttributeSource]
    public var splits: SplitConfig
    public var sharding: ShardingOptions
    public var encoding: EncodingOptions
    /// The period every scene must lie in (`time.from`/`time.to`), if any.
    public var time: TimeWindow?
    /// The manifest as written (after `--input` overrides), stored in `dataset.json`.
    public var document: JSONValue
    /// The folder relative input paths are taken from (the manifest file's, standardized).
    public var directory: String

    /// How `dataset.json` names an input file: relative to ``directory`` when it lies inside it,
    /// otherwise its absolute path, as the manifest gave it.
    public func displayPath(_ path: String) -> String {
        let base = directory.hasSuffix("/") ? directory : directory + "/"
        return !directory.isEmpty && path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
    }

    /// The sensor named `name`.
    public func sensor(_ name: String) -> SensorConfig? { sensors.first { $0.name == name } }
}

/// The patch grid.
public struct GridConfig: Sendable {
    public enum CRSChoice: Sendable {
        /// One CRS for everything.
        case fixed(CRS)
        /// The WGS 84 UTM zone of each scene's (scope `scene`) or the area's (scope `area`) centre.
        case utm
    }

    public enum Scope: Sendable, Equatable {
        /// One grid over the whole area, origin snapped to multiples of `snap`.
        case area
        /// One grid per scene of the anchor sensor, origin at the scene's corner snapped to `snap`
        /// (SEN12MS and BigEarthNet cut each scene separately).
        case scene(anchor: String)
    }

    public enum Area: Sendable {
        /// A box in a CRS.
        case bbox(BoundingBox, crs: CRS)
        /// The bounding box of a GeoJSON file's features.
        case geojson(path: String)
        /// Where all required sensors have inputs (`intersection`) or any sensor has (`union`).
        case coverage(intersection: Bool)
    }

    public var crs: CRSChoice
    /// Patch ground size `P`, CRS units.
    public var patchSize: Double
    /// Distance between neighbouring cells `S` (default `P`; `P/2` is 50 % overlap).
    public var stride: Double
    /// Origins are multiples of this (default `S`).
    public var snap: Double
    public var scope: Scope
    public var area: Area
    /// Cells per side of the block warped at once (default: about 512 px per side at the finest sensor).
    public var blockCells: Int
    /// `gdalwarp -et` in output pixels: 0 (the default) transforms every pixel exactly; above 0
    /// GDAL interpolates the transformation along each row of a warp, which is several times faster
    /// across CRSs but makes a patch depend on the window it was warped in (DATASETS.md, "Pixels").
    public var errorThreshold: Double = 0

    /// A CRS in the grid's units, to measure kernel scales in: the fixed CRS, or for `utm` any UTM
    /// zone (all measure in metres).
    func measuringCRS() throws(RasterError) -> CRS {
        switch crs {
        case .fixed(let c): c
        case .utm: try CRS(epsg: 32631)
        }
    }
}

/// One band of a sensor: where it comes from and how it is resampled.
public struct BandConfig: Sendable, Equatable {
    public var name: String
    /// File-name pattern (fnmatch) of the band's own file inside a scene folder (band-separate inputs).
    public var file: String?
    /// 1-based band number in the scene file (default: the band's position); with `file`, in that file.
    public var index: Int?
    public var resampling: Resampling?
}

/// A cloud (or other) mask band of a sensor and the largest fraction of flagged pixels allowed.
public struct CloudMask: Sendable {
    /// Name of one of the sensor's bands.
    public var band: String
    /// Values of that band that mark a cloudy pixel.
    public var values: [Double]
    public var maxFraction: Double
}

/// A sensor of the manifest.
public struct SensorConfig: Sendable {
    public var name: String
    /// Paths, URLs or globs of files (one scene each), folders (one scene each, or holding scenes)
    /// or STAC JSON (item collections, items, catalogs), local or in object storage (GDAL paths).
    public var inputs: [String]
    public var bands: [BandConfig]
    /// Ground sample distance, CRS units.
    public var gsd: Double
    public var dtype: DType
    public var resampling: Resampling
    public var nodata: Double?
    /// Values outside count as invalid (and bound the statistics histogram).
    public var validRange: ClosedRange<Double>?
    /// A patch is dropped for this sensor when more of it is invalid (nodata, NaN, outside, out of range).
    public var maxInvalidFraction: Double
    public var cloudMask: CloudMask?
    /// `image` or `label`.
    public var role: String
    /// STAC inputs: band name → asset key (a band without an entry uses its own name).
    public var assets: [String: String] = [:]
    /// Conditions every scene's properties must meet (`where`).
    public var filters: [PropertyFilter] = []
    /// How the sensor's scenes over a cell are chosen (`time`); `nil`: all, as `mosaic`.
    public var time: TimeRule?
    /// A label sensor made from vector files (`rasterize`): its inputs are read by OGR and burnt
    /// onto the grid at its gsd instead of warped.
    public var rasterize: RasterizeRule?
    /// Whether the output band names and resampling are per band.
    public var resamplingPerBand: [Resampling] { bands.map { $0.resampling ?? resampling } }
}

/// Which sensors a record needs.
public struct Pairing: Sendable {
    /// Every one of these must be present and pass its filters.
    public var require: [String]
    /// At least this many sensors must be present (GeoPile-2-style unpaired records: 1).
    public var minSensors: Int
}

/// Per-scene attributes (e.g. BigEarthNet's labels JSON) copied into records.
public struct AttributeSource: Sendable {
    /// The sensor whose scene folders hold the file.
    public var sensor: String
    /// File-name pattern (fnmatch) inside the scene folder.
    public var file: String
    /// Top-level JSON fields to copy (strings, lists of strings, numbers).
    public var fields: [String]
}

/// Spatial-block split assignment.
public struct SplitConfig: Sendable {
    /// Side of the square split blocks, CRS units (a multiple of the stride).
    public var blockSize: Double
    /// Split name → fraction, in a fixed order.
    public var fractions: [(name: String, fraction: Double)]
    public var seed: UInt64
    /// Cells closer than this to a block edge are dropped (a gap between splits), CRS units.
    public var buffer: Double
}
