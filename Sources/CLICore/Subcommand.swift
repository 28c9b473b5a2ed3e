/// One subcommand of a tool: its name, a one-line summary, usage and help text, and its body.
public struct Subcommand: Sendable {
    public let name: String
    public let summary: String
    /// Usage line(s) after the tool name, e.g. `summary DIR [--json]`.
    public let usage: String
    /// Longer help: what it does, its options.
    public let help: String
    public let run: @Sendable ([String]) throws -> ExitCode

    public init(name: String, summary: String, usage: String, help: String, run: @escaping @Sendable ([String]) throws -> ExitCode) {
        self.name = name
        self.summary = summary
        self.usage = usage
        self.help = help
        self.run = run
    }
}
