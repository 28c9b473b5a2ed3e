import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tests' way to kill a tool mid-work without any clean-up (exit status 86), to prove that
/// interrupted work resumes. The threshold comes from an environment variable, and only debug
/// builds read it: in a release binary the hook is compiled out and never fires.
public struct SimulatedCrash {
    private let threshold: Int?

    /// Reads the threshold from `variable` (debug builds only).
    public init(variable: String) {
        #if DEBUG
        threshold = ProcessInfo.processInfo.environment[variable].flatMap(Int.init)
        #else
        threshold = nil
        #endif
    }

    /// Exits at once, as a crash would, when `progress` has reached the threshold.
    public func check(_ progress: Int) {
        if let threshold, progress >= threshold { _exit(86) }
    }
}
