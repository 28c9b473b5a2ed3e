import Foundation

/// Runs `produce` for indices `start..<count` on `jobs` threads and hands the results to `consume`
/// on the calling thread strictly in index order. At most `window` results are in flight (produced
/// but not consumed), which bounds memory whatever `count` is. The first error stops everything.
enum OrderedPipeline {
    static func run<Result>(
        range: Range<Int>, jobs: Int, window: Int,
        makeWorker: @escaping @Sendable () -> (Int) throws -> Result,
        consume: (Int, Result) throws -> Void
    ) throws {
        guard !range.isEmpty else { return }
        let state = State<Result>(next: range.lowerBound)
        let window = max(window, jobs)
        var threads: [Thread] = []
        for _ in 0..<max(1, jobs) {
            let thread = Thread {
                let work = makeWorker()
                while true {
                    let index: Int? = state.condition.withLock {
                        while !state.stopped && state.next < range.upperBound && state.next >= state.consumed + window {
                            state.condition.wait()
                        }
                        guard !state.stopped, state.next < range.upperBound else { return nil }
                        defer { state.next += 1 }
                        return state.next
                    }
                    guard let index else { break }
                    let outcome = Swift.Result { try work(index) }
                    state.condition.withLock {
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

    private final class State<Result>: @unchecked Sendable {
        let condition = NSCondition()
        var next: Int
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
