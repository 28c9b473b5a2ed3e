import ShardFormat

/// One batch: per sensor a Float32 tensor and mask, plus per sample its key, georeferencing and
/// attributes. Samples flagged `isPadding` are wrap-around repeats (policy `pad`) or skipped
/// corrupt records (zeros): leave them out of losses and metrics.
public struct Batch: Sendable {
    /// Position of the batch in this rank's epoch.
    public let index: Int
    public let epoch: Int
    /// Tensors by sensor name.
    public let sensors: [String: SensorBatch]
    public let keys: [String]
    /// Per sensor, per sample: the GDAL geotransform of the delivered pixels (after crop, flips and
    /// rotation; rotations and flips show up as rotation/negative terms); `nil` when the loader
    /// gives no geotransforms (``LoaderConfig/includesGeotransforms``) and for skipped records.
    public let geotransforms: [String: [GeoTransform?]]
    /// Per sample, the record's attributes (e.g. labels).
    public let attributes: [[String: AttributeValue]]
    public let isPadding: [Bool]

    /// The tensor of a sensor.
    public subscript(sensor: String) -> SensorBatch? { sensors[sensor] }
    /// Number of samples (including padding).
    public var count: Int { keys.count }
}
