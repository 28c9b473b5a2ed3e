/// `y = x · W + b` for a batch of rows (`x`: n×inputs, `W`: inputs×outputs).
public struct Linear<T: BLASScalar>: Parameters, Sendable {
    public var weight: Matrix<T>
    public var bias: [T]

    /// Xavier-uniform weights from a seeded generator, zero bias.
    public init(inputs: Int, outputs: Int, generator: inout some RandomNumberGenerator) {
        let limit = Double((6.0 / Double(inputs + outputs)).squareRoot())
        weight = Matrix(rows: inputs, cols: outputs,
                        values: (0..<(inputs * outputs)).map { _ in T(Double.random(in: -limit...limit, using: &generator)) })
        bias = [T](repeating: 0, count: outputs)
    }

    public init(weight: Matrix<T>, bias: [T]) {
        self.weight = weight
        self.bias = bias
    }

    public func forward(_ x: Matrix<T>) -> Matrix<T> {
        x.matmul(weight, rowBias: bias)
    }

    /// Given `x` and `dL/dy`: `dL/dx = dy · Wᵀ`, `dL/dW = xᵀ · dy`, `dL/db = Σ_rows dy`.
    public func backward(_ x: Matrix<T>, _ dy: Matrix<T>) -> (dx: Matrix<T>, gradient: Linear<T>) {
        precondition(dy.cols == bias.count && dy.rows == x.rows, "a \(dy.rows)×\(dy.cols) gradient for \(x.rows) rows of \(bias.count) outputs")
        var db = [T](repeating: 0, count: bias.count)
        db.withUnsafeMutableBufferPointer { db in
            dy.values.withUnsafeBufferPointer { d in
                guard let d = d.baseAddress, let db = db.baseAddress else { return }
                VectorSums.addRows(of: d, rows: dy.rows, count: dy.cols, to: db)
            }
        }
        return (dy.matmul(weight, transposeOther: true), Linear(weight: x.matmul(dy, transposeSelf: true), bias: db))
    }

    public mutating func forEachParameterArray(_ body: (inout [T]) -> Void) {
        body(&weight.values)
        body(&bias)
    }

    public var decayFlags: [Bool] { [Bool](repeating: true, count: weight.values.count) + [Bool](repeating: false, count: bias.count) }
}
