import Foundation

/// Runs `produce` for indices `start..<count` on `jobs` threads and hands the results to `consume`
/// on the calling thread strictly in index order. At most `window` results are in flight (produced
/// but not consumed), which bounds memory whatever `count` is. The first error stops everything.
///
/// A free thread takes the index of the window that shares least with those running (`sharing`
/// of two indices: how much they would contend), the lowest one among equals. The order of
/// results is the same whatever is taken; only which items overlap in time changes.
enum OrderedPipeline {
    static func run<Result>(
        range: Range<Int>, jobs: Int, window: Int,
        sharing: @escaping @Sendable (Int, Int) -> Int = { _, _ in 0 },
        makeWorker: @escaping @Sendable () -> (Int) throws -> Result,
        consume: (Int, Result) throws -> Void
    ) throws {
        guard !range.isEmpty else { return }
        let state = State<Result>(next: range.lowerBound)
        let window = max(window, jobs)
        // Under the lock: the index to work on next, or nil when every index is taken or work stopped.
        @Sendable func claim() -> Int? {
            while true {
                guard !state.stopped, state.next < range.upperBound else { return nil }
                let open = (state.next..<min(range.upperBound, state.consumed + window)).filter { !state.claimed.contains($0) }
                if let pick = choose(from: open, running: state.running, sharing: sharing) {
                    state.claimed.insert(pick)
                    state.running.insert(pick)
                    while state.claimed.contains(state.next) { state.claimed.remove(state.next); state.next += 1 }
                    return pick
                }
                state.condition.wait()
            }
        }
        var threads: [Thread] = []
        for _ in 0..<max(1, jobs) {
            let thread = Thread {
                let work = makeWorker()
                while true {
                    guard let index = state.condition.withLock(claim) else { break }
                    let outcome = Swift.Result { try work(index) }
                    state.condition.withLock {
                        state.running.remove(index)
                        state.results[index] = outcome
                        state.condition.broadcast()
                    }
                }
                state.condition.withLock {
                    state.finishedWorkers += 1
                    state.condition.broadcast()
                }
            }
            thread.stackSize = 8 << 20
            threads.append(thread)
            thread.start()
        }
        defer {
            state.condition.withLock {
                state.stopped = true
                state.condition.broadcast()
                while state.finishedWorkers < threads.count { state.condition.wait() }
            }
        }
        for index in range {
            let outcome: Swift.Result<Result, any Error> = state.condition.withLock {
                while state.results[index] == nil { state.condition.wait() }
                return state.results.removeValue(forKey: index)!
            }
            try consume(index, try outcome.get())
            state.condition.withLock {
                state.consumed = index + 1
                state.condition.broadcast()
            }
        }
    }

    /// Of the `open` indices, the one that shares least with those `running`, the lowest among equals.
    static func choose(from open: [Int], running: Set<Int>, sharing: (Int, Int) -> Int) -> Int? {
        func shared(_ i: Int) -> Int { running.reduce(0) { $0 + sharing($1, i) } }
        return open.min { (shared($0), $0) < (shared($1), $1) }
    }

    private final class State<Result>: @unchecked Sendable {
        let condition = NSCondition()
        /// The lowest index not yet taken; `claimed` holds the taken ones above it.
        var next: Int
        var claimed: Set<Int> = []
        var running: Set<Int> = []
        var consumed: Int
        var results: [Int: Swift.Result<Result, any Error>] = [:]
        var stopped = false
        var finishedWorkers = 0
        init(next: Int) {
            self.next = next
            consumed = next
        }
    }
}
