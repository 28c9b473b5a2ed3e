import Foundation
import Synchronization

/// One matrix product's shape: `C (m×n) = op(A) (m×k) · op(B) (k×n)`.
public struct GEMMShape: Hashable, Sendable, Codable {
    public var m: Int
    public var n: Int
    public var k: Int
    public var transposeA: Bool
    public var transposeB: Bool

    /// Multiply-adds counted as two floating-point operations.
    public var flops: Int { 2 * m * n * k }
}

/// Counts the work done by every ``Matrix/matmul(_:transposeSelf:transposeOther:)`` (for the
/// trainer's GFLOP/s) and, on request, records the shapes so that the same products can be timed
/// on their own with `cblas_sgemm` (the benchmark's reference).
public enum GEMMAccounting {
    private static let executed = Atomic<Int>(0)
    private static let recorded = Mutex<[GEMMShape]?>(nil)

    /// Floating-point operations done through matrix products since the process started.
    public static var flops: Int { executed.load(ordering: .relaxed) }

    static func note(_ shape: GEMMShape) {
        executed.add(shape.flops, ordering: .relaxed)
        recorded.withLock { list in list?.append(shape) }
    }

    /// Runs `body` and returns the shapes of every matrix product it made, in order.
    public static func recording<R>(_ body: () throws -> R) rethrows -> (result: R, shapes: [GEMMShape]) {
        recorded.withLock { $0 = [] }
        defer { recorded.withLock { $0 = nil } }
        let result = try body()
        return (result, recorded.withLock { $0 ?? [] })
    }

    /// Times `cblas_sgemm` alone on `shapes` (the same sizes and transposes as the trainer's, on
    /// tightly packed operands filled with small values), with OpenBLAS's own pool at the trainer's
    /// thread count, and returns the seconds per pass, the median of `repetitions` passes.
    public static func timeSGEMM(_ shapes: [GEMMShape], repetitions: Int = 5) -> Double {
        let largest = shapes.reduce(0) { max($0, $1.m * $1.k, $1.k * $1.n, $1.m * $1.n) }
        let a = [Float](repeating: 0.01, count: largest), b = a
        var c = [Float](repeating: 0, count: largest)
        var times: [Double] = []
        ComputeThreads.withOpenComputeThreads {
            for _ in 0..<max(1, repetitions) {
                let start = DispatchTime.now().uptimeNanoseconds
                a.withUnsafeBufferPointer { pa in
                    b.withUnsafeBufferPointer { pb in
                        c.withUnsafeMutableBufferPointer { pc in
                            for s in shapes {
                                Float.gemm(transA: s.transposeA, transB: s.transposeB, m: s.m, n: s.n, k: s.k, alpha: 1,
                                           a: pa.baseAddress!, lda: s.transposeA ? s.m : s.k,
                                           b: pb.baseAddress!, ldb: s.transposeB ? s.k : s.n, beta: 0, c: pc.baseAddress!, ldc: s.n)
                            }
                        }
                    }
                }
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
            }
        }
        return times.sorted()[times.count / 2]
    }
}
