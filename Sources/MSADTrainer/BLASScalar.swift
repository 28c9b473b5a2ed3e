import COpenBLAS
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A scalar type with an OpenBLAS matrix product: `Float` (`cblas_sgemm`) for training, `Double`
/// (`cblas_dgemm`) so that the same layer code can be checked against finite differences in Float64.
public protocol BLASScalar: BinaryFloatingPoint, Sendable where Self.Stride == Self {
    /// `C = alpha · op(A) · op(B) + beta · C`, row-major (`cblas_?gemm`).
    static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Self,
                     a: UnsafePointer<Self>, lda: Int, b: UnsafePointer<Self>, ldb: Int,
                     beta: Self, c: UnsafeMutablePointer<Self>, ldc: Int)
    static func exp(_ x: Self) -> Self
    /// `exp` of every element, in place: the element-wise passes' bulk form (Float: a vectorised
    /// loop, ``VectorExp``).
    static func expInPlace(_ x: UnsafeMutableBufferPointer<Self>)
    static func log(_ x: Self) -> Self
    static func tanh(_ x: Self) -> Self
}

extension Float: BLASScalar {
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>, lda: Int,
                            b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static func exp(_ x: Float) -> Float { Glibc.expf(x) }
    public static func expInPlace(_ x: UnsafeMutableBufferPointer<Float>) { VectorExp.expInPlace(x) }
    public static func log(_ x: Float) -> Float { Glibc.logf(x) }
    public static func tanh(_ x: Float) -> Float { Glibc.tanhf(x) }
}

extension Double: BLASScalar {
    public static func gemm(transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Double, a: UnsafePointer<Double>, lda: Int,
                            b: UnsafePointer<Double>, ldb: Int, beta: Double, c: UnsafeMutablePointer<Double>, ldc: Int) {
        cblas_dgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                    blasint(m), blasint(n), blasint(k), alpha, a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }
    public static func exp(_ x: Double) -> Double { Glibc.exp(x) }
    public static func expInPlace(_ x: UnsafeMutableBufferPointer<Double>) {
        for i in x.indices { x[i] = Glibc.exp(x[i]) }
    }
    public static func log(_ x: Double) -> Double { Glibc.log(x) }
    public static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }
}

/// The trainer's compute threads. OpenBLAS's own pool is kept at one thread and the trainer splits
/// its products over ``Lanes`` instead: OpenBLAS 0.3.21 runs small products (attention's, per
/// record and head) on one thread whatever its pool, and its idle pool threads spin in
/// `sched_yield`, competing with the lanes (14 % of a step's profile before).
public enum ComputeThreads {
    /// Sets the lanes to `count` threads (at least 1) and OpenBLAS's pool to 1, and tunes the heap
    /// for them (``HeapTuning``).
    public static func set(_ count: Int) {
        HeapTuning.applied
        Lanes.count = max(1, count)
        openblas_set_num_threads(1)
    }
    /// The lanes' thread count.
    public static var count: Int { Lanes.count }
    /// Runs `body` with OpenBLAS's own pool at the lanes' thread count (the benchmark's reference:
    /// `cblas_sgemm` threading each product as it would alone).
    public static func withOpenComputeThreads<R>(_ body: () throws -> R) rethrows -> R {
        openblas_set_num_threads(Int32(Lanes.count))
        defer { openblas_set_num_threads(1) }
        return try body()
    }
}
