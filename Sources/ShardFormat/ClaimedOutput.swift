import Foundation

/// A dataset directory claimed by one writer: checked, created and locked, with any earlier
/// dataset in it discarded on request or else refused if finished.
///
/// The checks come first because writing through a symbolic link could land anywhere, and
/// clearing a folder that is not a GeoPairs dataset (a typo in `--out`) would delete someone's
/// files. The lock (``DirectoryLock``) is held until the claim is released.
public final class ClaimedOutput {
    /// The dataset directory.
    public let directory: String
    private let lock: DirectoryLock

    /// The file a resumable build keeps its journal in (DatasetBuilder's `BuildJournal`); listed
    /// here because a dataset directory may hold it.
    public static let journalFileName = ".geopairs-journal.jsonl"

    /// What a dataset directory, finished or interrupted, may hold.
    /// (`part.json`: a part of a partitioned build, written by DatasetBuilder.)
    static let datasetEntries: Set<String> = ["dataset.json", journalFileName, DirectoryLock.fileName, "shards", "part.json"]

    /// Claims `directory` for writing a dataset.
    /// - Parameter discardingEarlierDataset: delete the shards, journal and `dataset.json` of any
    ///   earlier build first (`--force`); otherwise a directory that holds a finished dataset is
    ///   refused (``ShardError/Kind/outputInUse``).
    /// - Throws: ``ShardError`` when the directory is a symbolic link or holds anything but a
    ///   GeoPairs dataset's files, cannot be created, or another process holds it.
    public init(directory: String, discardingEarlierDataset: Bool = false) throws {
        self.directory = directory
        let fm = FileManager.default
        try Self.check(directory)
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ShardError(.io, file: directory, message: "cannot create the dataset directory: \(error.localizedDescription)")
        }
        lock = try DirectoryLock(directory: directory)
        if discardingEarlierDataset {
            for entry in ["shards", Self.journalFileName, "dataset.json"] { try? fm.removeItem(atPath: path(entry)) }
        }
        if fm.fileExists(atPath: path("dataset.json")) {
            throw ShardError(.outputInUse, file: directory, message: "already holds a finished dataset")
        }
    }

    /// The path of an entry of the directory.
    public func path(_ entry: String) -> String { (directory as NSString).appendingPathComponent(entry) }

    /// Throws when `directory` is a symbolic link or not a directory, or holds anything but a
    /// GeoPairs dataset's files (`shards/` with `.gpshard` and `.partial` files only).
    static func check(_ directory: String) throws {
        let fm = FileManager.default
        var info = stat()
        guard lstat(directory, &info) == 0 else { return }  // does not exist yet: it will be created
        guard (info.st_mode & S_IFMT) != S_IFLNK else {
            throw ShardError(.invalidArgument, file: directory, message: "is a symbolic link; give the directory it points to")
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else { throw ShardError(.invalidArgument, file: directory, message: "is not a directory") }
        let entries = (try? fm.contentsOfDirectory(atPath: directory)) ?? []
        var foreign = entries.filter { !datasetEntries.contains($0) }
        let shards = (directory as NSString).appendingPathComponent("shards")
        if entries.contains("shards") {
            var shardsInfo = stat()
            if lstat(shards, &shardsInfo) != 0 || (shardsInfo.st_mode & S_IFMT) != S_IFDIR {
                foreign.append("shards (not a directory)")
            } else {
                // Shards, and shards being written (`<shard>.<pid>.partial`).
                func isShardFile(_ name: String) -> Bool {
                    name.hasSuffix(".\(ShardLayout.fileExtension)")
                        || (name.hasSuffix(".partial") && name.contains(".\(ShardLayout.fileExtension)."))
                }
                foreign += ((try? fm.contentsOfDirectory(atPath: shards)) ?? []).filter { !isShardFile($0) }.map { "shards/\($0)" }
            }
        }
        guard foreign.isEmpty else {
            let shown = foreign.sorted().prefix(5).joined(separator: ", ") + (foreign.count > 5 ? ", …" : "")
            throw ShardError(.invalidArgument, file: directory,
                             message: "holds files that are not part of a GeoPairs dataset (\(shown)); choose a new or empty directory")
        }
    }
}
