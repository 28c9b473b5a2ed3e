/// Process exit codes shared by the GeoPairs tools.
public enum ExitCode: Int32, Sendable {
    /// Everything worked (and, for `verify`, the data is sound).
    case success = 0
    /// The work failed, or a check found problems.
    case failure = 1
    /// The command line was wrong.
    case usage = 2
}
