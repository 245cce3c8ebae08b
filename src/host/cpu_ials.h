// CPU implicit-feedback ALS (Hu, Koren & Volinsky 2008), the "ials" trainer.
//
// Model: minimise Σ_{all u,i} c_ui (p_ui − x_u·y_i)² + λ (Σ_u ‖x_u‖² + Σ_i ‖y_i‖²), where p_ui = 1
// and c_ui = 1 + α·r_ui ("linear") or 1 + α·log(1 + r_ui/ε) ("log") on the rated pairs, p = 0 and
// c = 1 elsewhere (λ is not scaled by row counts, as in the `implicit` library).
//
// One iteration = all users, then all items (from the CSC), each row solving
//   (YᵀY + λI + Σ_{i∈I_u} (c_ui − 1) y_i y_iᵀ) x_u = Σ_{i∈I_u} c_ui y_i
// against the other side's current factors. YᵀY is formed once per half-sweep (cpu_factor::
// Gramian, deterministic for any thread count). Solvers:
//   cg       — conjugate gradient warm-started from the previous factors, cg_steps steps, the
//              algorithm of kernels/cg.h (CgSolveRow: Takács et al. 2011, as `implicit` runs it),
//              here in a vectorised form: each step makes one pass over the row's items that
//              computes y·p once per item and accumulates (c − 1)(y·p)·y into Ap, with p, Ap and
//              x in registers (k ≤ 128; larger k runs kernels::CgSolveRow itself). The first
//              (residual) pass prefetches the rows it gathers and copies them, so the CG steps
//              stream a contiguous copy.
//   cholesky — the exact solve: kernels::BuildImplicitNormalEquations<double> and
//              kernels::CholeskyFactorSolve<double> per row (slow: k² work per rating).
// Rows run on ctx.threads OpenMP threads (dynamic schedule); results are bitwise identical for
// every thread count on one machine.
//
// Initialisation (TrainOptions::seed): uniform [0, init_std) per factor, as `implicit`
// (rand · 0.01); users and items with no ratings get zero factors throughout.
//
// Loss (IterationLog::loss, after each iteration): the full objective above, computed without
// visiting unrated pairs: Σ_i [y_iᵀ(XᵀX + λI)y_i + Σ_{u∈U_i} ((c−1)d² − 2c·d + c)] + λΣ_u‖x_u‖²,
// d = x_u·y_i, during the item half-sweep (the CG tracks each d as x moves, so this costs no
// extra pass over the ratings). train_rmse is 0 (implicit model). Not normalised: `implicit`
// divides the same sum by Σc + (users·items − nnz).
//
// FoldInUser: the exact (Cholesky) solve of the user's row against the model's item factors,
// YᵀY formed on each call (a few ms at 27k × 64). For a training user that is the next user
// half-step of the model — bitwise so for the cholesky solver; after CG has converged, close to
// the trained row.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/model_params.h"
#include "common/sparse.h"
#include "host/context.h"
#include "host/trainer.h"

namespace movierec {

// Throws UsageError for unusable parameters (factors < 1, negative λ / α / init_std, an unknown
// confidence or solver, cg_steps < 1 with the cg solver, epsilon <= 0 with log confidence).
std::unique_ptr<FactorTrainer> MakeCpuIalsTrainer(const Context& ctx, const IalsParams& params);

namespace cpu_ials_internal {

// What training starts from, on any device: the checked input, the confidence inputs v of both
// sides (c = 1 + alpha·v; stored only for the log scaling, else the ratings themselves are v) and
// the seeded padded factors (users x kp, items x kp). Throws movierec::Error on unusable input.
struct IalsStart {
  int kp = 0;
  std::vector<float> x, y;
  std::vector<float> v_csr, v_csc;  // empty with linear confidence
  const float* UserInputs(const RatingMatrix& csr) const {
    return v_csr.empty() ? csr.values.data() : v_csr.data();
  }
  const float* ItemInputs(const CscMatrix& csc) const {
    return v_csc.empty() ? csc.values.data() : v_csc.data();
  }
};
IalsStart StartIals(const IalsParams& params, const RatingMatrix& csr, const CscMatrix& csc,
                    uint64_t seed, int threads);

// The trainer's CG solve of one row, exposed for tests: the same contract as
// kernels::CgSolveRow with confidences c_j = 1 + alpha·v[j]. `yty` = YᵀY + λI (kp × kp, both
// triangles), y is row-major with stride kp, x has kp entries (kp a multiple of 16, padding
// zero). Returns the row's loss term (see above) when want_loss, else 0.
double CgSolveRow(const float* yty, const float* y, int kp, const int32_t* items, const float* v,
                  int64_t n, float alpha, int cg_steps, float* x, bool want_loss);

}  // namespace cpu_ials_internal

}  // namespace movierec
