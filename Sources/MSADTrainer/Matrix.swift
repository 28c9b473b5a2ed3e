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

    /// `op(self) · op(other)` through OpenBLAS, plus `rowBias` added to every row when given
    /// (`C` starts as the bias rows and the product is accumulated into it: `beta = 1`).
    public func matmul(_ other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false, rowBias: [T]? = nil) -> Matrix {
        let m = transposeSelf ? cols : rows, k = transposeSelf ? rows : cols
        let k2 = transposeOther ? other.cols : other.rows, n = transposeOther ? other.rows : other.cols
        precondition(k == k2, "matmul of \(m)×\(k) by \(k2)×\(n)")
        precondition(rowBias == nil || rowBias!.count == n, "a bias of \(rowBias?.count ?? 0) for \(n) columns")
        GEMMAccounting.note(GEMMShape(m: m, n: n, k: k, transposeA: transposeSelf, transposeB: transposeOther))
        // With beta = 0 BLAS never reads C, so the output needs no zero-filling first.
        let product = [T](unsafeUninitializedCapacity: m * n) { c, initialized in
            if let rowBias {
                rowBias.withUnsafeBufferPointer { bias in
                    for r in 0..<m { (c.baseAddress! + r * n).initialize(from: bias.baseAddress!, count: n) }
                }
            }
            values.withUnsafeBufferPointer { a in
                other.values.withUnsafeBufferPointer { b in
                    T.gemm(transA: transposeSelf, transB: transposeOther, m: m, n: n, k: k, alpha: 1, a: a.baseAddress!, lda: cols,
                           b: b.baseAddress!, ldb: other.cols, beta: rowBias == nil ? 0 : 1, c: c.baseAddress!, ldc: n)
                }
            }
            initialized = m * n
        }
        return Matrix(rows: m, cols: n, values: product)
    }

    public var transposed: Matrix {
        var out = Matrix(zeros: cols, rows)
        let (rows, cols) = (rows, cols)
        values.withUnsafeBufferPointer { a in
            out.values.withUnsafeMutableBufferPointer { b in
                for r in 0..<rows { for c in 0..<cols { b[c * rows + r] = a[r * cols + c] } }
            }
        }
        return out
    }

    public static func + (a: Matrix, b: Matrix) -> Matrix {
        precondition(a.rows == b.rows && a.cols == b.cols)
        var sum = a.values
        sum.withUnsafeMutableBufferPointer { s in
            b.values.withUnsafeBufferPointer { b in for i in s.indices { s[i] += b[i] } }
        }
        return Matrix(rows: a.rows, cols: a.cols, values: sum)
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
}

extension Matrix {
    /// `C[block] = alpha · op(A[block]) · op(B[block])` on blocks that start at the given (row, column)
    /// of each matrix and are read and written in place through the matrices' own row strides
    /// (`lda`/`ldb`/`ldc` of `cblas_?gemm`): attention's per-record, per-head products without copies.
    /// `op(A)` is m×k, `op(B)` k×n.
    static func multiplyBlocks(_ a: Matrix, at aOrigin: (Int, Int), transposeA: Bool = false,
                               _ b: Matrix, at bOrigin: (Int, Int), transposeB: Bool = false,
                               into c: inout Matrix, at cOrigin: (Int, Int), m: Int, n: Int, k: Int, alpha: T = 1) {
        precondition(aOrigin.0 + (transposeA ? k : m) <= a.rows && aOrigin.1 + (transposeA ? m : k) <= a.cols, "block outside A")
        precondition(bOrigin.0 + (transposeB ? n : k) <= b.rows && bOrigin.1 + (transposeB ? k : n) <= b.cols, "block outside B")
        precondition(cOrigin.0 + m <= c.rows && cOrigin.1 + n <= c.cols, "block outside C")
        GEMMAccounting.note(GEMMShape(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB))
        let ldc = c.cols
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    T.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: alpha,
                           a: pa.baseAddress! + aOrigin.0 * a.cols + aOrigin.1, lda: a.cols,
                           b: pb.baseAddress! + bOrigin.0 * b.cols + bOrigin.1, ldb: b.cols,
                           beta: 0, c: pc.baseAddress! + cOrigin.0 * ldc + cOrigin.1, ldc: ldc)
                }
            }
        }
    }
}
