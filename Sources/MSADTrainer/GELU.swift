/// GELU with the tanh approximation (as PyTorch's `approximate="tanh"`):
/// `gelu(x) = ½ x (1 + tanh(z))`, `z = √(2/π) (x + 0.044715 x³)`.
///
/// Computed through the identity `½ (1 + tanh z) = σ(2z) = 1 / (1 + e^(−2z))`: one `exp` per
/// element instead of `tanh` (glibc's `tanhf` goes through `expm1f` and took ~10 % of a training step).
public enum GELU {
    static func constants<T: BLASScalar>() -> (T, T) { (T(0.7978845608028654), T(0.044715)) }

    public static func forward<T: BLASScalar>(_ x: Matrix<T>) -> Matrix<T> { forwardSavingGate(x).y }

    /// The output and each element's gate `σ(2z)`, which ``backward(_:_:gate:)`` reuses.
    public static func forwardSavingGate<T: BLASScalar>(_ x: Matrix<T>) -> (y: Matrix<T>, gate: [T]) {
        let (k, a): (T, T) = constants()
        let count = x.values.count
        let gate = [T](unsafeUninitializedCapacity: count) { gate, initialized in
            x.values.withUnsafeBufferPointer { x in
                for i in 0..<count { let v = x[i]; gate[i] = -2 * k * (v + a * v * v * v) }
            }
            T.expInPlace(gate)  // e^(−2z) in one bulk pass (vectorised for Float)
            for i in 0..<count { gate[i] = 1 / (1 + gate[i]) }
            initialized = count
        }
        let y = [T](unsafeUninitializedCapacity: count) { y, initialized in
            x.values.withUnsafeBufferPointer { x in for i in 0..<count { y[i] = x[i] * gate[i] } }
            initialized = count
        }
        return (Matrix(rows: x.rows, cols: x.cols, values: y), gate)
    }

    /// `dL/dx = dy · gelu'(x)`, `gelu'(x) = s + 2 x s (1 − s) · √(2/π) (1 + 3·0.044715 x²)` with `s = σ(2z)`;
    /// `gate` from ``forwardSavingGate(_:)`` saves recomputing it.
    public static func backward<T: BLASScalar>(_ x: Matrix<T>, _ dy: Matrix<T>, gate saved: [T]? = nil) -> Matrix<T> {
        let (k, a): (T, T) = constants()
        let gate = saved ?? forwardSavingGate(x).gate
        precondition(x.values.count == dy.values.count && gate.count == dy.values.count)
        let count = dy.values.count
        // Written straight into a new array: copying dy first and scaling it in place costs a memmove.
        let dx = [T](unsafeUninitializedCapacity: count) { dx, initialized in
            x.values.withUnsafeBufferPointer { x in
                gate.withUnsafeBufferPointer { gate in
                    dy.values.withUnsafeBufferPointer { dy in
                        for i in 0..<count {
                            let v = x[i], s = gate[i]
                            dx[i] = dy[i] * (s + 2 * v * s * (1 - s) * k * (1 + 3 * a * v * v))
                        }
                    }
                }
            }
            initialized = count
        }
        return Matrix(rows: dy.rows, cols: dy.cols, values: dx)
    }
}
