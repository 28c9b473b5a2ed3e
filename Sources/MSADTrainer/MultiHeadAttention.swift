/// Multi-head self-attention over the tokens of each record (`x`: (records · tokens)×D, row
/// `k · tokens + i`): `softmax(Q_h K_hᵀ / √d_h) V_h` per head, heads concatenated, then an output
/// projection. Q, K, V and the output are `Linear` layers D→D.
public struct MultiHeadAttention<T: BLASScalar>: Parameters, Sendable {
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

    /// Attention of every record and head; returns the concatenated heads and the probabilities.
    private func attend(q: Matrix<T>, k: Matrix<T>, v: Matrix<T>, tokens: Int) -> (Matrix<T>, [[Matrix<T>]]) {
        let width = q.cols, dh = width / heads, scale = 1 / T(dh).squareRoot()
        var concat = Matrix<T>(zeros: q.rows, width)
        var probabilities: [[Matrix<T>]] = []
        for r in 0..<(q.rows / tokens) {
            let rows = (r * tokens)..<((r + 1) * tokens)
            var perHead: [Matrix<T>] = []
            for h in 0..<heads {
                let cols = (h * dh)..<((h + 1) * dh)
                let qh = q.block(rows: rows, cols: cols), kh = k.block(rows: rows, cols: cols), vh = v.block(rows: rows, cols: cols)
                let p = Softmax.rows(qh.matmul(kh, transposeOther: true).scaled(scale))
                concat.setBlock(row: rows.lowerBound, col: cols.lowerBound, p.matmul(vh))
                perHead.append(p)
            }
            probabilities.append(perHead)
        }
        return (concat, probabilities)
    }

    public func forward(_ x: Matrix<T>, tokens: Int) -> Matrix<T> {
        output.forward(attend(q: query.forward(x), k: key.forward(x), v: value.forward(x), tokens: tokens).0)
    }

    public func backward(_ x: Matrix<T>, _ dy: Matrix<T>, tokens: Int) -> (dx: Matrix<T>, gradient: MultiHeadAttention<T>) {
        let q = query.forward(x), k = key.forward(x), v = value.forward(x)
        let (concat, probabilities) = attend(q: q, k: k, v: v, tokens: tokens)
        let (dConcat, gOutput) = output.backward(concat, dy)
        let width = q.cols, dh = width / heads, scale = 1 / T(dh).squareRoot()
        var dq = Matrix<T>(zeros: q.rows, width), dk = dq, dv = dq
        for r in 0..<(q.rows / tokens) {
            let rows = (r * tokens)..<((r + 1) * tokens)
            for h in 0..<heads {
                let cols = (h * dh)..<((h + 1) * dh)
                let qh = q.block(rows: rows, cols: cols), kh = k.block(rows: rows, cols: cols), vh = v.block(rows: rows, cols: cols)
                let p = probabilities[r][h], dOut = dConcat.block(rows: rows, cols: cols)
                let dp = dOut.matmul(vh, transposeOther: true)                  // T×T
                dv.setBlock(row: rows.lowerBound, col: cols.lowerBound, p.matmul(dOut, transposeSelf: true))
                // Softmax backward per row: dS = P ⊙ (dP − Σ_j dP⊙P).
                var ds = dp
                for i in 0..<tokens {
                    var dot: T = 0
                    for j in 0..<tokens { dot += dp[i, j] * p[i, j] }
                    for j in 0..<tokens { ds[i, j] = p[i, j] * (dp[i, j] - dot) * scale }
                }
                dq.setBlock(row: rows.lowerBound, col: cols.lowerBound, ds.matmul(kh))
                dk.setBlock(row: rows.lowerBound, col: cols.lowerBound, ds.matmul(qh, transposeSelf: true))
            }
        }
        let (dxq, gq) = query.backward(x, dq), (dxk, gk) = key.backward(x, dk), (dxv, gv) = value.backward(x, dv)
        var gradient = self
        gradient.query = gq; gradient.key = gk; gradient.value = gv; gradient.output = gOutput
        return (dxq + dxk + dxv, gradient)
    }

    public var flattened: [T] { query.flattened + key.flattened + value.flattened + output.flattened }

    public var decayFlags: [Bool] { query.decayFlags + key.decayFlags + value.decayFlags + output.decayFlags }

    public mutating func load(_ values: ArraySlice<T>) {
        var rest = values
        query.load(rest); rest = rest.dropFirst(query.parameterCount)
        key.load(rest); rest = rest.dropFirst(key.parameterCount)
        value.load(rest); rest = rest.dropFirst(value.parameterCount)
        output.load(rest)
    }
}
