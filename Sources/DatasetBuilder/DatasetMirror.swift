import ShardFormat

/// A copy of a dataset being written somewhere else, such as a bucket: a resumable build
/// (``ResumableDatasetWriter``) writes shards with ShardFormat's `DatasetWriter` in a local
/// staging directory and hands each one over as it completes, then its journal line,
/// and `dataset.json` last, so the copy is finished exactly when its `dataset.json` exists.
///
/// The copy's journal is the truth about progress: a rerun (on any machine) takes it from the copy
/// and keeps the shards the copy holds.
public protocol DatasetMirror: AnyObject {
    /// Where the copy is, for messages.
    var location: String { get }
    /// True when the copy already has a `dataset.json`.
    func hasFinishedDataset() throws -> Bool
    /// Deletes everything of an earlier build in the copy (`--force`).
    func clear() throws
    /// The journal lines an earlier run published (header first), or none.
    func journalLines() throws -> [[UInt8]]
    /// Replaces the published journal by exactly these lines (none: removes it).
    func replaceJournal(_ lines: [[UInt8]]) throws
    /// True when the copy holds the shard, whole.
    func holds(_ shard: ShardInfo) throws -> Bool
    /// Publishes a completed shard from its local file, then its journal line (`number` counts
    /// lines from 0, the header being line 0); only after both may the local file go.
    func publish(shard localPath: String, info: ShardInfo, journalLine: [UInt8], number: Int) throws
    /// Publishes `dataset.json`: the commit point.
    func publishIndex(_ bytes: [UInt8]) throws
}
