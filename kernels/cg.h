// Implicit-feedback ALS (Hu, Koren & Volinsky 2008) for one user (or, swapping roles, one item):
// the conjugate-gradient solve of Takács, Pilászy & Tikk 2011 as the `implicit` library runs it
// (implicit/cpu/_als.pyx, _least_squares_cg), its building blocks, and the exact normal
// equations for a Cholesky solve.
//
// The problem for a user u with observed items I_u, confidences c_i and preference p_i = 1:
//   minimise  Σ_all items j c_j (p_j - x·y_j)² + λ‖x‖²,  c_j = 1 and p_j = 0 when j ∉ I_u,
//   i.e.      A x = b,  A = YᵀY + λI + Σ_{i∈I_u} (c_i - 1) y_i y_iᵀ,   b = Σ_{i∈I_u} c_i y_i.
// The caller computes `yty` = YᵀY + λI once per sweep (k×k row-major, BOTH triangles stored;
// e.g. with one BLAS syrk plus the diagonal) and passes each user's slice of the CSR matrix.
// Every observed entry has preference 1; the `implicit` encoding of negative feedback as a
// negative confidence is not supported (a caller must not pass c < 0).
//
// Shapes: y is the n_items×k row-major factor matrix of the other side (row i at y + i*k,
// 64-bit offsets); items[0..n) index its rows (32-bit, as RatingMatrix::indices); conf[0..n) are
// the matching confidences c (already 1 + α·r or whatever the model uses). Vectors are length k.
//
// Precision: float throughout, as implicit's float32 path; dot products use the 8-lane float
// reduction of kernels/vec.h. The exact builder is templated on the output type so that a CPU
// caller may accumulate A and b in double.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"
#include "kernels/vec.h"

namespace movierec::kernels {

// Squared residual norm below which CG stops: implicit's 1e-20.
constexpr float kCgResidualEpsilon = 1e-20f;

// Ap = (YᵀY + λI) p + Σ_i (c_i - 1) (y_i·p) y_i — the product with A without forming A.
MOVIEREC_HD void CgApplyA(const float* __restrict__ yty, const float* __restrict__ y,
                          const int32_t* __restrict__ items, const float* __restrict__ conf,
                          int64_t n, int k, const float* __restrict__ p, float* __restrict__ ap) {
  MatVec(yty, p, ap, k);
  for (int64_t j = 0; j < n; ++j) {
    const float* yi = y + static_cast<int64_t>(items[j]) * k;
    const float w = (conf[j] - 1.f) * Dot(yi, p, k);
    Axpy(w, yi, ap, k);
  }
}

// r = b - A x = Σ_i c_i y_i - (YᵀY + λI) x - Σ_i (c_i - 1)(y_i·x) y_i, i.e. for each observed item
// r += (c_i - (c_i - 1)(y_i·x)) y_i after r = -(YᵀY + λI) x.
MOVIEREC_HD void CgResidual(const float* __restrict__ yty, const float* __restrict__ y,
                            const int32_t* __restrict__ items, const float* __restrict__ conf,
                            int64_t n, int k, const float* __restrict__ x, float* __restrict__ r) {
  MatVec(yty, x, r, k);
  for (int c = 0; c < k; ++c) r[c] = -r[c];
  for (int64_t j = 0; j < n; ++j) {
    const float* yi = y + static_cast<int64_t>(items[j]) * k;
    const float w = conf[j] - (conf[j] - 1.f) * Dot(yi, x, k);
    Axpy(w, yi, r, k);
  }
}

// Runs up to `cg_steps` CG iterations on A x = b for one row, starting from (and updating) x —
// the warm start from the previous sweep. `scratch` holds 3k floats (r, p, Ap) and must not
// overlap x. A row with no observed items (n == 0) gets x = 0, its exact solution.
// Stops early when ‖r‖² < kCgResidualEpsilon (before the first step, or after any step), and when
// p·Ap is not positive: A is SPD, so only rounding on a converged row gets there, and a step
// would divide by ~0 (the same guard as host/cpu_ials.cpp's fused solver and the CUDA kernel).
// Returns the number of iterations that updated x (0 when x was already converged or n == 0).
MOVIEREC_HD int CgSolveRow(const float* __restrict__ yty, const float* __restrict__ y,
                           const int32_t* __restrict__ items, const float* __restrict__ conf,
                           int64_t n, int k, int cg_steps, float* __restrict__ x,
                           float* __restrict__ scratch) {
  if (n == 0) {
    for (int c = 0; c < k; ++c) x[c] = 0.f;
    return 0;
  }
  float* __restrict__ r = scratch;
  float* __restrict__ p = scratch + k;
  float* __restrict__ ap = scratch + 2 * k;

  CgResidual(yty, y, items, conf, n, k, x, r);
  for (int c = 0; c < k; ++c) p[c] = r[c];
  float rs_old = Dot(r, r, k);
  if (rs_old < kCgResidualEpsilon) return 0;

  int it = 0;
  while (it < cg_steps) {
    CgApplyA(yty, y, items, conf, n, k, p, ap);
    const float pap = Dot(p, ap, k);
    if (!(pap > 0.f)) break;
    const float alpha = rs_old / pap;
    Axpy(alpha, p, x, k);
    Axpy(-alpha, ap, r, k);
    ++it;
    const float rs_new = Dot(r, r, k);
    if (rs_new < kCgResidualEpsilon) break;
    Xpby(r, rs_new / rs_old, p, k);
    rs_old = rs_new;
  }
  return it;
}

// The per-rating terms of the fused CG row solve, with cm1 = c - 1 = alpha·v and dot = y_i·(x or
// p), as host/cpu_ials.cpp's CgRow and the CUDA kernel (kernels/ials.cuh) form them:
//   residual pass   r  += CgResidualWeight(cm1, y·x) · y     (c - (c - 1)(y·x))
//   product pass    Ap += CgApplyWeight(cm1, y·p) · y        ((c - 1)(y·p))
MOVIEREC_HD float CgResidualWeight(float cm1, float dot) { return (1.f + cm1) - cm1 * dot; }
MOVIEREC_HD float CgApplyWeight(float cm1, float dot) { return cm1 * dot; }

// One rating's observed part of the implicit-ALS loss (host/cpu_ials.h "Loss"), in double:
// c (1 - d)² - (d² the all-pairs term already counts) = (c - 1) d² - 2 c d + c, d = x_u·y_i.
MOVIEREC_HD double ImplicitObservedLoss(double cm1, double d) {
  return cm1 * d * d - 2.0 * (1.0 + cm1) * d + (1.0 + cm1);
}

// a += alpha * v vᵀ on the lower triangle of the k×k row-major `a` (diagonal included).
template <typename T>
MOVIEREC_HD void AddRank1Lower(T alpha, const float* __restrict__ v, int k, T* __restrict__ a) {
  for (int r = 0; r < k; ++r) {
    const T w = alpha * static_cast<T>(v[r]);
    T* __restrict__ row = a + static_cast<int64_t>(r) * k;
    for (int c = 0; c <= r; ++c) row[c] += w * static_cast<T>(v[c]);
  }
}

// The exact normal equations for a Cholesky solve (kernels/cholesky.h):
//   A = (YᵀY + λI) + Σ_i (c_i - 1) y_i y_iᵀ   — LOWER triangle only (row-major, c <= r), the
//                                               strict upper triangle of `a` is not written;
//   b = Σ_i c_i y_i.
// `a` (k×k) and `b` (k) are overwritten; T is float or double.
template <typename T>
MOVIEREC_HD void BuildImplicitNormalEquations(const float* __restrict__ yty,
                                              const float* __restrict__ y,
                                              const int32_t* __restrict__ items,
                                              const float* __restrict__ conf, int64_t n, int k,
                                              T* __restrict__ a, T* __restrict__ b) {
  for (int r = 0; r < k; ++r) {
    const float* src = yty + static_cast<int64_t>(r) * k;
    T* dst = a + static_cast<int64_t>(r) * k;
    for (int c = 0; c <= r; ++c) dst[c] = static_cast<T>(src[c]);
    b[r] = T(0);
  }
  for (int64_t j = 0; j < n; ++j) {
    const float* yi = y + static_cast<int64_t>(items[j]) * k;
    const T cj = static_cast<T>(conf[j]);
    AddRank1Lower(cj - T(1), yi, k, a);
    for (int c = 0; c < k; ++c) b[c] += cj * static_cast<T>(yi[c]);
  }
}

}  // namespace movierec::kernels
