/// The options of every program that reads a dataset, which may lie in a bucket: where shards are
/// cached, how large the cache may grow, and how long an unanswered request is retried. ObjectStore's
/// `DatasetStorageOpener.open(_:cache:cacheSize:remoteTimeout:)` takes their values.
public enum DatasetLocationOptions {
    /// The dataset argument of such a program.
    public static let dataset = Positional("DIR", "the dataset: a folder, or a bucket or URL (s3://…, gs://…, az://…, https://…, /vsis3/…)")

    public static let all: [Option] = [
        .text("cache", "DIR", help: "for a dataset in a bucket: download each shard whole into DIR on first use and read it\nfrom there (named by its SHA-256; shared by the processes of a node)"),
        .text("cache-size", "BYTES", help: "the bound of the cache, least recently used shards removed first (e.g. 500M, 20G; default 10G)"),
        .number("remote-timeout", "S", help: "keep retrying a request the storage does not answer for S seconds (default 300)"),
    ]
}
