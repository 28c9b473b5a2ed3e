/// The MSAD loss of X-STARS between two sensors' projected tokens at one token index
/// (the formula is in the README, "train-msad and MSADTrainer"), with its exact gradient.
///
/// ```
/// logits  = B · Aᵀ / τ
/// targets = softmax_rows(((A·Aᵀ) + (B·Bᵀ)) / 2 · τ)   (constants: no gradient), then (1−ε)·targets + ε/n
/// loss    = ½ [ CE_rows(logits, targets) + CE_rows(logitsᵀ, targetsᵀ) ]
/// ```
public enum MSADLoss {
    /// - Parameters:
    ///   - a, b: n×E projected tokens of sensors a and b (row k = record k of the batch).
    /// - Returns: the loss and its gradients with respect to `a` and `b`.
    public static func pair<T: BLASScalar>(_ a: Matrix<T>, _ b: Matrix<T>, temperature tau: T, smoothing epsilon: T)
        -> (loss: T, da: Matrix<T>, db: Matrix<T>) {
        let n = a.rows
        let logits = b.matmul(a, transposeOther: true).scaled(1 / tau)
        var targets = Softmax.rows((a.matmul(a, transposeOther: true) + b.matmul(b, transposeOther: true)).scaled(tau / 2))
        if epsilon != 0 {
            targets = Matrix(rows: n, cols: n, values: targets.values.map { (1 - epsilon) * $0 + epsilon / T(n) })
        }
        let (l1, g1) = Softmax.crossEntropy(logits: logits, targets: targets)
        let (l2, g2) = Softmax.crossEntropy(logits: logits.transposed, targets: targets.transposed)
        let dLogits = (g1 + g2.transposed).scaled(T(0.5) / tau)    // also folds in d(logits)/d(B·Aᵀ) = 1/τ
        // logits = B·Aᵀ/τ  ⇒  dB = dL·A/τ,  dA = dLᵀ·B/τ
        return ((l1 + l2) / 2, dLogits.matmul(b, transposeSelf: true), dLogits.matmul(a))
    }
}

/// MSAD over a batch of token grids: per-sensor projection heads, the pair loss at every token
/// index, averaged — with the gradient carried through the average (the X-STARS reference code
/// averages through `torch.tensor(list)`, which cuts it).
public struct MSADObjective<T: BLASScalar>: Sendable {
    public var temperature: T
    public var smoothing: T

    /// Defaults of the X-STARS reference: τ = 1, ε = 0.3.
    public init(temperature: T = 1, smoothing: T = T(0.3)) {
        self.temperature = temperature
        self.smoothing = smoothing
    }

    /// - Parameters:
    ///   - za, zb: (batch · tokens)×D encoder tokens, row `k · tokens + i` = record k, token i.
    ///   - usable: per row, whether the token counts in both sensors (``TokenValidity``); `nil`: all.
    ///     A position contrasts its usable records only, and counts when it has two or more; the
    ///     loss is the mean over the positions that count.
    /// - Returns: the loss, gradients for the tokens and for both heads.
    public func evaluate(za: Matrix<T>, zb: Matrix<T>, batch: Int, tokens: Int, headA: ProjectionHead<T>, headB: ProjectionHead<T>,
                         usable: [Bool]? = nil)
        -> (loss: T, dza: Matrix<T>, dzb: Matrix<T>, headA: ProjectionHead<T>, headB: ProjectionHead<T>) {
        let pa = headA.forward(za), pb = headB.forward(zb)
        var dpa = Matrix<T>(zeros: pa.rows, pa.cols), dpb = Matrix<T>(zeros: pb.rows, pb.cols)
        var loss: T = 0
        let positions = (0..<tokens).map { i in (0..<batch).map { $0 * tokens + i }.filter { usable?[$0] ?? true } }.filter { $0.count >= 2 }
        let share = 1 / T(max(1, positions.count))
        // Positions are independent and own disjoint rows: they run on the lanes, and their results
        // are added in position order.
        let (temperature, smoothing) = (temperature, smoothing)
        let pairs = Lanes.map(positions.count) { i in
            MSADLoss.pair(pa.gatherRows(positions[i]), pb.gatherRows(positions[i]), temperature: temperature, smoothing: smoothing)
        }
        for (rows, (l, da, db)) in zip(positions, pairs) {
            loss += l * share
            dpa.scatterAddRows(rows, da, scale: share)
            dpb.scatterAddRows(rows, db, scale: share)
        }
        let (dza, ga) = headA.backward(za, dpa)
        let (dzb, gb) = headB.backward(zb, dpb)
        return (loss, dza, dzb, ga, gb)
    }
}

/// `msad-dense`: patch-correspondence InfoNCE over every token of the batch. Tokens are
/// L2-normalised; the positive of token (k, i) of sensor a is token (k, i) of sensor b, and every
/// other token of sensor b in the batch (other positions of the same record included) is a negative;
/// both directions are averaged. Default τ = 0.1.
public enum MSADDenseLoss {
    /// The smallest temperature: the logits span `[−1/τ, 1/τ]`, and their softmax keeps every
    /// `exp(l − 1/τ)` a normal Float only while that span is at most 80.
    public static let minimumTemperature = 0.025

    /// - Parameters:
    ///   - temperature: τ, at least ``minimumTemperature``.
    ///   - usable: per row, whether the token counts in both sensors (``TokenValidity``); `nil`: all.
    ///     Tokens that do not count are neither positives nor negatives.
    public static func evaluate<T: BLASScalar>(za: Matrix<T>, zb: Matrix<T>, temperature tau: T = T(0.1), usable: [Bool]? = nil)
        -> (loss: T, dza: Matrix<T>, dzb: Matrix<T>) {
        precondition(tau >= T(minimumTemperature), "msad-dense's temperature is at least \(minimumTemperature)")
        if let usable, usable.contains(false) {
            let rows = usable.indices.filter { usable[$0] }
            var dza = Matrix<T>(zeros: za.rows, za.cols), dzb = Matrix<T>(zeros: zb.rows, zb.cols)
            guard !rows.isEmpty else { return (0, dza, dzb) }
            let (loss, da, db) = evaluate(za: za.gatherRows(rows), zb: zb.gatherRows(rows), temperature: tau)
            dza.scatterAddRows(rows, da)
            dzb.scatterAddRows(rows, db)
            return (loss, dza, dzb)
        }
        let (na, ia) = normalize(za), (nb, ib) = normalize(zb)
        let logits = na.matmul(nb, transposeOther: true, alpha: 1 / tau)       // N×N, positives on the diagonal
        let (loss, dLogits) = Softmax.diagonalCrossEntropyBothWays(logits, bound: 1 / tau, gradientScale: 1 / tau)
        let dna = dLogits.matmul(nb), dnb = dLogits.matmul(na, transposeSelf: true)
        return (loss, normalizeBackward(na, ia, dna), normalizeBackward(nb, ib, dnb))
    }

    /// Rows divided by their L2 norm; also returns 1/‖row‖.
    static func normalize<T: BLASScalar>(_ z: Matrix<T>) -> (Matrix<T>, [T]) {
        var out = z
        var inverse = [T](repeating: 0, count: z.rows)
        let cols = z.cols
        guard z.rows > 0, cols > 0 else { return (out, inverse) }
        out.withMutableBlock { x in
            for r in 0..<z.rows {
                let row = x.base + r * cols
                let scale = 1 / max(VectorSums.dot(row, row, count: cols).squareRoot(), T(1e-12))
                inverse[r] = scale
                for c in 0..<cols { row[c] *= scale }
            }
        }
        return (out, inverse)
    }

    /// `dz = (dn − n (n·dn)) / ‖z‖`.
    static func normalizeBackward<T: BLASScalar>(_ n: Matrix<T>, _ inverse: [T], _ dn: Matrix<T>) -> Matrix<T> {
        precondition(n.rows == dn.rows && n.cols == dn.cols && inverse.count == n.rows)
        var dz = dn
        let cols = n.cols
        guard n.rows > 0, cols > 0 else { return dz }
        n.withBlock { n in
            dz.withMutableBlock { dz in
                for r in 0..<inverse.count {
                    let (nr, dr) = (n.base + r * cols, dz.base + r * cols)
                    let dot = VectorSums.dot(nr, dr, count: cols)
                    for c in 0..<cols { dr[c] = (dr[c] - nr[c] * dot) * inverse[r] }
                }
            }
        }
        return dz
    }
}
