import ShardFormat

/// One condition of a sensor's `where`: a scene property compared with a value, as in
/// `{"eo:cloud_cover": {"lt": 20}}`. Properties come from the scene's STAC item or metadata JSON;
/// a scene without the property fails the condition.
public struct PropertyFilter: Sendable, Equatable {
    public enum Comparison: String, Sendable, CaseIterable {
        case eq, neq, lt, lte, gt, gte
        /// The property equals one of a list of values.
        case `in`
    }

    public var property: String
    public var comparison: Comparison
    /// A number or string (`in`: an array of them).
    public var value: JSONValue

    /// Whether the scene's properties satisfy the condition. Numbers compare as numbers, strings
    /// as strings; a number never equals a string.
    public func accepts(_ properties: [String: JSONValue]) -> Bool {
        guard let actual = properties[property] else { return false }
        switch comparison {
        case .eq: return actual == value
        case .neq: return actual != value
        case .in:
            if case .array(let options) = value { return options.contains(actual) }
            return false
        case .lt, .lte, .gt, .gte:
            let order: Int
            switch (actual, value) {
            case (.number(let a), .number(let b)): order = a < b ? -1 : a > b ? 1 : 0
            case (.string(let a), .string(let b)): order = a < b ? -1 : a > b ? 1 : 0
            default: return false
            }
            switch comparison {
            case .lt: return order < 0
            case .lte: return order <= 0
            case .gt: return order > 0
            default: return order >= 0
            }
        }
    }
}
