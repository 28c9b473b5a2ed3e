import Foundation

/// The run's `log.jsonl`: one ``StepReport`` per line, appended and flushed after every step.
final class TrainingLog {
    private let handle: FileHandle
    private let path: String

    init(path: String) throws {
        self.path = path
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw TrainingError("\(path): cannot open for writing") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    deinit { try? handle.close() }

    func append(_ report: StepReport) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        do {
            try handle.write(contentsOf: encoder.encode(report) + Data("\n".utf8))
        } catch {
            throw TrainingError("\(path): cannot append: \(error.localizedDescription)")
        }
    }

    /// Drops the lines of steps after `step` (written after the checkpoint a run resumes from) and
    /// any torn last line.
    static func truncate(_ path: String, after step: Int) throws {
        guard let data = FileManager.default.contents(atPath: path) else { return }
        let kept = String(decoding: data, as: UTF8.self).split(separator: "\n").filter { line in
            guard let report = try? JSONDecoder().decode(StepReport.self, from: Data(line.utf8)) else { return false }
            return report.step <= step
        }
        let text = kept.map { $0 + "\n" }.joined()
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw TrainingError("\(path): cannot rewrite: \(error.localizedDescription)")
        }
    }
}
