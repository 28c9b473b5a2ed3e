import Dispatch
import Foundation
import PairLoader
import ShardFormat
import Testing
import TestSupport

/// Threads of this process whose name is `name` (from `/proc/self/task/*/comm`).
private func threads(named name: String) -> Int {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
    return tasks.filter { task in
        let comm = (try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8)) ?? ""
        return comm.trimmingCharacters(in: .newlines) == name
    }.count
}

/// Waits up to 5 s for a condition that other threads make true.
private func eventually(_ condition: () -> Bool) -> Bool {
    for _ in 0..<500 {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}

@Suite("Loader lifecycle: workers always stop, memory stays bounded")
struct LoaderLifecycleTests {
    static func loader(_ dir: String, prefetch: Int = 1, policy: CorruptRecordPolicy = .fail) throws -> PairLoader {
        try PairLoader(LoaderConfig(directory: dir, sensors: ["a", "b"], batchSize: 2, shuffle: .none, workers: 2, prefetch: prefetch,
                                    corruptRecords: policy))
    }

    @Test("Releasing an iterator mid-epoch (a break) stops and joins its workers and frees every batch")
    func releaseMidEpoch() throws {
        let loader = try Self.loader(try LoaderFixtures.numberedDataset())
        do {
            let iterator = loader.makeIterator()
            let batch = try #require(iterator.next())
            #expect(batch.count == 2)
            // Both workers are alive: one decodes ahead, the other waits for a permit.
            #expect(eventually { threads(named: loader.workerThreadName) == 2 })
            #expect(iterator.runningWorkers == 2)
        }
        #expect(threads(named: loader.workerThreadName) == 0)
        #expect(loader.batchBuffersInUse == 0)
        #expect(loader.state.position == 1)
    }

    @Test("A for loop that ends on a failure (policy fail) leaves no worker running")
    func endOnFailure() throws {
        let dir = try LoaderFixtures.numberedDataset()
        let index = try DatasetIndex.load(directory: dir)
        let path = "\(dir)/\(index.shards[0].file)"
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[try ShardReader(path: path).entries[3].frames[0].offset + 5] ^= 0x44
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let loader = try Self.loader(dir, prefetch: 3)
        var seen = 0
        for _ in loader { seen += 1 }
        #expect(seen == 1 && loader.failure != nil)
        #expect(threads(named: loader.workerThreadName) == 0)
        #expect(loader.batchBuffersInUse == 0)
    }

    @Test("stop() while another thread waits in nextBatch() returns promptly on both sides")
    func stopWhileTaking() throws {
        let loader = try Self.loader(try LoaderFixtures.numberedDataset(train: 200), prefetch: 1)
        var rng = SeededRandom(seed: 5)
        for _ in 0..<40 {
            let iterator = loader.makeIterator()
            let consumer = DispatchGroup()
            DispatchQueue.global().async(group: consumer) { while (try? iterator.nextBatch()) != nil {} }
            usleep(UInt32.random(in: 0..<3_000, using: &rng))
            iterator.stop()
            #expect(consumer.wait(timeout: .now() + 10) == .success, "a consumer stayed blocked after stop()")
            #expect(iterator.runningWorkers == 0)
        }
        #expect(threads(named: loader.workerThreadName) == 0)
    }

    @Test("The async view is back-pressured: a slow consumer holds at most prefetch + 1 batches")
    func asyncBackPressure() async throws {
        let loader = try Self.loader(try LoaderFixtures.numberedDataset(), prefetch: 2)
        var iterator = loader.batches.makeAsyncIterator()
        var first = try await iterator.next()
        #expect(first != nil)
        try await Task.sleep(for: .milliseconds(300))
        // Two sensors per batch; 18 batches in the epoch would be 36 buffers if nothing held the producer back.
        #expect(loader.batchBuffersInUse <= (2 + 1) * 2)
        var rest = 0
        while try await iterator.next() != nil { rest += 1 }
        #expect(rest == 17)
        first = nil
        // The Dispatch block that handed over the last batch lets go of it just after resuming us.
        #expect(eventually { loader.batchBuffersInUse == 0 })
    }

    @Test("Cancelling the task that consumes the async view stops the workers")
    func asyncCancellation() async throws {
        let loader = try Self.loader(try LoaderFixtures.numberedDataset(train: 200), prefetch: 2)
        let (started, signal) = AsyncStream<Void>.makeStream()
        let task = Task {
            var count = 0
            for try await _ in loader.batches {
                count += 1
                if count == 1 { signal.yield() }
                try await Task.sleep(for: .milliseconds(20))
            }
            return count
        }
        for await _ in started { break }
        task.cancel()
        _ = await task.result
        #expect(eventually { threads(named: loader.workerThreadName) == 0 })
        #expect(eventually { loader.batchBuffersInUse == 0 })
        #expect(loader.state.position < 100)
    }

    @Test("Sensors with H ≠ W decode with their own height and width, flipped as their geotransforms say")
    func nonSquareSensors() throws {
        let dir = try LoaderFixtures.nonSquareDataset()
        for augmentation in [Augmentation(), Augmentation(flipsHorizontally: true, flipsVertically: true)] {
            let loader = try PairLoader(LoaderConfig(directory: dir, sensors: ["wide", "tall"], batchSize: 4, seed: 9, normalizes: false,
                                                     augmentation: augmentation))
            var samples = 0
            try loader.forEach { batch in
                for (name, h, w) in [("wide", 3, 5), ("tall", 5, 3)] {
                    let tensor = try #require(batch[name])
                    #expect(tensor.shape == [4, 1, h, w])
                    let values = tensor.values
                    for s in 0..<batch.count {
                        let gt = batch.geotransforms[name]![s]!.coefficients
                        let (flipH, flipV) = (gt[1] < 0, gt[5] > 0)
                        for r in 0..<h {
                            for c in 0..<w {
                                let (sr, sc) = (flipV ? h - 1 - r : r, flipH ? w - 1 - c : c)
                                #expect(values[(s * h + r) * w + c] == Float(sr * 10 + sc), "\(name) sample \(s) (\(r), \(c))")
                            }
                        }
                    }
                }
                samples += batch.count
            }
            #expect(samples == 8)
        }
        #expect(throws: LoaderError.self) {
            try PairLoader(LoaderConfig(directory: dir, sensors: ["wide"], batchSize: 2, augmentation: Augmentation(rotates90: true)))
        }
        #expect(throws: LoaderError.self) {
            try PairLoader(LoaderConfig(directory: dir, sensors: ["wide"], batchSize: 2, augmentation: Augmentation(cropSize: 10)))
        }
    }
}
