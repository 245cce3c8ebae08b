// Level-1/2 vector primitives on short dense vectors (factor rows, k up to a few hundred) that the
// other kernels/ headers build on: dot products, axpy, a row-major matrix-vector product.
//
// Reductions keep a fixed number of independent partial sums ("lanes") and combine them in a
// fixed order at the end. The loop over lanes has no dependency between iterations, so compilers
// vectorise it without -ffast-math, and the result does not depend on whether they do: the same
// sums are formed in the same order on every build. (Host and device results can still differ in
// the last bits, as nvcc contracts a*b+c into FMAs and the host compiler may not.)
//
// Pointers are plain and may be unaligned. Lengths are `int` (vectors, not matrices);
// `__restrict__` marks arguments that must not overlap.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"

namespace movierec::kernels {

// Sum of a[i] * b[i] over [0, n), accumulated in float with 8 lanes.
MOVIEREC_HD_HOT float Dot(const float* a, const float* b, int n) {
  float acc[8] = {0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f, 0.f};
  int i = 0;
  for (; i + 8 <= n; i += 8) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int j = 0; j < 8; ++j) acc[j] += a[i + j] * b[i + j];
  }
  float tail = 0.f;
  for (; i < n; ++i) tail += a[i] * b[i];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

// Sum of a[i] * b[i] over [0, n) accumulated in double (4 lanes), for T = float or double: the
// products are formed in double, so float inputs lose nothing before the sum.
template <typename T>
MOVIEREC_HD_HOT double DotDouble(const T* a, const T* b, int n) {
  double acc[4] = {0., 0., 0., 0.};
  int i = 0;
  for (; i + 4 <= n; i += 4) {
#if defined(__CUDA_ARCH__)
#pragma unroll
#endif
    for (int j = 0; j < 4; ++j) {
      acc[j] += static_cast<double>(a[i + j]) * static_cast<double>(b[i + j]);
    }
  }
  double tail = 0.;
  for (; i < n; ++i) tail += static_cast<double>(a[i]) * static_cast<double>(b[i]);
  return ((acc[0] + acc[2]) + (acc[1] + acc[3])) + tail;
}

// y += alpha * x.
template <typename T>
MOVIEREC_HD void Axpy(T alpha, const T* __restrict__ x, T* __restrict__ y, int n) {
  for (int i = 0; i < n; ++i) y[i] += alpha * x[i];
}

// p = r + beta * p (the CG direction update).
MOVIEREC_HD void Xpby(const float* __restrict__ r, float beta, float* __restrict__ p, int n) {
  for (int i = 0; i < n; ++i) p[i] = r[i] + beta * p[i];
}

// y = A x for a full (both triangles stored) n×n row-major matrix; each y[r] is Dot(row r, x).
MOVIEREC_HD void MatVec(const float* __restrict__ a, const float* __restrict__ x,
                        float* __restrict__ y, int n) {
  for (int r = 0; r < n; ++r) y[r] = Dot(a + static_cast<int64_t>(r) * n, x, n);
}

// Copies the lower triangle of an n×n row-major matrix onto its upper triangle, for consumers
// that read the full matrix (MatVec, a BLAS gemv). The build functions in this directory fill only
// the lower triangle.
template <typename T>
MOVIEREC_HD void MirrorLowerToUpper(T* a, int n) {
  for (int r = 0; r < n; ++r) {
    for (int c = r + 1; c < n; ++c) {
      a[static_cast<int64_t>(r) * n + c] = a[static_cast<int64_t>(c) * n + r];
    }
  }
}

}  // namespace movierec::kernels
