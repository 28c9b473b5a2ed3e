/// Arithmetic on numbers read from files. A count, dimension or size from a file may be anything,
/// and Swift traps on overflow, so every product or sum of such numbers goes through these: `nil`
/// instead of a crash when a value is negative or the result does not fit an `Int`.
public enum Checked {
    /// The product of non-negative factors, or `nil` when one is negative or the product overflows.
    public static func product(_ factors: Int...) -> Int? { product(of: factors) }

    /// The product of non-negative factors, or `nil` when one is negative or the product overflows.
    public static func product(of factors: some Sequence<Int>) -> Int? {
        var result = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (p, overflow) = result.multipliedReportingOverflow(by: f)
            if overflow { return nil }
            result = p
        }
        return result
    }

    /// The sum of non-negative values, or `nil` when one is `nil` or negative, or the sum overflows
    /// (so that checked products can be added up directly).
    public static func sum(_ values: Int?...) -> Int? {
        guard values.allSatisfy({ $0 != nil }) else { return nil }
        return sum(of: values.map { $0! })
    }

    /// The sum of non-negative values, or `nil` when one is negative or the sum overflows.
    public static func sum(of values: some Sequence<Int>) -> Int? {
        var result = 0
        for v in values {
            guard v >= 0 else { return nil }
            let (s, overflow) = result.addingReportingOverflow(v)
            if overflow { return nil }
            result = s
        }
        return result
    }
}
