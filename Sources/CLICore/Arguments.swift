/// A command-line mistake; printed with the command's usage and exit code 2.
public struct UsageError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}

/// The parsed arguments of one subcommand, checked against its declaration: exactly its
/// positionals, only declared options (`--name value`, `--name=value`, repeatable where declared),
/// every value of the declared type, every required option present. Unknown options are errors,
/// never silently ignored.
public struct Arguments: Sendable {
    private let declared: [String: Option]
    private let words: [String: String]
    private var values: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// - Parameters:
    ///   - arguments: the words after the subcommand's name.
    ///   - positionals: the positionals it takes, all required.
    ///   - options: the options it takes.
    public init(_ arguments: [String], positionals: [Positional] = [], options: [Option] = []) throws(UsageError) {
        declared = Dictionary(options.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for option in options {
            precondition(option.defaultValue.map { (try? option.check($0)) != nil } ?? true,
                         "Arguments: --\(option.name)'s default does not pass its own declaration")
        }
        var given: [String] = []
        var i = 0
        var onlyPositionals = false
        while i < arguments.count {
            let word = arguments[i]
            i += 1
            if onlyPositionals || !word.hasPrefix("--") || word == "-" {
                given.append(word)
                continue
            }
            if word == "--" { onlyPositionals = true; continue }
            var name = String(word.dropFirst(2))
            var inline: String?
            if let eq = name.firstIndex(of: "=") {
                inline = String(name[name.index(after: eq)...])
                name = String(name[..<eq])
            }
            guard let option = declared[name] else { throw UsageError("unknown option --\(name)") }
            if option.value == .absent {
                guard inline == nil else { throw UsageError("--\(name) takes no value") }
                flags.insert(name)
                continue
            }
            let text: String
            if let inline {
                text = inline
            } else {
                guard i < arguments.count else { throw UsageError("--\(name) needs a value (\(option.placeholder))") }
                text = arguments[i]
                i += 1
            }
            try option.check(text)
            guard option.isRepeatable || values[name] == nil else { throw UsageError("--\(name) is given twice") }
            values[name, default: []].append(text)
        }
        guard given.count == positionals.count else {
            throw UsageError(given.count < positionals.count
                             ? "missing \(positionals[given.count...].map(\.name).joined(separator: " "))"
                             : "unexpected argument \(given[positionals.count])")
        }
        words = Dictionary(zip(positionals.map(\.name), given), uniquingKeysWith: { first, _ in first })
        for option in options where option.isRequired && values[option.name] == nil {
            throw UsageError("\(option.synopsis) is required")
        }
    }

    /// A positional's word, by its declared name.
    public subscript(positional name: String) -> String {
        guard let word = words[name] else { preconditionFailure("Arguments: no positional \(name) was declared") }
        return word
    }

    /// The value given for an option, or its declared default.
    public func value(_ name: String) -> String? { values[name]?.last ?? option(name).defaultValue }

    /// Whether the option was given on the command line (its default does not count).
    public func isGiven(_ name: String) -> Bool { values[name] != nil || flags.contains(name) }

    /// Every value given for a repeatable option, in order.
    public func all(_ name: String) -> [String] { _ = option(name); return values[name] ?? [] }

    /// Whether a switch was given.
    public func has(_ flag: String) -> Bool { _ = option(flag); return flags.contains(flag) }

    /// An integer option's value (given or default), already checked against its range.
    public func integer(_ name: String) -> Int? { value(name).flatMap { Int($0) } }

    /// A number option's value (given or default), already checked to be finite.
    public func number(_ name: String) -> Double? { value(name).flatMap { Double($0) } }

    /// The value of an option that always has one (declared required or with a default).
    public subscript(text name: String) -> String {
        guard let text = value(name) else { preconditionFailure("Arguments: --\(name) has neither a default nor is it required") }
        return text
    }

    /// An integer option that always has a value (declared required or with a default).
    public subscript(integer name: String) -> Int {
        guard let v = Int(self[text: name]) else { preconditionFailure("Arguments: --\(name)'s default is not an integer") }
        return v
    }

    /// A number option that always has a value (declared required or with a default).
    public subscript(number name: String) -> Double {
        guard let v = Double(self[text: name]) else { preconditionFailure("Arguments: --\(name)'s default is not a number") }
        return v
    }

    /// A choice option that always has a value, as the enum whose raw values its choices are.
    public subscript<T: RawRepresentable>(choice name: String) -> T where T.RawValue == String {
        guard let v = T(rawValue: self[text: name]) else { preconditionFailure("Arguments: --\(name)'s choices are not \(T.self)'s raw values") }
        return v
    }

    private func option(_ name: String) -> Option {
        guard let option = declared[name] else { preconditionFailure("Arguments: no option --\(name) was declared") }
        return option
    }
}
