import Foundation

/// A record encoded and ready to append to a shard: header JSON, compressed frames, statistics.
/// Produced in parallel by ``RecordEncoder``; written in order by ``ShardWriter``.
public struct EncodedRecord: Sendable {
    public let metadata: RecordMetadata
    /// The JSON record header (UTF-8).
    let header: [UInt8]
    /// Frames in file order, with sensor names (descriptor offsets are filled in by the writer).
    let frames: [(sensor: String, descriptor: FrameDescriptor, bytes: [UInt8])]
    /// One per data frame, in frame order: the index's copy of each sensor's placement.
    let placements: [PatchPlacement]
    /// Per sensor, per band statistics of this record's valid pixels.
    public let statistics: [String: [BandStatistics]]

    /// Bytes this record takes in a shard.
    public var byteCount: Int {
        ShardLayout.recordPrefixSize + header.count + 4 + frames.reduce(0) { $0 + $1.bytes.count }
    }

    /// Uncompressed bytes of the record's arrays and masks.
    public var rawByteCount: Int { frames.reduce(0) { $0 + $1.descriptor.rawSize } }
}
