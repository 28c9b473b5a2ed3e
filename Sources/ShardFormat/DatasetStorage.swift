import Foundation

/// Where a dataset's files live. ``LocalStorage`` is a directory on this machine; module
/// ObjectStore adds buckets (`s3://…`, `/vsis3/…`, `https://…`), so that readers and the loader
/// stay free of any network library.
public protocol DatasetStorage: Sendable {
    /// The location as the user gave it, for messages.
    var location: String { get }
    /// True when every read is a network request: callers then coalesce and overlap their reads.
    var isRemote: Bool { get }
    /// A whole small file (`dataset.json`), or `nil` when it does not exist.
    /// - Throws: when it exists but cannot be read, or is larger than `maxBytes`.
    func contents(of file: String, maxBytes: Int) throws -> [UInt8]?
    /// Random access to a shard listed in `dataset.json`.
    func byteSource(for shard: ShardInfo) throws -> any ByteSource
    /// The full path or URL of a file of the dataset, for messages and for tools that print paths.
    func path(of file: String) -> String
}

/// A dataset directory on a local file system.
public struct LocalStorage: DatasetStorage {
    public let directory: String
    public var location: String { directory }
    public var isRemote: Bool { false }

    public init(directory: String) { self.directory = directory }

    public func contents(of file: String, maxBytes: Int) throws -> [UInt8]? {
        let path = path(of: file)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let source = try FileByteSource(path: path)
        guard source.size <= maxBytes else {
            throw ShardError(.tooLarge, file: path, message: "\(source.size) bytes is more than the \(maxBytes) accepted")
        }
        return try source.read(at: 0, count: source.size)
    }

    public func byteSource(for shard: ShardInfo) throws -> any ByteSource {
        try FileByteSource(path: try DatasetIndex.shardPath(shard.file, in: directory))
    }

    public func path(of file: String) -> String { (directory as NSString).appendingPathComponent(file) }
}

/// Tells bucket and web locations from local paths.
public enum DatasetLocation {
    /// `s3://`, `gs://`, `az://`, `azure://`, `http(s)://` or a GDAL `/vsi…/` path (the URLs GeoRaster's
    /// `VirtualFileSystem.gdalPath` maps): such a location needs a
    /// storage from module ObjectStore, never a local directory of that name (which would read or
    /// write a folder called `s3:`).
    public static func isRemote(_ location: String) -> Bool {
        location.hasPrefix("/vsi") || ["s3://", "gs://", "az://", "azure://", "http://", "https://"].contains { location.hasPrefix($0) }
    }

    /// Throws when `location` is remote: for code paths that read local directories only.
    public static func requireLocal(_ location: String) throws {
        guard !isRemote(location) else {
            throw ShardError(.invalidArgument, file: location,
                             message: "is in object storage; open it through module ObjectStore (RemoteStorage), not as a local directory")
        }
    }
}
