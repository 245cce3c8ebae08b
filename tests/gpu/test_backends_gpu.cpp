// GPU suite (ctest -L gpu): every test body runs once per CUDA device and compares the device's
// result with the CPU reference computed in the same test. Without a device (or in a CPU-only
// build) each instantiation is reported skipped, with the reason.
//
// Tolerances, and why:
//   ials, als — same seeded start, same algorithm; only the summation order differs (cuBLAS
//     Gram matrices, warp reductions, FMAs), so the loss after each iteration agrees to 1e-3
//     relative and predictions to 2 % of their spread. Factors are compared through what they
//     predict, never element by element.
//   svd — SGD on the GPU visits ratings in another order (and in parallel), so only statistics
//     agree: train and test RMSE within 3 % of the CPU's.
//   top-N — the same input vectors: the lists agree except where two scores are within float
//     rounding of each other, so ≥ 99 % of the entries must be identical and every GPU list must
//     be sorted, exclude rated and disallowed items and have the promised length.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../factor_fixtures.h"
#include "common/error.h"
#include "host/context.h"
#include "host/cuda_backend.h"
#include "host/scoring_vectors.h"
#include "host/topn.h"
#include "host/trainer.h"

namespace movierec {
namespace {

using testing::LowRankData;
using testing::MakeLowRank;
using testing::Rmse;

// "gpu:0", "gpu:1", ... for every device; "gpu:0" alone when there is none (its tests skip).
std::vector<std::string> Devices() {
  std::vector<std::string> out;
  for (int i = 0; i < cuda::DeviceCount(); ++i) out.push_back("gpu:" + std::to_string(i));
  if (out.empty()) out.push_back("gpu:0");
  return out;
}

class OnDevice : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (!cuda::BuiltWithCuda()) GTEST_SKIP() << "built without CUDA (MOVIEREC_CUDA=OFF)";
    if (cuda::DeviceCount() == 0) GTEST_SKIP() << "no CUDA device: " << cuda::NoDeviceReason();
    gpu_ = ResolveContext(GetParam(), 4);
    cpu_ = ResolveContext("cpu", 4);
  }
  Context gpu_, cpu_;
};

std::vector<IterationLog> Logs(const Context& ctx, const std::string& algorithm,
                               const ModelsConfig& cfg, const LowRankData& d, FactorModel& model) {
  std::vector<IterationLog> logs;
  TrainOptions opt;
  opt.seed = 11;
  opt.progress = false;
  opt.on_iteration = [&logs](const IterationLog& l) { logs.push_back(l); };
  model = MakeFactorTrainer(ctx, algorithm, cfg)->Train(d.train, d.train_csc, opt);
  return logs;
}

// Mean |a - b| over the test pairs, relative to the spread (sd) of b's predictions.
double RelativePredictionGap(const FactorModel& a, const FactorModel& b,
                             const std::vector<testing::Triplet>& pairs) {
  double gap = 0, sum = 0, sq = 0;
  for (const auto& t : pairs) {
    const double pa = a.Predict(t.u, t.i), pb = b.Predict(t.u, t.i);
    gap += std::abs(pa - pb);
    sum += pb;
    sq += pb * pb;
  }
  const double n = static_cast<double>(pairs.size());
  const double sd = std::sqrt(std::max(1e-12, sq / n - (sum / n) * (sum / n)));
  return gap / n / sd;
}

void ExpectSameLosses(const std::vector<IterationLog>& gpu, const std::vector<IterationLog>& cpu,
                      double rel) {
  ASSERT_EQ(gpu.size(), cpu.size());
  for (size_t i = 0; i < gpu.size(); ++i) {
    EXPECT_EQ(gpu[i].iteration, cpu[i].iteration);
    EXPECT_NEAR(gpu[i].loss, cpu[i].loss, rel * std::abs(cpu[i].loss)) << "iteration " << i + 1;
    EXPECT_NEAR(gpu[i].train_rmse, cpu[i].train_rmse, rel * std::max(1.0, cpu[i].train_rmse))
        << "iteration " << i + 1;
  }
}

TEST_P(OnDevice, IalsMatchesTheCpuTrainer) {
  const LowRankData d = MakeLowRank(21, 700, 500, 0.08, 0.3);
  for (const char* solver : {"cg", "cholesky"}) {
    for (int k : {8, 64, 130}) {
      SCOPED_TRACE(std::string(solver) + " k=" + std::to_string(k));
      ModelsConfig cfg;
      cfg.ials.factors = k;
      cfg.ials.iterations = 4;
      cfg.ials.solver = solver;
      cfg.ials.alpha = 2.0;
      FactorModel g, c;
      const auto lg = Logs(gpu_, "ials", cfg, d, g);
      const auto lc = Logs(cpu_, "ials", cfg, d, c);
      ExpectSameLosses(lg, lc, 1e-3);
      EXPECT_LT(RelativePredictionGap(g, c, d.test), 0.02);
    }
  }
}

TEST_P(OnDevice, IalsLogConfidenceMatchesTheCpuTrainer) {
  const LowRankData d = MakeLowRank(22, 400, 300, 0.1, 0.3);
  ModelsConfig cfg;
  cfg.ials.factors = 32;
  cfg.ials.iterations = 3;
  cfg.ials.confidence = "log";
  cfg.ials.alpha = 10.0;
  FactorModel g, c;
  ExpectSameLosses(Logs(gpu_, "ials", cfg, d, g), Logs(cpu_, "ials", cfg, d, c), 1e-3);
  EXPECT_LT(RelativePredictionGap(g, c, d.test), 0.02);
}

TEST_P(OnDevice, AlsMatchesTheCpuTrainer) {
  const LowRankData d = MakeLowRank(23, 600, 400, 0.08, 0.3);
  for (bool biases : {true, false}) {
    for (int k : {5, 64}) {
      SCOPED_TRACE(std::string(biases ? "biased" : "unbiased") + " k=" + std::to_string(k));
      ModelsConfig cfg;
      cfg.als.factors = k;
      cfg.als.iterations = 4;
      cfg.als.biases = biases;
      FactorModel g, c;
      ExpectSameLosses(Logs(gpu_, "als", cfg, d, g), Logs(cpu_, "als", cfg, d, c), 1e-3);
      EXPECT_LT(RelativePredictionGap(g, c, d.test), 0.02);
      EXPECT_NEAR(Rmse(g, d.test), Rmse(c, d.test), 0.01 * Rmse(c, d.test));
    }
  }
}

TEST_P(OnDevice, SvdReachesTheCpuTrainersRmse) {
  const LowRankData d = MakeLowRank(24, 800, 600, 0.08, 0.3);
  for (bool biased : {true, false}) {
    SCOPED_TRACE(biased ? "biased" : "unbiased");
    ModelsConfig cfg;
    cfg.svd.factors = 16;
    cfg.svd.epochs = 25;
    cfg.svd.lr = 0.02;
    cfg.svd.reg = 0.05;
    cfg.svd.biased = biased;
    FactorModel g, c;
    const auto lg = Logs(gpu_, "svd", cfg, d, g);
    const auto lc = Logs(cpu_, "svd", cfg, d, c);
    ASSERT_EQ(lg.size(), lc.size());
    EXPECT_NEAR(lg.back().train_rmse, lc.back().train_rmse, 0.03 * lc.back().train_rmse);
    EXPECT_NEAR(Rmse(g, d.test), Rmse(c, d.test), 0.03 * Rmse(c, d.test));
    EXPECT_EQ(g.user_bias.empty(), !biased);
  }
}

TEST_P(OnDevice, TrainerErrorsAreClear) {
  // A column index outside the matrix: the shared input checks refuse it before the GPU.
  LowRankData d = MakeLowRank(25, 50, 40, 0.2, 0.3);
  d.train.indices[0] = 1000;
  ModelsConfig cfg;
  for (const char* alg : {"als", "ials", "svd"}) {
    FactorModel m;
    EXPECT_THROW(Logs(gpu_, alg, cfg, d, m), Error) << alg;
  }
}

struct TopNCase {
  int64_t users, items;
  int dim, n;
  double rated;  // fraction of items each user rated (excluded)
};

// Random vectors with many exact ties (values on a coarse grid) and a few NaNs.
void ExpectSameTopN(const Context& gpu, const Context& cpu, const TopNCase& c, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> grid(-8, 8);
  std::uniform_real_distribution<double> u01(0, 1);
  std::vector<float> uv(static_cast<size_t>(c.users) * c.dim), iv(static_cast<size_t>(c.items) * c.dim);
  for (float& v : uv) v = static_cast<float>(grid(rng)) / 8.f;
  for (float& v : iv) v = static_cast<float>(grid(rng)) / 8.f;
  if (c.dim > 0 && c.items > 3) iv[static_cast<size_t>(c.dim) * 3] = std::numeric_limits<float>::quiet_NaN();
  std::vector<uint8_t> allowed(static_cast<size_t>(c.items), 1), active(static_cast<size_t>(c.users), 1);
  for (auto& a : allowed) a = u01(rng) < 0.97;
  for (auto& a : active) a = u01(rng) < 0.95;
  RatingMatrix ex;
  ex.rows = c.users;
  ex.cols = c.items;
  ex.indptr.push_back(0);
  for (int64_t u = 0; u < c.users; ++u) {
    for (int64_t i = 0; i < c.items; ++i) {
      if (u01(rng) < c.rated) ex.indices.push_back(static_cast<int32_t>(i));
    }
    ex.indptr.push_back(static_cast<int64_t>(ex.indices.size()));
  }
  ScoringProblem p;
  p.user_vectors = uv.data();
  p.users = c.users;
  p.item_vectors = iv.data();
  p.items = c.items;
  p.dim = c.dim;
  p.exclude = &ex;
  p.item_allowed = allowed.data();
  p.user_active = active.data();
  p.n = c.n;
  const TopNLists g = ScoreTopN(gpu, p);
  const TopNLists r = ScoreTopN(cpu, p);
  ASSERT_EQ(g.counts, r.counts);
  int64_t same = 0, total = 0;
  for (int64_t u = 0; u < c.users; ++u) {
    for (int k = 0; k < c.n; ++k) {
      const size_t at = static_cast<size_t>(u) * c.n + k;
      if (k >= g.counts[u]) {
        EXPECT_EQ(g.items[at], -1);
        EXPECT_TRUE(std::isnan(g.scores[at]));
        continue;
      }
      ++total;
      same += g.items[at] == r.items[at];
      const int32_t item = g.items[at];
      ASSERT_GE(item, 0);
      EXPECT_TRUE(allowed[static_cast<size_t>(item)]);
      EXPECT_FALSE(std::binary_search(ex.indices.begin() + ex.indptr[u],
                                      ex.indices.begin() + ex.indptr[u + 1], item));
      EXPECT_FALSE(std::isnan(g.scores[at]));
      if (k > 0) {
        EXPECT_GE(g.scores[at - 1], g.scores[at]);
      }
      EXPECT_NEAR(g.scores[at], r.scores[at], 1e-4 * std::max(1.f, std::abs(r.scores[at])));
    }
  }
  EXPECT_GE(static_cast<double>(same), 0.99 * static_cast<double>(total));
}

TEST_P(OnDevice, TopNMatchesTheCpuScorer) {
  for (const TopNCase& c : std::vector<TopNCase>{{300, 500, 16, 10, 0.1},
                                                 {257, 1000, 64, 1, 0.05},
                                                 {100, 40, 8, 50, 0.3},   // fewer candidates than n
                                                 {64, 3000, 32, 300, 0.02},  // n beyond 256
                                                 {50, 200, 0, 7, 0.1},    // dim 0: all scores 0
                                                 {3000, 70000, 24, 20, 0.001}}) {  // many item tiles
    SCOPED_TRACE(std::to_string(c.users) + "x" + std::to_string(c.items) + " dim " +
                 std::to_string(c.dim) + " n " + std::to_string(c.n));
    ExpectSameTopN(gpu_, cpu_, c, static_cast<uint64_t>(c.users * 7 + c.items));
  }
}

TEST_P(OnDevice, TopNOfTrainedModelsMatchesTheCpu) {
  const LowRankData d = MakeLowRank(26, 900, 700, 0.06, 0.3);
  ModelsConfig cfg;
  cfg.ials.factors = 48;
  cfg.ials.iterations = 3;
  FactorModel m;
  Logs(cpu_, "ials", cfg, d, m);
  const ScoringVectors v = FactorScoringVectors(m);
  ScoringProblem p;
  p.user_vectors = v.user.data();
  p.users = v.users;
  p.item_vectors = v.item.data();
  p.items = v.items;
  p.dim = v.dim;
  p.exclude = &d.train;
  p.n = 10;
  const TopNLists g = ScoreTopN(gpu_, p), c = ScoreTopN(cpu_, p);
  int64_t same = 0;
  for (size_t i = 0; i < g.items.size(); ++i) same += g.items[i] == c.items[i];
  EXPECT_GE(static_cast<double>(same), 0.99 * static_cast<double>(g.items.size()));
}

// The same promises checked on every device, CPU included: one body per behaviour.
class EveryDevice : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() != "cpu") {
      if (!cuda::BuiltWithCuda()) GTEST_SKIP() << "built without CUDA (MOVIEREC_CUDA=OFF)";
      if (cuda::DeviceCount() == 0) GTEST_SKIP() << "no CUDA device: " << cuda::NoDeviceReason();
    }
    ctx_ = ResolveContext(GetParam(), 2);
  }
  Context ctx_;
};

TEST_P(EveryDevice, FactorModelsRecoverLowRankData) {
  const LowRankData d = MakeLowRank(14, 500, 300, 0.1, 0.1);
  ModelsConfig cfg;
  cfg.als.factors = 5;
  cfg.als.iterations = 15;
  cfg.als.regularization = 0.02;
  FactorModel als;
  const auto la = Logs(ctx_, "als", cfg, d, als);
  EXPECT_LT(la.back().train_rmse, 1.5 * d.noise);
  EXPECT_LT(Rmse(als, d.test), 3 * d.noise);
  for (size_t i = 1; i < la.size(); ++i) EXPECT_LE(la[i].loss, la[i - 1].loss * (1 + 1e-6));

  cfg.svd.factors = 5;
  cfg.svd.epochs = 40;
  cfg.svd.lr = 0.05;
  cfg.svd.reg = 0.05;
  FactorModel svd;
  const auto ls = Logs(ctx_, "svd", cfg, d, svd);
  EXPECT_LT(ls.back().loss, 0.5 * ls.front().loss);
  EXPECT_LT(Rmse(svd, d.test), 0.5);

  cfg.ials.factors = 16;
  cfg.ials.iterations = 6;
  FactorModel ials;
  const auto li = Logs(ctx_, "ials", cfg, d, ials);
  EXPECT_LT(li.back().loss, li.front().loss);
  EXPECT_EQ(ials.user_factors.size(), static_cast<size_t>(d.train.rows) * 16);
}

TEST_P(EveryDevice, TopNListsKeepTheirPromises) {
  // 40 users x 60 items, dim 3; user u rated items u..u+9 (mod 60); items 50..59 disallowed.
  const int64_t users = 40, items = 60;
  std::vector<float> uv(static_cast<size_t>(users) * 3), iv(static_cast<size_t>(items) * 3);
  for (size_t i = 0; i < uv.size(); ++i) uv[i] = static_cast<float>((i * 7) % 5) - 2.f;
  for (size_t i = 0; i < iv.size(); ++i) iv[i] = static_cast<float>((i * 3) % 7) - 3.f;
  RatingMatrix ex;
  ex.rows = users;
  ex.cols = items;
  ex.indptr.push_back(0);
  for (int64_t u = 0; u < users; ++u) {
    std::vector<int32_t> row;
    for (int64_t j = 0; j < 10; ++j) row.push_back(static_cast<int32_t>((u + j) % items));
    std::sort(row.begin(), row.end());
    ex.indices.insert(ex.indices.end(), row.begin(), row.end());
    ex.indptr.push_back(static_cast<int64_t>(ex.indices.size()));
  }
  std::vector<uint8_t> allowed(static_cast<size_t>(items), 1);
  for (int64_t i = 50; i < items; ++i) allowed[static_cast<size_t>(i)] = 0;
  for (int n : {1, 7, 45}) {
    ScoringProblem p;
    p.user_vectors = uv.data();
    p.users = users;
    p.item_vectors = iv.data();
    p.items = items;
    p.dim = 3;
    p.exclude = &ex;
    p.item_allowed = allowed.data();
    p.n = n;
    const TopNLists l = ScoreTopN(ctx_, p);
    for (int64_t u = 0; u < users; ++u) {
      // Candidates: 50 allowed items minus the rated ones among them.
      int64_t rated_allowed = 0;
      for (int64_t e = ex.indptr[u]; e < ex.indptr[u + 1]; ++e) rated_allowed += ex.indices[e] < 50;
      EXPECT_EQ(l.counts[u], std::min<int64_t>(n, 50 - rated_allowed)) << "user " << u;
      for (int r = 0; r < l.counts[u]; ++r) {
        const size_t at = static_cast<size_t>(u) * n + r;
        const int32_t item = l.items[at];
        EXPECT_LT(item, 50);
        EXPECT_FALSE(std::binary_search(ex.indices.begin() + ex.indptr[u],
                                        ex.indices.begin() + ex.indptr[u + 1], item));
        float s = 0;
        for (int f = 0; f < 3; ++f) s += uv[u * 3 + f] * iv[item * 3 + f];
        EXPECT_EQ(l.scores[at], s);  // small integers: exact on every device
        if (r > 0) {
          // Best first; equal scores by the lower item index.
          EXPECT_TRUE(l.scores[at - 1] > s || (l.scores[at - 1] == s && l.items[at - 1] < item));
        }
      }
    }
  }
}

std::string DeviceName(const ::testing::TestParamInfo<std::string>& param) {
  std::string name = param.param;
  for (char& ch : name) {
    if (ch == ':') ch = '_';
  }
  return name;
}

std::vector<std::string> CpuAndDevices() {
  std::vector<std::string> out = {"cpu"};
  for (const std::string& d : Devices()) out.push_back(d);
  return out;
}

INSTANTIATE_TEST_SUITE_P(Devices, OnDevice, ::testing::ValuesIn(Devices()), DeviceName);
INSTANTIATE_TEST_SUITE_P(Devices, EveryDevice, ::testing::ValuesIn(CpuAndDevices()), DeviceName);

}  // namespace
}  // namespace movierec
