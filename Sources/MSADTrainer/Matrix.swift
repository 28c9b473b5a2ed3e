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

    /// `alpha · op(self) · op(other)` through OpenBLAS, plus `rowBias` added to every row when given
    /// (`C` starts as the bias rows and the product is accumulated into it: `beta = 1`).
    public func matmul(_ other: Matrix, transposeSelf: Bool = false, transposeOther: Bool = false, alpha: T = 1, rowBias: [T]? = nil) -> Matrix {
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
            // Large products are split by rows of C over the lanes (row r of op(A) is row r of A,
            // or its column r when transposed).
            let (lda, ldb, beta): (Int, Int, T) = (cols, other.cols, rowBias == nil ? 0 : 1)
            let split = m >= 2 * Self.rowsPerLane && m * n * k >= Self.parallelFlops
            withBlock { a in other.withBlock { b in
                let c = MatrixBlock(base: c.baseAddress!, stride: n)
                Lanes.split(m, parallel: split) { rows in
                    T.gemm(transA: transposeSelf, transB: transposeOther, m: rows.count, n: n, k: k, alpha: alpha,
                           a: transposeSelf ? a.base + rows.lowerBound : a.base + rows.lowerBound * lda, lda: lda,
                           b: b.base, ldb: ldb, beta: beta, c: c.base + rows.lowerBound * n, ldc: n)
                }
            } }
            initialized = m * n
        }
        return Matrix(rows: m, cols: n, values: product)
    }

    /// Below these, a product runs on one lane (the split would cost more than it saves).
    static var rowsPerLane: Int { 32 }
    static var parallelFlops: Int { 1 << 18 }

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
        var sum = a
        sum += b
        return sum
    }

    /// Adds `b` in place: no new matrix where the left side is a temporary (the residual sums of a
    /// step would otherwise copy, and fault in, a fresh tokens×width matrix each).
    public static func += (a: inout Matrix, b: Matrix) {
        a.add(b, scaledBy: 1)
    }

    /// `self += s · b`, in place.
    public mutating func add(_ b: Matrix, scaledBy s: T) {
        precondition(rows == b.rows && cols == b.cols)
        values.withUnsafeMutableBufferPointer { x in
            b.values.withUnsafeBufferPointer { b in
                if s == 1 { for i in x.indices { x[i] += b[i] } } else { for i in x.indices { x[i] += s * b[i] } }
            }
        }
    }

    /// Every element times `s`.
    public func scaled(_ s: T) -> Matrix { Matrix(rows: rows, cols: cols, values: values.map { $0 * s }) }

    /// The rows `indices`, in that order.
    public func gatherRows(_ indices: [Int]) -> Matrix {
        let cols = cols
        let values = [T](unsafeUninitializedCapacity: indices.count * cols) { out, initialized in
            self.values.withUnsafeBufferPointer { x in
                for (i, r) in indices.enumerated() {
                    precondition(r >= 0 && r < rows, "row \(r) of a \(rows)-row matrix")
                    (out.baseAddress! + i * cols).initialize(from: x.baseAddress! + r * cols, count: cols)
                }
            }
            initialized = indices.count * cols
        }
        return Matrix(rows: indices.count, cols: cols, values: values)
    }

    /// Adds `other`'s rows into rows `indices` (the adjoint of ``gatherRows(_:)``), each row times `scale`.
    public mutating func scatterAddRows(_ indices: [Int], _ other: Matrix, scale: T = 1) {
        precondition(other.rows == indices.count && other.cols == cols)
        let (rows, cols) = (rows, cols)
        values.withUnsafeMutableBufferPointer { x in
            other.values.withUnsafeBufferPointer { o in
                for (i, r) in indices.enumerated() {
                    precondition(r >= 0 && r < rows, "row \(r) of a \(rows)-row matrix")
                    let (to, from) = (x.baseAddress! + r * cols, o.baseAddress! + i * cols)
                    for c in 0..<cols { to[c] += scale * from[c] }
                }
            }
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

/// A block of a row-major matrix, seen through the matrix's row stride (`lda`/`ldb`/`ldc` of
/// `cblas_?gemm`), so that attention's per-record, per-head products read and write in place.
/// The caller keeps the matrix alive and every block inside it; it is `Sendable` because parallel
/// lanes (``Lanes``) each write their own rows of one matrix.
struct MatrixBlock<T: BLASScalar>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
    /// Elements from one row to the next (the whole matrix's column count).
    let stride: Int

    /// The block starting `row` rows and `col` columns further on.
    func offset(_ row: Int, _ col: Int) -> MatrixBlock { MatrixBlock(base: base + row * stride + col, stride: stride) }

    subscript(row: Int, col: Int) -> T {
        get { base[row * stride + col] }
        nonmutating set { base[row * stride + col] = newValue }
    }

    /// `C = alpha · op(A) · op(B)`, `op(A)` m×k and `op(B)` k×n.
    static func multiply(_ a: MatrixBlock, transposeA: Bool = false, _ b: MatrixBlock, transposeB: Bool = false,
                         into c: MatrixBlock, m: Int, n: Int, k: Int, alpha: T = 1) {
        GEMMAccounting.note(GEMMShape(m: m, n: n, k: k, transposeA: transposeA, transposeB: transposeB))
        T.gemm(transA: transposeA, transB: transposeB, m: m, n: n, k: k, alpha: alpha, a: a.base, lda: a.stride,
               b: b.base, ldb: b.stride, beta: 0, c: c.base, ldc: c.stride)
    }
}

extension Matrix {
    /// `body` with the matrix's storage as a block, for reading.
    func withBlock<R>(_ body: (MatrixBlock<T>) -> R) -> R {
        values.withUnsafeBufferPointer { body(MatrixBlock(base: UnsafeMutablePointer(mutating: $0.baseAddress!), stride: cols)) }
    }

    /// `body` with the matrix's storage as a block, for writing.
    mutating func withMutableBlock<R>(_ body: (MatrixBlock<T>) -> R) -> R {
        let cols = cols
        return values.withUnsafeMutableBufferPointer { body(MatrixBlock(base: $0.baseAddress!, stride: cols)) }
    }
}
