/// Why the parts of a partitioned build cannot be merged yet. It says what is wrong with which
/// part; the caller, which knows how it builds parts, says how to fix it (`build-dataset merge`
/// prints each part's build command).
public enum MergeRefusal: Error, CustomStringConvertible, Sendable {
    /// What is wrong with one part.
    public enum PartState: Sendable, Equatable {
        case missing
        /// Started and interrupted: building it again resumes.
        case unfinished
        /// Built from another manifest, inputs or part count: it must be rebuilt from scratch.
        case stale
    }

    /// The parts folder holds no part.
    case noParts(folder: String)
    /// The parts folder holds parts of several part counts.
    case mixedCounts(folder: String, counts: [Int])
    /// Some of the `count` parts are not ready.
    case unready(count: Int, parts: [(index: Int, state: PartState)])

    /// One part's problem in words.
    public static func describe(index: Int, count: Int, state: PartState) -> String {
        switch state {
        case .missing: "part \(index) of \(count) is missing"
        case .unfinished: "part \(index) of \(count) has not finished"
        case .stale: "part \(index) of \(count) is stale (another manifest, inputs or part count)"
        }
    }

    public var description: String {
        switch self {
        case .noParts(let folder): "\(folder) holds no parts"
        case .mixedCounts(let folder, let counts): "\(folder) holds parts of different counts \(counts): remove the stale ones"
        case .unready(let count, let parts): parts.map { Self.describe(index: $0.index, count: count, state: $0.state) }.joined(separator: "\n")
        }
    }
}
