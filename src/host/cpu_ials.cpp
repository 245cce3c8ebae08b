#include "host/cpu_ials.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "host/cpu_factor_common.h"
#include "host/cpu_factor_simd.h"
#include "kernels/cg.h"
#include "kernels/cholesky.h"

#pragma GCC diagnostic ignored "-Wpsabi"

namespace movierec {

namespace {

using namespace cpu_factor;
using simd::V16;

// One row's problem: solve (G + Σ_j (c_j − 1) y_j y_jᵀ) x = Σ_j c_j y_j, c_j = 1 + alpha·v[j].
struct RowProblem {
  const float* g = nullptr;  // YᵀY + λI, kp × kp, both triangles
  const float* y = nullptr;  // other side's factors, stride kp
  int kp = 0;
  const int32_t* items = nullptr;
  const float* v = nullptr;
  int64_t n = 0;
  float alpha = 0;
  float lambda = 0;
  int steps = 0;
};

// Σ_j ((c_j − 1) d_j² − 2 c_j d_j + c_j) for d_j = x·y_j: the observed part of the row loss.
double ObservedLoss(const RowProblem& a, const float* d) {
  double loss = 0.0;
  for (int64_t j = 0; j < a.n; ++j) {
    const double cm1 = static_cast<double>(a.alpha) * a.v[j];
    const double dj = d[j];
    loss += cm1 * dj * dj - 2.0 * (1.0 + cm1) * dj + (1.0 + cm1);
  }
  return loss;
}

// xᵀ G x in double, for any kp.
double Quadratic(const float* g, int kp, const float* x) {
  double q = 0.0;
  for (int r = 0; r < kp; ++r) {
    q += static_cast<double>(x[r]) * kernels::DotDouble(g + static_cast<int64_t>(r) * kp, x, kp);
  }
  return q;
}

// Rows ahead that the first pass over a row's items prefetches (the other side's factor rows
// are gathered at random; the item side's 35 MB of user factors do not fit in L3 at ML-20M).
static int64_t kPrefetchDistance = getenv("MR_PF") ? atoi(getenv("MR_PF")) : 12;
// Rows with at least this many entries copy their factor rows for the CG steps (shorter ones
// still have them in L1/L2 from the first pass), up to a copy of this many bytes per thread.
static int64_t kGatherMinRow = getenv("MR_GMIN") ? atoi(getenv("MR_GMIN")) : 0;
constexpr int64_t kGatherMaxBytes = int64_t{64} << 20;

// The CG row solve with kp = 16·C held in registers. kTrack: keep d_j = y_j·x current through
// the solve (d in track[0, n), the step's y_j·p in track[n, 2n)) and return the row's loss.
// kGather: the first pass copies the rows it reads into `gather` (n × kp), and the CG steps
// stream that copy instead of gathering again (long rows whose factor rows fall out of cache).
// The arithmetic is kernels::CgSolveRow's (same recurrences, same stopping rule), fused: the
// residual pass forms r += (c − (c − 1)(y·x)) y, each step one pass Ap += (c − 1)(y·p) y.
template <int C, bool kTrack, bool kGather>
MOVIEREC_SIMD_INLINE double CgRow(const RowProblem& a, float* __restrict__ x,
                                  float* __restrict__ track, float* __restrict__ gather) {
  using namespace simd;
  constexpr int kp = 16 * C;
  const int64_t n = a.n;
  if (n == 0) {
    for (int f = 0; f < kp; ++f) x[f] = 0.f;
    return 0.0;
  }
  const float* __restrict__ y = a.y;
  const int32_t* __restrict__ items = a.items;
  const float* __restrict__ v = a.v;
  const float alpha = a.alpha;
  float* __restrict__ d = kTrack ? track : nullptr;
  float* __restrict__ e = kTrack ? track + n : nullptr;

  V16 xv[C], r[C], p[C], ap[C];
  for (int c = 0; c < C; ++c) xv[c] = Load(x + 16 * c);
  // r = b − A x.
  SymMatVec<C>(a.g, x, r);
  for (int c = 0; c < C; ++c) r[c] = -r[c];
  for (int64_t j = 0; j < n; ++j) {
    const int64_t ahead = j + kPrefetchDistance < n ? j + kPrefetchDistance : n - 1;
    const float* pf = y + static_cast<int64_t>(items[ahead]) * kp;
    for (int c = 0; c < C; ++c) __builtin_prefetch(pf + 16 * c);
    const float* yj = y + static_cast<int64_t>(items[j]) * kp;
    V16 yv[C];
    for (int c = 0; c < C; ++c) yv[c] = Load(yj + 16 * c);
    if constexpr (kGather) {
      for (int c = 0; c < C; ++c) Store(gather + j * kp + 16 * c, yv[c]);
    }
    const float dot = Dot<C>(yv, xv);
    const float cm1 = alpha * v[j];
    const float w = (1.f + cm1) - cm1 * dot;
    for (int c = 0; c < C; ++c) r[c] += w * yv[c];
    if constexpr (kTrack) d[j] = dot;
  }
  for (int c = 0; c < C; ++c) p[c] = r[c];
  float rs_old = Dot<C>(r, r);
  if (rs_old >= kernels::kCgResidualEpsilon) {
    alignas(64) float pbuf[kp];
    for (int it = 0; it < a.steps; ++it) {
      for (int c = 0; c < C; ++c) Store(pbuf + 16 * c, p[c]);
      SymMatVec<C>(a.g, pbuf, ap);
      for (int64_t j = 0; j < n; ++j) {
        const float* yj = kGather ? gather + j * kp : y + static_cast<int64_t>(items[j]) * kp;
        V16 yv[C];
        for (int c = 0; c < C; ++c) yv[c] = Load(yj + 16 * c);
        const float dot = Dot<C>(yv, p);
        const float w = alpha * v[j] * dot;
        for (int c = 0; c < C; ++c) ap[c] += w * yv[c];
        if constexpr (kTrack) e[j] = dot;
      }
      const float pap = Dot<C>(p, ap);
      if (!(pap > 0.f)) break;  // A is SPD: only rounding on a converged row gets here
      const float step = rs_old / pap;
      for (int c = 0; c < C; ++c) {
        xv[c] += step * p[c];
        r[c] -= step * ap[c];
      }
      if constexpr (kTrack) {
        for (int64_t j = 0; j < n; ++j) d[j] += step * e[j];
      }
      const float rs_new = Dot<C>(r, r);
      if (rs_new < kernels::kCgResidualEpsilon) break;
      const float beta = rs_new / rs_old;
      for (int c = 0; c < C; ++c) p[c] = r[c] + beta * p[c];
      rs_old = rs_new;
    }
  }
  for (int c = 0; c < C; ++c) Store(x + 16 * c, xv[c]);
  if constexpr (!kTrack) {
    return 0.0;
  } else {
    V16 gx[C];
    SymMatVec<C>(a.g, x, gx);  // xᵀ(G0 + λI)x: the all-pairs term and λ‖x‖² at once
    double loss = 0.0;
    for (int c = 0; c < C; ++c) {
      for (int l = 0; l < 16; ++l) loss += static_cast<double>(x[16 * c + l]) * gx[c][l];
    }
    return loss + ObservedLoss(a, d);
  }
}

template <int C>
MOVIEREC_SIMD_INLINE double CgRowC(const RowProblem& a, float* x, float* track, float* gather) {
  if (gather != nullptr) {
    return track != nullptr ? CgRow<C, true, true>(a, x, track, gather)
                            : CgRow<C, false, true>(a, x, nullptr, gather);
  }
  return track != nullptr ? CgRow<C, true, false>(a, x, track, nullptr)
                          : CgRow<C, false, false>(a, x, nullptr, nullptr);
}

// Any kp: kernels::CgSolveRow itself, then the loss with one more pass. conf: n floats.
double CgRowGeneric(const RowProblem& a, float* x, float* conf, float* cg_scratch, float* d,
                    bool want_loss) {
  for (int64_t j = 0; j < a.n; ++j) conf[j] = 1.f + a.alpha * a.v[j];
  kernels::CgSolveRow(a.g, a.y, a.items, conf, a.n, a.kp, a.steps, x, cg_scratch);
  if (!want_loss || a.n == 0) return 0.0;
  for (int64_t j = 0; j < a.n; ++j) {
    d[j] = kernels::Dot(x, a.y + static_cast<int64_t>(a.items[j]) * a.kp, a.kp);
  }
  return Quadratic(a.g, a.kp, x) + ObservedLoss(a, d);
}

// Dispatch on kp / 16 (1..8 in registers). Returns false when kp is larger. track: 2n floats or
// null (no loss); gather: n × kp floats or null (no copy).
MOVIEREC_TARGET_CLONES
bool CgRowFast(const RowProblem& a, float* x, float* track, float* gather, double* loss) {
  switch (a.kp / kLanes) {
#define MOVIEREC_CG_CASE(C)                      \
  case C:                                        \
    *loss = CgRowC<C>(a, x, track, gather);      \
    return true;
    MOVIEREC_CG_CASE(1)
    MOVIEREC_CG_CASE(2)
    MOVIEREC_CG_CASE(3)
    MOVIEREC_CG_CASE(4)
    MOVIEREC_CG_CASE(5)
    MOVIEREC_CG_CASE(6)
    MOVIEREC_CG_CASE(7)
    MOVIEREC_CG_CASE(8)
#undef MOVIEREC_CG_CASE
    default:
      return false;
  }
}

// The exact solve. a_buf: kp² doubles, b_buf: kp doubles, conf / d: n floats each.
// Returns false when the Cholesky factorisation fails (x is then zeroed).
MOVIEREC_TARGET_CLONES
bool CholeskyRow(const RowProblem& a, float* x, double* a_buf, double* b_buf, float* conf,
                 float* d, bool want_loss, double* loss) {
  const int kp = a.kp;
  *loss = 0.0;
  if (a.n == 0) {
    std::fill_n(x, kp, 0.f);
    return true;
  }
  for (int64_t j = 0; j < a.n; ++j) conf[j] = 1.f + a.alpha * a.v[j];
  kernels::BuildImplicitNormalEquations<double>(a.g, a.y, a.items, conf, a.n, kp, a_buf, b_buf);
  // Padding coordinates have zero rows and columns in A and zero right-hand sides; a unit
  // diagonal there keeps the factorisation defined (also for λ = 0) and their solution 0.
  for (int f = 0; f < kp; ++f) {
    double& diag = a_buf[static_cast<int64_t>(f) * kp + f];
    if (diag == 0.0) diag = 1.0;
  }
  if (!kernels::CholeskyFactorSolve<double>(a_buf, kp, b_buf)) {
    std::fill_n(x, kp, 0.f);
    return false;
  }
  for (int f = 0; f < kp; ++f) x[f] = static_cast<float>(b_buf[f]);
  if (want_loss) {
    for (int64_t j = 0; j < a.n; ++j) {
      d[j] = kernels::Dot(x, a.y + static_cast<int64_t>(a.items[j]) * kp, kp);
    }
    *loss = Quadratic(a.g, kp, x) + ObservedLoss(a, d);
  }
  return true;
}

class CpuIalsTrainer final : public FactorTrainer {
 public:
  CpuIalsTrainer(const Context& ctx, const IalsParams& params)
      : threads_(Threads(ctx)), params_(params), cholesky_(params.solver == "cholesky"),
        log_confidence_(params.confidence == "log") {}

  FactorModel Train(const RatingMatrix& csr, const CscMatrix& csc,
                    const TrainOptions& options) override;
  std::vector<float> FoldInUser(const FactorModel& model, const int32_t* items,
                                const float* ratings, int64_t count) const override;

 private:
  struct Side {
    const std::vector<int64_t>* indptr = nullptr;
    const int32_t* indices = nullptr;
    const float* v = nullptr;  // c = 1 + alpha · v
    int64_t rows = 0;
    int64_t max_row = 0;
  };

  // Solves every row of `side` against `y` (y_rows × kp) into x. Returns Σ_rows of the loss
  // terms when want_loss (see cpu_ials.h), else 0.
  double HalfSweep(const Side& side, const std::vector<float>& y, int64_t y_rows,
                   std::vector<float>& x, int kp, bool want_loss) const;

  // v for one rating: r (linear) or log(1 + r/ε) (log).
  float ConfidenceInput(float r) const {
    return log_confidence_ ? static_cast<float>(std::log1p(static_cast<double>(r) / params_.epsilon))
                           : r;
  }

  int threads_;
  IalsParams params_;
  bool cholesky_;
  bool log_confidence_;
};

double CpuIalsTrainer::HalfSweep(const Side& side, const std::vector<float>& y, int64_t y_rows,
                                 std::vector<float>& x, int kp, bool want_loss) const {
  std::vector<float> g;
  Gramian(y.data(), y_rows, kp, threads_, g);
  const float lambda = static_cast<float>(params_.regularization);
  for (int f = 0; f < kp; ++f) g[static_cast<size_t>(f) * kp + f] += lambda;

  RowProblem base;
  base.g = g.data();
  base.y = y.data();
  base.kp = kp;
  base.alpha = static_cast<float>(params_.alpha);
  base.lambda = lambda;
  base.steps = params_.cg_steps;

  std::vector<double> row_loss(want_loss ? static_cast<size_t>(side.rows) : 0, 0.0);
  int64_t failures = 0;
  const bool generic_cg = kp > 8 * kLanes;
  const int64_t gather_min = kGatherMinRow;
  const int64_t gather_max = kGatherMaxBytes / (static_cast<int64_t>(kp) * sizeof(float));
#pragma omp parallel num_threads(threads_) reduction(+ : failures)
  {
    // Per-thread scratch, sized once per half-sweep for the longest row.
    const size_t m = static_cast<size_t>(side.max_row);
    std::vector<float> track((want_loss || cholesky_ || generic_cg) ? 2 * m : 0);
    std::vector<float> conf((cholesky_ || generic_cg) ? m : 0);
    std::vector<double> a_buf(cholesky_ ? static_cast<size_t>(kp) * kp : 0);
    std::vector<double> b_buf(cholesky_ ? kp : 0);
    std::vector<float> cg_scratch(generic_cg ? 3 * kp : 0);
    std::vector<float> gather(!cholesky_ && !generic_cg && gather_max >= gather_min
                                  ? std::min(side.max_row, gather_max) * kp
                                  : 0);
#pragma omp for schedule(dynamic, 32)
    for (int64_t r = 0; r < side.rows; ++r) {
      RowProblem a = base;
      const int64_t begin = (*side.indptr)[r];
      a.n = (*side.indptr)[r + 1] - begin;
      a.items = side.indices + begin;
      a.v = side.v + begin;
      float* xr = x.data() + r * kp;
      double loss = 0.0;
      if (cholesky_) {
        if (!CholeskyRow(a, xr, a_buf.data(), b_buf.data(), conf.data(), track.data(), want_loss,
                         &loss)) {
          ++failures;
        }
      } else if (!CgRowFast(a, xr, want_loss ? track.data() : nullptr,
                            a.n >= gather_min && a.n <= gather_max ? gather.data() : nullptr,
                            &loss)) {
        loss = CgRowGeneric(a, xr, conf.data(), cg_scratch.data(), track.data(), want_loss);
      }
      if (want_loss) row_loss[static_cast<size_t>(r)] = loss;
    }
  }
  if (failures > 0) {
    spdlog::warn("ials: the Cholesky solve failed for {} of {} rows (set to zero); "
                 "raise models.ials.regularization",
                 failures, side.rows);
  }
  double total = 0.0;
  for (double l : row_loss) total += l;  // row order: independent of the thread count
  return total;
}

FactorModel CpuIalsTrainer::Train(const RatingMatrix& csr, const CscMatrix& csc,
                                  const TrainOptions& options) {
  CheckTrainInput(csr, csc, "ials");
  const int k = params_.factors;
  const int kp = PaddedWidth(k);
  const double alpha = params_.alpha;

  // Confidence inputs; the log scaling is computed once per side.
  std::vector<float> v_csr, v_csc;
  const float* vu = csr.values.data();
  const float* vi = csc.values.data();
  if (log_confidence_) {
    v_csr.resize(csr.values.size());
    v_csc.resize(csc.values.size());
#pragma omp parallel for num_threads(threads_) schedule(static)
    for (int64_t e = 0; e < csr.nnz(); ++e) {
      v_csr[static_cast<size_t>(e)] = ConfidenceInput(csr.values[static_cast<size_t>(e)]);
      v_csc[static_cast<size_t>(e)] = ConfidenceInput(csc.values[static_cast<size_t>(e)]);
    }
    vu = v_csr.data();
    vi = v_csc.data();
  }
  // Confidence must be a non-negative number for the normal equations to stay SPD.
  float v_min = 0.f;
  bool finite = true;
  for (int64_t e = 0; e < csr.nnz(); ++e) {
    const float s = vu[e];
    finite = finite && std::isfinite(s);
    v_min = std::min(v_min, s);
  }
  if (!finite || 1.0 + alpha * v_min < 0.0) {
    throw Error("ials: ratings must give a finite, non-negative confidence c = 1 + alpha*" +
                std::string(log_confidence_ ? "log(1 + r/epsilon)" : "r") +
                (finite ? "; the smallest rating gives " + std::to_string(1.0 + alpha * v_min)
                        : std::string("; a rating is not finite")));
  }

  std::vector<float> x, y;
  InitFactors(x, csr.rows, k, kp, InitKind::kUniform, params_.init_std, options.seed, 0,
              csr.indptr, threads_);
  InitFactors(y, csr.cols, k, kp, InitKind::kUniform, params_.init_std, options.seed, 1,
              csc.indptr, threads_);

  const Side users{&csr.indptr, csr.indices.data(), vu, csr.rows, MaxRowLength(csr.indptr)};
  const Side items{&csc.indptr, csc.indices.data(), vi, csc.cols, MaxRowLength(csc.indptr)};
  const double lambda = params_.regularization;
  for (int it = 1; it <= params_.iterations; ++it) {
    const auto t0 = std::chrono::steady_clock::now();
    HalfSweep(users, y, csr.cols, x, kp, false);
    const double user_seconds = SecondsSince(t0);
    double loss = HalfSweep(items, x, csr.rows, y, kp, true);
    spdlog::debug("ials iteration {}: users {:.3f} s, items {:.3f} s", it, user_seconds,
                  SecondsSince(t0) - user_seconds);
    double x_norm = 0.0;
#pragma omp parallel for num_threads(threads_) schedule(static) reduction(+ : x_norm)
    for (int64_t r = 0; r < csr.rows; ++r) x_norm += kernels::DotDouble(&x[r * kp], &x[r * kp], kp);
    loss += lambda * x_norm;
    IterationLog log;
    log.iteration = it;
    log.loss = loss;
    log.train_rmse = 0.0;
    log.seconds = SecondsSince(t0);
    ReportIteration("ials", params_.iterations, false, log, options);
  }

  FactorModel model;
  model.algorithm = "ials";
  model.factors = k;
  model.users = csr.rows;
  model.items = csr.cols;
  model.user_factors = Unpad(std::move(x), csr.rows, k, kp);
  model.item_factors = Unpad(std::move(y), csr.cols, k, kp);
  model.global_mean = 0.f;
  model.user_ids = csr.row_ids;
  model.item_ids = csr.col_ids;
  return model;
}

std::vector<float> CpuIalsTrainer::FoldInUser(const FactorModel& model, const int32_t* items,
                                              const float* ratings, int64_t count) const {
  const int k = model.factors;
  if (k < 1 || model.item_factors.size() != static_cast<size_t>(model.items) * k) {
    throw Error("ials: fold-in needs a model with item factors");
  }
  std::vector<float> out(static_cast<size_t>(k), 0.f);
  if (count <= 0) return out;
  for (int64_t j = 0; j < count; ++j) {
    if (items[j] < 0 || items[j] >= model.items) {
      throw Error("ials: fold-in item index " + std::to_string(items[j]) + " outside the model's " +
                  std::to_string(model.items) + " items");
    }
  }
  const int kp = PaddedWidth(k);
  std::vector<float> padded;
  const float* y = model.item_factors.data();
  if (kp != k) {
    padded = Pad(y, model.items, k, kp);
    y = padded.data();
  }
  std::vector<float> g;
  Gramian(y, model.items, kp, threads_, g);
  for (int f = 0; f < kp; ++f) g[static_cast<size_t>(f) * kp + f] += static_cast<float>(params_.regularization);

  std::vector<float> v(static_cast<size_t>(count)), conf(v.size()), d(v.size());
  for (int64_t j = 0; j < count; ++j) v[static_cast<size_t>(j)] = ConfidenceInput(ratings[j]);
  RowProblem a;
  a.g = g.data();
  a.y = y;
  a.kp = kp;
  a.items = items;
  a.v = v.data();
  a.n = count;
  a.alpha = static_cast<float>(params_.alpha);
  a.lambda = static_cast<float>(params_.regularization);
  std::vector<double> a_buf(static_cast<size_t>(kp) * kp), b_buf(static_cast<size_t>(kp));
  std::vector<float> x(static_cast<size_t>(kp), 0.f);
  double loss = 0.0;
  if (!CholeskyRow(a, x.data(), a_buf.data(), b_buf.data(), conf.data(), d.data(), false, &loss)) {
    throw Error("ials: fold-in normal equations are not positive definite; raise "
                "models.ials.regularization");
  }
  std::copy_n(x.data(), k, out.data());
  return out;
}

}  // namespace

std::unique_ptr<FactorTrainer> MakeCpuIalsTrainer(const Context& ctx, const IalsParams& params) {
  if (params.factors < 1) throw UsageError("ials: factors must be at least 1");
  if (params.iterations < 0) throw UsageError("ials: iterations must not be negative");
  if (!(params.regularization >= 0)) throw UsageError("ials: regularization must be >= 0");
  if (!(params.alpha >= 0)) throw UsageError("ials: alpha must be >= 0");
  if (!(params.init_std >= 0)) throw UsageError("ials: init_std must be >= 0");
  if (params.confidence != "linear" && params.confidence != "log") {
    throw UsageError("ials: confidence must be linear or log, not '" + params.confidence + "'");
  }
  if (params.confidence == "log" && !(params.epsilon > 0)) {
    throw UsageError("ials: epsilon must be > 0 with log confidence");
  }
  if (params.solver != "cg" && params.solver != "cholesky") {
    throw UsageError("ials: solver must be cg or cholesky, not '" + params.solver + "'");
  }
  if (params.solver == "cg" && params.cg_steps < 1) {
    throw UsageError("ials: cg_steps must be at least 1");
  }
  return std::make_unique<CpuIalsTrainer>(ctx, params);
}

namespace cpu_ials_internal {

double CgSolveRow(const float* yty, const float* y, int kp, const int32_t* items, const float* v,
                  int64_t n, float alpha, int cg_steps, float lambda, float* x, bool want_loss) {
  RowProblem a;
  a.g = yty;
  a.y = y;
  a.kp = kp;
  a.items = items;
  a.v = v;
  a.n = n;
  a.alpha = alpha;
  a.lambda = lambda;
  a.steps = cg_steps;
  std::vector<float> track(2 * static_cast<size_t>(n) + 1);
  double loss = 0.0;
  if (!CgRowFast(a, x, want_loss ? track.data() : nullptr, nullptr, &loss)) {
    std::vector<float> conf(static_cast<size_t>(n) + 1), scratch(3 * static_cast<size_t>(kp));
    loss = CgRowGeneric(a, x, conf.data(), scratch.data(), track.data(), want_loss);
  }
  return want_loss ? loss : 0.0;
}

}  // namespace cpu_ials_internal

}  // namespace movierec
