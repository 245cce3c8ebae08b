#include "host/cpu_factor_common.h"

#include <spdlog/spdlog.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <string>

#include "common/error.h"
#include "host/cpu_factor_simd.h"
#include "host/cpu_features.h"

#pragma GCC diagnostic ignored "-Wpsabi"

namespace movierec::cpu_factor {

namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Uniform in [0, 1) with 24 random bits (exactly representable as float).
double Uniform01(uint64_t& state) {
  return static_cast<double>(SplitMix64(state) >> 40) * (1.0 / 16777216.0);
}

// Rows per block of Gramian: each block's rows (256 KiB at kp = 64) stay in L2 while the tiles
// of AccumulateGram sweep them.
constexpr int64_t kGramBlockRows = 1024;

}  // namespace

int Threads(const Context& ctx) { return std::max(1, ctx.threads); }

void AdviseHugePages(void* p, size_t bytes) {
#if defined(MADV_HUGEPAGE)
  constexpr uintptr_t kHuge = uintptr_t{2} << 20;
  const uintptr_t begin = (reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1);
  const uintptr_t end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(kHuge - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#else
  (void)p;
  (void)bytes;
#endif
}

void InitFactors(std::vector<float>& out, int64_t rows, int k, int kp, InitKind kind, double scale,
                 uint64_t seed, uint64_t stream, const std::vector<int64_t>& indptr, int threads) {
  const size_t size = static_cast<size_t>(rows) * kp;
  std::vector<float>().swap(out);
  out.reserve(size);  // untouched: the advice below applies when the pages are first written
  AdviseHugePages(out.data(), size * sizeof(float));
  out.assign(size, 0.f);
  const uint64_t base = seed ^ (0xA0761D6478BD642Full * (stream + 1));
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int64_t r = 0; r < rows; ++r) {
    if (indptr[r + 1] == indptr[r]) continue;
    uint64_t state = base ^ (0xE7037ED1A0B428DBull * static_cast<uint64_t>(r + 1));
    SplitMix64(state);  // decorrelate neighbouring rows
    float* row = out.data() + r * kp;
    if (kind == InitKind::kUniform) {
      for (int f = 0; f < k; ++f) row[f] = static_cast<float>(Uniform01(state) * scale);
    } else {
      for (int f = 0; f < k; f += 2) {             // Box-Muller, two normals per pair of uniforms
        const double u1 = 1.0 - Uniform01(state);  // (0, 1]
        const double u2 = Uniform01(state);
        const double rad = std::sqrt(-2.0 * std::log(u1)) * scale;
        row[f] = static_cast<float>(rad * std::cos(6.283185307179586 * u2));
        if (f + 1 < k) row[f + 1] = static_cast<float>(rad * std::sin(6.283185307179586 * u2));
      }
    }
  }
}

namespace simd {

namespace {

Isa Detect() {
#if MOVIEREC_ISA_DISPATCH
  if (cpu::HasX86_64_V4()) return Isa::kAvx512;
  if (cpu::HasX86_64_V3()) return Isa::kAvx2;
#endif
  return Isa::kBaseline;
}

Isa Clamp(Isa wanted) { return std::min(wanted, DetectedIsa()); }

Isa FromEnvironment() {
  const char* env = std::getenv("MOVIEREC_CPU_ISA");
  if (env == nullptr) return DetectedIsa();
  const std::string v = env;
  if (v == "baseline") return Clamp(Isa::kBaseline);
  if (v == "avx2") return Clamp(Isa::kAvx2);
  return DetectedIsa();
}

std::atomic<int>& Active() {
  static std::atomic<int> active{static_cast<int>(FromEnvironment())};
  return active;
}

}  // namespace

Isa DetectedIsa() {
  static const Isa detected = Detect();
  return detected;
}

Isa ActiveIsa() { return static_cast<Isa>(Active().load(std::memory_order_relaxed)); }

void SetIsaForTesting(Isa isa) { Active().store(static_cast<int>(Clamp(isa))); }

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kAvx512:
      return "avx512";
    case Isa::kAvx2:
      return "avx2";
    default:
      return "baseline";
  }
}

}  // namespace simd

namespace {

MOVIEREC_TARGET_AVX512 void AccumulateGramAvx512(const float* s, const float* t, int64_t n, int kp,
                                                 float* a) {
  simd::GramTiles<simd::Avx512::F>(s, t, n, kp, a);
}
MOVIEREC_TARGET_AVX2 void AccumulateGramAvx2(const float* s, const float* t, int64_t n, int kp,
                                             float* a) {
  simd::GramTiles<simd::Avx2::F>(s, t, n, kp, a);
}
void AccumulateGramBaseline(const float* s, const float* t, int64_t n, int kp, float* a) {
  simd::GramTiles<simd::Baseline::F>(s, t, n, kp, a);
}

}  // namespace

void AccumulateGram(const float* s, const float* t, int64_t n, int kp, float* a) {
  switch (simd::ActiveIsa()) {
    case simd::Isa::kAvx512:
      return AccumulateGramAvx512(s, t, n, kp, a);
    case simd::Isa::kAvx2:
      return AccumulateGramAvx2(s, t, n, kp, a);
    default:
      return AccumulateGramBaseline(s, t, n, kp, a);
  }
}

void MirrorLower(float* a, int kp) {
  for (int r = 0; r < kp; ++r) {
    for (int c = r + 1; c < kp; ++c)
      a[static_cast<int64_t>(r) * kp + c] = a[static_cast<int64_t>(c) * kp + r];
  }
}

void Gramian(const float* y, int64_t rows, int kp, int threads, std::vector<float>& g) {
  const size_t kk = static_cast<size_t>(kp) * kp;
  const int64_t blocks = (rows + kGramBlockRows - 1) / kGramBlockRows;
  std::vector<float> partial(static_cast<size_t>(std::max<int64_t>(blocks, 1)) * kk, 0.f);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (int64_t b = 0; b < blocks; ++b) {
    const int64_t begin = b * kGramBlockRows;
    const int64_t n = std::min(rows, begin + kGramBlockRows) - begin;
    const float* yb = y + begin * kp;
    AccumulateGram(yb, yb, n, kp, partial.data() + b * kk);
  }
  g.assign(kk, 0.f);
  for (int64_t b = 0; b < blocks; ++b) {  // fixed order: independent of the thread count
    const float* p = partial.data() + b * kk;
    for (size_t e = 0; e < kk; ++e) g[e] += p[e];
  }
  MirrorLower(g.data(), kp);
}

int64_t MaxRowLength(const std::vector<int64_t>& indptr) {
  int64_t best = 0;
  for (size_t r = 0; r + 1 < indptr.size(); ++r) best = std::max(best, indptr[r + 1] - indptr[r]);
  return best;
}

void CheckTrainInput(const RatingMatrix& csr, const CscMatrix& csc, const char* algorithm) {
  const std::string what = std::string(algorithm) + ": ";
  if (csr.rows < 0 || csr.cols < 0 || csr.cols > INT32_MAX) {
    throw Error(what + "bad rating matrix shape " + std::to_string(csr.rows) + " x " +
                std::to_string(csr.cols));
  }
  if (csr.indptr.size() != static_cast<size_t>(csr.rows) + 1 || csr.indptr.front() != 0 ||
      csr.indptr.back() != csr.nnz() || csr.values.size() != csr.indices.size()) {
    throw Error(what + "the rating matrix (CSR) is malformed");
  }
  if (csc.rows != csr.rows || csc.cols != csr.cols || csc.nnz() != csr.nnz() ||
      csc.indptr.size() != static_cast<size_t>(csc.cols) + 1 || csc.indptr.front() != 0 ||
      csc.indptr.back() != csc.nnz() || csc.values.size() != csc.indices.size()) {
    throw Error(what + "the column form (CSC) does not match the rating matrix (" +
                std::to_string(csc.rows) + " x " + std::to_string(csc.cols) + ", " +
                std::to_string(csc.nnz()) + " entries vs " + std::to_string(csr.rows) + " x " +
                std::to_string(csr.cols) + ", " + std::to_string(csr.nnz()) + ")");
  }
  // Offsets that never decrease and indexes in range: the trainers index factor rows with them.
  auto check = [&](const std::vector<int64_t>& indptr, const std::vector<int32_t>& indices,
                   int64_t bound, const char* form) {
    for (size_t r = 0; r + 1 < indptr.size(); ++r) {
      if (indptr[r + 1] < indptr[r]) throw Error(what + form + " offsets decrease");
    }
    int32_t lo = 0, hi = 0;
    for (int32_t v : indices) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    if (lo < 0 || (!indices.empty() && hi >= bound)) {
      throw Error(what + form + " index out of range [0, " + std::to_string(bound) + ")");
    }
  };
  check(csr.indptr, csr.indices, csr.cols, "CSR");
  check(csc.indptr, csc.indices, csc.rows, "CSC");
}

std::vector<float> Unpad(std::vector<float>&& padded, int64_t rows, int k, int kp) {
  if (k == kp) return std::move(padded);
  std::vector<float> out(static_cast<size_t>(rows) * k);
  for (int64_t r = 0; r < rows; ++r) {
    std::copy_n(padded.data() + r * kp, k, out.data() + r * k);
  }
  return out;
}

std::vector<float> Pad(const float* x, int64_t rows, int k, int kp) {
  std::vector<float> out(static_cast<size_t>(rows) * kp, 0.f);
  for (int64_t r = 0; r < rows; ++r) std::copy_n(x + r * k, k, out.data() + r * kp);
  return out;
}

FactorModel PackModel(const char* algorithm, const RatingMatrix& csr, int k, int kp,
                      std::vector<float>&& x, std::vector<float>&& y) {
  FactorModel model;
  model.algorithm = algorithm;
  model.factors = k;
  model.users = csr.rows;
  model.items = csr.cols;
  model.user_factors = Unpad(std::move(x), csr.rows, k, kp);
  model.item_factors = Unpad(std::move(y), csr.cols, k, kp);
  model.user_ids = csr.row_ids;
  model.item_ids = csr.col_ids;
  return model;
}

const float* FoldInItemFactors(const FactorModel& model, const int32_t* items, int64_t count,
                               const char* algorithm, std::vector<float>& storage) {
  const int k = model.factors;
  if (k < 1 || model.item_factors.size() != static_cast<size_t>(model.items) * k) {
    throw Error(std::string(algorithm) + ": fold-in needs a model with item factors");
  }
  for (int64_t j = 0; j < count; ++j) {
    if (items[j] < 0 || items[j] >= model.items) {
      throw Error(std::string(algorithm) + ": fold-in item index " + std::to_string(items[j]) +
                  " outside the model's " + std::to_string(model.items) + " items");
    }
  }
  const int kp = PaddedWidth(k);
  if (kp == k) return model.item_factors.data();
  storage = Pad(model.item_factors.data(), model.items, k, kp);
  return storage.data();
}

void ReportIteration(const char* algorithm, int iterations, bool with_rmse, const IterationLog& log,
                     const TrainOptions& options) {
  const auto level = options.progress ? spdlog::level::info : spdlog::level::debug;
  if (with_rmse) {
    spdlog::log(level, "{} iteration {}/{}: loss {:.6g}, train RMSE {:.4f} ({:.2f} s)", algorithm,
                log.iteration, iterations, log.loss, log.train_rmse, log.seconds);
  } else {
    spdlog::log(level, "{} iteration {}/{}: loss {:.6g} ({:.2f} s)", algorithm, log.iteration,
                iterations, log.loss, log.seconds);
  }
  if (options.on_iteration) options.on_iteration(log);
}

}  // namespace movierec::cpu_factor
