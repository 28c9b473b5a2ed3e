/// A row-major matrix with explicit shape.
public struct Matrix<T: BLASScalar>: Sendable, Equatable {
    public var rows: Int
    public var cols: Int
    public var values: [T]

    public init(rows: Int, cols: Int, values: [T]) {
        precondition(values.count == rows * cols, "a \(rows)×\(cols) matrix holds \(rows * cols) values, got \(values.count)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    public init(zeros rows: Int, _ cols: Int) {
        self.init(rows: rows, cols: cols, values: [T](repeating: 0, count: rows * cols))
    }

    public subscript(r: Int, c: Int) -> T {
        get { values[r * cols + c] }
        set { values[r * cols + c] = newValue }
    }

    /// `op(self) · op(other)` through OpenBLAS.
    public func matmul(_ other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false) -> Matrix {
        let m = transposeSelf ? cols : rows, k = transposeSelf ? rows : cols
        let k2 = transposeOther ? other.cols : other.rows, n = transposeOther ? other.rows : other.cols
        precondition(k == k2, "matmul of \(m)×\(k) by \(k2)×\(n)")
        var out = Matrix(zeros: m, n)
        GEMMAccounting.note(GEMMShape(m: m, n: n, k: k, transposeA: transposeSelf, transposeB: transposeOther))
        values.withUnsafeBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                out.values.withUnsafeMutableBufferPointer { c in
                    T.gemm(transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k, alpha: 1, a: a.baseAddress!, lda: cols,
                           b: b.baseAddress!, ldb: other.cols, beta: 0, c: c.baseAddress!, ldc: n)
                }
            }
        }
        return out
    }

    public var transposed: Matrix {
        var out = Matrix(zeros: cols, rows)
        for r in 0..<rows { for c in 0..<cols { out[c, r] = self[r, c] } }
        return out
    }

    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols)
        return Matrix(rows: a.rows, cols: a.cols, values: zip(a.values, b.values).map { $0 + $1 })
    }

    /// Every element times `s`.
    public func scaled(_ s: T) -> Matrix { Matrix(rows: rows, cols: cols, values: values.map { $0 * s }) }

    /// The rows `indices`, in that order.
    public func gatherRows(_ indices: [Int]) -> Matrix {
        var out = Matrix(zeros: indices.count, cols)
        for (i, r) in indices.enumerated() {
            for c in 0..<cols { out[i, c] = self[r, c] }
        }
        return out
    }

    /// Adds `other`'s rows into rows `indices` (the adjoint of ``gatherRows(_:)``).
    public mutating func scatterAddRows(_ indices: [Int], _ other: Matrix) {
        for (i, r) in indices.enumerated() {
            for c in 0..<cols { self[r, c] += other[i, c] }
        }
    }
}

extension Matrix {
    /// A copy of a rectangular block.
    public func block(rows r: Range<Int>, cols c: Range<Int>) -> Matrix {
        var out = Matrix(zeros: r.count, c.count)
        for i in 0..<r.count { for j in 0..<c.count { out[i, j] = self[r.lowerBound + i, c.lowerBound + j] } }
        return out
    }

    /// Writes `other` into the block starting at (`row`, `col`).
    public mutating func setBlock(row: Int, col: Int, _ other: Matrix) {
        for i in 0..<other.rows { for j in 0..<other.cols { self[row + i, col + j] = other[i, j] } }
    }
}
