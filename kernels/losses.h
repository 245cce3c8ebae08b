// Per-row pieces of the training objectives, for logging the loss after each sweep. A trainer
// sums them over rows (users) and adds the regularisation of both factor matrices; every piece
// is accumulated and returned in double.
//
// Explicit ALS-WR (kernels/als_explicit.h), targets t_ui = r_ui or r_ui - μ - b_i:
//   L = Σ_u ExplicitRowSquaredError(u) + λ (Σ_u n_u ‖x_u‖² + Σ_i n_i ‖y_i‖²)
//     (n_u, n_i: ratings of the user / item; use WeightedSquaredNorm for each term).
// RMSE on the training data is sqrt(Σ_u ExplicitRowSquaredError(u) / nnz).
//
// Implicit ALS (kernels/cg.h), all items j, c_j = 1 and p_j = 0 off the observed set:
//   L = Σ_u ImplicitRowLoss(u) + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²),
// and the `implicit` library logs L / (Σ_{u,i observed} c_ui + n_users·n_items - nnz).
#pragma once

#include <cstdint>

#include "kernels/host_device.h"
#include "kernels/vec.h"

namespace movierec::kernels {

// ‖x‖².
MOVIEREC_HD double SquaredNorm(const float* x, int k) { return DotDouble(x, x, k); }

// weight · ‖x‖² (ALS-WR: weight = the row's rating count).
MOVIEREC_HD double WeightedSquaredNorm(const float* x, int k, int64_t weight) {
  return static_cast<double>(weight) * DotDouble(x, x, k);
}

// Σ_j (t_j - x·y_{items[j]})² over one row's ratings; t_j = ratings[j] when item_bias is null,
// else ratings[j] - global_mean - item_bias[items[j]] (as BuildExplicitNormalEquations).
MOVIEREC_HD double ExplicitRowSquaredError(const float* __restrict__ x, const float* __restrict__ y,
                                           const int32_t* __restrict__ items,
                                           const float* __restrict__ ratings, int64_t n, int k,
                                           const float* __restrict__ item_bias, float global_mean) {
  double sum = 0.0;
  for (int64_t j = 0; j < n; ++j) {
    const float* yi = y + static_cast<int64_t>(items[j]) * k;
    double t = static_cast<double>(ratings[j]);
    if (item_bias != nullptr) {
      t -= static_cast<double>(global_mean) + static_cast<double>(item_bias[items[j]]);
    }
    const double e = t - DotDouble(x, yi, k);
    sum += e * e;
  }
  return sum;
}

// Σ_{all items j} c_j (p_j - x·y_j)² for one row without visiting unobserved items:
//   xᵀ (YᵀY) x + Σ_{i observed} [(c_i - 1)(x·y_i)² - 2 c_i (x·y_i) + c_i].
// `yty` is YᵀY WITHOUT the λI term (k×k row-major, both triangles stored).
MOVIEREC_HD double ImplicitRowLoss(const float* __restrict__ yty, const float* __restrict__ y,
                                   const int32_t* __restrict__ items,
                                   const float* __restrict__ conf, int64_t n, int k,
                                   const float* __restrict__ x) {
  double loss = 0.0;
  for (int r = 0; r < k; ++r) {
    loss += static_cast<double>(x[r]) * DotDouble(yty + static_cast<int64_t>(r) * k, x, k);
  }
  for (int64_t j = 0; j < n; ++j) {
    const float* yi = y + static_cast<int64_t>(items[j]) * k;
    const double d = DotDouble(x, yi, k);
    const double c = static_cast<double>(conf[j]);
    loss += (c - 1.0) * d * d - 2.0 * c * d + c;
  }
  return loss;
}

}  // namespace movierec::kernels
