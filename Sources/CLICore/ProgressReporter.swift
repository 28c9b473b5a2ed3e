import Foundation

/// Progress of long work on standard error: one line redrawn in place on a terminal, a plain log
/// line every few seconds otherwise (CI logs, files). Thread-safe.
public final class ProgressReporter: @unchecked Sendable {
    private let label: String
    private let total: Int?
    private let interactive: Bool
    private let logInterval: TimeInterval
    private let start = Date()
    private lazy var lastPrint = start  // nothing is printed for work that ends within the first interval
    private let lock = NSLock()

    public init(label: String, total: Int?, interactive: Bool = Terminal.isInteractive, logInterval: TimeInterval = 5) {
        self.label = label
        self.total = total
        self.interactive = interactive
        self.logInterval = logInterval
    }

    /// Reports `done` units and extra detail (e.g. `records 120, 35.2 MB`); rate-limited.
    public func update(done: Int, detail: String = "", force: Bool = false) {
        lock.withLock {
            let now = Date()
            guard force || now.timeIntervalSince(lastPrint) >= (interactive ? 0.2 : logInterval) else { return }
            lastPrint = now
            let elapsed = now.timeIntervalSince(start)
            var line = "\(label): \(done)"
            if let total, total > 0 {
                line += "/\(total) (\(Int(100 * Double(done) / Double(total)))%)"
            }
            if elapsed > 0 { line += String(format: ", %.1f/s", Double(done) / elapsed) }
            if let total, done > 0, done < total {
                let eta = elapsed / Double(done) * Double(total - done)
                line += String(format: ", ETA %.0fs", eta)
            }
            if !detail.isEmpty { line += ", " + detail }
            if interactive {
                Terminal.write("\r\u{1B}[K" + line)
            } else {
                Terminal.write(line + "\n")
            }
        }
    }

    /// Ends the progress display with a final line.
    public func finish(done: Int, detail: String = "") {
        update(done: done, detail: detail, force: true)
        if interactive { Terminal.write("\n") }
    }
}
