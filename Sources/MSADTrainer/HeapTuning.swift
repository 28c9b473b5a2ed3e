import COpenBLAS

/// Keeps the trainer's matrices on the heap. glibc serves each allocation over 128 KB with a fresh
/// `mmap`, whose pages fault in on first touch and go back to the system on `free`; a step allocates
/// and frees hundreds of such matrices (activations, forward caches, gradients), and those page
/// faults cost 15 % of a step (232 → 198 ms at the benchmark's shapes). glibc raises its threshold
/// by itself only after a large mmapped block is freed, which the trainer did by accident while
/// it still flattened every parameter each step.
///
/// All threads share the main heap (one arena). A thread other than the main one gets an arena of
/// its own, made of 64 MB heaps that glibc unmaps as soon as every block in one is free, which the
/// second lane's step did to them each time: its encoder ran 6–10 % slower than the same encoder on
/// the main thread (forward 66 against 61 ms, backward 106 against 99 ms), and the first lane
/// waited (a dense step 196 → 185 ms). Set before the loader's and the lanes' threads first
/// allocate, since a thread keeps the arena it started with.
enum HeapTuning {
    /// Applied once per process, by ``ComputeThreads/set(_:)`` and before the first step.
    static let applied: Void = {
        // glibc's largest allowed mmap threshold on 64-bit systems: larger blocks are still mapped.
        _ = mallopt(M_MMAP_THRESHOLD, 32 << 20)
        // Free memory at the top of the heap is returned only above this much.
        _ = mallopt(M_TRIM_THRESHOLD, 256 << 20)
        _ = mallopt(M_ARENA_MAX, 1)
    }()
}
