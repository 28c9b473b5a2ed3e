import Dispatch
import Foundation

/// Decodes batches `range` on `workers` serial Dispatch queues (so exactly `workers` run at once),
/// at most `prefetch` batches ahead of the consumer, and hands them out in order.
///
/// - Back-pressure: a semaphore holds one permit per batch that may be decoded ahead; a worker
///   takes a permit before it claims a batch, and the consumer returns it when it takes the batch.
/// - Stopping: ``stop()`` (also called when the owning iterator is released) marks the prefetcher
///   stopped, wakes every worker waiting for a permit and waits on the workers' group, so when it
///   returns no worker is decoding and no prefetched batch is held.
final class BatchPrefetcher: @unchecked Sendable {
    private let condition = NSCondition()
    // Guarded by `condition`:
    private var next: Int
    private var delivered: Int
    private var ready: [Int: Result<Batch, any Error>] = [:]
    private var stopped = false
    private var running: Int

    private let end: Int
    private let workers: Int
    /// Permits to decode ahead of the consumer. It starts at 0 and is raised to `prefetch`, because
    /// libdispatch refuses to free a semaphore whose value is below the one it was created with.
    private let permits = DispatchSemaphore(value: 0)
    private let group = DispatchGroup()
    /// - Parameter threadName: what the worker threads are called while they decode.
    init(range: Range<Int>, workers: Int, prefetch: Int, threadName: String,
         makeWorker: @escaping @Sendable () -> (Int) throws -> Batch) {
        next = range.lowerBound
        delivered = range.lowerBound
        end = range.upperBound
        self.workers = max(1, workers)
        running = self.workers
        for _ in 0..<max(1, prefetch) { permits.signal() }
        for w in 0..<self.workers {
            let queue = DispatchQueue(label: "\(threadName).\(w)")
            queue.async(group: group) { [self] in
                let restoreName = Self.nameCurrentThread(threadName)
                let produce = makeWorker()
                while let index = claim() {
                    let result = Result { try produce(index) }
                    condition.withLock {
                        if !stopped { ready[index] = result }
                        condition.broadcast()
                    }
                }
                restoreName()
                condition.withLock {
                    running -= 1
                    condition.broadcast()
                }
            }
        }
    }

    /// The next batch index to decode, after taking a permit; `nil` when stopped or done. A worker
    /// that gets `nil` passes its permit on, so that every other waiting worker also wakes and ends.
    private func claim() -> Int? {
        permits.wait()
        let index: Int? = condition.withLock {
            guard !stopped, next < end else { return nil }
            defer { next += 1 }
            return next
        }
        if index == nil { permits.signal() }
        return index
    }

    /// The next batch in order, waiting for it; `nil` at the end of the range or once stopped.
    func take() throws -> Batch? {
        let result: Result<Batch, any Error>? = condition.withLock {
            while !stopped, delivered < end, ready[delivered] == nil { condition.wait() }
            guard !stopped, delivered < end else { return nil }
            defer { delivered += 1 }
            return ready.removeValue(forKey: delivered)
        }
        guard let result else { return nil }
        permits.signal()
        return try result.get()
    }

    /// Stops the workers, drops prefetched batches and waits until no worker runs. Safe to call
    /// from any thread but a worker's, any number of times, also while another thread is in `take()`.
    func stop() {
        cancel()
        group.wait()
    }

    /// Like ``stop()``, without waiting: a waiting `take()` returns `nil` at once and the workers
    /// end after their current batch (for cancellation handlers, which must not block).
    func cancel() {
        let wasRunning: Bool = condition.withLock {
            defer { stopped = true }
            ready.removeAll()
            condition.broadcast()
            return !stopped
        }
        if wasRunning { for _ in 0..<workers { permits.signal() } }
    }

    /// Workers still running (they end at the end of the range or at `stop()`).
    var runningWorkers: Int { condition.withLock { running } }

    deinit { stop() }

    /// Names the calling thread and returns a closure that gives it back its name: Dispatch threads
    /// serve other work afterwards. (Foundation sets the system thread name, `pthread_setname_np`.)
    private static func nameCurrentThread(_ name: String) -> () -> Void {
        let previous = Thread.current.name
        Thread.current.name = name
        return { Thread.current.name = previous ?? "" }
    }
}
