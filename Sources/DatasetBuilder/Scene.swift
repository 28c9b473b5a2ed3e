import GeoRaster
import ShardFormat

/// Where one band of a scene comes from: a file and a 1-based band number in it.
public struct BandSource: Sendable, Equatable {
    public var path: String
    public var band: Int
    /// `[XSCALE, YSCALE]` of this file onto the sensor's grid (``KernelScale``).
    public var kernelScale: [Double] = []
    /// The file's own nodata value for the band, if it has one.
    public var nodata: Double?
}

/// One input scene of a sensor: a multi-band file, or a folder of band-separate files.
public struct Scene: Sendable {
    public var sensor: String
    /// File or folder name, used in keys (scene-scoped grids) and logs.
    public var name: String
    /// The file or folder.
    public var path: String
    /// One source per band of the sensor, in band order.
    public var bands: [BandSource]
    /// The footprint of the scene's first band file, in its own CRS.
    public var footprint: Footprint
    /// Acquisition time: from the scene's STAC item or metadata beside it, else its name.
    public var time: AcquisitionTime?
    /// Cloud cover in percent, from the STAC item or metadata (`eo:cloud_cover`, …), if known.
    public var cloudCover: Double?
    /// Attributes read from files beside the scene (`$.attributes`).
    public var attributes: [String: AttributeValue]

    /// Acquisition time as ISO text (``AcquisitionTime/iso``).
    public var acquired: String? { time?.iso }

    /// Every file the scene reads.
    public var files: [String] {
        var seen: [String] = []
        for b in bands where !seen.contains(b.path) { seen.append(b.path) }
        return seen
    }
}
