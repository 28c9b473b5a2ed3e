import CLICore
import Testing

/// A subcommand declared the way the tools declare theirs.
private let example = Subcommand(
    name: "train", summary: "an example",
    positionals: [Positional("DIR", "the dataset")],
    options: [
        .text("out", "RUN", help: "run directory", required: true),
        .integer("batch", "B", in: 2...64, help: "records per batch", default: 32),
        .number("lr", help: "learning rate", default: "5e-4"),
        .choice("loss", ["msad", "msad-dense"], help: "the loss", default: "msad"),
        .text("input", "NAME=PATH", help: "an input\nover two lines", repeatable: true),
        .flag("resume", help: "continue"),
    ],
    discussion: "Trains.",
    run: { _ in .success })

private func parse(_ words: [String]) throws(UsageError) -> Arguments {
    try Arguments(words, positionals: example.positionals, options: example.options)
}

private func usageError(_ words: [String]) -> String? {
    do {
        _ = try parse(words)
        return nil
    } catch {
        return error.description
    }
}

@Suite("Options declared once")
struct DeclaredOptionsTests {
    @Test("Values, defaults and repeats come from the declaration")
    func values() throws {
        let a = try parse(["ds", "--out", "r", "--batch=8", "--input", "a=1", "--input", "b=2", "--resume"])
        #expect(a[positional: "DIR"] == "ds" && a[text: "out"] == "r" && a[integer: "batch"] == 8)
        #expect(a[number: "lr"] == 5e-4 && a.value("loss") == "msad" && !a.isGiven("loss") && a.isGiven("batch"))
        #expect(a.all("input") == ["a=1", "b=2"] && a.has("resume"))
        // After `--` every word is a positional, and `=` may be part of a value.
        let literal = try parse(["--out", "a=b", "--", "--resume"])
        #expect(literal[positional: "DIR"] == "--resume" && !literal.has("resume") && literal[text: "out"] == "a=b")
    }

    @Test("Every mistake is a usage error naming the option or argument")
    func mistakes() {
        #expect(usageError(["ds"]) == "--out RUN is required")
        #expect(usageError(["--out", "r"]) == "missing DIR")
        #expect(usageError(["ds", "extra", "--out", "r"]) == "unexpected argument extra")
        #expect(usageError(["ds", "--out", "r", "--batch", "1"]) == "--batch must be an integer in 2…64, got \"1\"")
        #expect(usageError(["ds", "--out", "r", "--lr", "fast"]) == "--lr must be a number, got \"fast\"")
        #expect(usageError(["ds", "--out", "r", "--lr", "inf"]) == "--lr must be a number, got \"inf\"")
        #expect(usageError(["ds", "--out", "r", "--loss", "l2"]) == "--loss must be msad or msad-dense, got \"l2\"")
        #expect(usageError(["ds", "--out", "r", "--bogus"]) == "unknown option --bogus")
        #expect(usageError(["ds", "--out", "r", "--resume=yes"]) == "--resume takes no value")
        #expect(usageError(["ds", "--out", "r", "--batch"]) == "--batch needs a value (B)")
        #expect(usageError(["ds", "--out", "r", "--out", "s"]) == "--out is given twice")
    }

    @Test("Usage and --help are generated from the declaration, defaults included")
    func help() {
        #expect(example.usage == "train DIR --out RUN [options]")
        let help = example.help
        #expect(help.hasPrefix("Trains.\n"))
        for option in example.options { #expect(help.contains("--\(option.name)"), "\(option.name)") }
        #expect(help.contains("records per batch (default 32)") && help.contains("learning rate (default 5e-4)"))
        #expect(help.contains("--loss msad|msad-dense") && help.contains("run directory (required)"))
        // A help of two lines continues aligned under its first.
        let lines = help.split(separator: "\n")
        let first = lines.firstIndex { $0.contains("an input") }!
        #expect(lines[first + 1].trimmingPrefix(while: { $0 == " " }) == "over two lines")
        #expect(lines[first].distance(from: lines[first].startIndex, to: lines[first].firstRange(of: "an input")!.lowerBound)
                == lines[first + 1].prefix { $0 == " " }.count)
        let short = Subcommand(name: "merge", summary: "s", positionals: [Positional("DIR", "d")],
                               options: [.text("manifest", "M", help: "m", default: "MANIFEST"), .flag("json", help: "j")], run: { _ in .success })
        #expect(short.usage == "merge DIR [--manifest M] [--json]")
    }
}
