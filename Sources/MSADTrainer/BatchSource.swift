import PairLoader

/// Where the trainer's batches come from: one batch after another across epoch boundaries, with a
/// position that is saved with each checkpoint, so that a resumed run continues exactly.
///
/// The trainer knows nothing else of its data; ``LoaderBatches`` serves it from a ``PairLoader``.
public protocol BatchSource: AnyObject {
    /// The C×H×W shape of a sensor's patches, or nil when the source does not hold that sensor.
    func patchShape(of sensor: String) -> [Int]?
    /// Records one epoch draws from.
    var recordCount: Int { get }
    /// Whole batches in one epoch (training needs at least one).
    var batchesPerEpoch: Int { get }
    /// The position: the epoch, and the batches of it already delivered.
    var state: LoaderState { get }
    /// The next batch, moving on to the next epoch when one ends.
    func nextBatch() throws -> Batch
}

/// A ``BatchSource`` over a ``PairLoader``: it iterates one epoch, then sets the next.
public final class LoaderBatches: BatchSource {
    private let loader: PairLoader
    private var iterator: PairLoader.Iterator?

    /// Serves `loader`'s batches from its current state on.
    public init(_ loader: PairLoader) { self.loader = loader }

    deinit { iterator?.stop() }

    public func patchShape(of sensor: String) -> [Int]? { loader.patchShape(of: sensor) }
    public var recordCount: Int { loader.records.count }
    public var batchesPerEpoch: Int { loader.batchesPerEpoch }
    public var state: LoaderState { loader.state }

    /// - Throws: the loader's error, or ``TrainingError`` when a whole epoch yields no batch.
    public func nextBatch() throws -> Batch {
        for _ in 0..<2 {
            if iterator == nil { iterator = loader.makeIterator() }
            if let batch = try iterator!.nextBatch() { return batch }
            iterator = nil
            loader.setEpoch(loader.state.epoch + 1)
        }
        throw TrainingError("an epoch of split \"\(loader.config.split)\" yielded no batch")
    }
}
