import Foundation
import ShardFormat

/// What a `gp_dataset *` points to: an open dataset for reading records by key.
final class DatasetHandle {
    let reader: DatasetReader
    /// Reads are serialised: one codec and scratch buffer serve every call.
    private let lock = NSLock()
    private let codec = ZstdCodec()
    private var scratch: [UInt8] = []

    init(reader: DatasetReader) { self.reader = reader }

    static func from(_ pointer: OpaquePointer?) throws -> DatasetHandle {
        guard let pointer else { throw CFailure(.argument, "the dataset handle is NULL") }
        return Unmanaged<DatasetHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }

    func location(of key: String) throws -> DatasetReader.Location {
        guard let location = reader.locate(key: key) else { throw CFailure(.argument, "\(reader.directory) has no record \"\(key)\"") }
        return location
    }

    /// Decodes a frame into `destination`; `nil` when the record has no such frame.
    func read(key: String, sensor: String, kind: FrameKind, into destination: UnsafeMutableRawBufferPointer) throws -> Int? {
        let location = try location(of: key)
        let shard = reader.shards[location.shard]
        guard let frame = try shard.frame(record: location.record, sensor: sensor, kind: kind) else { return nil }
        guard frame.rawSize <= destination.count else {
            throw CFailure(.argument, "the \(sensor) \(kind) of \(key) has \(frame.rawSize) bytes, the destination \(destination.count)")
        }
        try lock.withLock {
            try shard.read(frame, into: UnsafeMutableRawBufferPointer(rebasing: destination[0..<frame.rawSize]), codec: codec, scratch: &scratch)
        }
        return frame.rawSize
    }
}

@_cdecl("gp_dataset_open")
public func gp_dataset_open(_ optionsJSON: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded(.open) {
        let result = try output(out, "dataset")
        result.pointee = nil
        let storage = try DatasetOptions.parse(try string(optionsJSON, "options_json")).storage()
        let handle = DatasetHandle(reader: try DatasetReader(storage: storage))
        result.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
        return .ok
    }
}

@_cdecl("gp_dataset_index")
public func gp_dataset_index(_ pointer: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guarded(.read) {
        let index = try DatasetHandle.from(pointer).reader.index
        return try handOut(String(decoding: try index.encoded(), as: UTF8.self), to: out, "index_json")
    }
}

@_cdecl("gp_dataset_keys")
public func gp_dataset_keys(_ pointer: OpaquePointer?, _ split: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guarded(.read) {
        let reader = try DatasetHandle.from(pointer).reader
        let name = split.map { String(cString: $0) }
        if let name, reader.index.splits[name] == nil {
            throw CFailure(.argument, "\(reader.directory) has no split \"\(name)\" (splits: \(reader.index.splits.keys.sorted().joined(separator: ", ")))")
        }
        return try handOut(try jsonText(reader.locations(split: name).map(reader.key(at:))), to: out, "keys_json")
    }
}

@_cdecl("gp_dataset_record")
public func gp_dataset_record(_ pointer: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guarded(.read) {
        let handle = try DatasetHandle.from(pointer)
        let metadata = try handle.reader.metadata(at: try handle.location(of: try string(key, "key")))
        return try handOut(try jsonText(metadata), to: out, "record_json")
    }
}

@_cdecl("gp_dataset_read")
public func gp_dataset_read(_ pointer: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ sensor: UnsafePointer<CChar>?, _ mask: Int32,
                            _ destination: UnsafeMutableRawPointer?, _ capacity: Int64, _ written: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded(.read) {
        let handle = try DatasetHandle.from(pointer)
        guard let destination, capacity >= 0 else { throw CFailure(.argument, "the destination is NULL or its capacity negative") }
        written?.pointee = 0
        let buffer = UnsafeMutableRawBufferPointer(start: destination, count: Int(capacity))
        guard let count = try handle.read(key: try string(key, "key"), sensor: try string(sensor, "sensor"),
                                          kind: mask != 0 ? .mask : .data, into: buffer) else { return .absent }
        written?.pointee = Int64(count)
        return .ok
    }
}

@_cdecl("gp_dataset_close")
public func gp_dataset_close(_ pointer: OpaquePointer?) {
    guard let pointer else { return }
    Unmanaged<DatasetHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
}
