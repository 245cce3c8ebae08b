#include "host/cpu_svd.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <new>
#include <numeric>
#include <string>
#include <utility>

#include "common/error.h"
#include "common/splitmix.h"
#include "host/cpu_factor_common.h"
#include "host/cpu_factor_simd.h"
#include "kernels/cholesky.h"
#include "kernels/sgd.h"

namespace movierec {
namespace {

namespace simd = cpu_factor::simd;

// Blocks per side of the "blocks" grid: about sqrt(nnz / kMinBlockRatings), at most kMaxGrid.
// Derived from the data, never from the thread count, so that the schedule, and with it every
// bit of the result, is the same on any number of threads. The cap keeps 16 threads busy (two
// blocks each per sub-epoch) and a block's factor rows in L2 at MovieLens-1M scale; the floor on
// a block's size keeps the G barriers per epoch cheap next to the work between them (ML-100k
// with 1024 blocks of ~80 ratings spent more time in barriers than in SGD on a loaded machine).
constexpr int kMaxGrid = 32;
constexpr int64_t kMinBlockRatings = 2048;

// --- seeded streams ------------------------------------------------------------------------

// One independent stream per purpose (common/splitmix.h), so adding draws to one never shifts
// another. svd.cu (the CUDA trainer) uses kUserOrder.. kSchedule with these same numbers.
enum class Stream : uint64_t { kUserInit = 1, kItemInit, kUserOrder, kItemOrder, kSchedule };

// SplitMix64 with the draws we need. The normal distribution is written out here because
// <random>'s differs between standard libraries, and results must be the same on every machine.
class Rng {
 public:
  Rng(uint64_t seed, Stream tag, uint64_t index)
      : gen_(StreamSeed(seed, static_cast<uint64_t>(tag), index)) {}
  uint64_t Below(uint64_t n) { return gen_.Below(n); }
  // Standard normal, Marsaglia's polar method (the second value of each pair is kept).
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u, v, s;
    do {
      u = static_cast<double>(gen_.Next() >> 11) * 0x1.0p-52 - 1.0;
      v = static_cast<double>(gen_.Next() >> 11) * 0x1.0p-52 - 1.0;
      s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    const double m = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * m;
    has_spare_ = true;
    return u * m;
  }

 private:
  SplitMix64 gen_;
  double spare_ = 0;
  bool has_spare_ = false;
};

// Fisher–Yates with our own bounded draw (std::shuffle's output is library-specific).
template <class T>
void SeededShuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) {
    std::swap(v[i - 1], v[rng.Below(i)]);
  }
}

// Factor rows while training: every row starts on its own 64-byte cache line (the stride is k
// rounded up to 16 floats, the padding zero), so threads updating rows that are neighbours in
// memory but sit in different blocks never write to the same line.
class PaddedRows {
 public:
  PaddedRows(int64_t rows, int k) : stride_(cpu_factor::PaddedWidth(k)) {
    const size_t bytes = std::max<size_t>(64, static_cast<size_t>(rows) * stride_ * sizeof(float));
    data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
    if (!data_) throw std::bad_alloc();
  }
  float* Row(int64_t r) { return data_.get() + r * stride_; }
  const float* Row(int64_t r) const { return data_.get() + r * stride_; }
  int64_t stride() const { return stride_; }
  // To and from the same rows x stride layout in a plain vector (cpu_svd_internal::SvdStart).
  void CopyFrom(const std::vector<float>& v) { std::copy(v.begin(), v.end(), data_.get()); }
  void CopyTo(std::vector<float>& v) const { std::copy_n(data_.get(), v.size(), v.begin()); }

 private:
  struct Free {
    void operator()(float* p) const { std::free(p); }
  };
  int64_t stride_;
  std::unique_ptr<float[], Free> data_;
};

// Row r of a rows x stride matrix ~ Normal(mean, std) from stream (seed, tag, r), the padding
// zero: independent of how rows are split among threads.
void InitRowsNormal(float* data, int64_t rows, int k, int64_t stride, double mean, double std_dev,
                    uint64_t seed, Stream tag, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    Rng rng(seed, tag, static_cast<uint64_t>(r));
    float* row = data + r * stride;
    for (int f = 0; f < k; ++f) row[f] = static_cast<float>(mean + std_dev * rng.Normal());
    std::fill(row + k, row + stride, 0.f);
  }
}

// --- checks --------------------------------------------------------------------------------

void CheckParams(const SvdParams& p) {
  auto bad = [](const std::string& what) { throw UsageError("models.svd: " + what); };
  if (p.factors < 1) bad("factors must be at least 1, got " + std::to_string(p.factors));
  if (p.epochs < 0) bad("epochs must be >= 0, got " + std::to_string(p.epochs));
  if (!(p.lr > 0) || !std::isfinite(p.lr)) bad("lr must be a positive number");
  if (!(p.reg >= 0) || !std::isfinite(p.reg)) bad("reg must be a number >= 0");
  if (!std::isfinite(p.init_mean)) bad("init_mean must be finite");
  if (!(p.init_std >= 0) || !std::isfinite(p.init_std)) bad("init_std must be a number >= 0");
  if (p.schedule != "blocks" && p.schedule != "serial") {
    bad("unknown schedule '" + p.schedule + "' (expected blocks or serial)");
  }
}

void CheckMatrices(const RatingMatrix& csr, const CscMatrix& csc) {
  const std::string where = "svd: ";
  if (csr.nnz() == 0) throw Error(where + "no ratings to train on");
  if (csr.rows < 0 || csr.cols < 0 || csr.indptr.size() != static_cast<size_t>(csr.rows) + 1 ||
      csr.values.size() != csr.indices.size() || csr.indptr.front() != 0 ||
      csr.indptr.back() != csr.nnz()) {
    throw Error(where + "malformed rating matrix (indptr / values do not match its shape)");
  }
  if (csc.rows != csr.rows || csc.cols != csr.cols || csc.nnz() != csr.nnz() ||
      csc.indptr.size() != static_cast<size_t>(csc.cols) + 1) {
    throw Error(where + "the CSC matrix is not the column form of the CSR matrix (shape " +
                std::to_string(csc.rows) + "x" + std::to_string(csc.cols) + ", " +
                std::to_string(csc.nnz()) + " ratings vs " + std::to_string(csr.rows) + "x" +
                std::to_string(csr.cols) + ", " + std::to_string(csr.nnz()) + ")");
  }
  if (csr.rows > INT32_MAX) throw Error(where + "more than 2^31 users");
  for (int64_t r = 0; r < csr.rows; ++r) {
    if (csr.indptr[r] > csr.indptr[r + 1]) throw Error(where + "indptr is not monotone");
  }
  // Only the CSC's column counts are read (block cuts, the loss's regularisation weights).
  if (csc.indptr.front() != 0 || csc.indptr.back() != csc.nnz()) {
    throw Error(where + "malformed CSC matrix (indptr does not span its entries)");
  }
  for (int64_t c = 0; c < csc.cols; ++c) {
    if (csc.indptr[c] > csc.indptr[c + 1]) throw Error(where + "CSC indptr is not monotone");
  }
  for (int64_t j = 0; j < csr.nnz(); ++j) {
    const int32_t c = csr.indices[j];
    if (c < 0 || c >= csr.cols) {
      throw Error(where + "column index " + std::to_string(c) + " out of range [0, " +
                  std::to_string(csr.cols) + ")");
    }
    if (!std::isfinite(csr.values[j])) throw Error(where + "a rating is not a finite number");
  }
}

// --- the sweeps ----------------------------------------------------------------------------

struct Factors {
  float* p;  // users x stride
  float* q;  // items x stride
  int64_t stride;
  float* bu;  // users, or null when unbiased
  float* bi;  // items, or null when unbiased
  float mu;
  int k;
  kernels::SgdParams<float> sgd;
};

template <bool kBiased>
MOVIEREC_SIMD_INLINE float Step(const Factors& f, int64_t u, int64_t i, float r) {
  float* pu = f.p + u * f.stride;
  float* qi = f.q + i * f.stride;
  if constexpr (kBiased) {
    return kernels::SgdStep<float>(r, f.mu, f.bu + u, f.bi + i, pu, qi, f.k, f.sgd, true);
  } else {
    return kernels::SgdStep<float>(r, 0.f, nullptr, nullptr, pu, qi, f.k, f.sgd, false);
  }
}

struct Entry {
  int32_t u;
  int32_t i;
  float r;
};

// The two inner loops, compiled per instruction set (cpu_factor_simd.h). kernels::Dot keeps its
// fixed 8 lanes everywhere, but the AVX2 build contracts a*b+c into FMAs, so results differ from
// the baseline's in the last bits (as for als and ials). An AVX-512 CPU runs the AVX2 version:
// with 100 factors the zmm version was slower (ML-100k shape, 1 thread: 0.059 s vs 0.051 s for 20
// epochs; baseline SSE2 0.079 s).

// One serial epoch in CSR order; returns Σ err².
template <bool kBiased>
MOVIEREC_SIMD_INLINE double SerialSweep(const RatingMatrix& csr, const Factors& f) {
  double sse = 0;
  for (int64_t u = 0; u < csr.rows; ++u) {
    for (int64_t j = csr.indptr[u]; j < csr.indptr[u + 1]; ++j) {
      const float err = Step<kBiased>(f, u, csr.indices[j], csr.values[j]);
      sse += static_cast<double>(err) * err;
    }
  }
  return sse;
}

// The ratings of one block in order; returns their Σ err².
template <bool kBiased>
MOVIEREC_SIMD_INLINE double BlockSweep(const Factors& f, const Entry* e, const Entry* end) {
  double sse = 0;
  for (; e != end; ++e) {
    const float err = Step<kBiased>(f, e->u, e->i, e->r);
    sse += static_cast<double>(err) * err;
  }
  return sse;
}

using SerialFn = double (*)(const RatingMatrix&, const Factors&);
using BlockFn = double (*)(const Factors&, const Entry*, const Entry*);

template <bool kBiased>
MOVIEREC_TARGET_AVX2 double SerialAvx2(const RatingMatrix& csr, const Factors& f) {
  return SerialSweep<kBiased>(csr, f);
}
template <bool kBiased>
double SerialBaseline(const RatingMatrix& csr, const Factors& f) {
  return SerialSweep<kBiased>(csr, f);
}
template <bool kBiased>
MOVIEREC_TARGET_AVX2 double BlockAvx2(const Factors& f, const Entry* e, const Entry* end) {
  return BlockSweep<kBiased>(f, e, end);
}
template <bool kBiased>
double BlockBaseline(const Factors& f, const Entry* e, const Entry* end) {
  return BlockSweep<kBiased>(f, e, end);
}

struct Sweeps {
  SerialFn serial;
  BlockFn block;
};

template <bool kBiased>
Sweeps SweepsFor(simd::Isa isa) {
  switch (isa) {
    case simd::Isa::kAvx512:
    case simd::Isa::kAvx2:
      return {SerialAvx2<kBiased>, BlockAvx2<kBiased>};
    case simd::Isa::kBaseline:
      break;
  }
  return {SerialBaseline<kBiased>, BlockBaseline<kBiased>};
}

// The ratings regrouped by block: block (a, b) = user range a x item range b, stored at
// entries[offsets[a * g + b], offsets[a * g + b + 1]).
struct Grid {
  int g = 1;
  std::vector<int64_t> offsets;
  std::vector<Entry> entries;
};

// The block (0..g-1) of every index after a seeded shuffle: the shuffled sequence is cut into g
// consecutive ranges holding about the same number of ratings (an index goes to the range its
// ratings' midpoint falls in). `order` receives the shuffled sequence.
std::vector<int32_t> BalancedBlocks(const std::vector<int64_t>& indptr, int64_t n, int g, Rng rng,
                                    std::vector<int32_t>& order) {
  order.resize(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  SeededShuffle(order, rng);
  const int64_t total = indptr[n];
  std::vector<int32_t> block(static_cast<size_t>(n));
  int64_t cum = 0;
  for (int32_t x : order) {
    const int64_t cnt = indptr[x + 1] - indptr[x];
    const int64_t b = (2 * cum + cnt) * g / (2 * total);
    block[x] = static_cast<int32_t>(std::min<int64_t>(b, g - 1));
    cum += cnt;
  }
  return block;
}

int64_t NonEmpty(const std::vector<int64_t>& indptr) {
  int64_t n = 0;
  for (size_t r = 0; r + 1 < indptr.size(); ++r) n += indptr[r + 1] > indptr[r];
  return n;
}

Grid BuildGrid(const RatingMatrix& csr, const CscMatrix& csc, uint64_t seed) {
  Grid grid;
  const auto by_size = static_cast<int64_t>(
      std::sqrt(static_cast<double>(csr.nnz()) / static_cast<double>(kMinBlockRatings)));
  grid.g = static_cast<int>(std::max<int64_t>(
      1, std::min<int64_t>({kMaxGrid, by_size, NonEmpty(csr.indptr), NonEmpty(csc.indptr)})));
  const int g = grid.g;
  std::vector<int32_t> user_order, item_order;
  const std::vector<int32_t> ub =
      BalancedBlocks(csr.indptr, csr.rows, g, Rng(seed, Stream::kUserOrder, 0), user_order);
  const std::vector<int32_t> ib =
      BalancedBlocks(csc.indptr, csc.cols, g, Rng(seed, Stream::kItemOrder, 0), item_order);

  std::vector<int64_t> cursor(static_cast<size_t>(g) * g + 1, 0);
  for (int64_t u = 0; u < csr.rows; ++u) {
    const int64_t row_base = static_cast<int64_t>(ub[u]) * g;
    for (int64_t j = csr.indptr[u]; j < csr.indptr[u + 1]; ++j) {
      ++cursor[row_base + ib[csr.indices[j]] + 1];
    }
  }
  std::partial_sum(cursor.begin(), cursor.end(), cursor.begin());
  grid.offsets = cursor;
  ResizePrefaulted(grid.entries, static_cast<size_t>(csr.nnz()));
  // Users in shuffled order, each user's ratings by movie index: the order inside every block.
  for (int32_t u : user_order) {
    const int64_t row_base = static_cast<int64_t>(ub[u]) * g;
    for (int64_t j = csr.indptr[u]; j < csr.indptr[u + 1]; ++j) {
      const int32_t i = csr.indices[j];
      grid.entries[cursor[row_base + ib[i]]++] = Entry{u, i, csr.values[j]};
    }
  }
  return grid;
}

// One epoch of the block schedule; returns Σ err², summed in block order (thread-independent).
double BlockEpoch(const Grid& grid, const Factors& f, BlockFn sweep, uint64_t seed, int epoch,
                  int threads, std::vector<double>& block_sse) {
  const int g = grid.g;
  std::vector<int> diagonals(static_cast<size_t>(g));
  std::iota(diagonals.begin(), diagonals.end(), 0);
  Rng rng(seed, Stream::kSchedule, static_cast<uint64_t>(epoch));
  SeededShuffle(diagonals, rng);
  block_sse.assign(static_cast<size_t>(g) * g, 0.0);
#pragma omp parallel num_threads(threads)
  {
    for (int s = 0; s < g; ++s) {
      const int d = diagonals[s];
      // The implicit barrier at the end of the loop separates sub-epochs.
#pragma omp for schedule(dynamic, 1)
      for (int a = 0; a < g; ++a) {
        const int64_t block = static_cast<int64_t>(a) * g + (a + d) % g;
        const Entry* e = grid.entries.data() + grid.offsets[block];
        const Entry* end = grid.entries.data() + grid.offsets[block + 1];
        block_sse[block] = sweep(f, e, end);
      }
    }
  }
  double total = 0;
  for (double v : block_sse) total += v;
  return total;
}

// reg Σ_rows n_r (b_r² + ‖x_r‖²) over one side, in double.
double RegularisationTerm(const std::vector<int64_t>& indptr, const PaddedRows& factors,
                          const std::vector<float>& bias, int k) {
  double total = 0;
  for (size_t r = 0; r + 1 < indptr.size(); ++r) {
    const int64_t n = indptr[r + 1] - indptr[r];
    if (n == 0) continue;
    const float* x = factors.Row(static_cast<int64_t>(r));
    const double sq =
        kernels::DotDouble(x, x, k) + (bias.empty() ? 0.0 : static_cast<double>(bias[r]) * bias[r]);
    total += static_cast<double>(n) * sq;
  }
  return total;
}

// Rows with no rating keep neither their random draw nor a bias: their predictions become
// Surprise's for an unknown user / item.
void ZeroEmptyRows(const std::vector<int64_t>& indptr, std::vector<float>& factors,
                   std::vector<float>& bias, int k) {
  for (size_t r = 0; r + 1 < indptr.size(); ++r) {
    if (indptr[r + 1] != indptr[r]) continue;
    std::fill_n(factors.begin() + static_cast<int64_t>(r) * k, k, 0.f);
    if (!bias.empty()) bias[r] = 0.f;
  }
}

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

class CpuSvdTrainer final : public FactorTrainer {
 public:
  CpuSvdTrainer(const Context& ctx, const SvdParams& params) : ctx_(ctx), params_(params) {
    CheckParams(params_);
  }

  FactorModel Train(const RatingMatrix& csr, const CscMatrix& csc,
                    const TrainOptions& options) override {
    const auto level = options.progress ? spdlog::level::info : spdlog::level::debug;
    const int k = params_.factors;
    const bool biased = params_.biased;
    const bool blocks = params_.schedule == "blocks";
    const int threads = std::max(1, ctx_.threads);
    const uint64_t seed = options.seed;

    // Checks, the seeded start and μ, shared with the CUDA trainer; trained here in 64-byte
    // aligned rows.
    cpu_svd_internal::SvdStart start =
        cpu_svd_internal::StartSvd(params_, csr, csc, seed, threads);
    PaddedRows user_factors(csr.rows, k), item_factors(csr.cols, k);
    user_factors.CopyFrom(start.p);
    item_factors.CopyFrom(start.q);

    Grid grid;
    if (blocks) grid = BuildGrid(csr, csc, seed);
    const int block_threads = blocks ? std::min(threads, grid.g) : 1;
    spdlog::log(level,
                "svd: {} users x {} items, {} ratings, {} factors, {} epochs, lr {}, reg {}, "
                "{}; schedule {}{}; {}",
                csr.rows, csr.cols, csr.nnz(), k, params_.epochs, params_.lr, params_.reg,
                biased ? "biased" : "unbiased", params_.schedule,
                blocks ? fmt::format(" ({}x{} grid, {} threads)", grid.g, grid.g, block_threads)
                       : std::string(" (1 thread)"),
                simd::IsaName(simd::ActiveIsa()));

    const Factors f{
        user_factors.Row(0),
        item_factors.Row(0),
        user_factors.stride(),
        biased ? start.user_bias.data() : nullptr,
        biased ? start.item_bias.data() : nullptr,
        start.mu,
        k,
        kernels::UniformSgdParams(static_cast<float>(params_.lr), static_cast<float>(params_.reg))};
    const Sweeps sweeps = biased ? SweepsFor<true>(simd::ActiveIsa())
                                 : SweepsFor<false>(simd::ActiveIsa());
    std::vector<double> block_sse;
    for (int epoch = 0; epoch < params_.epochs; ++epoch) {
      const auto t0 = std::chrono::steady_clock::now();
      double sse;
      if (blocks) {
        sse = BlockEpoch(grid, f, sweeps.block, seed, epoch, block_threads, block_sse);
      } else {
        sse = sweeps.serial(csr, f);
      }
      const double reg_term = RegularisationTerm(csr.indptr, user_factors, start.user_bias, k) +
                              RegularisationTerm(csc.indptr, item_factors, start.item_bias, k);
      IterationLog log;
      log.iteration = epoch + 1;
      log.loss = sse + params_.reg * reg_term;
      log.train_rmse = std::sqrt(sse / static_cast<double>(csr.nnz()));
      log.seconds = Since(t0);
      spdlog::log(level, "svd epoch {}/{}: loss {:.6g}, train rmse {:.5f}, {:.3f} s", log.iteration,
                  params_.epochs, log.loss, log.train_rmse, log.seconds);
      if (!std::isfinite(log.loss)) {
        throw Error("svd diverged in epoch " + std::to_string(log.iteration) +
                    " (the loss is no longer a finite number); lower models.svd.lr (now " +
                    std::to_string(params_.lr) + ")");
      }
      if (options.on_iteration) options.on_iteration(log);
    }
    user_factors.CopyTo(start.p);
    item_factors.CopyTo(start.q);
    return cpu_svd_internal::PackSvd(csr, csc, k, std::move(start));
  }

  std::vector<float> FoldInUser(const FactorModel& model, const int32_t* items,
                                const float* ratings, int64_t count) const override {
    return FoldInSvdUser(model, params_.reg, items, ratings, count).factors;
  }

 private:
  Context ctx_;
  SvdParams params_;
};

}  // namespace

namespace cpu_svd_internal {

SvdStart StartSvd(const SvdParams& params, const RatingMatrix& csr, const CscMatrix& csc,
                  uint64_t seed, int threads) {
  CheckParams(params);
  CheckMatrices(csr, csc);
  const int k = params.factors;
  SvdStart out;
  out.kp = cpu_factor::PaddedWidth(k);
  out.p.resize(static_cast<size_t>(csr.rows) * out.kp);
  out.q.resize(static_cast<size_t>(csr.cols) * out.kp);
  InitRowsNormal(out.p.data(), csr.rows, k, out.kp, params.init_mean, params.init_std, seed,
                 Stream::kUserInit, threads);
  InitRowsNormal(out.q.data(), csr.cols, k, out.kp, params.init_mean, params.init_std, seed,
                 Stream::kItemInit, threads);
  if (params.biased) {
    out.user_bias.assign(static_cast<size_t>(csr.rows), 0.f);
    out.item_bias.assign(static_cast<size_t>(csr.cols), 0.f);
    double sum = 0;
    for (float v : csr.values) sum += v;
    out.mu = static_cast<float>(sum / static_cast<double>(csr.nnz()));
  }
  return out;
}

FactorModel PackSvd(const RatingMatrix& csr, const CscMatrix& csc, int k, SvdStart&& s) {
  FactorModel m = cpu_factor::PackModel("svd", csr, k, s.kp, std::move(s.p), std::move(s.q));
  m.user_bias = std::move(s.user_bias);
  m.item_bias = std::move(s.item_bias);
  m.global_mean = s.mu;
  ZeroEmptyRows(csr.indptr, m.user_factors, m.user_bias, k);
  ZeroEmptyRows(csc.indptr, m.item_factors, m.item_bias, k);
  return m;
}

}  // namespace cpu_svd_internal

std::unique_ptr<FactorTrainer> MakeCpuSvdTrainer(const Context& ctx, const SvdParams& params) {
  return std::make_unique<CpuSvdTrainer>(ctx, params);
}

SvdFoldIn FoldInSvdUser(const FactorModel& model, double reg, const int32_t* items,
                        const float* ratings, int64_t count) {
  const int k = model.factors;
  MOVIEREC_ASSERT(model.item_factors.size() == static_cast<size_t>(model.items) * k,
                  "svd fold-in: item_factors does not hold items x factors values");
  const bool biased = !model.item_bias.empty();
  SvdFoldIn out;
  out.factors.assign(static_cast<size_t>(k), 0.f);
  if (count <= 0) return out;
  const int dim = k + (biased ? 1 : 0);
  std::vector<double> a(static_cast<size_t>(dim) * dim, 0.0);  // lower triangle used
  std::vector<double> b(static_cast<size_t>(dim), 0.0);
  std::vector<double> x(static_cast<size_t>(dim), 1.0);  // [qi; 1]
  for (int64_t j = 0; j < count; ++j) {
    const int32_t i = items[j];
    if (i < 0 || i >= model.items) {
      throw Error("svd fold-in: item index " + std::to_string(i) + " out of range [0, " +
                  std::to_string(model.items) + ")");
    }
    if (!std::isfinite(ratings[j])) throw Error("svd fold-in: a rating is not a finite number");
    const float* q = model.ItemRow(i);
    for (int f = 0; f < k; ++f) x[f] = q[f];
    double t = static_cast<double>(ratings[j]) - model.global_mean;
    if (biased) t -= model.item_bias[static_cast<size_t>(i)];
    for (int r = 0; r < dim; ++r) {
      double* row = a.data() + static_cast<int64_t>(r) * dim;
      const double xr = x[r];
      for (int c = 0; c <= r; ++c) row[c] += xr * x[c];
      b[r] += t * xr;
    }
  }
  const double lambda = std::max(reg, 1e-6) * static_cast<double>(count);
  for (int d = 0; d < dim; ++d) a[static_cast<size_t>(d) * dim + d] += lambda;
  if (!kernels::CholeskyFactorSolve(a.data(), dim, b.data())) {
    throw Error(
        "svd fold-in: the normal equations are not positive definite (are the model's "
        "item factors finite?)");
  }
  for (int f = 0; f < k; ++f) out.factors[f] = static_cast<float>(b[f]);
  if (biased) out.bias = static_cast<float>(b[k]);
  return out;
}

}  // namespace movierec
