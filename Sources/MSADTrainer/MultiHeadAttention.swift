/// Multi-head self-attention over the tokens of each record (`x`: (records · tokens)×D, row
/// `k · tokens + i`): `softmax(Q_h K_hᵀ / √d_h) V_h` per head, heads concatenated, then an output
/// projection. Q, K, V and the output are `Linear` layers D→D.
public struct MultiHeadAttention<T: BLASScalar>: CompositeLayer, Sendable {
    public typealias Scalar = T
    public var query: Linear<T>
    public var key: Linear<T>
    public var value: Linear<T>
    public var output: Linear<T>
    public let heads: Int

    public init(width: Int, heads: Int, generator: inout some RandomNumberGenerator) {
        precondition(width % heads == 0, "width \(width) is not a multiple of \(heads) heads")
        query = Linear(inputs: width, outputs: width, generator: &generator)
        key = Linear(inputs: width, outputs: width, generator: &generator)
        value = Linear(inputs: width, outputs: width, generator: &generator)
        output = Linear(inputs: width, outputs: width, generator: &generator)
        self.heads = heads
    }

    /// Attention of every record and head; returns the concatenated heads and the probabilities
    /// (record r's head h at `(r · heads + h) · tokens²`). The products of one record and head are
    /// too small for OpenBLAS to split over threads, so records are split over lanes instead.
    private func attend(q: Matrix<T>, k: Matrix<T>, v: Matrix<T>, tokens: Int) -> (Matrix<T>, [T]) {
        precondition(q.rows % tokens == 0 && k.rows == q.rows && v.rows == q.rows, "rows are not whole records")
        let width = q.cols, dh = width / heads, scale = 1 / T(dh).squareRoot(), records = q.rows / tokens, heads = heads
        var concat = Matrix<T>(zeros: q.rows, width)
        var probabilities = Matrix<T>(zeros: records * heads * tokens, tokens)
        q.withBlock { q in k.withBlock { k in v.withBlock { v in
            concat.withMutableBlock { concat in probabilities.withMutableBlock { probabilities in
                Lanes.split(records) { lane in
                    for r in lane {
                        for h in 0..<heads {
                            let origin = (r * tokens, h * dh), p = probabilities.offset((r * heads + h) * tokens, 0)
                            MatrixBlock.multiply(q.offset(origin.0, origin.1), k.offset(origin.0, origin.1), transposeB: true,
                                                 into: p, m: tokens, n: tokens, k: dh, alpha: scale)
                            Softmax.rowsInPlace(p, rows: tokens, cols: tokens)
                            MatrixBlock.multiply(p, v.offset(origin.0, origin.1), into: concat.offset(origin.0, origin.1), m: tokens, n: dh, k: tokens)
                        }
                    }
                }
            } }
        } } }
        return (concat, probabilities.values)
    }

    /// What the backward pass needs from the forward pass.
    public struct Cache: Sendable {
        let q: Matrix<T>, k: Matrix<T>, v: Matrix<T>, concat: Matrix<T>
        /// Every record's and head's tokens×tokens probabilities, one after another.
        let probabilities: [T]
    }

    public func forward(_ x: Matrix<T>, tokens: Int) -> Matrix<T> { forwardSaving(x, tokens: tokens).y }

    /// The output and what ``backward(_:_:tokens:cache:)`` needs.
    public func forwardSaving(_ x: Matrix<T>, tokens: Int) -> (y: Matrix<T>, cache: Cache) {
        let q = query.forward(x), k = key.forward(x), v = value.forward(x)
        let (concat, probabilities) = attend(q: q, k: k, v: v, tokens: tokens)
        return (output.forward(concat), Cache(q: q, k: k, v: v, concat: concat, probabilities: probabilities))
    }

    public func backward(_ x: Matrix<T>, _ dy: Matrix<T>, tokens: Int, cache saved: Cache? = nil) -> (dx: Matrix<T>, gradient: MultiHeadAttention<T>) {
        let cache = saved ?? forwardSaving(x, tokens: tokens).cache
        let q = cache.q, k = cache.k, v = cache.v
        let (dConcat, gOutput) = output.backward(cache.concat, dy)
        let width = q.cols, dh = width / heads, scale = 1 / T(dh).squareRoot(), records = q.rows / tokens, heads = heads
        let probabilities = Matrix(rows: records * heads * tokens, cols: tokens, values: cache.probabilities)
        var dq = Matrix<T>(zeros: q.rows, width), dk = dq, dv = dq
        q.withBlock { q in k.withBlock { k in v.withBlock { v in dConcat.withBlock { dOut in probabilities.withBlock { probabilities in
            dq.withMutableBlock { dq in dk.withMutableBlock { dk in dv.withMutableBlock { dv in
                Lanes.split(records) { lane in
                    var scratch = Matrix<T>(zeros: tokens, tokens)
                    scratch.withMutableBlock { ds in
                        for r in lane {
                            for h in 0..<heads {
                                let (row, col) = (r * tokens, h * dh), p = probabilities.offset((r * heads + h) * tokens, 0)
                                // dP = dOut · Vᵀ, and dV = Pᵀ · dOut.
                                MatrixBlock.multiply(dOut.offset(row, col), v.offset(row, col), transposeB: true, into: ds, m: tokens, n: tokens, k: dh)
                                MatrixBlock.multiply(p, transposeA: true, dOut.offset(row, col), into: dv.offset(row, col), m: tokens, n: dh, k: tokens)
                                // Softmax backward per row: dS = P ⊙ (dP − Σ_j dP⊙P), times the score scale.
                                for i in 0..<tokens {
                                    var dot: T = 0
                                    for j in 0..<tokens { dot += ds[i, j] * p[i, j] }
                                    for j in 0..<tokens { ds[i, j] = p[i, j] * (ds[i, j] - dot) * scale }
                                }
                                MatrixBlock.multiply(ds, k.offset(row, col), into: dq.offset(row, col), m: tokens, n: dh, k: tokens)
                                MatrixBlock.multiply(ds, transposeA: true, q.offset(row, col), into: dk.offset(row, col), m: tokens, n: dh, k: tokens)
                            }
                        }
                    }
                }
            } } }
        } } } } }
        let (dxq, gq) = query.backward(x, dq), (dxk, gk) = key.backward(x, dk), (dxv, gv) = value.backward(x, dv)
        var gradient = self
        gradient.query = gq; gradient.key = gk; gradient.value = gv; gradient.output = gOutput
        var dx = consume dxq
        dx += dxk
        dx += dxv
        return (dx, gradient)
    }

    public mutating func visitParts<V: PartVisitor>(_ v: inout V) where V.Scalar == T {
        v.visit("query.", &query)
        v.visit("key.", &key)
        v.visit("value.", &value)
        v.visit("output.", &output)
    }
}
