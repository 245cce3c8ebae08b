// In-place Cholesky factorisation A = L Lᵀ of a small symmetric positive definite matrix and the
// two triangular solves, for the k×k normal equations of ALS (k up to ~256), one matrix per user.
//
// Layout: A is k×k row-major and only its LOWER triangle (element (r, c) with c <= r, at
// a[r * k + c]) is read; L overwrites it. The strict upper triangle is neither read nor written,
// so callers may leave anything there. (Row-major lower is column-major upper: the same buffer
// suits LAPACK ?potrf/?potrs or cuSOLVER with uplo = 'U'.)
//
// Precision: T is float or double. Every inner product (factor and forward solve) is accumulated
// in double (kernels/vec.h DotDouble) and rounded to T once; the back substitution updates the
// right-hand side in T. Float storage with double accumulation keeps the residual of a k = 64
// float solve near 1e-6 relative for well-conditioned matrices.
//
// Algorithm: row-by-row (Cholesky–Banachiewicz): L[i][j] = (A[i][j] - <L[i][:j], L[j][:j]>) /
// L[j][j], both rows contiguous. No pivoting; a pivot that is not a positive finite number makes
// CholeskyFactor return false (the matrix is not numerically SPD), leaving `a` partly
// overwritten. It never divides by zero or takes the root of a negative number.
#pragma once

#include <cfloat>
#include <cmath>

#include "kernels/host_device.h"
#include "kernels/vec.h"

namespace movierec::kernels {

// Factors the lower triangle of `a` (k×k row-major) into L in place. Returns false, without
// finishing, on a pivot that is <= 0, NaN or infinite.
template <typename T>
MOVIEREC_HD bool CholeskyFactor(T* a, int k) {
  for (int i = 0; i < k; ++i) {
    T* row_i = a + static_cast<int64_t>(i) * k;
    for (int j = 0; j < i; ++j) {
      const T* row_j = a + static_cast<int64_t>(j) * k;
      const double s = static_cast<double>(row_i[j]) - DotDouble(row_i, row_j, j);
      row_i[j] = static_cast<T>(s / static_cast<double>(row_j[j]));
    }
    const double d = static_cast<double>(row_i[i]) - DotDouble(row_i, row_i, i);
    if (!(d > 0.0 && d <= DBL_MAX)) return false;
    const T l = static_cast<T>(sqrt(d));
    if (!(l > T(0))) return false;  // a positive double pivot that underflows T
    row_i[i] = l;
  }
  return true;
}

// Solves L Lᵀ x = b in place (b becomes x), with L from CholeskyFactor.
template <typename T>
MOVIEREC_HD void CholeskySolve(const T* __restrict__ l, int k, T* __restrict__ b) {
  // Forward: L y = b, row i of L is contiguous.
  for (int i = 0; i < k; ++i) {
    const T* row_i = l + static_cast<int64_t>(i) * k;
    b[i] = static_cast<T>((static_cast<double>(b[i]) - DotDouble(row_i, b, i)) /
                          static_cast<double>(row_i[i]));
  }
  // Backward: Lᵀ x = y, column-oriented so that each step reads a contiguous row of L:
  // once x[i] is known, subtract x[i] * L[i][:i] from the remaining right-hand side.
  for (int i = k - 1; i >= 0; --i) {
    const T* row_i = l + static_cast<int64_t>(i) * k;
    const T xi = b[i] / row_i[i];
    b[i] = xi;
    const T minus_xi = -xi;
    for (int p = 0; p < i; ++p) b[p] += minus_xi * row_i[p];
  }
}

// Factor and solve A x = b: on success b holds x and `a` holds L; on failure returns false and
// b is untouched.
template <typename T>
MOVIEREC_HD bool CholeskyFactorSolve(T* a, int k, T* b) {
  if (!CholeskyFactor(a, k)) return false;
  CholeskySolve(a, k, b);
  return true;
}

}  // namespace movierec::kernels
