// OpenBLAS, opened on first use instead of linked: its load-time initialisation (CPU detection,
// buffer allocation) would otherwise be paid by every process start, including the
// `recommend` calls that answer from a table in a few milliseconds and never multiply a
// matrix. The functions below resolve the library (libopenblas.so.0, the OpenMP build named by
// the install script) the first time one of them is called.
#pragma once

namespace movierec::blas {

enum class Transpose { kNo, kYes };

// C = alpha * op(A) * op(B) + beta * C, row-major (cblas_sgemm with CblasRowMajor).
void Sgemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
           const float* b, int ldb, float beta, float* c, int ldc);

// OpenBLAS's own thread count (openblas_set_num_threads / openblas_get_num_threads).
void SetThreads(int threads);
int Threads();
// openblas_get_parallel: 0 sequential build, 1 pthreads, 2 OpenMP.
int Parallel();

// "OpenBLAS 0.3.21 ... Haswell" (openblas_get_config + openblas_get_corename).
const char* Describe();

}  // namespace movierec::blas
