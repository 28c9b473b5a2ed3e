/// A problem found while turning inputs into scenes or planning: the sensor/input concerned and what.
public struct PlanError: Error, CustomStringConvertible, Sendable {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { problems.count == 1 ? problems[0] : problems.map { "  \($0)" }.joined(separator: "\n") }
}
