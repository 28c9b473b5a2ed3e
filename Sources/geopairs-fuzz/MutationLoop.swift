import ShardFormat
import Foundation
import FuzzHarness
import TestSupport

/// GeoPairs' own fuzz driver for builds without libFuzzer: seeded, time-bounded mutations of a
/// corpus (bit flips, interesting values in 1-8 byte fields, insertions, deletions, splices). Each
/// input is written to `crash-dir/current-input` before it runs, so a crash leaves it behind.
enum MutationLoop {
    struct Options {
        var corpus: String
        var seconds = 60.0
        var seed: UInt64 = 1
        var crashDirectory = "."

        init(_ arguments: [String]) throws {
            var rest = arguments[...]
            guard let corpus = rest.popFirst() else { throw FuzzError("a corpus directory is needed") }
            self.corpus = corpus
            while let flag = rest.popFirst() {
                guard let value = rest.popFirst() else { throw FuzzError("\(flag) needs a value") }
                switch flag {
                case "--seconds": seconds = try Self.number(flag, Double(value))
                case "--seed": seed = try Self.number(flag, UInt64(value))
                case "--crash-dir": crashDirectory = value
                default: throw FuzzError("unknown option \(flag)")
                }
            }
        }

        static func number<T>(_ flag: String, _ value: T?) throws -> T {
            guard let value else { throw FuzzError("\(flag) needs a number") }
            return value
        }
    }

    struct Report {
        var executions = 0
        var seconds = 0.0
        var corpusSize = 0
    }

    static func run(_ options: Options, _ body: ([UInt8]) -> Void) throws -> Report {
        let names = try FileManager.default.contentsOfDirectory(atPath: options.corpus).sorted()
        let corpus = try names.map { Array(try Data(contentsOf: URL(fileURLWithPath: "\(options.corpus)/\($0)"))) }
        guard !corpus.isEmpty else { throw FuzzError("\(options.corpus) holds no seed inputs") }
        var rng = SeededRandom(seed: options.seed)
        let current = URL(fileURLWithPath: "\(options.crashDirectory)/current-input")
        let start = Date()
        var report = Report(corpusSize: corpus.count)
        while Date().timeIntervalSince(start) < options.seconds {
            var input = corpus[Int.random(in: 0..<corpus.count, using: &rng)]
            for _ in 0..<Int.random(in: 1...8, using: &rng) { mutate(&input, corpus: corpus, rng: &rng) }
            try Data(input).write(to: current)
            body(input)
            report.executions += 1
        }
        try? FileManager.default.removeItem(at: current)
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    static func mutate(_ input: inout [UInt8], corpus: [[UInt8]], rng: inout SeededRandom) {
        guard !input.isEmpty else { input = [UInt8.random(in: 0...255, using: &rng)]; return }
        let at = Int.random(in: 0..<input.count, using: &rng)
        switch Int.random(in: 0..<5, using: &rng) {
        case 0:
            input[at] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
        case 1:
            // An interesting value (0, 1, -1, the sign bit, the all-ones) in a 1, 2, 4 or 8-byte field.
            let width = [1, 2, 4, 8][Int.random(in: 0..<4, using: &rng)]
            let value: UInt64 = [0, 1, .max, 0x80 << (8 * UInt64(width - 1)), 0x7F, 0xFFFF_FFFF][Int.random(in: 0..<6, using: &rng)]
            for i in 0..<min(width, input.count - at) { input[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        case 2:
            input.insert(contentsOf: (0..<Int.random(in: 1...16, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, at: at)
        case 3:
            input.removeSubrange(at..<min(input.count, at + Int.random(in: 1...64, using: &rng)))
        default:
            let other = corpus[Int.random(in: 0..<corpus.count, using: &rng)]
            guard !other.isEmpty else { return }
            let from = Int.random(in: 0..<other.count, using: &rng)
            let n = min(Int.random(in: 1...256, using: &rng), other.count - from, input.count - at)
            input.replaceSubrange(at..<(at + n), with: other[from..<(from + n)])
        }
    }
}
