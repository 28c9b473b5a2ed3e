import Foundation

/// Decodes batches `start..<count` on `workers` threads, at most `prefetch` ahead of the consumer
/// (back-pressure), and hands them out in order. `stop()` (also on deinit) makes the workers
/// finish their current batch and exit, and waits for them: no thread outlives the prefetcher.
final class BatchPrefetcher: @unchecked Sendable {
    private let condition = NSCondition()
    private var next: Int
    private var delivered: Int
    private let count: Int
    private let ahead: Int
    private var ready: [Int: Result<Batch, any Error>] = [:]
    private var stopped = false
    private var running = 0

    init(range: Range<Int>, workers: Int, prefetch: Int, makeWorker: @escaping @Sendable () -> (Int) throws -> Batch) {
        next = range.lowerBound
        delivered = range.lowerBound
        count = range.upperBound
        ahead = max(1, prefetch)
        running = max(1, workers)
        for _ in 0..<running {
            let thread = Thread { [self] in
                let produce = makeWorker()
                while let index = claim() {
                    let result = Result { try produce(index) }
                    condition.withLock {
                        ready[index] = result
                        condition.broadcast()
                    }
                }
                condition.withLock {
                    running -= 1
                    condition.broadcast()
                }
            }
            thread.start()
        }
    }

    private func claim() -> Int? {
        condition.withLock {
            while !stopped && next < count && next >= delivered + ahead { condition.wait() }
            guard !stopped, next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    /// The next batch in order, waiting for it; `nil` at the end of the range.
    func take() throws -> Batch? {
        let result: Result<Batch, any Error>? = condition.withLock {
            guard delivered < count, !stopped else { return nil }
            while ready[delivered] == nil { condition.wait() }
            defer {
                delivered += 1
                condition.broadcast()
            }
            return ready.removeValue(forKey: delivered)
        }
        return try result?.get()
    }

    /// Stops the workers and waits until every one has exited.
    func stop() {
        condition.withLock {
            stopped = true
            ready.removeAll()
            condition.broadcast()
            while running > 0 { condition.wait() }
        }
    }

    /// Worker threads still running (for tests of clean shutdown).
    var runningWorkers: Int { condition.withLock { running } }

    deinit { stop() }
}
