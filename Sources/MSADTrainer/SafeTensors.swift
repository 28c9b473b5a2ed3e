import Foundation
import ShardFormat

/// A failure reading or writing a checkpoint, naming the file and what is wrong.
public struct CheckpointError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let message: String
    public var description: String { "\(file): \(message)" }
}

/// One named Float32 tensor.
public struct NamedTensor: Sendable, Equatable {
    public var name: String
    public var shape: [Int]
    public var values: [Float]

    public init(name: String, shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "tensor \(name): shape \(shape) holds \(shape.reduce(1, *)) values, got \(values.count)")
        self.name = name
        self.shape = shape
        self.values = values
    }
}

/// The safetensors format (as Hugging Face's `safetensors` package reads it): an 8-byte
/// little-endian header length, a JSON header (`{"name": {"dtype", "shape", "data_offsets"}, …,
/// "__metadata__": {string: string}}`, padded with spaces to a multiple of 8), then the raw
/// little-endian tensor bytes in header order.
public enum SafeTensors {
    /// Writes the tensors atomically (Foundation's `.atomic`: a temporary file, then rename).
    public static func write(_ tensors: [NamedTensor], metadata: [String: String], to path: String) throws {
        var header: [String: Any] = ["__metadata__": metadata]
        var offset = 0
        for t in tensors {
            header[t.name] = ["dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + 4 * t.values.count]]
            offset += 4 * t.values.count
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        for t in tensors { t.values.withUnsafeBytes { data.append(contentsOf: $0) } }
        do {
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw CheckpointError(file: path, message: "cannot write: \(error.localizedDescription)")
        }
    }

    /// Reads every tensor and the metadata; every length and offset is checked against the file.
    public static func read(_ path: String) throws -> (tensors: [String: NamedTensor], metadata: [String: String]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CheckpointError(file: path, message: "cannot read the file")
        }
        guard data.count >= 8 else { throw CheckpointError(file: path, message: "too short for a safetensors file") }
        let length = data.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        guard length <= UInt64(data.count - 8) else {
            throw CheckpointError(file: path, message: "header length \(length) exceeds the file")
        }
        let body = data.dropFirst(8 + Int(length))
        guard let header = try? JSONSerialization.jsonObject(with: data.dropFirst(8).prefix(Int(length))) as? [String: Any] else {
            throw CheckpointError(file: path, message: "the header is not a JSON object")
        }
        var tensors: [String: NamedTensor] = [:]
        for (name, entry) in header where name != "__metadata__" {
            guard let e = entry as? [String: Any], e["dtype"] as? String == "F32", let shape = e["shape"] as? [Int],
                  let offsets = e["data_offsets"] as? [Int], offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1],
                  offsets[1] <= body.count, let size = Checked.product(of: shape + [4]), offsets[1] - offsets[0] == size else {
                throw CheckpointError(file: path, message: "tensor \(name): not a well-formed F32 entry within the file")
            }
            let bytes = body.dropFirst(offsets[0]).prefix(offsets[1] - offsets[0])
            let values = [Float](unsafeUninitializedCapacity: bytes.count / 4) { buffer, n in
                _ = bytes.copyBytes(to: buffer)
                n = bytes.count / 4
            }
            tensors[name] = NamedTensor(name: name, shape: shape, values: values)
        }
        let metadata = (header["__metadata__"] as? [String: String]) ?? [:]
        return (tensors, metadata)
    }
}
