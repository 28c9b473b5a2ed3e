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
            var sum: T = 0
            for c in row.indices { row[c] = T.exp(row[c] - top); sum += row[c] }
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
    /// gradient `½ [(softmax_rows(L) − I) + (softmax_cols(L) − I)] / N`, without forming `Lᵀ` or `I`
    /// (msad-dense: N is every token of the batch).
    static func diagonalCrossEntropyBothWays<T: BLASScalar>(_ logits: Matrix<T>) -> (loss: T, gradient: Matrix<T>) {
        precondition(logits.rows == logits.cols)
        let n = logits.rows
        var rowMax = [T](repeating: -.infinity, count: n), rowSum = [T](repeating: 0, count: n)
        var colMax = rowMax, colSum = rowSum
        var g = logits
        logits.values.withUnsafeBufferPointer { l in
            for r in 0..<n {
                for c in 0..<n {
                    rowMax[r] = max(rowMax[r], l[r * n + c])
                    colMax[c] = max(colMax[c], l[r * n + c])
                }
            }
            for r in 0..<n {
                for c in 0..<n {
                    rowSum[r] += T.exp(l[r * n + c] - rowMax[r])
                    colSum[c] += T.exp(l[r * n + c] - colMax[c])
                }
            }
        }
        var loss: T = 0
        for k in 0..<n {
            let diagonal = logits[k, k]
            loss += (rowMax[k] + T.log(rowSum[k]) - diagonal) + (colMax[k] + T.log(colSum[k]) - diagonal)
        }
        let half = T(0.5) / T(n)
        g.values.withUnsafeMutableBufferPointer { g in
            for r in 0..<n {
                for c in 0..<n {
                    let l = g[r * n + c]
                    g[r * n + c] = half * (T.exp(l - rowMax[r]) / rowSum[r] + T.exp(l - colMax[c]) / colSum[c] - (r == c ? 2 : 0))
                }
            }
        }
        return (loss * half, g)
    }
}
