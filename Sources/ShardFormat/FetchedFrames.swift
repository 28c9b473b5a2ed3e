/// The compressed bytes of some frames of one record, read ahead of decoding (see
/// ``ShardReader/fetch(_:maxGap:)``): from remote storage, a batch's records are fetched
/// concurrently, so that request latency overlaps instead of adding up.
public struct FetchedFrames: Sendable {
    struct Segment: Sendable {
        var offset: Int
        var bytes: [UInt8]
    }
    let segments: [Segment]

    /// Bytes fetched.
    public var byteCount: Int { segments.reduce(0) { $0 + $1.bytes.count } }

    /// Calls `body` with the compressed bytes of a frame, or throws when they were not fetched.
    public func withBytes<R>(of frame: FrameDescriptor, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        guard let segment = segments.first(where: { frame.offset >= $0.offset && frame.offset + frame.size <= $0.offset + $0.bytes.count }) else {
            throw ShardError(.invalidArgument, file: "", message: "frame at offset \(frame.offset) was not fetched")
        }
        return try segment.bytes.withUnsafeBytes { raw in
            let start = frame.offset - segment.offset
            return try body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + frame.size)]))
        }
    }
}
