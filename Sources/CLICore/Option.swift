/// One option of a subcommand, declared once: parsing, validation errors, the usage line and
/// `--help` all come from this declaration, so they cannot drift apart.
public struct Option: Sendable {
    /// What follows the option's name on the command line.
    public enum Value: Sendable, Equatable {
        /// Nothing: a switch (`--json`).
        case absent
        /// Any text.
        case text
        /// A whole number within the range.
        case integer(ClosedRange<Int>)
        /// A finite number.
        case number
        /// One of the listed words.
        case choice([String])
    }

    /// The name without its leading `--`.
    public let name: String
    /// How the value is shown in usage and help (`N`, `DIR`); empty for switches.
    public let placeholder: String
    public let value: Value
    /// One line for `--help`.
    public let help: String
    /// Used when the option is not given, and shown in `--help`.
    public let defaultValue: String?
    /// Whether the command refuses to run without it.
    public let isRequired: Bool
    /// Whether it may be given several times (`Arguments.all`).
    public let isRepeatable: Bool

    /// A switch that takes no value.
    public static func flag(_ name: String, help: String) -> Option {
        Option(name: name, placeholder: "", value: .absent, help: help, defaultValue: nil, isRequired: false, isRepeatable: false)
    }

    /// An option that takes any text.
    public static func text(_ name: String, _ placeholder: String, help: String, default value: String? = nil,
                            required: Bool = false, repeatable: Bool = false) -> Option {
        Option(name: name, placeholder: placeholder, value: .text, help: help, defaultValue: value, isRequired: required, isRepeatable: repeatable)
    }

    /// An option that takes a whole number within `range`.
    public static func integer(_ name: String, _ placeholder: String = "N", in range: ClosedRange<Int>, help: String,
                               default value: Int? = nil) -> Option {
        Option(name: name, placeholder: placeholder, value: .integer(range), help: help, defaultValue: value.map(String.init),
               isRequired: false, isRepeatable: false)
    }

    /// An option that takes a finite number; `default` is written as it should appear in `--help`.
    public static func number(_ name: String, _ placeholder: String = "X", help: String, default value: String? = nil) -> Option {
        Option(name: name, placeholder: placeholder, value: .number, help: help, defaultValue: value, isRequired: false, isRepeatable: false)
    }

    /// An option that takes one of `choices`.
    public static func choice(_ name: String, _ choices: [String], help: String, default value: String? = nil) -> Option {
        Option(name: name, placeholder: choices.joined(separator: "|"), value: .choice(choices), help: help, defaultValue: value,
               isRequired: false, isRepeatable: false)
    }

    /// `--name PLACEHOLDER` (or `--name` for a switch).
    var synopsis: String { placeholder.isEmpty ? "--\(name)" : "--\(name) \(placeholder)" }

    /// Checks a given value against the declaration.
    func check(_ text: String) throws(UsageError) {
        switch value {
        case .absent, .text: return
        case .integer(let range):
            guard let v = Int(text), range.contains(v) else {
                throw UsageError("--\(name) must be an integer in \(range.lowerBound)…\(range.upperBound), got \"\(text)\"")
            }
        case .number:
            guard let v = Double(text), v.isFinite else { throw UsageError("--\(name) must be a number, got \"\(text)\"") }
        case .choice(let choices):
            guard choices.contains(text) else {
                throw UsageError("--\(name) must be \(choices.joined(separator: " or ")), got \"\(text)\"")
            }
        }
    }
}

/// A positional argument of a subcommand: its name in usage lines and errors, and its help.
public struct Positional: Sendable {
    public let name: String
    public let help: String

    public init(_ name: String, _ help: String) {
        self.name = name
        self.help = help
    }
}
