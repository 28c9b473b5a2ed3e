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

    /// Opens the dataset and checks the configuration.
    /// - Parameter state: where to continue (a state saved from an earlier run with the same configuration).
    public init(_ config: LoaderConfig, state: LoaderState? = nil) throws {
        guard config.batchSize > 0, config.worldSize > 0, (0..<config.worldSize).contains(config.rank),
              config.workers > 0, config.prefetch > 0, !config.sensors.isEmpty else {
            throw LoaderError("invalid loader configuration: batchSize, workers, prefetch and worldSize must be positive, 0 ≤ rank < worldSize, sensors non-empty")
        }
        if let state, state.seed != config.seed {
            throw LoaderError("the saved state has seed \(state.seed), the configuration \(config.seed)")
        }
        self.config = config
        reader = try DatasetReader(directory: config.directory)
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
            let gsd = schema.gsd ?? (patchSize / Double(schema.shape[2]))
            var outSize = schema.shape[2]
            if let crop = config.augmentation.cropSize {
                let pixels = crop / gsd
                guard crop > 0, crop <= patchSize, abs(pixels - pixels.rounded()) < 1e-9 else {
                    throw LoaderError("crop of \(crop) is not a whole number of \(name) pixels (GSD \(gsd)) within the \(patchSize) patch")
                }
                outSize = Int(pixels.rounded())
            }
            if config.augmentation.rotate90 && schema.shape[1] != schema.shape[2] {
                throw LoaderError("90° rotations need square patches; \(name) is \(schema.shape[1])×\(schema.shape[2])")
            }
            let stats = statistics[name] ?? []
            let mean = (0..<schema.shape[0]).map { Float(stats.indices.contains($0) ? stats[$0].mean : 0) }
            let scale = (0..<schema.shape[0]).map { b -> Float in
                let std = stats.indices.contains(b) ? stats[b].standardDeviation : 1
                return std > 0 ? Float(1 / std) : 1
            }
            layouts.append(.init(name: name, schema: schema, gsd: gsd, outSize: outSize, mean: mean, scale: scale))
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
    }

    /// The loader's position: save it (Codable) to resume exactly.
    public var state: LoaderState { lock.withLock { current } }

    /// Records skipped as corrupt so far (policy `skip`), as "shard, record (key): reason".
    public var skippedRecords: [String] { lock.withLock { skipped } }

    /// The error that ended the last iteration early (policy `fail`), if any.
    public var failure: LoaderError? { lock.withLock { lastFailure } }

    /// Moves to an epoch; its first batch is next unless it is the epoch the state is already in.
    public func setEpoch(_ epoch: Int) {
        lock.withLock {
            if current.epoch != epoch { current = LoaderState(seed: config.seed, epoch: epoch, position: 0) }
        }
    }

    /// Batches per epoch for this rank.
    public var batchesPerEpoch: Int { plan(epoch: state.epoch).batches.count }

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

    /// The remaining batches of the current epoch as an `AsyncSequence` (decoding still runs on the
    /// loader's threads; errors are thrown).
    public var batches: AsyncThrowingStream<Batch, any Error> {
        let iterator = makeIterator()
        return AsyncThrowingStream { continuation in
            let thread = Thread {
                do {
                    while let batch = try iterator.nextBatch() {
                        if case .terminated = continuation.yield(batch) { break }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
                iterator.stop()
            }
            continuation.onTermination = { _ in iterator.stop() }
            thread.start()
        }
    }

    /// A pass over the rest of the current epoch. Dropping it (or `stop()`) ends its threads.
    public final class Iterator: IteratorProtocol, @unchecked Sendable {
        private let loader: PairLoader
        private let prefetcher: BatchPrefetcher
        private let epoch: Int

        init(loader: PairLoader) {
            self.loader = loader
            let state = loader.state
            epoch = state.epoch
            let plan = loader.plan(epoch: state.epoch)
            let batches = plan.batches
            let config = loader.config
            prefetcher = BatchPrefetcher(range: Swift.min(state.position, batches.count)..<batches.count, workers: config.workers,
                                         prefetch: config.prefetch) { [loader, epoch = state.epoch] in
                let decoder = SampleDecoder(reader: loader.reader, layouts: loader.layouts, config: config,
                                            patchSize: loader.patchSize, coarsestGSD: loader.coarsestGSD)
                return { index in try loader.assemble(batches[index], index: index, epoch: epoch, decoder: decoder) }
            }
        }

        /// The next batch; throws a ``LoaderError`` under policy `fail`.
        public func nextBatch() throws -> Batch? {
            guard let batch = try prefetcher.take() else { return nil }
            loader.lock.withLock {
                if loader.current.epoch == epoch { loader.current.position = batch.index + 1 }
            }
            return batch
        }

        /// `IteratorProtocol`: like ``nextBatch()``, but a failure ends the iteration and is kept in
        /// ``PairLoader/failure`` (and printed to stderr).
        public func next() -> Batch? {
            do {
                return try nextBatch()
            } catch {
                let failure = error as? LoaderError ?? LoaderError("\(error)")
                loader.lock.withLock { loader.lastFailure = failure }
                FileHandle.standardError.write(Data("PairLoader: \(failure)\n".utf8))
                return nil
            }
        }

        /// Stops decoding and waits for the worker threads to exit.
        public func stop() { prefetcher.stop() }

        /// Worker threads still running.
        public var runningWorkers: Int { prefetcher.runningWorkers }
    }

    /// Decodes one batch (on a worker thread).
    func assemble(_ slots: [SampleSlot], index: Int, epoch: Int, decoder: SampleDecoder) throws -> Batch {
        let b = slots.count
        let tensors = layouts.map { l in
            SensorBatch(sensor: l.name, shape: [b, l.schema.shape[0], l.outSize, l.outSize], pool: pool)
        }
        var keys: [String] = [], transforms: [String: [[Double]]] = [:], attributes: [[String: AttributeValue]] = []
        var padding: [Bool] = []
        for (i, slot) in slots.enumerated() {
            do {
                let sample = try decoder.decode(slot, epoch: epoch, into: i, tensors: tensors)
                keys.append(sample.key)
                for (l, gt) in zip(layouts, sample.geotransforms) { transforms[l.name, default: []].append(gt) }
                attributes.append(sample.attributes)
                padding.append(slot.isPadding)
            } catch {
                let shardFile = reader.index.shards[slot.location.shard].file
                let key = reader.key(at: slot.location)
                let what = "\(shardFile), record \(slot.location.record) (\(key)): \(error)"
                if config.corruptRecords == .fail { throw LoaderError("corrupt record in \(what)") }
                lock.withLock {
                    if skipped.isEmpty { FileHandle.standardError.write(Data("PairLoader: skipping corrupt record in \(what)\n".utf8)) }
                    skipped.append(what)
                }
                for (l, t) in zip(layouts, tensors) {
                    let per = l.schema.shape[0] * l.outSize * l.outSize
                    (t.data.baseAddress! + i * per).update(repeating: 0, count: per)
                    (t.mask.baseAddress! + i * l.outSize * l.outSize).update(repeating: 0, count: l.outSize * l.outSize)
                    transforms[l.name, default: []].append([])
                }
                keys.append(key)
                attributes.append([:])
                padding.append(true)
            }
        }
        return Batch(index: index, epoch: epoch, sensors: Dictionary(uniqueKeysWithValues: zip(config.sensors, tensors)), keys: keys,
                     geotransforms: transforms, attributes: attributes, isPadding: padding)
    }
}
