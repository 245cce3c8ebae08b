// Explicit-feedback ALS with weighted-λ regularisation (ALS-WR, Zhou, Wilkinson, Schreiber & Pan
// 2008): the normal equations for one user (or, swapping roles, one item).
//
// For a user u with rated items I_u (n_u = |I_u|) and ratings r_ui, the update of x_u minimises
//   Σ_{i∈I_u} (t_ui - x_u·y_i)² + λ n_u ‖x_u‖²,   t_ui = r_ui            (no biases)
//                                                  t_ui = r_ui - μ - b_i  (with biases)
// i.e. A x_u = b with  A = Σ_{i∈I_u} y_i y_iᵀ + λ n_u I,  b = Σ_{i∈I_u} t_ui y_i.
// Solve it with kernels/cholesky.h. A user with no ratings gives A = 0 (not SPD): callers skip
// such rows (or zero them) instead of solving.
//
// Layout: y is the n_items×k row-major factor matrix of the other side (64-bit row offsets);
// items[0..n) index its rows, ratings[0..n) match them. A is written in its LOWER triangle only
// (row-major, element (r, c) with c <= r); the strict upper triangle is not written.
//
// Precision: T (the type of A and b) is float or double; the products y_i[r] * y_i[c] are formed
// and summed in T. A CPU caller with heavy users can pass double buffers and round once.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"

namespace movierec::kernels {

// Writes A and b (see above). `item_bias` may be null: the targets are then the raw ratings and
// `global_mean` is ignored; otherwise t_ui = r_ui - global_mean - item_bias[items[j]].
template <typename T>
MOVIEREC_HD void BuildExplicitNormalEquations(const float* __restrict__ y,
                                              const int32_t* __restrict__ items,
                                              const float* __restrict__ ratings, int64_t n, int k,
                                              float lambda, const float* __restrict__ item_bias,
                                              float global_mean, T* __restrict__ a,
                                              T* __restrict__ b) {
  for (int r = 0; r < k; ++r) {
    T* row = a + static_cast<int64_t>(r) * k;
    for (int c = 0; c <= r; ++c) row[c] = T(0);
    b[r] = T(0);
  }
  for (int64_t j = 0; j < n; ++j) {
    const float* yi = y + static_cast<int64_t>(items[j]) * k;
    const float target =
        item_bias != nullptr ? ratings[j] - global_mean - item_bias[items[j]] : ratings[j];
    const T t = static_cast<T>(target);
    for (int r = 0; r < k; ++r) {
      const T w = static_cast<T>(yi[r]);
      T* __restrict__ row = a + static_cast<int64_t>(r) * k;
      for (int c = 0; c <= r; ++c) row[c] += w * static_cast<T>(yi[c]);
      b[r] += t * w;
    }
  }
  const T diag = static_cast<T>(static_cast<double>(lambda) * static_cast<double>(n));
  for (int r = 0; r < k; ++r) a[static_cast<int64_t>(r) * k + r] += diag;
}

// Without biases: b = Σ r_ui y_i.
template <typename T>
MOVIEREC_HD void BuildExplicitNormalEquations(const float* __restrict__ y,
                                              const int32_t* __restrict__ items,
                                              const float* __restrict__ ratings, int64_t n, int k,
                                              float lambda, T* __restrict__ a, T* __restrict__ b) {
  BuildExplicitNormalEquations(y, items, ratings, n, k, lambda, nullptr, 0.f, a, b);
}

}  // namespace movierec::kernels
