import Foundation
import PairLoader
import ShardFormat

/// What a `gp_batch *` points to: the batch, whose tensors stay in place as long as it lives (so
/// their addresses can be handed out), and C copies of its keys, sensor names and padding flags.
final class BatchHandle {
    let batch: Batch
    /// In the configuration's order.
    let tensors: [SensorBatch]
    let names: [UnsafeMutablePointer<CChar>]
    let keys: [UnsafeMutablePointer<CChar>]
    let padding: UnsafeMutableBufferPointer<UInt8>

    init(_ batch: Batch, sensors: [String]) {
        self.batch = batch
        tensors = sensors.compactMap { batch[$0] }
        names = tensors.map { strdup($0.sensor)! }
        keys = batch.keys.map { strdup($0)! }
        padding = .allocate(capacity: max(batch.count, 1))
        for (i, flag) in batch.isPadding.enumerated() { padding[i] = flag ? 1 : 0 }
    }

    deinit {
        for p in names { free(p) }
        for p in keys { free(p) }
        padding.deallocate()
    }

    static func from(_ pointer: OpaquePointer?) -> BatchHandle? {
        pointer.map { Unmanaged<BatchHandle>.fromOpaque(UnsafeRawPointer($0)).takeUnretainedValue() }
    }
}

/// `gp_batch_metadata`'s answer; a missing geotransform is an empty list (geopairs.h).
private struct BatchMetadata: Encodable {
    let geotransforms: [String: [[Double]]]
    let attributes: [[String: AttributeValue]]
}

@_cdecl("gp_batch_index")
public func gp_batch_index(_ pointer: OpaquePointer?) -> Int64 { Int64(BatchHandle.from(pointer)?.batch.index ?? -1) }

@_cdecl("gp_batch_epoch")
public func gp_batch_epoch(_ pointer: OpaquePointer?) -> Int64 { Int64(BatchHandle.from(pointer)?.batch.epoch ?? -1) }

@_cdecl("gp_batch_size")
public func gp_batch_size(_ pointer: OpaquePointer?) -> Int64 { Int64(BatchHandle.from(pointer)?.batch.count ?? 0) }

@_cdecl("gp_batch_sensor_count")
public func gp_batch_sensor_count(_ pointer: OpaquePointer?) -> Int64 { Int64(BatchHandle.from(pointer)?.tensors.count ?? 0) }

@_cdecl("gp_batch_sensor")
public func gp_batch_sensor(_ pointer: OpaquePointer?, _ position: Int64, _ name: UnsafeMutablePointer<UnsafePointer<CChar>?>?,
                            _ shape: UnsafeMutablePointer<Int64>?, _ values: UnsafeMutablePointer<UnsafePointer<Float>?>?,
                            _ mask: UnsafeMutablePointer<UnsafePointer<UInt8>?>?) -> Int32 {
    guarded(.argument) {
        guard let handle = BatchHandle.from(pointer) else { throw CFailure(.argument, "the batch handle is NULL") }
        guard (0..<Int64(handle.tensors.count)).contains(position) else {
            throw CFailure(.argument, "sensor position \(position) is outside 0..<\(handle.tensors.count)")
        }
        let tensor = handle.tensors[Int(position)]
        name?.pointee = UnsafePointer(handle.names[Int(position)])
        if let shape { for (i, n) in tensor.shape.enumerated() { shape[i] = Int64(n) } }
        // The handle holds the batch, and with it the tensor's pooled memory, until gp_batch_release:
        // the addresses stay valid that long (the pool reuses memory only after the batch is gone).
        values?.pointee = tensor.withUnsafeValues { $0.baseAddress }
        mask?.pointee = tensor.withUnsafeMask { $0.baseAddress }
        return .ok
    }
}

@_cdecl("gp_batch_key")
public func gp_batch_key(_ pointer: OpaquePointer?, _ i: Int64) -> UnsafePointer<CChar>? {
    guard let handle = BatchHandle.from(pointer), (0..<Int64(handle.keys.count)).contains(i) else { return nil }
    return UnsafePointer(handle.keys[Int(i)])
}

@_cdecl("gp_batch_padding")
public func gp_batch_padding(_ pointer: OpaquePointer?) -> UnsafePointer<UInt8>? {
    BatchHandle.from(pointer).flatMap { UnsafePointer($0.padding.baseAddress) }
}

@_cdecl("gp_batch_metadata")
public func gp_batch_metadata(_ pointer: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guarded(.argument) {
        guard let handle = BatchHandle.from(pointer) else { throw CFailure(.argument, "the batch handle is NULL") }
        let metadata = BatchMetadata(geotransforms: handle.batch.geotransforms.mapValues { $0.map { $0?.coefficients ?? [] } }, attributes: handle.batch.attributes)
        return try handOut(try jsonText(metadata), to: out, "metadata_json")
    }
}

@_cdecl("gp_batch_release")
public func gp_batch_release(_ pointer: OpaquePointer?) {
    guard let pointer else { return }
    Unmanaged<BatchHandle>.fromOpaque(UnsafeRawPointer(pointer)).release()
}
