/// GELU with the tanh approximation (as PyTorch's `approximate="tanh"`):
/// `gelu(x) = ½ x (1 + tanh(√(2/π) (x + 0.044715 x³)))`.
public enum GELU {
    static func constants<T: BLASScalar>() -> (T, T) { (T(0.7978845608028654), T(0.044715)) }

    public static func forward<T: BLASScalar>(_ x: Matrix<T>) -> Matrix<T> {
        let (k, a): (T, T) = constants()
        return Matrix(rows: x.rows, cols: x.cols, values: x.values.map { v in T(0.5) * v * (1 + T.tanh(k * (v + a * v * v * v))) })
    }

    /// `dL/dx = dy · gelu'(x)`.
    public static func backward<T: BLASScalar>(_ x: Matrix<T>, _ dy: Matrix<T>) -> Matrix<T> {
        let (k, a): (T, T) = constants()
        let values = zip(x.values, dy.values).map { v, g -> T in
            let t = T.tanh(k * (v + a * v * v * v))
            let dt = (1 - t * t) * k * (1 + 3 * a * v * v)
            return g * (T(0.5) * (1 + t) + T(0.5) * v * dt)
        }
        return Matrix(rows: x.rows, cols: x.cols, values: values)
    }
}
