/// Sums over contiguous vectors for the trainer's element-wise passes, written so that the compiler
/// vectorises them: a single running sum is one long dependency chain whose order the compiler must
/// keep, so reductions run eight interleaved partial sums, added in a fixed order (the result
/// depends only on the data, never on the lanes).
enum VectorSums {
    /// `Σ xᵢ·yᵢ`.
    static func dot<T: BLASScalar>(_ x: UnsafePointer<T>, _ y: UnsafePointer<T>, count: Int) -> T {
        var partial = (T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0))
        let whole = count / 8 * 8
        var i = 0
        while i < whole {
            partial.0 += x[i] * y[i]; partial.1 += x[i + 1] * y[i + 1]
            partial.2 += x[i + 2] * y[i + 2]; partial.3 += x[i + 3] * y[i + 3]
            partial.4 += x[i + 4] * y[i + 4]; partial.5 += x[i + 5] * y[i + 5]
            partial.6 += x[i + 6] * y[i + 6]; partial.7 += x[i + 7] * y[i + 7]
            i += 8
        }
        var sum = ((partial.0 + partial.1) + (partial.2 + partial.3)) + ((partial.4 + partial.5) + (partial.6 + partial.7))
        for j in whole..<count { sum += x[j] * y[j] }
        return sum
    }

    /// `Σ xᵢ`.
    static func sum<T: BLASScalar>(_ x: UnsafePointer<T>, count: Int) -> T {
        var partial = (T(0), T(0), T(0), T(0), T(0), T(0), T(0), T(0))
        let whole = count / 8 * 8
        var i = 0
        while i < whole {
            partial.0 += x[i]; partial.1 += x[i + 1]; partial.2 += x[i + 2]; partial.3 += x[i + 3]
            partial.4 += x[i + 4]; partial.5 += x[i + 5]; partial.6 += x[i + 6]; partial.7 += x[i + 7]
            i += 8
        }
        var sum = ((partial.0 + partial.1) + (partial.2 + partial.3)) + ((partial.4 + partial.5) + (partial.6 + partial.7))
        for j in whole..<count { sum += x[j] }
        return sum
    }

    /// `Σ xᵢ²`.
    static func sumOfSquares<T: BLASScalar>(_ x: UnsafeBufferPointer<T>) -> T {
        guard let base = x.baseAddress else { return 0 }
        return dot(base, base, count: x.count)
    }

    /// `totals += Σ_r row r of x`, for the `rows` rows of `count` elements of row-major `x`.
    static func addRows<T: BLASScalar>(of x: UnsafePointer<T>, rows: Int, count: Int, to totals: UnsafeMutablePointer<T>) {
        for r in 0..<rows {
            let row = x + r * count
            for c in 0..<count { totals[c] += row[c] }
        }
    }
}
