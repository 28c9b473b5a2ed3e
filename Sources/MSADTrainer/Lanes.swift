import Dispatch
import Synchronization

/// The trainer's parallel passes, run at once on Dispatch's pool: independent items (one encoder
/// per sensor) or a range split into contiguous parts (rows of a product, records of attention).
/// Only the outermost pass is parallel; a pass inside one runs on its caller's thread, so lanes
/// never oversubscribe the cores.
enum Lanes {
    private static let lanes = Atomic<Int>(1)
    /// Whether a parallel pass is running (passes inside it, and in other trainers of the process
    /// meanwhile, run serially: only speed depends on it).
    private static let busy = Atomic<Bool>(false)

    /// The number of lanes (``ComputeThreads/set(_:)``).
    static var count: Int {
        get { lanes.load(ordering: .relaxed) }
        set { lanes.store(newValue, ordering: .relaxed) }
    }

    /// Runs `iterations` bodies at once when lanes are free, else one after another.
    private static func perform(_ iterations: Int, _ body: @Sendable (Int) -> Void) {
        guard iterations > 1, busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else {
            for i in 0..<iterations { body(i) }
            return
        }
        defer { busy.store(false, ordering: .releasing) }
        DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
    }

    /// `body` once per lane with its part of `0..<count`, or once with all of it when `parallel`
    /// is false or there is one lane; returns when all parts are done. A body writes only the
    /// memory of its own part.
    static func split(_ count: Int, parallel: Bool = true, _ body: @Sendable (Range<Int>) -> Void) {
        let n = parallel ? min(count, Self.count) : 1
        guard n > 1 else { body(0..<count); return }
        perform(n) { lane in body((lane * count / n)..<((lane + 1) * count / n)) }
    }

    /// `transform` of each of `0..<count`, computed at once (one item per lane), in order.
    static func map<R: Sendable>(_ count: Int, _ transform: @Sendable (Int) -> R) -> [R] {
        guard count > 1, Self.count > 1 else { return (0..<count).map(transform) }
        let results = Results<R>(count: count)
        perform(count) { results.set($0, transform($0)) }
        return results.values()
    }

    /// Each slot is written by one item; `concurrentPerform`'s return orders the writes before the read.
    private final class Results<R>: @unchecked Sendable {
        private var slots: [R?]
        private let lock = Mutex(())
        init(count: Int) { slots = Array(repeating: nil, count: count) }
        func set(_ i: Int, _ value: R) { lock.withLock { _ in slots[i] = value } }
        func values() -> [R] { slots.map { $0! } }
    }
}

/// A pointer handed to the lanes of a pass, each of which touches only its own elements.
struct LanePointer<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>

    init(_ base: UnsafeMutablePointer<Element>) { self.base = base }
    init(_ base: UnsafePointer<Element>) { self.base = UnsafeMutablePointer(mutating: base) }

    subscript(i: Int) -> Element {
        get { base[i] }
        nonmutating set { base[i] = newValue }
    }
}
