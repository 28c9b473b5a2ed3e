// OpenBLAS's own cblas.h (from pkg-config `openblas`) also declares openblas_set_num_threads.
#include <cblas.h>
// glibc's mallopt, with which the trainer keeps its per-step matrices on the heap (HeapTuning.swift).
#include <malloc.h>
