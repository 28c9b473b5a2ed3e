import ShardFormat

/// How records are ordered each epoch.
public enum ShuffleMode: Sendable, Equatable, Codable {
    /// A new permutation of every record of the split each epoch, from `seed` and `epoch`
    /// (random access through the shard index).
    case global
    /// For slow or remote storage: shard order shuffled per epoch, `shards` shards read interleaved,
    /// records passed through a `buffer`-record shuffle buffer.
    case shardBuffered(shards: Int, buffer: Int)
    /// Shard order, record order.
    case none
}

/// What to do with the last records of an epoch that do not fill equal shares.
public enum RemainderPolicy: Sendable, Equatable, Codable {
    /// Drop them: every rank gets `⌊N / worldSize⌋` records and only whole batches.
    case drop
    /// Wrap around to the start of the epoch's order; wrapped samples are flagged `isPadding`.
    case pad
}

/// What to do with a record that fails to read or decode.
public enum CorruptRecordPolicy: Sendable, Equatable, Codable {
    /// Leave its slot empty (zeros, `isPadding`), count it, log it once, and go on.
    case skip
    /// Stop with a ``LoaderError`` naming the shard and record.
    case fail
}

/// Geometric augmentations that keep cross-sensor correspondence: the same ground window, flip
/// and rotation are applied to every sensor of a record.
public struct Augmentation: Sendable, Equatable, Codable {
    /// Ground size of a random square crop (CRS units, e.g. metres); `nil` keeps the whole patch.
    /// Crop offsets are multiples of the coarsest sensor's GSD, so every sensor's window is whole pixels.
    public var cropSize: Double?
    public var flipsHorizontally: Bool
    public var flipsVertically: Bool
    /// Random rotation by 0, 90, 180 or 270 degrees.
    public var rotates90: Bool

    public init(cropSize: Double? = nil, flipsHorizontally: Bool = false, flipsVertically: Bool = false, rotates90: Bool = false) {
        self.cropSize = cropSize
        self.flipsHorizontally = flipsHorizontally
        self.flipsVertically = flipsVertically
        self.rotates90 = rotates90
    }

    public var isIdentity: Bool { cropSize == nil && !flipsHorizontally && !flipsVertically && !rotates90 }
}

/// Everything a ``PairLoader`` needs to know.
public struct LoaderConfig: Sendable {
    public var directory: String
    public var split: String
    /// Sensors to load; only their frames are read and decompressed. Records without all of them are left out.
    public var sensors: [String]
    public var batchSize: Int
    public var shuffle: ShuffleMode
    public var seed: UInt64
    public var rank: Int
    public var worldSize: Int
    /// Decoding threads.
    public var workers: Int
    /// Batches decoded ahead of the consumer.
    public var prefetch: Int
    public var remainder: RemainderPolicy
    /// Normalise each band with `dataset.json` statistics (`(x − mean) / std`; invalid pixels → 0).
    public var normalizes: Bool
    /// Statistics used for normalising: a split's (default `train`), falling back to all records'.
    public var statisticsSplit: String
    public var augmentation: Augmentation
    public var corruptRecords: CorruptRecordPolicy
    /// Give each sample's geotransforms, read from the shard index (format 2: no JSON is parsed;
    /// format-1 datasets decode each record's JSON header, ≈ 35 µs per sample). Off: batches carry
    /// keys but no geotransforms (`nil`).
    public var includesGeotransforms: Bool
    /// Give each sample's attributes (e.g. labels), which live in the record's JSON header: each
    /// sample then costs a header read and parse. Off: empty attributes.
    public var includesAttributes: Bool
    /// Where the dataset's bytes come from; `nil`: the local directory `directory`. For a bucket,
    /// module ObjectStore's `RemoteStorage` (with its ranged requests, retry policy and local
    /// shard cache: `--cache DIR --cache-size BYTES`), so that this module never links a network library.
    public var storage: (any DatasetStorage)?

    public init(directory: String, split: String = "train", sensors: [String], batchSize: Int, shuffle: ShuffleMode = .global,
                seed: UInt64 = 0, rank: Int = 0, worldSize: Int = 1, workers: Int = 2, prefetch: Int = 4,
                remainder: RemainderPolicy = .drop, normalizes: Bool = true, statisticsSplit: String = "train",
                augmentation: Augmentation = Augmentation(), corruptRecords: CorruptRecordPolicy = .fail,
                includesGeotransforms: Bool = true, includesAttributes: Bool = false, storage: (any DatasetStorage)? = nil) {
        self.directory = directory
        self.split = split
        self.sensors = sensors
        self.batchSize = batchSize
        self.shuffle = shuffle
        self.seed = seed
        self.rank = rank
        self.worldSize = worldSize
        self.workers = workers
        self.prefetch = prefetch
        self.remainder = remainder
        self.normalizes = normalizes
        self.statisticsSplit = statisticsSplit
        self.augmentation = augmentation
        self.corruptRecords = corruptRecords
        self.includesGeotransforms = includesGeotransforms
        self.includesAttributes = includesAttributes
        self.storage = storage
    }
}

/// Where a loader is: resuming with the same configuration and this state continues with exactly
/// the batches an uninterrupted run would have produced.
public struct LoaderState: Sendable, Equatable, Codable {
    public var seed: UInt64
    public var epoch: Int
    /// Batches of this epoch already delivered to this rank.
    public var position: Int

    public init(seed: UInt64, epoch: Int = 0, position: Int = 0) {
        self.seed = seed
        self.epoch = epoch
        self.position = position
    }
}
