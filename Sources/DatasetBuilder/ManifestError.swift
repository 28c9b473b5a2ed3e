/// One problem in a manifest: where (a JSON path such as `$.sensors[1].gsd`) and what was expected.
public struct ManifestProblem: Sendable, Equatable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "\(path): \(message)" }
}

/// Everything wrong with a manifest, reported at once before any pixel is read.
public struct ManifestError: Error, CustomStringConvertible, Sendable {
    /// The manifest file.
    public var file: String
    public var problems: [ManifestProblem]
    public var description: String {
        "\(file): \(problems.count) problem(s)\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
