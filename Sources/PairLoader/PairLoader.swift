import Foundation
import ShardFormat

/// A streaming training loader over a GeoPairs dataset.
///
/// ```swift
/// let loader = try PairLoader(LoaderConfig(directory: "ds", split: "train", sensors: ["s1", "s2"], batchSize: 32))
/// for epoch in 0..<10 {
///     loader.setEpoch(epoch)
///     for batch in loader { train(batch["s1"]!, batch["s2"]!) }
///     let saved = loader.state          // Codable: resume with PairLoader(config, state: saved)
/// }
/// ```
///
/// Each epoch's order is a pure function of `(seed, epoch, rank, worldSize)`; batches are decoded by
/// `workers` threads, `prefetch` ahead, into pooled buffers. Memory stays bounded by about
/// `(prefetch + workers)` batches whatever the dataset size.
public final class PairLoader: Sequence, @unchecked Sendable {
    public let config: LoaderConfig
    public let reader: DatasetReader
    /// Records of the split that hold every requested sensor.
    public let records: [DatasetReader.Location]
    private let layouts: [SampleDecoder.SensorLayout]
    private let patchSize: Double
    private let coarsestGSD: Double
    private let pool: BufferPool
    private let lock = NSLock()
    private var current: LoaderState
    private var skipped: [String] = []
    private var lastFailure: LoaderError?
    /// The name this loader's worker threads carry while they decode (as `top -H`, `gdb` and
    /// `/proc/<pid>/task/*/comm` show it; at most 15 bytes, Linux's limit).
    public let workerThreadName: String
    private static let created = NSLock()
    nonisolated(unsafe) private static var count = 0

    /// Opens the dataset and checks the configuration.
    /// - Parameter state: where to continue (a state saved from an earlier run with the same configuration).
    public init(_ config: LoaderConfig, state: LoaderState? = nil) throws {
        guard config.batchSize > 0, config.worldSize > 0, (0..<config.worldSize).contains(config.rank),
              config.workers > 0, config.prefetch > 0, !config.sensors.isEmpty else {
            throw LoaderError("invalid loader configuration: batchSize, workers, prefetch and worldSize must be positive, 0 ≤ rank < worldSize, sensors non-empty")
        }
        if let state { try Self.check(state, seed: config.seed) }
        self.config = config
        reader = try config.storage.map { try DatasetReader(storage: $0) } ?? DatasetReader(directory: config.directory)
        let index = reader.index
        guard index.splits[config.split] != nil else {
            throw LoaderError("\(config.directory) has no split \"\(config.split)\" (splits: \(index.splits.keys.sorted().joined(separator: ", ")))")
        }
        patchSize = index.grid?.patchSize ?? 0
        var layouts: [SampleDecoder.SensorLayout] = []
        let statistics = index.splitStatistics[config.statisticsSplit] ?? index.statistics
        for name in config.sensors {
            guard let schema = index.sensor(name) else {
                throw LoaderError("\(config.directory) has no sensor \"\(name)\" (sensors: \(index.sensors.map(\.name).joined(separator: ", ")))")
            }
            // dataset.json was validated when it was opened: shape is three positive numbers, and
            // a gsd, when given, spans the patch in both directions.
            let (height, width) = (schema.shape[1], schema.shape[2])
            let gsd = schema.gsd ?? (height == width && patchSize > 0 ? patchSize / Double(width) : nil)
            var (outHeight, outWidth) = (height, width)
            if let crop = config.augmentation.cropSize {
                guard let gsd, patchSize > 0 else {
                    throw LoaderError("cropping needs every sensor's ground sample distance and the grid's patch size; \(name) has none in dataset.json")
                }
                let pixels = crop / gsd
                guard crop > 0, crop <= patchSize, abs(pixels - pixels.rounded()) < 1e-9 else {
                    throw LoaderError("crop of \(crop) is not a whole number of \(name) pixels (GSD \(gsd)) within the \(patchSize) patch")
                }
                (outHeight, outWidth) = (Int(pixels.rounded()), Int(pixels.rounded()))
            }
            if config.augmentation.rotates90 && height != width {
                throw LoaderError("90° rotations need square patches; \(name) is \(height)×\(width)")
            }
            let stats = statistics[name] ?? []
            let mean = (0..<schema.shape[0]).map { Float(stats.indices.contains($0) ? stats[$0].mean : 0) }
            let scale = (0..<schema.shape[0]).map { b -> Float in
                let std = stats.indices.contains(b) ? stats[b].standardDeviation : 1
                return std > 0 ? Float(1 / std) : 1
            }
            layouts.append(.init(name: name, schema: schema, gsd: gsd ?? 0, outHeight: outHeight, outWidth: outWidth, mean: mean, scale: scale))
        }
        self.layouts = layouts
        coarsestGSD = layouts.map(\.gsd).max() ?? 1
        // Only records that hold every requested sensor (known from the shard index alone).
        let reader = reader
        records = reader.locations(split: config.split).filter { loc in
            let shard = reader.shards[loc.shard]
            let wanted = Set(config.sensors.compactMap { shard.sensors.firstIndex(of: $0) })
            let have = Set(shard.entries[loc.record].frames.filter { $0.kind == .data }.map(\.sensorIndex))
            return wanted.count == config.sensors.count && wanted.isSubset(of: have)
        }
        pool = BufferPool(capacity: (config.prefetch + config.workers + 2) * config.sensors.count)
        current = state ?? LoaderState(seed: config.seed)
        workerThreadName = "geopairs-\(Self.created.withLock { Self.count += 1; return Self.count % 100_000 })"
    }

    /// The loader's position: save it (Codable) to resume exactly.
    public var state: LoaderState { lock.withLock { current } }

    /// Records skipped as corrupt so far (policy `skip`), as "shard, record (key): reason". The
    /// loader reports through this and ``failure``; it never prints.
    public var skippedRecords: [String] { lock.withLock { skipped } }

    /// Batch buffers handed out and not yet released (a leak check: 0 once every batch is gone).
    public var batchBuffersInUse: Int { pool.inUse }

    /// The error that ended the last iteration early (policy `fail`), if any.
    public var failure: LoaderError? { lock.withLock { lastFailure } }

    /// Moves to an epoch; its first batch is next unless it is the epoch the state is already in.
    public func setEpoch(_ epoch: Int) {
        precondition(epoch >= 0, "PairLoader.setEpoch: epochs count from 0, got \(epoch)")
        lock.withLock {
            if current.epoch != epoch { current = LoaderState(seed: config.seed, epoch: epoch, position: 0) }
        }
    }

    /// Continues from a saved state (same configuration): the next pass starts with the batch an
    /// uninterrupted run would have delivered next. Passes already started keep their position.
    public func restore(_ state: LoaderState) throws {
        try Self.check(state, seed: config.seed)
        lock.withLock { current = state }
    }

    private static func check(_ state: LoaderState, seed: UInt64) throws {
        if state.seed != seed {
            throw LoaderError("the saved state has seed \(state.seed), the configuration \(seed)")
        }
        if state.epoch < 0 || state.position < 0 {
            throw LoaderError("the saved state's epoch (\(state.epoch)) and position (\(state.position)) must be 0 or more")
        }
    }

    /// Batches per epoch for this rank. O(records): it lays out the current epoch's plan.
    public var batchesPerEpoch: Int { plan(epoch: state.epoch).batches.count }

    /// The C×H×W shape of a sensor's patches as the dataset stores them (before any crop), or nil
    /// when the dataset has no such sensor.
    public func patchShape(of sensor: String) -> [Int]? { reader.index.sensor(sensor)?.shape }

    func plan(epoch: Int) -> EpochPlan {
        EpochPlan(records: records, shardOf: { $0.shard }, config: config, epoch: epoch)
    }

    /// Iterates the rest of the current epoch.
    public func makeIterator() -> Iterator { Iterator(loader: self) }

    /// Calls `body` for every remaining batch of the current epoch; rethrows a loader failure.
    public func forEach(_ body: (Batch) throws -> Void) throws {
        let iterator = makeIterator()
        while let batch = try iterator.nextBatch() { try body(batch) }
    }

    /// The remaining batches of the current epoch as an `AsyncSequence`. Batches are pulled one at a
    /// time, so memory stays bounded as with the iterator; decoding runs on the loader's workers,
    /// the wait for a batch on a Dispatch thread (never blocking Swift's cooperative pool).
    /// Cancelling the consuming task, or dropping its iterator, stops the workers.
    public var batches: AsyncBatches { AsyncBatches(loader: self) }

    /// See ``PairLoader/batches``.
    public struct AsyncBatches: AsyncSequence, Sendable {
        public typealias Element = Batch
        let loader: PairLoader

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(iterator: loader.makeIterator()) }

        public struct AsyncIterator: AsyncIteratorProtocol {
            let iterator: Iterator

            /// The next batch; `nil` at the end of the epoch or after cancellation; throws a
            /// ``LoaderError`` under policy `fail`.
            public mutating func next() async throws -> Batch? {
                let iterator = self.iterator
                return try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        DispatchQueue.global().async { continuation.resume(with: Result { try iterator.nextBatch() }) }
                    }
                } onCancel: {
                    iterator.prefetcher.cancel()    // must not block; releasing the iterator joins the workers
                }
            }
        }
    }

    /// A pass over the rest of the current epoch. Releasing it (the end of a `for` loop, a `break`,
    /// a thrown error) or `stop()` stops its workers, waits for them and frees prefetched batches.
    public final class Iterator: IteratorProtocol, @unchecked Sendable {
        private let loader: PairLoader
        let prefetcher: BatchPrefetcher
        private let epoch: Int

        init(loader: PairLoader) {
            self.loader = loader
            let state = loader.state
            epoch = state.epoch
            let plan = loader.plan(epoch: state.epoch)
            let batches = plan.batches
            let config = loader.config
            prefetcher = BatchPrefetcher(range: Swift.min(state.position, batches.count)..<batches.count, workers: config.workers,
                                         prefetch: config.prefetch, threadName: loader.workerThreadName) { [loader, epoch = state.epoch] in
                let decoder = SampleDecoder(reader: loader.reader, layouts: loader.layouts, config: config,
                                            patchSize: loader.patchSize, coarsestGSD: loader.coarsestGSD)
                return { index in try loader.assemble(batches[index], index: index, epoch: epoch, decoder: decoder) }
            }
        }

        deinit { prefetcher.stop() }

        /// The next batch; throws a ``LoaderError`` under policy `fail`.
        public func nextBatch() throws -> Batch? {
            guard let batch = try prefetcher.take() else { return nil }
            loader.lock.withLock {
                if loader.current.epoch == epoch { loader.current.position = batch.index + 1 }
            }
            return batch
        }

        /// `IteratorProtocol`: like ``nextBatch()``, but a failure ends the iteration and is kept in
        /// ``PairLoader/failure``.
        public func next() -> Batch? {
            do {
                return try nextBatch()
            } catch {
                let failure = error as? LoaderError ?? LoaderError("\(error)")
                loader.lock.withLock { loader.lastFailure = failure }
                return nil
            }
        }

        /// Stops decoding and waits until no worker runs; later calls to ``nextBatch()`` return `nil`.
        public func stop() { prefetcher.stop() }

        /// Workers still decoding (0 once the pass has ended or stopped).
        public var runningWorkers: Int { prefetcher.runningWorkers }


    }

    /// Decodes one batch (on a worker thread).
    func assemble(_ slots: [SampleSlot], index: Int, epoch: Int, decoder: SampleDecoder) throws -> Batch {
        let b = slots.count
        let tensors = layouts.map { l in
            SensorBatch(sensor: l.name, shape: [b, l.schema.shape[0], l.outHeight, l.outWidth], pool: pool)
        }
        var keys: [String] = [], transforms: [String: [GeoTransform?]] = [:], attributes: [[String: AttributeValue]] = []
        var padding: [Bool] = []
        // Records in remote storage are fetched first, 16 requests at a time, so that request
        // latency overlaps instead of adding up; local files (and cached shards) are read as decoded.
        let remote = slots.indices.filter { reader.shards[slots[$0].location.shard].source.fetchesAhead }
        var fetched: [Result<FetchedFrames, any Error>?] = Array(repeating: nil, count: b)
        if !remote.isEmpty {
            let wanted = remote.map { decoder.frames(of: slots[$0]) }
            let shards = remote.map { reader.shards[slots[$0].location.shard] }
            let results = ConcurrentMap.run(count: remote.count, width: 16) { i in Result { try shards[i].fetch(wanted[i]) } }
            for (i, result) in zip(remote, results) { fetched[i] = result }
        }
        for (i, slot) in slots.enumerated() {
            do {
                let sample: SampleDecoder.DecodedSample
                do {
                    sample = try decoder.decode(slot, epoch: epoch, into: i, tensors: tensors, fetched: try fetched[i]?.get())
                } catch let error as ShardError where error.kind != .notFound && reader.shards[slot.location.shard].source.discardCachedCopy() {
                    // Damaged bytes from a local cache: once more from the origin.
                    sample = try decoder.decode(slot, epoch: epoch, into: i, tensors: tensors, fetched: nil)
                }
                keys.append(sample.key)
                for (l, gt) in zip(layouts, sample.geotransforms) { transforms[l.name, default: []].append(gt) }
                attributes.append(sample.attributes)
                padding.append(slot.isPadding)
            } catch {
                let shardFile = reader.index.shards[slot.location.shard].file
                let key = reader.key(at: slot.location)
                let what = "\(shardFile), record \(slot.location.record) (\(key)): \(error)"
                // Storage that stays unreachable past its retry policy is an outage, not a damaged
                // record: skipping would silently empty the epoch.
                if (error as? ShardError)?.kind == .io { throw LoaderError("cannot read \(what)") }
                if config.corruptRecords == .fail { throw LoaderError("corrupt record in \(what)") }
                lock.withLock { skipped.append(what) }
                for t in tensors { t.zeroSample(i) }
                for l in layouts { transforms[l.name, default: []].append(nil) }
                keys.append(key)
                attributes.append([:])
                padding.append(true)
            }
        }
        return Batch(index: index, epoch: epoch, sensors: Dictionary(uniqueKeysWithValues: zip(config.sensors, tensors)), keys: keys,
                     geotransforms: transforms, attributes: attributes, isPadding: padding)
    }
}
