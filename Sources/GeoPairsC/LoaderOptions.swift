import Foundation
import ObjectStore
import PairLoader
import ShardFormat

/// The JSON configuration of `gp_loader_open` (snake_case, as Python writes it). Every key but
/// `dataset` and `sensors` is optional and defaults as ``LoaderConfig`` does; an unknown key is an
/// error naming it, so that a misspelt option never silently keeps its default.
struct LoaderOptions: Decodable {
    var dataset: String
    var sensors: [String]
    var split: String?
    var batch_size: Int?
    /// `global` (default), `buffered` (shard order shuffled, records through a shuffle buffer) or `none`.
    var shuffle: String?
    var shuffle_shards: Int?
    var shuffle_buffer: Int?
    var seed: UInt64?
    var rank: Int?
    var world_size: Int?
    var workers: Int?
    var prefetch: Int?
    /// `drop` (default) or `pad`.
    var remainder: String?
    var normalize: Bool?
    var statistics_split: String?
    var crop_size: Double?
    var horizontal_flip: Bool?
    var vertical_flip: Bool?
    var rotate90: Bool?
    /// `fail` (default) or `skip`.
    var corrupt_records: String?
    var metadata: Bool?
    var attributes: Bool?
    var cache: String?
    var cache_size: String?
    var remote_timeout: String?

    static let keys: Set<String> = [
        "dataset", "sensors", "split", "batch_size", "shuffle", "shuffle_shards", "shuffle_buffer", "seed", "rank",
        "world_size", "workers", "prefetch", "remainder", "normalize", "statistics_split", "crop_size", "horizontal_flip",
        "vertical_flip", "rotate90", "corrupt_records", "metadata", "attributes", "cache", "cache_size", "remote_timeout",
    ]

    /// Parses and checks `text`; errors name the key.
    static func parse(_ text: String) throws -> LoaderOptions {
        try decodeStrictly(text, keys: keys, what: "loader configuration")
    }

    /// The loader configuration, with the dataset's storage opened (a bucket with its cache options).
    func config() throws -> LoaderConfig {
        let shuffleMode: ShuffleMode
        switch shuffle ?? "global" {
        case "global": shuffleMode = .global
        case "none": shuffleMode = .none
        case "buffered":
            let (shards, buffer) = (shuffle_shards ?? 4, shuffle_buffer ?? 1024)
            guard shards > 0, buffer > 0 else { throw CFailure(.argument, "shuffle_shards and shuffle_buffer must be positive, got \(shards) and \(buffer)") }
            shuffleMode = .shardBuffered(shards: shards, buffer: buffer)
        case let other: throw CFailure(.argument, "shuffle must be \"global\", \"buffered\" or \"none\", got \"\(other)\"")
        }
        let remainderPolicy: RemainderPolicy
        switch remainder ?? "drop" {
        case "drop": remainderPolicy = .drop
        case "pad": remainderPolicy = .pad
        case let other: throw CFailure(.argument, "remainder must be \"drop\" or \"pad\", got \"\(other)\"")
        }
        let corruptPolicy: CorruptRecordPolicy
        switch corrupt_records ?? "fail" {
        case "fail": corruptPolicy = .fail
        case "skip": corruptPolicy = .skip
        case let other: throw CFailure(.argument, "corrupt_records must be \"fail\" or \"skip\", got \"\(other)\"")
        }
        let storage = try DatasetOptions(dataset: dataset, cache: cache, cache_size: cache_size, remote_timeout: remote_timeout).storage()
        return LoaderConfig(
            directory: dataset, split: split ?? "train", sensors: sensors, batchSize: batch_size ?? 32, shuffle: shuffleMode,
            seed: seed ?? 0, rank: rank ?? 0, worldSize: world_size ?? 1, workers: workers ?? 2, prefetch: prefetch ?? 4,
            remainder: remainderPolicy, normalizes: normalize ?? true, statisticsSplit: statistics_split ?? "train",
            augmentation: Augmentation(cropSize: crop_size, flipsHorizontally: horizontal_flip ?? false,
                                       flipsVertically: vertical_flip ?? false, rotates90: rotate90 ?? false),
            corruptRecords: corruptPolicy, includesGeotransforms: metadata ?? false, includesAttributes: attributes ?? false,
            storage: storage)
    }
}

/// Where a dataset is, for `gp_dataset_open`: the location and, for a bucket, the cache options.
struct DatasetOptions: Decodable {
    var dataset: String
    var cache: String?
    var cache_size: String?
    var remote_timeout: String?

    static func parse(_ text: String) throws -> DatasetOptions {
        try decodeStrictly(text, keys: ["dataset", "cache", "cache_size", "remote_timeout"], what: "dataset options")
    }

    func storage() throws -> any DatasetStorage {
        do {
            return try DatasetStorageOpener.open(dataset, cache: cache, cacheSize: cache_size, remoteTimeout: remote_timeout)
        } catch {
            throw CFailure(.argument, "\(error)")
        }
    }
}

/// Decodes a JSON object of known keys: an unknown key, a missing required one or a value of the
/// wrong type is an argument error naming the key.
func decodeStrictly<T: Decodable>(_ text: String, keys: Set<String>, what: String) throws -> T {
    let data = Data(text.utf8)
    guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: data) else {
        throw CFailure(.argument, "the \(what) is not a JSON object: \(text.prefix(200))")
    }
    if let unknown = object.keys.sorted().first(where: { !keys.contains($0) }) {
        throw CFailure(.argument, "the \(what) has an unknown key \"\(unknown)\" (known: \(keys.sorted().joined(separator: ", ")))")
    }
    do {
        return try JSONDecoder().decode(T.self, from: data)
    } catch let DecodingError.keyNotFound(key, _) {
        throw CFailure(.argument, "the \(what) needs \"\(key.stringValue)\"")
    } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        throw CFailure(.argument, "the \(what)'s \"\(path)\" has the wrong type: \(context.debugDescription)")
    } catch let DecodingError.dataCorrupted(context) {
        let path = context.codingPath.map(\.stringValue).joined(separator: ".")
        throw CFailure(.argument, "the \(what)'s \"\(path)\" is invalid: \(context.debugDescription)")
    }
}
