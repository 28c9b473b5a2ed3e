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
                let origin = (rows.lowerBound, h * dh)
                var scores = Matrix<T>(zeros: tokens, tokens)
                Matrix.multiplyBlocks(q, at: origin, k, at: origin, transposeB: true, into: &scores, at: (0, 0),
                                      m: tokens, n: tokens, k: dh, alpha: scale)
                let p = Softmax.rows(scores)
                Matrix.multiplyBlocks(p, at: (0, 0), v, at: origin, into: &concat, at: origin, m: tokens, n: dh, k: tokens)
                perHead.append(p)
            }
            probabilities.append(perHead)
        }
        return (concat, probabilities)
    }

    /// What the backward pass needs from the forward pass.
    public struct Cache: Sendable {
        let q: Matrix<T>, k: Matrix<T>, v: Matrix<T>, concat: Matrix<T>
        let probabilities: [[Matrix<T>]]
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
        let q = cache.q, k = cache.k, v = cache.v, concat = cache.concat, probabilities = cache.probabilities
        let (dConcat, gOutput) = output.backward(concat, dy)
        let width = q.cols, dh = width / heads, scale = 1 / T(dh).squareRoot()
        var dq = Matrix<T>(zeros: q.rows, width), dk = dq, dv = dq
        for r in 0..<(q.rows / tokens) {
            let rows = (r * tokens)..<((r + 1) * tokens)
            for h in 0..<heads {
                let origin = (rows.lowerBound, h * dh)
                let p = probabilities[r][h]
                var dp = Matrix<T>(zeros: tokens, tokens)                         // dOut · Vᵀ
                Matrix.multiplyBlocks(dConcat, at: origin, v, at: origin, transposeB: true, into: &dp, at: (0, 0), m: tokens, n: tokens, k: dh)
                Matrix.multiplyBlocks(p, at: (0, 0), transposeA: true, dConcat, at: origin, into: &dv, at: origin, m: tokens, n: dh, k: tokens)
                // Softmax backward per row: dS = P ⊙ (dP − Σ_j dP⊙P).
                var ds = dp
                ds.values.withUnsafeMutableBufferPointer { ds in
                    p.values.withUnsafeBufferPointer { p in
                        for i in 0..<tokens {
                            var dot: T = 0
                            for j in 0..<tokens { dot += ds[i * tokens + j] * p[i * tokens + j] }
                            for j in 0..<tokens { ds[i * tokens + j] = p[i * tokens + j] * (ds[i * tokens + j] - dot) * scale }
                        }
                    }
                }
                Matrix.multiplyBlocks(ds, at: (0, 0), k, at: origin, into: &dq, at: origin, m: tokens, n: dh, k: tokens)
                Matrix.multiplyBlocks(ds, at: (0, 0), transposeA: true, q, at: origin, into: &dk, at: origin, m: tokens, n: dh, k: tokens)
            }
        }
        let (dxq, gq) = query.backward(x, dq), (dxk, gk) = key.backward(x, dk), (dxv, gv) = value.backward(x, dv)
        var gradient = self
        gradient.query = gq; gradient.key = gk; gradient.value = gv; gradient.output = gOutput
        return (dxq + dxk + dxv, gradient)
    }

    public func appendParameters(to out: inout [T]) {
        query.appendParameters(to: &out)
        key.appendParameters(to: &out)
        value.appendParameters(to: &out)
        output.appendParameters(to: &out)
    }

    public var decayFlags: [Bool] { query.decayFlags + key.decayFlags + value.decayFlags + output.decayFlags }

    public mutating func load(_ values: ArraySlice<T>) {
        var rest = values
        query.load(rest); rest = rest.dropFirst(query.parameterCount)
        key.load(rest); rest = rest.dropFirst(key.parameterCount)
        value.load(rest); rest = rest.dropFirst(value.parameterCount)
        output.load(rest)
    }
}
