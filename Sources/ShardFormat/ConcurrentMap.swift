import Dispatch
import Foundation

/// Runs blocking work (network requests) `width` at a time on Dispatch serial queues, which get a
/// thread each: `concurrentPerform` would stop at the core count, too few to hide request latency.
public enum ConcurrentMap {
    /// `body(0..<count)`, results in order.
    public static func run<T>(count: Int, width: Int, _ body: @escaping @Sendable (Int) -> T) -> [T] {
        guard count > 0 else { return [] }
        let lanes = max(1, min(width, count))
        if lanes == 1 { return (0..<count).map(body) }
        let results = UnsafeResults<T>(count: count)
        let group = DispatchGroup()
        for lane in 0..<lanes {
            DispatchQueue(label: "geopairs.fetch.\(lane)").async(group: group) {
                for i in stride(from: lane, to: count, by: lanes) { results.set(i, body(i)) }
            }
        }
        group.wait()
        return results.values()
    }

    /// Each index is written by exactly one lane; the group's wait orders the writes before the read.
    private final class UnsafeResults<T>: @unchecked Sendable {
        private let slots: UnsafeMutableBufferPointer<T?>
        init(count: Int) {
            slots = .allocate(capacity: count)
            slots.initialize(repeating: nil)
        }
        deinit {
            slots.deinitialize()
            slots.deallocate()
        }
        func set(_ i: Int, _ value: T) { slots[i] = value }
        func values() -> [T] { slots.map { $0! } }
    }
}
