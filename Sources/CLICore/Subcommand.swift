/// One subcommand of a tool, declared once: name, summary, positionals and options with their help.
/// Its usage line and `--help` are generated from the declaration; `run` gets the arguments
/// already parsed and checked against it.
public struct Subcommand: Sendable {
    public let name: String
    public let summary: String
    public let positionals: [Positional]
    public let options: [Option]
    /// What the subcommand does, in prose, before the generated lists of arguments and options.
    public let discussion: String
    public let run: @Sendable (Arguments) throws -> ExitCode

    public init(name: String, summary: String, positionals: [Positional] = [], options: [Option] = [],
                discussion: String = "", run: @escaping @Sendable (Arguments) throws -> ExitCode) {
        self.name = name
        self.summary = summary
        self.positionals = positionals
        self.options = options
        self.discussion = discussion
        self.run = run
    }

    /// The usage line after the tool's name: positionals, required options, then the optional
    /// ones (as `[options]` when there are many).
    public var usage: String {
        var words = [name] + positionals.map(\.name)
        words += options.filter(\.isRequired).map(\.synopsis)
        let optional = options.filter { !$0.isRequired }
        if optional.count > 4 {
            words.append("[options]")
        } else {
            words += optional.map { "[\($0.synopsis)]" + ($0.isRepeatable ? "..." : "") }
        }
        return words.joined(separator: " ")
    }

    /// The text of `--help`: the discussion, then every positional and option with its help and
    /// default, aligned (an option's help may run over several lines).
    public var help: String {
        var text = discussion.isEmpty ? summary : discussion
        let rows = positionals.map { ($0.name, $0.help) }
            + options.map { o in
                (o.synopsis + (o.isRepeatable ? " ..." : ""),
                 o.help + (o.defaultValue.map { " (default \($0))" } ?? "") + (o.isRequired ? " (required)" : ""))
            }
        let width = rows.map(\.0.count).max() ?? 0
        if !rows.isEmpty { text += "\n" }
        let indent = "\n" + String(repeating: " ", count: width + 4)
        for (left, right) in rows {
            // A help of several lines continues under its first line.
            text += "\n  " + left.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + right.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: indent)
        }
        return text
    }
}
