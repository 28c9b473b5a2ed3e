/// A record ready to be encoded: metadata plus each sensor's raw little-endian array (C×H×W) and
/// optional validity mask (H×W, 1 = valid; omitted when every pixel is valid).
public struct Record: Sendable {
    public var metadata: RecordMetadata
    /// Raw array bytes per sensor, in the order of `metadata.sensors`.
    public var arrays: [[UInt8]]
    /// Validity masks per sensor, in the same order; `nil` when all pixels are valid.
    public var masks: [[UInt8]?]

    public init(metadata: RecordMetadata, arrays: [[UInt8]], masks: [[UInt8]?]? = nil) {
        precondition(arrays.count == metadata.sensors.count, "one array per sensor")
        self.metadata = metadata
        self.arrays = arrays
        self.masks = masks ?? Array(repeating: nil, count: arrays.count)
    }
}
