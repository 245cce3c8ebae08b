// host/cpu_svd: the Surprise-semantics SVD trainer on the CPU (hand-computed epoch, determinism
// across thread counts, recovery of generated low-rank data, the unbiased variant, fold-in).
#include <gtest/gtest.h>

#include "factor_fixtures.h"
#include "isa_scope.h"

#include <cmath>
#include <random>
#include <vector>

#include "common/error.h"
#include "host/cpu_svd.h"

namespace movierec {
namespace {

using testing::BuildCsr;
using testing::Cpu;
using testing::LowRankData;
using testing::Rmse;
using testing::Triplet;

// 500 users x 300 items by default, noise σ = 0.5, 10 % of cells observed (factor_fixtures.h).
LowRankData MakeLowRank(uint64_t seed, int users = 500, int items = 300, double density = 0.1) {
  return testing::MakeLowRank(seed, users, items, density, /*noise=*/0.5);
}

double GlobalMeanRmse(const RatingMatrix& train, const std::vector<Triplet>& test) {
  double mu = 0;
  for (float v : train.values) mu += v;
  mu /= static_cast<double>(train.nnz());
  double s = 0;
  for (const Triplet& t : test) s += (t.r - mu) * (t.r - mu);
  return std::sqrt(s / static_cast<double>(test.size()));
}

// Surprise's defaults (lr 0.005, reg 0.02, 100 factors) barely move the factors in 20 epochs on
// 12k ratings (test rmse ~0.90); the true rank and a larger step reach ~0.66 in 20 epochs. (Run
// for 200 epochs, SGD gets to ~0.63: what 24 ratings per user allow against the 0.5 noise.)
SvdParams TestParams(const std::string& schedule) {
  SvdParams p;  // init N(0, 0.1²) as Surprise
  p.factors = 5;
  p.epochs = 20;
  p.lr = 0.1;
  p.reg = 0.1;
  p.schedule = schedule;
  return p;
}

FactorModel TrainOn(const LowRankData& d, const SvdParams& p, int threads, uint64_t seed = 42,
                    std::vector<IterationLog>* logs = nullptr) {
  TrainOptions opt;
  opt.seed = seed;
  opt.progress = false;
  if (logs) opt.on_iteration = [logs](const IterationLog& l) { logs->push_back(l); };
  return MakeCpuSvdTrainer(Cpu(threads), p)->Train(d.train, d.train_csc, opt);
}

TEST(CpuSvd, OneEpochOnTwoRatingsEqualsTheHandComputedUpdate) {
  // One user, two items, ratings 4 and 2 (μ = 3), all factors start at 0.1 (init_std 0),
  // k = 2, lr 0.005, reg 0.02. Item 0 first (CSR order):
  //   err = 4 - (3 + 0.02) = 0.98;  bu = bi0 = 0.005·0.98 = 0.0049;
  //   pu_f = qi0_f = 0.1 + 0.005 (0.98·0.1 - 0.02·0.1) = 0.10048.
  // Item 1: dot = 2·0.10048·0.1 = 0.020096, err = 2 - (3 + 0.0049 + 0.020096) = -1.024996;
  //   bu  = 0.0049 + 0.005 (-1.024996 - 0.02·0.0049) = -0.00022547;  bi1 = -0.00512498;
  //   pu_f = 0.10048 + 0.005 (-1.024996·0.1 - 0.02·0.10048) = 0.099957454;
  //   qi1_f = 0.1 + 0.005 (-1.024996·0.10048 - 0.02·0.1) = 0.0994750420096 (old pu_f).
  const RatingMatrix csr = BuildCsr(1, 2, {{0, 0, 4.f}, {0, 1, 2.f}});
  const CscMatrix csc = ToCsc(csr);
  for (const char* schedule : {"serial", "blocks"}) {
    SCOPED_TRACE(schedule);
    SvdParams p;
    p.factors = 2;
    p.epochs = 1;
    p.init_mean = 0.1;
    p.init_std = 0.0;
    p.schedule = schedule;
    std::vector<IterationLog> logs;
    TrainOptions opt;
    opt.progress = false;
    opt.on_iteration = [&](const IterationLog& l) { logs.push_back(l); };
    const FactorModel m = MakeCpuSvdTrainer(Cpu(2), p)->Train(csr, csc, opt);
    EXPECT_EQ(m.algorithm, "svd");
    EXPECT_FLOAT_EQ(m.global_mean, 3.f);
    ASSERT_EQ(m.user_bias.size(), 1u);
    ASSERT_EQ(m.item_bias.size(), 2u);
    const float tol = 1e-7f;
    EXPECT_NEAR(m.user_bias[0], -0.00022547f, tol);
    EXPECT_NEAR(m.item_bias[0], 0.0049f, tol);
    EXPECT_NEAR(m.item_bias[1], -0.00512498f, tol);
    for (int f = 0; f < 2; ++f) {
      EXPECT_NEAR(m.user_factors[f], 0.099957454f, tol);
      EXPECT_NEAR(m.item_factors[0 * 2 + f], 0.10048f, tol);
      EXPECT_NEAR(m.item_factors[1 * 2 + f], 0.0994750420096f, tol);
    }
    EXPECT_EQ(m.user_ids, csr.row_ids);
    EXPECT_EQ(m.item_ids, csr.col_ids);
    // loss = Σ err² + reg (2 (bu² + ‖pu‖²) + (bi0² + ‖qi0‖²) + (bi1² + ‖qi1‖²)) at epoch end.
    ASSERT_EQ(logs.size(), 1u);
    EXPECT_EQ(logs[0].iteration, 1);
    EXPECT_NEAR(logs[0].loss, 2.012616787541995, 1e-6);
    EXPECT_NEAR(logs[0].train_rmse, 1.0027504176054978, 1e-6);
  }
}

TEST(CpuSvd, BlocksAreBitIdenticalForEveryThreadCount) {
  // 120k ratings: a 6x6 grid (sqrt(96k train / 2048)), so 6 blocks run at once per sub-epoch.
  const LowRankData d = MakeLowRank(7, 2000, 1000, 0.06);
  SvdParams p = TestParams("blocks");
  p.epochs = 3;
  for (bool biased : {true, false}) {
    SCOPED_TRACE(biased);
    p.biased = biased;
    const FactorModel one = TrainOn(d, p, 1);
    for (int threads : {2, 3}) {
      const FactorModel many = TrainOn(d, p, threads);
      EXPECT_EQ(one.user_factors, many.user_factors) << threads << " threads";
      EXPECT_EQ(one.item_factors, many.item_factors) << threads << " threads";
      EXPECT_EQ(one.user_bias, many.user_bias) << threads << " threads";
      EXPECT_EQ(one.item_bias, many.item_bias) << threads << " threads";
    }
  }
}

TEST(CpuSvd, EveryInstructionSetAgreesWithTheBaseline) {
  // The sweeps are compiled per instruction set; 37 factors leave a tail after kernels::Dot's
  // 8 lanes and after every vector width. FMA contraction changes the last bits only.
  const LowRankData d = MakeLowRank(9, 600, 400, 0.08);
  for (const char* schedule : {"serial", "blocks"}) {
    for (bool biased : {true, false}) {
      SCOPED_TRACE(std::string(schedule) + (biased ? " biased" : " unbiased"));
      SvdParams p = TestParams(schedule);
      p.factors = 37;
      p.epochs = 3;
      p.lr = 0.02;
      p.biased = biased;
      FactorModel reference;
      {
        const testing::IsaScope scope(testing::Isa::kBaseline);
        reference = TrainOn(d, p, 2);
      }
      for (testing::Isa isa : testing::CpuIsas()) {
        const testing::IsaScope scope(isa);
        SCOPED_TRACE(cpu_factor::simd::IsaName(isa));
        const FactorModel m = TrainOn(d, p, 2);
        ASSERT_EQ(m.user_factors.size(), reference.user_factors.size());
        ASSERT_EQ(m.item_factors.size(), reference.item_factors.size());
        for (size_t j = 0; j < m.user_factors.size(); ++j) {
          ASSERT_NEAR(m.user_factors[j], reference.user_factors[j], 1e-5) << j;
        }
        for (size_t j = 0; j < m.item_factors.size(); ++j) {
          ASSERT_NEAR(m.item_factors[j], reference.item_factors[j], 1e-5) << j;
        }
        ASSERT_EQ(m.user_bias.size(), reference.user_bias.size());
        for (size_t j = 0; j < m.user_bias.size(); ++j) {
          ASSERT_NEAR(m.user_bias[j], reference.user_bias[j], 1e-5) << j;
        }
      }
    }
  }
}

TEST(CpuSvd, TheSeedDecidesTheModel) {
  const LowRankData d = MakeLowRank(8);
  for (const char* schedule : {"serial", "blocks"}) {
    SCOPED_TRACE(schedule);
    SvdParams p = TestParams(schedule);
    p.epochs = 2;
    const FactorModel a = TrainOn(d, p, 2, 5);
    EXPECT_EQ(a.user_factors, TrainOn(d, p, 2, 5).user_factors);
    EXPECT_NE(a.user_factors, TrainOn(d, p, 2, 6).user_factors);
  }
}

TEST(CpuSvd, RecoversLowRankDataNearTheNoiseFloor) {
  const LowRankData d = MakeLowRank(1);
  const double baseline = GlobalMeanRmse(d.train, d.test);
  for (const char* schedule : {"serial", "blocks"}) {
    SCOPED_TRACE(schedule);
    std::vector<IterationLog> logs;
    const FactorModel m = TrainOn(d, TestParams(schedule), 2, 42, &logs);
    const double rmse = Rmse(m, d.test);
    std::printf("[%s] global-mean baseline %.4f, test rmse %.4f, noise floor %.2f\n", schedule,
                baseline, rmse, d.noise);
    EXPECT_GT(baseline, 0.9);
    EXPECT_LT(rmse, 0.75 * baseline);
    EXPECT_LT(rmse, 1.4 * d.noise);
    ASSERT_EQ(logs.size(), 20u);
    for (size_t e = 0; e < logs.size(); ++e) EXPECT_EQ(logs[e].iteration, static_cast<int>(e) + 1);
    // At this step size the last epochs wobble, so only the overall descent is checked.
    EXPECT_LT(logs.back().train_rmse, 0.7 * logs.front().train_rmse);
    EXPECT_LT(logs.back().loss, 0.7 * logs.front().loss);
  }
}

TEST(CpuSvd, SerialAndBlocksReachTheSameRmse) {
  const LowRankData d = MakeLowRank(2);
  const double serial = Rmse(TrainOn(d, TestParams("serial"), 1), d.test);
  const double blocks = Rmse(TrainOn(d, TestParams("blocks"), 2), d.test);
  EXPECT_NEAR(blocks / serial, 1.0, 0.04) << "serial " << serial << ", blocks " << blocks;
}

TEST(CpuSvd, UnbiasedModelHasNoBiasesAndStillLearns) {
  const LowRankData d = MakeLowRank(3);
  const double baseline = GlobalMeanRmse(d.train, d.test);
  for (const char* schedule : {"serial", "blocks"}) {
    SCOPED_TRACE(schedule);
    SvdParams p = TestParams(schedule);
    p.biased = false;
    const FactorModel m = TrainOn(d, p, 2);
    EXPECT_TRUE(m.user_bias.empty());
    EXPECT_TRUE(m.item_bias.empty());
    EXPECT_EQ(m.global_mean, 0.f);
    const double rmse = Rmse(m, d.test);
    std::printf("[%s, unbiased] global-mean baseline %.4f, test rmse %.4f\n", schedule, baseline,
                rmse);
    EXPECT_LT(rmse, 0.95 * baseline);
  }
}

TEST(CpuSvd, EmptyRowsAndColumnsEndWithZeroFactors) {
  // User 1 and item 2 have no ratings: they predict like Surprise's unknown user / item.
  const RatingMatrix csr = BuildCsr(3, 3, {{0, 0, 4.f}, {0, 1, 3.f}, {2, 1, 5.f}, {2, 0, 1.f}});
  const CscMatrix csc = ToCsc(csr);
  SvdParams p;
  p.factors = 4;
  p.epochs = 3;
  for (const char* schedule : {"serial", "blocks"}) {
    SvdParams ps = p;
    ps.schedule = schedule;
    TrainOptions opt;
    opt.progress = false;
    const FactorModel m = MakeCpuSvdTrainer(Cpu(2), ps)->Train(csr, csc, opt);
    for (int f = 0; f < 4; ++f) {
      EXPECT_EQ(m.UserRow(1)[f], 0.f);
      EXPECT_EQ(m.ItemRow(2)[f], 0.f);
      EXPECT_NE(m.UserRow(0)[f], 0.f);
    }
    EXPECT_EQ(m.user_bias[1], 0.f);
    EXPECT_EQ(m.item_bias[2], 0.f);
    EXPECT_FLOAT_EQ(m.Predict(1, 0), m.global_mean + m.item_bias[0]);
  }
}

TEST(CpuSvd, FoldInSolvesTheUsersRidgeProblem) {
  const LowRankData d = MakeLowRank(4);
  const SvdParams p = TestParams("blocks");
  auto trainer = MakeCpuSvdTrainer(Cpu(2), p);
  TrainOptions opt;
  opt.progress = false;
  const FactorModel m = trainer->Train(d.train, d.train_csc, opt);
  const int k = m.factors;
  for (int u : {0, 17, 250}) {
    SCOPED_TRACE(u);
    const int64_t b = d.train.indptr[u], n = d.train.indptr[u + 1] - b;
    ASSERT_GT(n, 5);
    const int32_t* items = d.train.indices.data() + b;
    const float* ratings = d.train.values.data() + b;
    const SvdFoldIn fi = FoldInSvdUser(m, p.reg, items, ratings, n);
    EXPECT_EQ(trainer->FoldInUser(m, items, ratings, n), fi.factors);
    // Stationarity: Σ_j e_j qi_j = reg n pu and Σ_j e_j = reg n bu, with e_j the residual.
    std::vector<double> grad(k + 1, 0.0);
    for (int64_t j = 0; j < n; ++j) {
      const float* q = m.ItemRow(items[j]);
      double est = m.global_mean + m.item_bias[items[j]] + fi.bias;
      for (int f = 0; f < k; ++f) est += static_cast<double>(fi.factors[f]) * q[f];
      const double e = ratings[j] - est;
      for (int f = 0; f < k; ++f) grad[f] += e * q[f];
      grad[k] += e;
    }
    const double lambda = p.reg * static_cast<double>(n);
    for (int f = 0; f < k; ++f) EXPECT_NEAR(grad[f], lambda * fi.factors[f], 1e-4) << f;
    EXPECT_NEAR(grad[k], lambda * fi.bias, 1e-4);
  }
  // Folded-in users predict their held-out ratings about as well as trained ones.
  std::vector<float> user_factors = m.user_factors, user_bias = m.user_bias;
  FactorModel folded = m;
  for (int u = 0; u < m.users; ++u) {
    const int64_t b = d.train.indptr[u], n = d.train.indptr[u + 1] - b;
    const SvdFoldIn fi =
        FoldInSvdUser(m, p.reg, d.train.indices.data() + b, d.train.values.data() + b, n);
    std::copy(fi.factors.begin(), fi.factors.end(), folded.user_factors.begin() + u * k);
    folded.user_bias[u] = fi.bias;
  }
  const double trained = Rmse(m, d.test), refit = Rmse(folded, d.test);
  std::printf("test rmse: trained users %.4f, folded-in users %.4f\n", trained, refit);
  EXPECT_LT(refit, 1.1 * trained);
  // No ratings: zeros.
  const SvdFoldIn none = FoldInSvdUser(m, p.reg, nullptr, nullptr, 0);
  EXPECT_EQ(none.factors, std::vector<float>(k, 0.f));
  EXPECT_EQ(none.bias, 0.f);
  const int32_t bad_item = 300;
  const float rating = 3.f;
  EXPECT_THROW(FoldInSvdUser(m, p.reg, &bad_item, &rating, 1), Error);
}

TEST(CpuSvd, RejectsUnusableParamsAndMatrices) {
  SvdParams p;
  p.schedule = "hogwild";
  EXPECT_THROW(MakeCpuSvdTrainer(Cpu(1), p), UsageError);
  p = SvdParams{};
  p.factors = 0;
  EXPECT_THROW(MakeCpuSvdTrainer(Cpu(1), p), UsageError);
  p = SvdParams{};
  p.lr = 0;
  EXPECT_THROW(MakeCpuSvdTrainer(Cpu(1), p), UsageError);

  auto trainer = MakeCpuSvdTrainer(Cpu(1), SvdParams{});
  TrainOptions opt;
  opt.progress = false;
  const RatingMatrix empty = BuildCsr(2, 2, {});
  EXPECT_THROW(trainer->Train(empty, ToCsc(empty), opt), Error);
  const RatingMatrix csr = BuildCsr(2, 2, {{0, 0, 4.f}, {1, 1, 2.f}});
  const RatingMatrix other = BuildCsr(2, 3, {{0, 0, 4.f}, {1, 1, 2.f}});
  EXPECT_THROW(trainer->Train(csr, ToCsc(other), opt), Error);
  RatingMatrix nan = csr;
  nan.values[1] = std::nanf("");
  EXPECT_THROW(trainer->Train(nan, ToCsc(csr), opt), Error);
}

TEST(CpuSvd, DivergenceIsAnError) {
  const LowRankData d = MakeLowRank(5);
  SvdParams p = TestParams("serial");
  p.lr = 5.0;
  EXPECT_THROW(TrainOn(d, p, 1), Error);
}

}  // namespace
}  // namespace movierec
