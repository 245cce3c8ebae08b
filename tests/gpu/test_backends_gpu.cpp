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
  // A row longer than the matrix allows (broken CSR): the shared checks refuse it before the GPU.
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

INSTANTIATE_TEST_SUITE_P(Devices, OnDevice, ::testing::ValuesIn(Devices()),
                         [](const ::testing::TestParamInfo<std::string>& param) {
                           std::string name = param.param;
                           for (char& ch : name) {
                             if (ch == ':') ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace movierec
