#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs a tool made of subcommands: dispatch, `--help` everywhere, errors to stderr, exit codes.
public struct CommandLineTool: Sendable {
    public let name: String
    public let summary: String
    public let subcommands: [Subcommand]

    public init(name: String, summary: String, subcommands: [Subcommand]) {
        self.name = name
        self.summary = summary
        self.subcommands = subcommands
    }

    /// The tool's help: summary and one line per subcommand.
    public var help: String {
        var text = "\(name): \(summary)\n\nUsage:\n"
        for s in subcommands { text += "  \(name) \(s.usage)\n" }
        text += "\nSubcommands:\n"
        let width = subcommands.map(\.name.count).max() ?? 0
        for s in subcommands { text += "  \(s.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(s.summary)\n" }
        text += "\nRun `\(name) SUBCOMMAND --help` for a subcommand's options.\n"
        return text
    }

    /// Runs with `arguments` (without the program name) and returns the exit code.
    public func run(_ arguments: [String]) -> ExitCode {
        guard let first = arguments.first, !["--help", "-h", "help"].contains(first) else {
            print(help, terminator: "")
            return arguments.isEmpty ? .usage : .success
        }
        guard let command = subcommands.first(where: { $0.name == first }) else {
            Terminal.error("\(name): unknown subcommand \"\(first)\"\n\n\(help)")
            return .usage
        }
        let rest = Array(arguments.dropFirst())
        if rest.contains("--help") || rest.contains("-h") {
            print("Usage: \(name) \(command.usage)\n\n\(command.help)")
            return .success
        }
        do {
            return try command.run(try Arguments(rest, positionals: command.positionals, options: command.options))
        } catch let error as UsageError {
            Terminal.error("\(name) \(command.name): \(error)\nUsage: \(name) \(command.usage)\n(see `\(name) \(command.name) --help`)")
            return .usage
        } catch {
            Terminal.error("\(name) \(command.name): error: \(error)")
            return .failure
        }
    }

    /// Runs with the process's arguments and exits.
    public func main() -> Never {
        exit(run(Array(CommandLine.arguments.dropFirst())).rawValue)
    }
}
