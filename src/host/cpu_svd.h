// The CPU "svd" trainer: biased matrix factorisation by SGD with the semantics of Surprise's SVD
// (surprise/prediction_algorithms/matrix_factorization.pyx, v1.1.4), the update itself being
// kernels/sgd.h. What is the same as Surprise:
//   - μ = mean of the training ratings; bu = bi = 0; pu, qi ~ Normal(init_mean, init_std);
//   - every epoch visits every training rating once and applies SgdStep with lr / reg for all
//     four terms (lr_all / reg_all); biased = false → μ = 0, no biases (PMF);
//   - no shuffling between epochs: Surprise's SVD.sgd iterates trainset.all_ratings() in the same
//     order every epoch, users in first-appearance order, each user's ratings in insertion order.
// What differs, and so makes results match Surprise statistically (RMSE), never bitwise:
//   - float32 parameters (Surprise: float64), dot products in 8 float lanes (kernels/vec.h);
//   - the initial draws come from our own seeded streams, not numpy's RandomState;
//   - the visiting order (see the schedules below).
//
// Schedules (SvdParams::schedule):
//   "serial"  one thread, CSR order every epoch: users by row index, each user's ratings by
//             movie index. Like Surprise's order grouped by user, just a different user and
//             item order.
//   "blocks"  FPSGD / LIBMF-style: users and items are permuted by a seeded shuffle and cut into
//             G ranges of about equal rating count, making a G×G grid of blocks (G = sqrt(nnz /
//             2048) capped at 32 and at the non-empty rows and columns: 6 for ML-100k, 19 for
//             ML-1M; G never depends on the thread count). An epoch is G sub-epochs; sub-epoch s
//             processes the G blocks of one Latin-square diagonal (user range a with item range (a
//             + d_s) mod G), which share no user and no item, in parallel on ctx.threads threads;
//             the diagonal order d_0.. d_{G-1} is a seeded permutation drawn per (seed, epoch).
//             Inside a block ratings go by the shuffled user order, each user's ratings by movie
//             index, the same every epoch. Every rating is still visited exactly once per epoch,
//             and since the blocks of a sub-epoch touch disjoint parameters, the result is
//             bit-identical for every thread count.
//
// Initialisation and all orders are deterministic functions of TrainOptions::seed (each user and
// item row draws from its own SplitMix64 stream, normals by Marsaglia's polar method). Rows and
// columns with no training rating end with zero factors and zero bias, so their predictions are
// Surprise's for an unknown user or item (μ + the other side's bias).
//
// Per epoch, TrainOptions::on_iteration gets (iteration = epoch number from 1):
//   loss        Σ err² + reg (Σ_u n_u (bu² + ‖pu‖²) + Σ_i n_i (bi² + ‖qi‖²)), the objective that
//               the per-rating SGD step descends (Surprise's doc formula, the regularisation
//               counted once per rating): err is each rating's residual as computed by its own
//               step during the sweep, the regularisation uses the end-of-epoch parameters
//               (n_u, n_i = training ratings of the user / item; bias terms only when biased);
//   train_rmse  sqrt(Σ err² / nnz) over the same residuals;
//   seconds     that epoch's wall time.
// A spdlog line per epoch goes out at info level, or debug when !options.progress. A loss that is
// no longer finite (learning rate too large) stops training with movierec::Error.
//
// Fold-in (FoldInUser): the user's [pu, bu] is the exact minimiser, against the model's fixed
// item factors and biases, of the objective above restricted to that user:
//   Σ_j (r_j - μ - bi_j - bu - pu·qi_j)² + reg n (‖pu‖² + bu²),   n = the user's rating count,
// i.e. the ridge normal equations (Σ x xᵀ + reg n I) [pu; bu] = Σ (r - μ - bi) x with
// x = [qi; 1], solved by Cholesky in double (reg is floored at 1e-6 so the system stays
// positive definite). Without biases, x = qi and the target is r. This is where the SGD would
// converge for that user with the items held fixed; a trained user's own row differs, since 20
// epochs of SGD stop well short of convergence.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/model.h"
#include "common/model_params.h"
#include "common/sparse.h"
#include "host/context.h"
#include "host/trainer.h"

namespace movierec {

// The trainer described above. Throws UsageError for unusable params (factors < 1, epochs < 0,
// lr <= 0, reg < 0, init_std < 0, non-finite values, an unknown schedule); Train throws Error for
// an empty matrix, CSR/CSC shapes that disagree, out-of-range indexes or non-finite ratings.
std::unique_ptr<FactorTrainer> MakeCpuSvdTrainer(const Context& ctx, const SvdParams& params);

namespace cpu_svd_internal {

// What training starts from, on any device: checked params and input, the seeded padded factors
// (users x kp, items x kp, padding zero), zero biases and μ (both only when biased).
struct SvdStart {
  int kp = 0;
  float mu = 0.f;
  std::vector<float> p, q, user_bias, item_bias;
};
SvdStart StartSvd(const SvdParams& params, const RatingMatrix& csr, const CscMatrix& csc,
                  uint64_t seed, int threads);
// The trained model from the padded arrays: unpadded, carrying csr's id maps; rows and columns
// with no rating get zero factors and bias.
FactorModel PackSvd(const RatingMatrix& csr, const CscMatrix& csc, int k, SvdStart&& trained);

}  // namespace cpu_svd_internal

// A folded-in user: factors (model.factors values) and the user bias (0 for an unbiased model).
struct SvdFoldIn {
  std::vector<float> factors;
  float bias = 0;
};

// The fold-in above, with the bias that FactorTrainer::FoldInUser has no room for. `model` is
// biased when it has item biases. A user with no ratings gets zeros. Throws Error for an item
// index outside [0, model.items) or a non-finite rating.
SvdFoldIn FoldInSvdUser(const FactorModel& model, double reg, const int32_t* items,
                        const float* ratings, int64_t count);

}  // namespace movierec
