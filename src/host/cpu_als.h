// CPU explicit-rating ALS with weighted-λ regularisation (ALS-WR, Zhou, Wilkinson, Schreiber &
// Pan 2008), the "als" trainer, with optional user and item biases.
//
// Prediction: r̂_ui = μ + b_u + b_i + x_u·y_i, μ the mean of the training ratings (also without
// biases: the factors then model r − μ, and b_u = b_i = 0 are not stored).
//
// Objective (n_u, n_i: the rating counts of user u and item i):
//   L = Σ_{(u,i) rated} (r_ui − r̂_ui)² + λ Σ_u n_u (‖x_u‖² + b_u²) + λ Σ_i n_i (‖y_i‖² + b_i²).
// Biases are learnt by augmenting the vectors: user [x_u, b_u, 1] and item [y_i, 1, b_i], so
// x̃_u·ỹ_i = x_u·y_i + b_u + b_i, with the constant coordinates fixed. The user half-step then
// solves, for the k + 1 unknowns z = [x_u, b_u] against features f_i = [y_i, 1] and targets
// t_ui = r_ui − μ − b_i,
//   (Σ_{i∈I_u} f_i f_iᵀ + λ n_u I) z = Σ_{i∈I_u} t_ui f_i,
// i.e. the bias is regularised exactly like a factor coordinate (weight λ n_u). The item
// half-step is the mirror image. Without biases z = x_u and f_i = y_i (k unknowns),
// t_ui = r_ui − μ: the system of kernels/als_explicit.h.
// Each half-step is the exact minimiser of L over that side, so L never increases.
//
// Per row: the other side's rows are gathered into blocks of 256, Σ f fᵀ is accumulated by a
// register-tiled Gram kernel (float; the λ n_u shift keeps the system well conditioned), and the
// (k + 1)² system is solved in double by a blocked right-looking Cholesky
// (cpu_factor_simd.h CholeskySolveBlocked: the factorisation of kernels/cholesky.h reorganised
// for vectors, 27 → 9 µs per system at k = 65). One iteration = all users, then all items (CSC),
// OpenMP over rows (dynamic schedule, ctx.threads); results are bitwise identical for every thread
// count. Users or items with no ratings get zero factors and biases. Initialisation
// (TrainOptions::seed): item factors N(0, init_std²) (user factors too, though the first
// half-step overwrites them), biases 0.
//
// IterationLog: loss = L after the iteration, train_rmse = sqrt(Σ (r − r̂)² / nnz); the squared
// errors come from the item half-step's normal equations (Σt² − 2zᵀΣtf + zᵀ(Σffᵀ)z), not from a
// second pass over the ratings.
// FoldInUser solves the user half-step above against the model's items (bitwise what the next
// iteration's user half-step would give) and returns x_u; the jointly solved b_u is dropped (it
// shifts every score of the user equally, so rankings do not need it).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/model_params.h"
#include "common/sparse.h"
#include "host/context.h"
#include "host/trainer.h"

namespace movierec {

// Throws UsageError for unusable parameters (factors < 1, iterations < 0, λ or init_std < 0).
std::unique_ptr<FactorTrainer> MakeCpuAlsTrainer(const Context& ctx, const AlsParams& params);

namespace cpu_als_internal {

// What training starts from, on any device: the checked input, μ, the seeded padded factors
// (users x kp, items x kp) and zero biases (empty without biases). Throws movierec::Error on
// unusable input.
struct AlsStart {
  int kp = 0;
  float mu = 0.f;
  std::vector<float> x, y, user_bias, item_bias;
};
AlsStart StartAls(const AlsParams& params, const RatingMatrix& csr, const CscMatrix& csc,
                  uint64_t seed, int threads);

}  // namespace cpu_als_internal

}  // namespace movierec
