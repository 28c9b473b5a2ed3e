// OpenBLAS's own cblas.h (from pkg-config `openblas`) also declares openblas_set_num_threads.
#include <cblas.h>
