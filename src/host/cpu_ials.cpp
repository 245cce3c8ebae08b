#include "host/cpu_ials.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <type_traits>
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

// The log confidence input log(1 + r/ε).
float LogInput(double epsilon, float r) {
  return static_cast<float>(std::log1p(static_cast<double>(r) / epsilon));
}

// One row's problem: solve (G + Σ_j (c_j − 1) y_j y_jᵀ) x = Σ_j c_j y_j, c_j = 1 + alpha·v[j].
struct RowProblem {
  const float* g = nullptr;  // YᵀY + λI, kp × kp, both triangles
  const float* y = nullptr;  // other side's factors, stride kp
  int kp = 0;
  const int32_t* items = nullptr;
  const float* v = nullptr;
  int64_t n = 0;
  float alpha = 0;
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
constexpr int64_t kPrefetchDistance = 12;
// The first pass copies the row's factor rows for the CG steps: contiguous, the hardware
// prefetcher streams them (at the ML-20M shape one iteration took 3.2 CPU-seconds without the
// copy, 1.8 with it; copying only rows longer than L1 or L2 holds was no better). Up to a copy of
// this many bytes per thread; longer rows gather again in every step.
constexpr int64_t kGatherMaxBytes = int64_t{64} << 20;

// One pass over a row's n items: for each item j, with y_j its factor row (kp = N · width),
//   dot = y_j·p,  acc += weight(j, dot) · y_j,  sink(j, dot).
// kFromCopy: y_j is row j of `copy` (the contiguous copy of an earlier pass), else row items[j]
// of y (prefetched kPrefetchDistance items ahead); kToCopy: y_j is also written to row j of copy.
template <int N, class V, bool kFromCopy, bool kToCopy, class Weight, class Sink>
MOVIEREC_SIMD_INLINE void FusedPass(const float* __restrict__ y, const int32_t* __restrict__ items,
                                    float* __restrict__ copy, int64_t n, const V* p, V* acc,
                                    Weight weight, Sink sink) {
  using namespace simd;
  constexpr int kW = kWidth<V>;
  constexpr int kp = N * kW;
  for (int64_t j = 0; j < n; ++j) {
    const float* yj;
    if constexpr (kFromCopy) {
      yj = copy + j * kp;
    } else {
      const int64_t ahead = j + kPrefetchDistance < n ? j + kPrefetchDistance : n - 1;
      const float* pf = y + static_cast<int64_t>(items[ahead]) * kp;
      for (int f = 0; f < kp; f += 16) __builtin_prefetch(pf + f);
      yj = y + static_cast<int64_t>(items[j]) * kp;
    }
    V yv[N];
    for (int c = 0; c < N; ++c) yv[c] = Load<V>(yj + kW * c);
    if constexpr (kToCopy) {
      for (int c = 0; c < N; ++c) Store(copy + j * kp + kW * c, yv[c]);
    }
    const float dot = Dot<N>(yv, p);
    const V w = Splat<V>(weight(j, dot));
    sink(j, dot);
    for (int c = 0; c < N; ++c) acc[c] += w * yv[c];
  }
}

// The CG row solve with the row (kp = N · width floats) in registers. kTrack: keep
// d_j = y_j·x current through the solve (d in track[0, n), the step's y_j·p in track[n, 2n))
// and return the row's loss. kGather: the first pass copies the rows it reads into `gather`
// (n × kp), and the CG steps stream that copy instead of gathering again.
// The arithmetic is kernels::CgSolveRow's (same recurrences, same stopping rule), fused: the
// residual pass forms r += (c − (c − 1)(y·x)) y, each step one pass Ap += (c − 1)(y·p) y.
template <int N, class V, bool kTrack, bool kGather>
MOVIEREC_SIMD_INLINE double CgRow(const RowProblem& a, float* __restrict__ x,
                                  float* __restrict__ track, float* __restrict__ gather) {
  using namespace simd;
  constexpr int kW = kWidth<V>;
  constexpr int kp = N * kW;
  const int64_t n = a.n;
  if (n == 0) {
    for (int f = 0; f < kp; ++f) x[f] = 0.f;
    return 0.0;
  }
  const float* __restrict__ v = a.v;
  const float alpha = a.alpha;
  float* __restrict__ d = kTrack ? track : nullptr;
  float* __restrict__ e = kTrack ? track + n : nullptr;

  V xv[N], r[N], p[N], ap[N];
  for (int c = 0; c < N; ++c) xv[c] = Load<V>(x + kW * c);
  // r = b − A x: r = −G x, then r += (c − (c − 1)(y·x)) y per item.
  SymMatVec<N>(a.g, x, r);
  for (int c = 0; c < N; ++c) r[c] = -r[c];
  FusedPass<N, V, false, kGather>(
      a.y, a.items, gather, n, xv, r,
      [&](int64_t j, float dot) __attribute__((always_inline)) {
        const float cm1 = alpha * v[j];
        return (1.f + cm1) - cm1 * dot;
      },
      [&](int64_t j, float dot) __attribute__((always_inline)) {
        if constexpr (kTrack) d[j] = dot;
      });
  for (int c = 0; c < N; ++c) p[c] = r[c];
  float rs_old = Dot<N>(r, r);
  if (rs_old >= kernels::kCgResidualEpsilon) {
    alignas(64) float pbuf[kp];
    for (int it = 0; it < a.steps; ++it) {
      // Ap = G p + Σ (c − 1)(y·p) y.
      for (int c = 0; c < N; ++c) Store(pbuf + kW * c, p[c]);
      SymMatVec<N>(a.g, pbuf, ap);
      FusedPass<N, V, kGather, false>(
          a.y, a.items, gather, n, p, ap,
          [&](int64_t j, float dot) __attribute__((always_inline)) { return alpha * v[j] * dot; },
          [&](int64_t j, float dot) __attribute__((always_inline)) {
            if constexpr (kTrack) e[j] = dot;
          });
      const float pap = Dot<N>(p, ap);
      if (!(pap > 0.f)) break;  // A is SPD: only rounding on a converged row gets here
      const float step = rs_old / pap;
      const V step_v = Splat<V>(step);
      for (int c = 0; c < N; ++c) {
        xv[c] += step_v * p[c];
        r[c] -= step_v * ap[c];
      }
      if constexpr (kTrack) {
        for (int64_t j = 0; j < n; ++j) d[j] += step * e[j];
      }
      const float rs_new = Dot<N>(r, r);
      if (rs_new < kernels::kCgResidualEpsilon) break;
      const V beta = Splat<V>(rs_new / rs_old);
      for (int c = 0; c < N; ++c) p[c] = r[c] + beta * p[c];
      rs_old = rs_new;
    }
  }
  for (int c = 0; c < N; ++c) Store(x + kW * c, xv[c]);
  if constexpr (!kTrack) {
    return 0.0;
  } else {
    V gx[N];
    SymMatVec<N>(a.g, x, gx);  // xᵀ(G0 + λI)x: the all-pairs term and λ‖x‖² at once
    double loss = 0.0;
    for (int c = 0; c < N; ++c) {
      for (int l = 0; l < kW; ++l) loss += static_cast<double>(x[kW * c + l]) * gx[c][l];
    }
    return loss + ObservedLoss(a, d);
  }
}

// kp = 16 · C with C = 1..8 in registers; false for a larger kp. track: 2n floats or null (no
// loss); gather: n × kp floats or null (no copy).
template <class Isa>
MOVIEREC_SIMD_INLINE bool CgRowSwitch(const RowProblem& a, float* x, float* track, float* gather,
                                      double* loss) {
  using V = typename Isa::F;
  constexpr int kPerBlock = 16 / simd::kWidth<V>;  // vectors per 16 floats
  auto run = [&](auto n_tag) __attribute__((always_inline)) {
    constexpr int N = decltype(n_tag)::value;
    if (gather != nullptr) {
      *loss = track != nullptr ? CgRow<N, V, true, true>(a, x, track, gather)
                               : CgRow<N, V, false, true>(a, x, nullptr, gather);
    } else {
      *loss = track != nullptr ? CgRow<N, V, true, false>(a, x, track, nullptr)
                               : CgRow<N, V, false, false>(a, x, nullptr, nullptr);
    }
    return true;
  };
  switch (a.kp / kLanes) {
#define MOVIEREC_CG_CASE(C) \
  case C:                   \
    return run(std::integral_constant<int, C * kPerBlock>{});
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

MOVIEREC_TARGET_AVX512 bool CgRowAvx512(const RowProblem& a, float* x, float* track, float* gather,
                                        double* loss) {
  return CgRowSwitch<simd::Avx512>(a, x, track, gather, loss);
}
MOVIEREC_TARGET_AVX2 bool CgRowAvx2(const RowProblem& a, float* x, float* track, float* gather,
                                    double* loss) {
  return CgRowSwitch<simd::Avx2>(a, x, track, gather, loss);
}
bool CgRowBaseline(const RowProblem& a, float* x, float* track, float* gather, double* loss) {
  return CgRowSwitch<simd::Baseline>(a, x, track, gather, loss);
}

using CgRowFn = bool (*)(const RowProblem&, float*, float*, float*, double*);

// The fused CG row solve for the active instruction set (see cpu_factor_simd.h).
CgRowFn PickCgRow() {
  switch (simd::ActiveIsa()) {
    case simd::Isa::kAvx512:
      return CgRowAvx512;
    case simd::Isa::kAvx2:
      return CgRowAvx2;
    default:
      return CgRowBaseline;
  }
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

// The exact solve. a_buf: kp² doubles, b_buf: kp doubles, conf / d: n floats each.
// Returns false when the Cholesky factorisation fails (x is then zeroed).
bool CholeskyRow(const RowProblem& a, float* x, double* a_buf, double* b_buf, float* conf, float* d,
                 bool want_loss, double* loss) {
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
      : threads_(Threads(ctx)),
        params_(params),
        cholesky_(params.solver == "cholesky"),
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
  float ConfidenceInput(float r) const { return log_confidence_ ? LogInput(params_.epsilon, r) : r; }

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
  base.steps = params_.cg_steps;

  std::vector<double> row_loss(want_loss ? static_cast<size_t>(side.rows) : 0, 0.0);
  int64_t failures = 0;
  const bool generic_cg = kp > 8 * kLanes;
  const CgRowFn cg_row = PickCgRow();
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
    std::vector<float> gather(!cholesky_ && !generic_cg ? std::min(side.max_row, gather_max) * kp
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
      } else if (!cg_row(a, xr, want_loss ? track.data() : nullptr,
                         a.n <= gather_max ? gather.data() : nullptr, &loss)) {
        loss = CgRowGeneric(a, xr, conf.data(), cg_scratch.data(), track.data(), want_loss);
      }
      if (want_loss) row_loss[static_cast<size_t>(r)] = loss;
    }
  }
  if (failures > 0) {
    spdlog::warn(
        "ials: the Cholesky solve failed for {} of {} rows (set to zero); "
        "raise models.ials.regularization",
        failures, side.rows);
  }
  double total = 0.0;
  for (double l : row_loss) total += l;  // row order: independent of the thread count
  return total;
}


FactorModel CpuIalsTrainer::Train(const RatingMatrix& csr, const CscMatrix& csc,
                                  const TrainOptions& options) {
  cpu_ials_internal::IalsStart start =
      cpu_ials_internal::StartIals(params_, csr, csc, options.seed, threads_);
  const int k = params_.factors;
  const int kp = start.kp;
  std::vector<float>& x = start.x;
  std::vector<float>& y = start.y;
  const float* vu = start.UserInputs(csr);
  const float* vi = start.ItemInputs(csc);

  spdlog::debug("ials: {} x {} matrix, {} ratings, k = {} (stored {}), {} solver, {} threads, {}",
                csr.rows, csr.cols, csr.nnz(), k, kp, params_.solver, threads_,
                simd::IsaName(simd::ActiveIsa()));
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
    double x_norm = 0.0;  // in row order (a few ms): the same sum for every thread count
    for (int64_t r = 0; r < csr.rows; ++r) x_norm += kernels::DotDouble(&x[r * kp], &x[r * kp], kp);
    loss += lambda * x_norm;
    IterationLog log;
    log.iteration = it;
    log.loss = loss;
    log.train_rmse = 0.0;
    log.seconds = SecondsSince(t0);
    ReportIteration("ials", params_.iterations, false, log, options);
  }

  FactorModel model = PackModel("ials", csr, k, kp, std::move(x), std::move(y));
  return model;
}

std::vector<float> CpuIalsTrainer::FoldInUser(const FactorModel& model, const int32_t* items,
                                              const float* ratings, int64_t count) const {
  const int k = model.factors;
  std::vector<float> padded;
  const float* y = FoldInItemFactors(model, items, count, "ials", padded);
  const int kp = PaddedWidth(k);
  std::vector<float> out(static_cast<size_t>(k), 0.f);
  if (count <= 0) return out;
  std::vector<float> g;
  Gramian(y, model.items, kp, threads_, g);
  for (int f = 0; f < kp; ++f)
    g[static_cast<size_t>(f) * kp + f] += static_cast<float>(params_.regularization);

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
  std::vector<double> a_buf(static_cast<size_t>(kp) * kp), b_buf(static_cast<size_t>(kp));
  std::vector<float> x(static_cast<size_t>(kp), 0.f);
  double loss = 0.0;
  if (!CholeskyRow(a, x.data(), a_buf.data(), b_buf.data(), conf.data(), d.data(), false, &loss)) {
    throw Error(
        "ials: fold-in normal equations are not positive definite; raise "
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

IalsStart StartIals(const IalsParams& params, const RatingMatrix& csr, const CscMatrix& csc,
                    uint64_t seed, int threads) {
  CheckTrainInput(csr, csc, "ials");
  const bool log_confidence = params.confidence == "log";
  const double alpha = params.alpha;
  IalsStart out;
  out.kp = PaddedWidth(params.factors);
  // Confidence inputs; the log scaling is computed once per side.
  if (log_confidence) {
    out.v_csr.resize(csr.values.size());
    out.v_csc.resize(csc.values.size());
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int64_t e = 0; e < csr.nnz(); ++e) {
      out.v_csr[static_cast<size_t>(e)] = LogInput(params.epsilon, csr.values[static_cast<size_t>(e)]);
      out.v_csc[static_cast<size_t>(e)] = LogInput(params.epsilon, csc.values[static_cast<size_t>(e)]);
    }
  }
  const float* vu = out.UserInputs(csr);
  // Confidence must be a non-negative number for the normal equations to stay SPD.
  float v_min = 0.f;
  bool finite = true;
  for (int64_t e = 0; e < csr.nnz(); ++e) {
    const float v = vu[e];
    finite = finite && std::isfinite(v);
    v_min = std::min(v_min, v);
  }
  if (!finite || 1.0 + alpha * v_min < 0.0) {
    throw Error("ials: ratings must give a finite, non-negative confidence c = 1 + alpha*" +
                std::string(log_confidence ? "log(1 + r/epsilon)" : "r") +
                (finite ? "; the smallest rating gives " + std::to_string(1.0 + alpha * v_min)
                        : std::string("; a rating is not finite")));
  }
  InitFactors(out.x, csr.rows, params.factors, out.kp, InitKind::kUniform, params.init_std, seed, 0,
              csr.indptr, threads);
  InitFactors(out.y, csr.cols, params.factors, out.kp, InitKind::kUniform, params.init_std, seed, 1,
              csc.indptr, threads);
  return out;
}


double CgSolveRow(const float* yty, const float* y, int kp, const int32_t* items, const float* v,
                  int64_t n, float alpha, int cg_steps, float* x, bool want_loss) {
  RowProblem a;
  a.g = yty;
  a.y = y;
  a.kp = kp;
  a.items = items;
  a.v = v;
  a.n = n;
  a.alpha = alpha;
  a.steps = cg_steps;
  std::vector<float> track(2 * static_cast<size_t>(n) + 1);
  double loss = 0.0;
  if (!PickCgRow()(a, x, want_loss ? track.data() : nullptr, nullptr, &loss)) {
    std::vector<float> conf(static_cast<size_t>(n) + 1), scratch(3 * static_cast<size_t>(kp));
    loss = CgRowGeneric(a, x, conf.data(), scratch.data(), track.data(), want_loss);
  }
  return want_loss ? loss : 0.0;
}

}  // namespace cpu_ials_internal

}  // namespace movierec
