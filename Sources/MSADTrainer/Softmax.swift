/// Row-wise softmax and log-softmax, shifted by the row maximum for stability.
enum Softmax {
    static func rows<T: BLASScalar>(_ m: Matrix<T>) -> Matrix<T> {
        var out = m
        let cols = m.cols
        out.values.withUnsafeMutableBufferPointer { values in
            for r in 0..<m.rows {
                let row = UnsafeMutableBufferPointer(rebasing: values[(r * cols)..<((r + 1) * cols)])
                let top = row.max()!
                var sum: T = 0
                for c in row.indices { row[c] = T.exp(row[c] - top); sum += row[c] }
                let inverse = 1 / sum
                for c in row.indices { row[c] *= inverse }
            }
        }
        return out
    }

    /// Cross-entropy of each row's softmax against the rows of `targets`, averaged over rows,
    /// and its gradient with respect to the logits: `(softmax(l) · Σt − t) / rows` (targets whose
    /// rows do not sum to one, such as transposed soft targets, are handled exactly).
    static func crossEntropy<T: BLASScalar>(logits: Matrix<T>, targets: Matrix<T>) -> (loss: T, gradient: Matrix<T>) {
        let p = rows(logits)
        var loss: T = 0
        var g = logits
        let n = T(logits.rows)
        for r in 0..<logits.rows {
            var top = logits[r, 0]
            for c in 1..<logits.cols { top = max(top, logits[r, c]) }
            var sum: T = 0
            for c in 0..<logits.cols { sum += T.exp(logits[r, c] - top) }
            let logZ = top + T.log(sum)
            var targetSum: T = 0
            for c in 0..<logits.cols { targetSum += targets[r, c]; loss -= targets[r, c] * (logits[r, c] - logZ) }
            for c in 0..<logits.cols { g[r, c] = (p[r, c] * targetSum - targets[r, c]) / n }
        }
        return (loss / n, g)
    }
}
