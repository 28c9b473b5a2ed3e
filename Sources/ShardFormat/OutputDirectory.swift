import Foundation

/// The checks a dataset writer makes before it creates, resumes or clears an output directory:
/// writing through a symbolic link could land anywhere, and clearing a folder that is not a
/// GeoPairs dataset (a typo in `--out`) would delete someone's files.
enum OutputDirectory {
    /// What a dataset directory, finished or interrupted, may hold.
    /// (`part.json`: a part of a partitioned build, written by DatasetBuilder.)
    static let datasetEntries: Set<String> = ["dataset.json", BuildJournal.fileName, DirectoryLock.fileName, "shards", "part.json"]

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
