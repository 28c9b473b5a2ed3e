import Foundation

/// One sensor's part of a batch: a contiguous Float32 `[B, C, H, W]` tensor and a `[B, H, W]`
/// validity mask (1 = valid). The memory comes from a pool and goes back to it when the batch is
/// released, so it is reached only inside ``withUnsafeValues(_:)``/``withUnsafeMask(_:)`` (or
/// copied with ``values``/``validity``): no pointer can outlive the batch and see a later one.
public final class SensorBatch: @unchecked Sendable {
    public let sensor: String
    /// `[B, C, H, W]`.
    public let shape: [Int]
    /// `B·C·H·W` values, sample by sample, band by band, row by row (written by the decoder only).
    let data: UnsafeMutableBufferPointer<Float>
    /// `B·H·W` flags.
    let mask: UnsafeMutableBufferPointer<UInt8>
    private let pool: BufferPool?

    init(sensor: String, shape: [Int], pool: BufferPool?) {
        self.sensor = sensor
        self.shape = shape
        self.pool = pool
        let (d, m) = pool?.take(floats: shape.reduce(1, *), flags: shape[0] * shape[2] * shape[3])
            ?? BufferPool.allocate(floats: shape.reduce(1, *), flags: shape[0] * shape[2] * shape[3])
        data = d
        mask = m
    }

    deinit {
        if let pool { pool.give(data, mask) } else { data.deallocate(); mask.deallocate() }
    }

    /// Calls `body` with the `[B, C, H, W]` values; the pointer is valid only inside `body`.
    public func withUnsafeValues<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(data))
    }

    /// Calls `body` with the `[B, H, W]` validity flags; the pointer is valid only inside `body`.
    public func withUnsafeMask<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(mask))
    }

    /// A copy of the tensor as an array.
    public var values: [Float] { Array(data) }
    /// A copy of the mask as an array.
    public var validity: [UInt8] { Array(mask) }

    /// Zeroes sample `i` (values and mask): the slot of a skipped record.
    func zeroSample(_ i: Int) {
        let perSample = shape[1] * shape[2] * shape[3], pixels = shape[2] * shape[3]
        (data.baseAddress! + i * perSample).update(repeating: 0, count: perSample)
        (mask.baseAddress! + i * pixels).update(repeating: 0, count: pixels)
    }
}

/// Recycles batch memory so that a steady loader allocates nothing after its first batches.
final class BufferPool: @unchecked Sendable {
    private let lock = NSLock()
    private var free: [(UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<UInt8>)] = []
    private var handedOut = 0
    private let capacity: Int

    /// - Parameter capacity: buffers kept for reuse (beyond that, released memory is freed).
    init(capacity: Int) { self.capacity = capacity }

    static func allocate(floats: Int, flags: Int) -> (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<UInt8>) {
        (UnsafeMutableBufferPointer<Float>.allocate(capacity: floats), UnsafeMutableBufferPointer<UInt8>.allocate(capacity: flags))
    }

    func take(floats: Int, flags: Int) -> (UnsafeMutableBufferPointer<Float>, UnsafeMutableBufferPointer<UInt8>) {
        lock.withLock {
            handedOut += 1
            if let i = free.firstIndex(where: { $0.0.count == floats && $0.1.count == flags }) { return free.remove(at: i) }
            return Self.allocate(floats: floats, flags: flags)
        }
    }

    func give(_ data: UnsafeMutableBufferPointer<Float>, _ mask: UnsafeMutableBufferPointer<UInt8>) {
        lock.withLock {
            handedOut -= 1
            if free.count < capacity { free.append((data, mask)) } else { data.deallocate(); mask.deallocate() }
        }
    }

    /// Buffers taken and not yet given back.
    var inUse: Int { lock.withLock { handedOut } }

    deinit {
        for (d, m) in free { d.deallocate(); m.deallocate() }
    }
}
