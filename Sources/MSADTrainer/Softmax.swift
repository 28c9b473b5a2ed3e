/// Row-wise softmax and log-softmax, shifted by the row maximum for stability.
enum Softmax {
    static func rows<T: BLASScalar>(_ m: Matrix<T>) -> Matrix<T> {
        var out = m
        out.withMutableBlock { rowsInPlace($0, rows: m.rows, cols: m.cols) }
        return out
    }

    /// The softmax of each of a block's rows, in place.
    static func rowsInPlace<T: BLASScalar>(_ block: MatrixBlock<T>, rows: Int, cols: Int) {
        for r in 0..<rows {
            let row = UnsafeMutableBufferPointer(start: block.base + r * block.stride, count: cols)
            let top = row.max()!
            for c in row.indices { row[c] -= top }
            T.expInPlace(row)
            var sum: T = 0
            for c in row.indices { sum += row[c] }
            let inverse = 1 / sum
            for c in row.indices { row[c] *= inverse }
        }
    }

    /// Cross-entropy of each row's softmax against the rows of `targets`, averaged over rows,
    /// and its gradient with respect to the logits: `(softmax(l) · Σt − t) / rows` (targets whose
    /// rows do not sum to one, such as transposed soft targets, are handled exactly).
    static func crossEntropy<T: BLASScalar>(logits: Matrix<T>, targets: Matrix<T>) -> (loss: T, gradient: Matrix<T>) {
        precondition(logits.rows == targets.rows && logits.cols == targets.cols)
        var loss: T = 0
        var g = logits
        let n = T(logits.rows), cols = logits.cols
        logits.values.withUnsafeBufferPointer { l in
            targets.values.withUnsafeBufferPointer { t in
                g.values.withUnsafeMutableBufferPointer { g in
                    for r in 0..<logits.rows {
                        let row = r * cols
                        var top = l[row]
                        for c in 1..<cols { top = max(top, l[row + c]) }
                        var sum: T = 0
                        for c in 0..<cols { g[row + c] = T.exp(l[row + c] - top); sum += g[row + c] }
                        let logZ = top + T.log(sum), inverse = 1 / sum
                        var targetSum: T = 0
                        for c in 0..<cols { targetSum += t[row + c]; loss -= t[row + c] * (l[row + c] - logZ) }
                        for c in 0..<cols { g[row + c] = (g[row + c] * inverse * targetSum - t[row + c]) / n }
                    }
                }
            }
        }
        return (loss / n, g)
    }

    /// `½ [CE_rows(L, I) + CE_rows(Lᵀ, I)]` for a square `L` whose targets are its diagonal, and its
    /// gradient `½ [(softmax_rows(L) − I) + (softmax_cols(L) − I)] / N` times `gradientScale`, without
    /// forming `Lᵀ` or `I` (msad-dense: N is every token of the batch, ~1,000 and more).
    ///
    /// Each exponential is computed once and kept for the gradient. Rows go to the lanes in fixed
    /// blocks, and the blocks' column maxima and sums are combined in block order, so the result is
    /// the same for any number of lanes.
    static func diagonalCrossEntropyBothWays<T: BLASScalar>(_ logits: consuming Matrix<T>, gradientScale: T = 1)
        -> (loss: T, gradient: Matrix<T>) {
        precondition(logits.rows == logits.cols)
        let n = logits.rows, blockRows = 64, blocks = (n + blockRows - 1) / blockRows
        let diagonal = (0..<n).map { logits[$0, $0] }
        var g = logits  // the logits, then exp(l − rowMax), then the gradient
        var colExp = Matrix<T>(zeros: n, n)
        var rowMax = Matrix<T>(zeros: 1, n), rowSum = rowMax
        var colMax = Matrix<T>(zeros: blocks, n), colSum = colMax  // per block, then combined into row 0
        @Sendable func rows(of block: Int) -> Range<Int> { block * blockRows..<min(n, (block + 1) * blockRows) }
        g.withMutableBlock { l in colExp.withMutableBlock { e in rowMax.withMutableBlock { rMax in rowSum.withMutableBlock { rSum in
            colMax.withMutableBlock { cMax in colSum.withMutableBlock { cSum in
                Lanes.split(blocks) { lane in
                    for b in lane {
                        for c in 0..<n { cMax[b, c] = -.infinity }
                        for r in rows(of: b) {
                            var top = -T.infinity
                            for c in 0..<n { let x = l[r, c]; top = max(top, x); cMax[b, c] = max(cMax[b, c], x) }
                            rMax[0, r] = top
                        }
                    }
                }
                for b in 1..<max(1, blocks) { for c in 0..<n { cMax[0, c] = max(cMax[0, c], cMax[b, c]) } }
                Lanes.split(blocks) { lane in
                    for b in lane {
                        for r in rows(of: b) {
                            for c in 0..<n { e[r, c] = l[r, c] - cMax[0, c]; l[r, c] -= rMax[0, r] }
                            T.expInPlace(UnsafeMutableBufferPointer(start: l.base + r * l.stride, count: n))
                            T.expInPlace(UnsafeMutableBufferPointer(start: e.base + r * e.stride, count: n))
                            var sum: T = 0
                            for c in 0..<n { sum += l[r, c]; cSum[b, c] += e[r, c] }
                            rSum[0, r] = sum
                        }
                    }
                }
                for b in 1..<max(1, blocks) { for c in 0..<n { cSum[0, c] += cSum[b, c] } }
                let half = T(0.5) / T(n) * gradientScale
                Lanes.split(blocks) { lane in
                    for b in lane {
                        for r in rows(of: b) {
                            let inverseRowSum = 1 / rSum[0, r]
                            for c in 0..<n { l[r, c] = half * (l[r, c] * inverseRowSum + e[r, c] / cSum[0, c]) }
                            l[r, r] -= half * 2
                        }
                    }
                }
            } }
        } } } }
        var loss: T = 0
        for k in 0..<n {
            loss += (rowMax[0, k] + T.log(rowSum[0, k]) - diagonal[k]) + (colMax[0, k] + T.log(colSum[0, k]) - diagonal[k])
        }
        return (loss * T(0.5) / T(n), g)
    }
}
