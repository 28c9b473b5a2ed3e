@testable import DatasetBuilder
import Foundation
import Testing

@Suite("Ordered pipeline")
struct OrderedPipelineTests {
    @Test("A free thread takes the open index that shares least with those running, the lowest among equals")
    func choosesLeastSharing() {
        // Items of the same parity share one file.
        let parity: (Int, Int) -> Int = { $0 % 2 == $1 % 2 ? 1 : 0 }
        #expect(OrderedPipeline.choose(from: [3, 4, 5, 6], running: [2], sharing: parity) == 3)
        #expect(OrderedPipeline.choose(from: [3, 4, 5, 6], running: [1], sharing: parity) == 4)
        // Nothing avoids sharing: the lowest open index, as without a sharing rule.
        #expect(OrderedPipeline.choose(from: [4, 6], running: [2], sharing: parity) == 4)
        #expect(OrderedPipeline.choose(from: [5, 7, 9], running: [], sharing: parity) == 5)
        #expect(OrderedPipeline.choose(from: [], running: [2], sharing: parity) == nil)
        // Sharing adds up over the running items.
        let near: (Int, Int) -> Int = { abs($0 - $1) <= 2 ? 1 : 0 }
        #expect(OrderedPipeline.choose(from: [3, 4, 5], running: [1, 2], sharing: near) == 5)
        #expect(OrderedPipeline.choose(from: [3, 4], running: [1, 2], sharing: near) == 4)
    }

    @Test("Results are consumed in index order whatever the threads take first, within the window")
    func consumesInOrder() throws {
        let window = 6
        let inFlight = Counter()
        var consumed: [Int] = []
        try OrderedPipeline.run(
            range: 3..<60, jobs: 3, window: window, sharing: { $0 % 2 == $1 % 2 ? 1 : 0 },
            makeWorker: {
                { index in
                    inFlight.add(1)
                    usleep(UInt32(index % 5) * 300)   // uneven durations let later items finish first
                    return index * index
                }
            },
            consume: { index, result in
                #expect(result == index * index)
                #expect(inFlight.value <= window, "at most \(window) results produced and not consumed")
                consumed.append(index)
                inFlight.add(-1)
            })
        #expect(consumed == Array(3..<60))
    }

    @Test("The first error stops the pipeline and is rethrown")
    func stopsOnError() {
        struct Failure: Error {}
        var consumed: [Int] = []
        #expect(throws: Failure.self) {
            try OrderedPipeline.run(
                range: 0..<100, jobs: 2, window: 4,
                makeWorker: { { index in if index == 7 { throw Failure() }; return index } },
                consume: { index, _ in consumed.append(index) })
        }
        #expect(consumed == Array(0..<7))
    }
}

/// A count shared by the pipeline's threads.
private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func add(_ n: Int) { lock.withLock { count += n } }
}
