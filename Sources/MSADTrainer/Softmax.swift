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
            let inverse = 1 / VectorSums.sum(row.baseAddress!, count: cols)
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
    /// Every logit must lie in `[bound − 80, bound]` (msad-dense's logits are cosines over τ, so
    /// `bound = 1/τ` with τ ≥ 0.025). Then one shift serves rows and columns alike: each
    /// `exp(l − bound)` is at least e^−80, a normal Float, so it is computed once and feeds the row
    /// sums, the column sums and the gradient (with a row maximum and a column maximum, each element
    /// needed two exponentials and a second N×N matrix). Rows go to the lanes in fixed blocks whose
    /// column sums are added in block order, so the result is the same for any number of lanes.
    static func diagonalCrossEntropyBothWays<T: BLASScalar>(_ logits: consuming Matrix<T>, bound: T, gradientScale: T = 1)
        -> (loss: T, gradient: Matrix<T>) {
        precondition(logits.rows == logits.cols)
        let n = logits.rows, blockRows = 64, blocks = (n + blockRows - 1) / blockRows
        guard n > 0 else { return (0, logits) }
        let diagonal = (0..<n).map { logits[$0, $0] }
        var g = logits  // the logits, then exp(l − bound), then the gradient
        var rowSum = Matrix<T>(zeros: 1, n)
        var colSum = Matrix<T>(zeros: blocks, n)  // per block, then combined into row 0
        @Sendable func rows(of block: Int) -> Range<Int> { block * blockRows..<min(n, (block + 1) * blockRows) }
        g.withMutableBlock { l in rowSum.withMutableBlock { rSum in colSum.withMutableBlock { cSum in
            Lanes.split(blocks) { lane in
                for b in lane {
                    for r in rows(of: b) {
                        let row = l.base + r * l.stride, sums = cSum.base + b * cSum.stride
                        for c in 0..<n { row[c] -= bound }
                        T.expInPlace(UnsafeMutableBufferPointer(start: row, count: n))
                        rSum[0, r] = VectorSums.sum(row, count: n)
                        for c in 0..<n { sums[c] += row[c] }
                    }
                }
            }
            for b in 1..<blocks { for c in 0..<n { cSum[0, c] += cSum[b, c] } }
            for c in 0..<n { cSum[0, c] = 1 / cSum[0, c] }   // now the inverse column sums
            let half = T(0.5) / T(n) * gradientScale
            Lanes.split(blocks) { lane in
                for b in lane {
                    for r in rows(of: b) {
                        let row = l.base + r * l.stride, inverseColumnSums = cSum.base, inverseRowSum = 1 / rSum[0, r]
                        for c in 0..<n { row[c] = half * row[c] * (inverseRowSum + inverseColumnSums[c]) }
                        row[r] -= half * 2
                    }
                }
            }
        } } }
        var loss: T = 0
        for k in 0..<n {
            loss += (bound + T.log(rowSum[0, k]) - diagonal[k]) + (bound - T.log(colSum[0, k]) - diagonal[k])
        }
        return (loss * T(0.5) / T(n), g)
    }
}
