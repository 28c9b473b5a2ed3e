/// A typed failure reading or writing shards: what is wrong, and where (file, record, sensor).
public struct ShardError: Error, Equatable, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// The file is shorter than its own structure says (truncated, or a length points past the end).
        case truncated
        /// A magic number or version does not match this format.
        case badMagic
        /// A stored checksum (CRC-32, zstd content checksum, SHA-256) does not match the bytes.
        case checksumMismatch
        /// A structure is malformed: impossible sizes, bad JSON, inconsistent index.
        case corrupt
        /// A declared size exceeds the reader's safety cap.
        case tooLarge
        /// A record key or sensor asked for does not exist.
        case notFound
        /// zstd failed to compress or decompress.
        case codec
        /// The caller's buffer or arguments do not fit the data.
        case invalidArgument
        /// The operating system refused a file operation.
        case io
        /// The output already holds a finished dataset or another build's work (a different
        /// manifest, part, or an unreadable journal), which only a restart replaces.
        case outputInUse
        /// Another process holds the directory's lock (a build writing it now).
        case locked
    }

    public let kind: Kind
    /// The file concerned (shard path, `dataset.json`), or empty.
    public let file: String
    /// The record (key or index) and sensor concerned, when known.
    public let location: String
    public let message: String

    public init(_ kind: Kind, file: String, location: String = "", message: String) {
        self.kind = kind
        self.file = file
        self.location = location
        self.message = message
    }

    public var description: String {
        let place = location.isEmpty ? file : "\(file), \(location)"
        return "\(place): \(message)"
    }
}
