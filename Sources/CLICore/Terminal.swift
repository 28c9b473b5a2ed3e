import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard error and terminal detection.
public enum Terminal {
    /// Writes text to standard error as it is (no newline added).
    public static func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Writes a line to standard error.
    public static func error(_ message: String) {
        write(message.hasSuffix("\n") ? message : message + "\n")
    }

    /// Whether standard error is a terminal (progress lines redraw in place only there).
    public static var isInteractive: Bool { isatty(2) != 0 }
}
