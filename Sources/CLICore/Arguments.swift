/// A command-line mistake; printed with the command's usage and exit code 2.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// Parsed arguments of one (sub)command: positionals, `--name value` (or `--name=value`, repeatable)
/// options, and `--flag` switches. Unknown options are errors, never silently ignored.
public struct Arguments: Sendable {
    public private(set) var positionals: [String] = []
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// - Parameters:
    ///   - arguments: the words after the (sub)command name.
    ///   - options: names (without `--`) that take a value.
    ///   - flags: names that take none.
    public init(_ arguments: [String], options: Set<String> = [], flags: Set<String> = []) throws(UsageError) {
        var i = 0
        var onlyPositionals = false
        while i < arguments.count {
            let word = arguments[i]
            i += 1
            if onlyPositionals || !word.hasPrefix("--") || word == "-" {
                positionals.append(word)
                continue
            }
            if word == "--" { onlyPositionals = true; continue }
            var name = String(word.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            if flags.contains(name) {
                guard inline == nil else { throw UsageError("--\(name) takes no value") }
                self.flags.insert(name)
            } else if options.contains(name) {
                if let inline {
                    values[name, default: []].append(inline)
                } else {
                    guard i < arguments.count else { throw UsageError("--\(name) needs a value") }
                    values[name, default: []].append(arguments[i])
                    i += 1
                }
            } else {
                throw UsageError("unknown option --\(name)")
            }
        }
    }

    /// The last value given for an option.
    public func value(_ name: String) -> String? { values[name]?.last }

    /// Every value given for a repeatable option, in order.
    public func all(_ name: String) -> [String] { values[name] ?? [] }

    /// Whether a flag was given.
    public func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// An option's value as an integer within `range`.
    public func integer(_ name: String, in range: ClosedRange<Int> = Int.min...Int.max) throws(UsageError) -> Int? {
        guard let text = value(name) else { return nil }
        guard let v = Int(text), range.contains(v) else {
            throw UsageError("--\(name) must be an integer in \(range.lowerBound)…\(range.upperBound), got \"\(text)\"")
        }
        return v
    }

    /// An option's value as a number.
    public func number(_ name: String) throws(UsageError) -> Double? {
        guard let text = value(name) else { return nil }
        guard let v = Double(text), v.isFinite else { throw UsageError("--\(name) must be a number, got \"\(text)\"") }
        return v
    }

    /// Exactly `count` positionals, named in the error when missing or extra.
    public func positionals(_ names: [String]) throws(UsageError) -> [String] {
        guard positionals.count == names.count else {
            throw UsageError(positionals.count < names.count
                             ? "missing \(names[positionals.count...].joined(separator: " "))"
                             : "unexpected argument \(positionals[names.count])")
        }
        return positionals
    }
}
