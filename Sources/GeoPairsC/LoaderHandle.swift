import Foundation
import PairLoader
import ShardFormat

/// What a `gp_loader *` points to: the loader and its current pass over the epoch.
final class LoaderHandle {
    let loader: PairLoader
    /// The pass `gp_loader_next` takes batches from; made on first use, dropped (its workers
    /// stopped and joined) at the end of the epoch, on a new epoch, a restore or close.
    var pass: PairLoader.Iterator?
    /// The interface asks for one driving thread at a time; the lock makes a second one wait, not crash.
    let lock = NSLock()

    init(loader: PairLoader) { self.loader = loader }

    static func from(_ pointer: OpaquePointer?) throws -> LoaderHandle {
        guard let pointer else { throw CFailure(.argument, "the loader handle is NULL") }
        return Unmanaged<LoaderHandle>.fromOpaque(UnsafeRawPointer(pointer)).takeUnretainedValue()
    }
}

/// `gp_loader_info`'s answer.
private struct LoaderInfo: Encodable {
    let records: Int
    let batches_per_epoch: Int
    let sensors: [String]
    let batch_size: Int
    let epoch: Int
}

@_cdecl("gp_loader_open")
public func gp_loader_open(_ configJSON: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded(.open) {
        let result = try output(out, "loader")
        result.pointee = nil
        let config = try LoaderOptions.parse(try string(configJSON, "config_json")).config()
        let handle = LoaderHandle(loader: try PairLoader(config))
        result.pointee = OpaquePointer(Unmanaged.passRetained(handle).toOpaque())
        return .ok
    }
}

@_cdecl("gp_loader_info")
public func gp_loader_info(_ pointer: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guarded(.read) {
        let loader = try LoaderHandle.from(pointer).loader
        let info = LoaderInfo(records: loader.records.count, batches_per_epoch: loader.batchesPerEpoch,
                              sensors: loader.config.sensors, batch_size: loader.config.batchSize, epoch: loader.state.epoch)
        return try handOut(try jsonText(info), to: out, "info_json")
    }
}

@_cdecl("gp_loader_set_epoch")
public func gp_loader_set_epoch(_ pointer: OpaquePointer?, _ epoch: Int64) -> Int32 {
    guarded(.read) {
        let handle = try LoaderHandle.from(pointer)
        guard epoch >= 0 else { throw CFailure(.argument, "epochs count from 0, got \(epoch)") }
        handle.lock.withLock {
            if handle.loader.state.epoch != Int(epoch) { handle.pass = nil }
            handle.loader.setEpoch(Int(epoch))
        }
        return .ok
    }
}

@_cdecl("gp_loader_next")
public func gp_loader_next(_ pointer: OpaquePointer?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded(.read) {
        let handle = try LoaderHandle.from(pointer)
        let result = try output(out, "batch")
        result.pointee = nil
        return try handle.lock.withLock {
            let pass = handle.pass ?? handle.loader.makeIterator()
            handle.pass = pass
            guard let batch = try pass.nextBatch() else {
                handle.pass = nil
                return .end
            }
            result.pointee = OpaquePointer(Unmanaged.passRetained(BatchHandle(batch, sensors: handle.loader.config.sensors)).toOpaque())
            return .ok
        }
    }
}

@_cdecl("gp_loader_state")
public func gp_loader_state(_ pointer: OpaquePointer?, _ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    guarded(.read) {
        try handOut(try jsonText(try LoaderHandle.from(pointer).loader.state), to: out, "state_json")
    }
}

@_cdecl("gp_loader_restore")
public func gp_loader_restore(_ pointer: OpaquePointer?, _ stateJSON: UnsafePointer<CChar>?) -> Int32 {
    guarded(.argument) {
        let handle = try LoaderHandle.from(pointer)
        let text = try string(stateJSON, "state_json")
        let state: LoaderState = try decodeStrictly(text, keys: ["seed", "epoch", "position"], what: "loader state")
        try handle.lock.withLock {
            handle.pass = nil
            try handle.loader.restore(state)
        }
        return .ok
    }
}

@_cdecl("gp_loader_close")
public func gp_loader_close(_ pointer: OpaquePointer?) {
    guard let pointer else { return }
    let handle = Unmanaged<LoaderHandle>.fromOpaque(UnsafeRawPointer(pointer))
    handle.takeUnretainedValue().lock.withLock { handle.takeUnretainedValue().pass = nil }
    handle.release()
}
