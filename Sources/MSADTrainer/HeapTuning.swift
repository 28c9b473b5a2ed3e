import COpenBLAS

/// Keeps the trainer's matrices on the heap. glibc serves each allocation over 128 KB with a fresh
/// `mmap`, whose pages fault in on first touch and go back to the system on `free`; a step allocates
/// and frees hundreds of such matrices (activations, forward caches, gradients), and those page
/// faults cost 15 % of a step (232 → 198 ms at the benchmark's shapes). glibc raises its threshold
/// by itself only after a large mmapped block is freed, which the trainer did by accident while
/// it still flattened every parameter each step.
enum HeapTuning {
    /// Applied once per process, before the first step.
    static let applied: Void = {
        // glibc's largest allowed mmap threshold on 64-bit systems: larger blocks are still mapped.
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        // Free memory at the top of the heap is returned only above this much.
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
    }()
}
