#include "host/cpu_als.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "common/error.h"
#include "host/cpu_factor_common.h"
#include "host/cpu_factor_simd.h"
#include "kernels/vec.h"

#pragma GCC diagnostic ignored "-Wpsabi"

namespace movierec {

namespace {

using namespace cpu_factor;

// Rows of the other side gathered per block (64 KiB at kp = 64: stays in L2 while the Gram
// tiles sweep it).
constexpr int64_t kGatherRows = 256;
// Rows ahead that the gather prefetches (the other side's rows are read at random).
constexpr int64_t kPrefetchDistance = 12;

// One row's least-squares problem (see cpu_als.h).
struct AlsRow {
  const float* y = nullptr;           // other side's factors, stride kp
  const float* other_bias = nullptr;  // other side's biases, or null without biases
  int k = 0;
  int kp = 0;
  const int32_t* items = nullptr;
  const float* ratings = nullptr;
  int64_t n = 0;
  float mu = 0;
  double lambda = 0;
};

// Per-thread buffers, sized once per half-sweep.
struct AlsScratch {
  std::vector<float> gather;  // kGatherRows × kp
  std::vector<float> gram;    // kp × kp
  std::vector<float> sum_f;   // kp: Σ y_i
  std::vector<float> rhs;     // kp: Σ t y_i
  std::vector<double> m;      // ld², ld = k + 1 rounded up to a multiple of 8
  std::vector<double> b;      // ld
  std::vector<double> panel;  // 9 · ld (Cholesky scratch)

  void Resize(int k, int kp) {
    gather.resize(static_cast<size_t>(kGatherRows) * kp);
    gram.resize(static_cast<size_t>(kp) * kp);
    sum_f.resize(kp);
    rhs.resize(kp);
    const size_t ld = static_cast<size_t>(k + 1 + 7) / 8 * 8;
    m.assign(ld * ld, 0.0);
    b.resize(ld);
    panel.assign(9 * ld, 0.0);
  }
};

// Solves one row: x (kp, padding left zero) and, with biases, *bias. When sse is non-null it
// receives Σ_j (r_j − r̂_j)² with the new x and bias. Returns false when the factorisation fails
// (x and bias are then zero).
template <class Isa>
MOVIEREC_SIMD_INLINE bool SolveAlsRowImpl(const AlsRow& a, AlsScratch& s, float* x, float* bias,
                                          double* sse) {
  const int k = a.k;
  const int kp = a.kp;
  const bool biases = a.other_bias != nullptr;
  const int kq = biases ? k + 1 : k;
  std::fill_n(x, kp, 0.f);
  if (bias != nullptr) *bias = 0.f;
  if (sse != nullptr) *sse = 0.0;
  if (a.n == 0) return true;

  float* __restrict__ gram = s.gram.data();
  float* __restrict__ sum_f = s.sum_f.data();
  float* __restrict__ rhs = s.rhs.data();
  float* __restrict__ buf = s.gather.data();
  std::fill_n(gram, static_cast<size_t>(kp) * kp, 0.f);
  std::fill_n(sum_f, kp, 0.f);
  std::fill_n(rhs, kp, 0.f);
  double sum_t = 0.0, sum_tt = 0.0;
  for (int64_t start = 0; start < a.n; start += kGatherRows) {
    const int64_t m = std::min(kGatherRows, a.n - start);
    for (int64_t jj = 0; jj < m; ++jj) {
      const int64_t j = start + jj;
      const int32_t item = a.items[j];
      const int64_t ahead = j + kPrefetchDistance < a.n ? j + kPrefetchDistance : a.n - 1;
      const float* pf = a.y + static_cast<int64_t>(a.items[ahead]) * kp;
      for (int f = 0; f < kp; f += kLanes) __builtin_prefetch(pf + f);
      const float* __restrict__ row = a.y + static_cast<int64_t>(item) * kp;
      const float t = a.ratings[j] - a.mu - (biases ? a.other_bias[item] : 0.f);
      float* __restrict__ dst = buf + jj * kp;
      for (int f = 0; f < kp; ++f) {
        const float yf = row[f];
        dst[f] = yf;
        sum_f[f] += yf;
        rhs[f] += t * yf;
      }
      sum_t += t;
      sum_tt += static_cast<double>(t) * t;
    }
    simd::GramTiles<typename Isa::F>(buf, buf, m, kp, gram);
  }

  // The (k + 1)² (or k²) system in double: lower triangle, the rest of each row zero (the
  // Cholesky below wants finite numbers everywhere), leading dimension ld.
  const int ld = (kq + 7) / 8 * 8;
  double* __restrict__ mat = s.m.data();
  double* __restrict__ b = s.b.data();
  const double n = static_cast<double>(a.n);
  const double shift = a.lambda * n;
  for (int r = 0; r < k; ++r) {
    const float* src = gram + static_cast<int64_t>(r) * kp;
    double* dst = mat + static_cast<int64_t>(r) * ld;
    for (int c = 0; c <= r; ++c) dst[c] = src[c];
    for (int c = r + 1; c < ld; ++c) dst[c] = 0.0;
    dst[r] += shift;
    b[r] = rhs[r];
  }
  if (biases) {
    double* last = mat + static_cast<int64_t>(k) * ld;
    for (int c = 0; c < k; ++c) last[c] = sum_f[c];
    last[k] = n + shift;
    for (int c = k + 1; c < ld; ++c) last[c] = 0.0;
    b[k] = sum_t;
  }
  if (!simd::CholeskySolveBlocked<typename Isa::D>(mat, kq, ld, b, s.panel.data())) return false;
  for (int f = 0; f < k; ++f) x[f] = static_cast<float>(b[f]);
  const float xb = biases ? static_cast<float>(b[k]) : 0.f;
  if (bias != nullptr) *bias = xb;

  if (sse != nullptr) {
    // Σ_j (t_j − z·f_j)² = Σ t² − 2 z·Σ t f + zᵀ(Σ f fᵀ) z for z = [x, b] (the rounded solution)
    // and f = [y, 1]: no second pass over the (randomly placed) rows.
    double zfz = 0.0, zft = 0.0;
    for (int r = 0; r < k; ++r) {
      const float* g = gram + static_cast<int64_t>(r) * kp;
      double row = 0.0;  // Σ_{c<r} G[r][c] x_c, then the diagonal once
      for (int c = 0; c < r; ++c) row += static_cast<double>(g[c]) * x[c];
      zfz += x[r] * (2.0 * row + static_cast<double>(g[r]) * x[r]);
      zft += static_cast<double>(x[r]) * rhs[r];
    }
    if (biases) {
      double sf = 0.0;
      for (int c = 0; c < k; ++c) sf += static_cast<double>(sum_f[c]) * x[c];
      zfz += 2.0 * xb * sf + n * static_cast<double>(xb) * xb;
      zft += static_cast<double>(xb) * sum_t;
    }
    *sse = std::max(0.0, sum_tt - 2.0 * zft + zfz);
  }
  return true;
}

MOVIEREC_TARGET_AVX512 bool SolveAlsRowAvx512(const AlsRow& a, AlsScratch& s, float* x, float* bias,
                                              double* sse) {
  return SolveAlsRowImpl<simd::Avx512>(a, s, x, bias, sse);
}
MOVIEREC_TARGET_AVX2 bool SolveAlsRowAvx2(const AlsRow& a, AlsScratch& s, float* x, float* bias,
                                          double* sse) {
  return SolveAlsRowImpl<simd::Avx2>(a, s, x, bias, sse);
}
bool SolveAlsRowBaseline(const AlsRow& a, AlsScratch& s, float* x, float* bias, double* sse) {
  return SolveAlsRowImpl<simd::Baseline>(a, s, x, bias, sse);
}

// Solves one row on the active instruction set (cpu_factor_simd.h).
bool SolveAlsRow(const AlsRow& a, AlsScratch& s, float* x, float* bias, double* sse) {
  switch (simd::ActiveIsa()) {
    case simd::Isa::kAvx512:
      return SolveAlsRowAvx512(a, s, x, bias, sse);
    case simd::Isa::kAvx2:
      return SolveAlsRowAvx2(a, s, x, bias, sse);
    default:
      return SolveAlsRowBaseline(a, s, x, bias, sse);
  }
}

class CpuAlsTrainer final : public FactorTrainer {
 public:
  CpuAlsTrainer(const Context& ctx, const AlsParams& params)
      : threads_(Threads(ctx)), params_(params) {}

  FactorModel Train(const RatingMatrix& csr, const CscMatrix& csc,
                    const TrainOptions& options) override;
  std::vector<float> FoldInUser(const FactorModel& model, const int32_t* items,
                                const float* ratings, int64_t count) const override;

 private:
  struct Side {
    const std::vector<int64_t>* indptr = nullptr;
    const int32_t* indices = nullptr;
    const float* values = nullptr;
    int64_t rows = 0;
  };

  // Solves every row of `side` against (y, y_bias) into (x, x_bias). Returns Σ (r − r̂)² over the
  // side's ratings when want_sse, else 0.
  double HalfSweep(const Side& side, const std::vector<float>& y, const std::vector<float>& y_bias,
                   std::vector<float>& x, std::vector<float>& x_bias, int k, int kp, float mu,
                   bool want_sse) const;

  int threads_;
  AlsParams params_;
};

double CpuAlsTrainer::HalfSweep(const Side& side, const std::vector<float>& y,
                                const std::vector<float>& y_bias, std::vector<float>& x,
                                std::vector<float>& x_bias, int k, int kp, float mu,
                                bool want_sse) const {
  AlsRow base;
  base.y = y.data();
  base.other_bias = params_.biases ? y_bias.data() : nullptr;
  base.k = k;
  base.kp = kp;
  base.mu = mu;
  base.lambda = params_.regularization;
  std::vector<double> row_sse(want_sse ? static_cast<size_t>(side.rows) : 0, 0.0);
  int64_t failures = 0;
#pragma omp parallel num_threads(threads_) reduction(+ : failures)
  {
    AlsScratch scratch;
    scratch.Resize(k, kp);
#pragma omp for schedule(dynamic, 32)
    for (int64_t r = 0; r < side.rows; ++r) {
      AlsRow a = base;
      const int64_t begin = (*side.indptr)[r];
      a.n = (*side.indptr)[r + 1] - begin;
      a.items = side.indices + begin;
      a.ratings = side.values + begin;
      if (!SolveAlsRow(a, scratch, x.data() + r * kp, params_.biases ? x_bias.data() + r : nullptr,
                       want_sse ? row_sse.data() + r : nullptr)) {
        ++failures;
      }
    }
  }
  if (failures > 0) {
    spdlog::warn(
        "als: the Cholesky solve failed for {} of {} rows (set to zero); "
        "raise models.als.regularization",
        failures, side.rows);
  }
  double total = 0.0;
  for (double e : row_sse) total += e;  // row order: independent of the thread count
  return total;
}

// Σ_r n_r (‖x_r‖² + b_r²) over one side, in row order (a few ms at ML-20M): the same sum for
// every thread count.
double WeightedPenalty(const std::vector<float>& x, const std::vector<float>& bias,
                       const std::vector<int64_t>& indptr, int64_t rows, int kp) {
  double total = 0.0;
  for (int64_t r = 0; r < rows; ++r) {
    const double b = bias.empty() ? 0.0 : bias[static_cast<size_t>(r)];
    total += static_cast<double>(indptr[r + 1] - indptr[r]) *
             (kernels::DotDouble(&x[r * kp], &x[r * kp], kp) + b * b);
  }
  return total;
}

FactorModel CpuAlsTrainer::Train(const RatingMatrix& csr, const CscMatrix& csc,
                                 const TrainOptions& options) {
  cpu_als_internal::AlsStart start =
      cpu_als_internal::StartAls(params_, csr, csc, options.seed, threads_);
  const int k = params_.factors;
  const int kp = start.kp;
  const float mu = start.mu;
  std::vector<float>& x = start.x;
  std::vector<float>& y = start.y;
  std::vector<float>& bu = start.user_bias;
  std::vector<float>& bi = start.item_bias;

  spdlog::debug("als: {} x {} matrix, {} ratings, k = {} (stored {}), biases {}, {} threads, {}",
                csr.rows, csr.cols, csr.nnz(), k, kp, params_.biases, threads_,
                simd::IsaName(simd::ActiveIsa()));
  const Side users{&csr.indptr, csr.indices.data(), csr.values.data(), csr.rows};
  const Side items{&csc.indptr, csc.indices.data(), csc.values.data(), csc.cols};
  for (int it = 1; it <= params_.iterations; ++it) {
    const auto t0 = std::chrono::steady_clock::now();
    HalfSweep(users, y, bi, x, bu, k, kp, mu, false);
    const double sse = HalfSweep(items, x, bu, y, bi, k, kp, mu, true);
    const double penalty = WeightedPenalty(x, bu, csr.indptr, csr.rows, kp) +
                           WeightedPenalty(y, bi, csc.indptr, csc.cols, kp);
    IterationLog log;
    log.iteration = it;
    log.loss = sse + params_.regularization * penalty;
    log.train_rmse = csr.nnz() > 0 ? std::sqrt(sse / static_cast<double>(csr.nnz())) : 0.0;
    log.seconds = SecondsSince(t0);
    ReportIteration("als", params_.iterations, true, log, options);
  }

  FactorModel model = PackModel("als", csr, k, kp, std::move(x), std::move(y));
  model.user_bias = std::move(bu);
  model.item_bias = std::move(bi);
  model.global_mean = mu;
  return model;
}

std::vector<float> CpuAlsTrainer::FoldInUser(const FactorModel& model, const int32_t* items,
                                             const float* ratings, int64_t count) const {
  const int k = model.factors;
  const bool biases = !model.item_bias.empty();
  if (biases && model.item_bias.size() != static_cast<size_t>(model.items)) {
    throw Error("als: the model's item biases do not match its items");
  }
  std::vector<float> padded;
  const float* y = FoldInItemFactors(model, items, count, "als", padded);
  const int kp = PaddedWidth(k);
  AlsRow a;
  a.y = y;
  a.other_bias = biases ? model.item_bias.data() : nullptr;
  a.k = k;
  a.kp = kp;
  a.items = items;
  a.ratings = ratings;
  a.n = std::max<int64_t>(count, 0);
  a.mu = model.global_mean;
  a.lambda = params_.regularization;
  AlsScratch scratch;
  scratch.Resize(k, kp);
  std::vector<float> x(static_cast<size_t>(kp));
  float bias = 0.f;
  if (!SolveAlsRow(a, scratch, x.data(), &bias, nullptr)) {
    throw Error(
        "als: fold-in normal equations are not positive definite; raise "
        "models.als.regularization");
  }
  x.resize(static_cast<size_t>(k));
  return x;
}

}  // namespace

namespace cpu_als_internal {

using namespace cpu_factor;

AlsStart StartAls(const AlsParams& params, const RatingMatrix& csr, const CscMatrix& csc,
                  uint64_t seed, int threads) {
  CheckTrainInput(csr, csc, "als");
  double sum = 0.0;
  bool finite = true;
  for (float r : csr.values) {
    finite = finite && std::isfinite(r);
    sum += r;
  }
  if (!finite) throw Error("als: a rating is not a finite number");
  AlsStart out;
  out.kp = PaddedWidth(params.factors);
  out.mu = csr.nnz() > 0 ? static_cast<float>(sum / static_cast<double>(csr.nnz())) : 0.f;
  InitFactors(out.x, csr.rows, params.factors, out.kp, InitKind::kNormal, params.init_std, seed, 0,
              csr.indptr, threads);
  InitFactors(out.y, csr.cols, params.factors, out.kp, InitKind::kNormal, params.init_std, seed, 1,
              csc.indptr, threads);
  out.user_bias.assign(params.biases ? static_cast<size_t>(csr.rows) : 0, 0.f);
  out.item_bias.assign(params.biases ? static_cast<size_t>(csr.cols) : 0, 0.f);
  return out;
}

}  // namespace cpu_als_internal

std::unique_ptr<FactorTrainer> MakeCpuAlsTrainer(const Context& ctx, const AlsParams& params) {
  if (params.factors < 1) throw UsageError("als: factors must be at least 1");
  if (params.iterations < 0) throw UsageError("als: iterations must not be negative");
  if (!(params.regularization >= 0)) throw UsageError("als: regularization must be >= 0");
  if (!(params.init_std >= 0)) throw UsageError("als: init_std must be >= 0");
  return std::make_unique<CpuAlsTrainer>(ctx, params);
}

}  // namespace movierec
