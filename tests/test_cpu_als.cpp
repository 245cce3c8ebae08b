// host/cpu_als: explicit ALS-WR with biases on the CPU — one half-step against the closed-form
// solution, monotone loss, determinism across thread counts, recovery of generated low-rank data,
// fold-in as one user half-step — and the shared CPU helpers it rests on (the blocked Cholesky
// against kernels/cholesky.h, the Gram kernel, the seeded initialisation).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "factor_fixtures.h"
#include "isa_scope.h"
#include "host/cpu_als.h"
#include "host/cpu_factor_common.h"
#include "host/cpu_factor_simd.h"
#include "kernels/cholesky.h"

// CholeskySolveBlocked's wide vector types are instantiated here for the baseline instruction
// set; they never cross a call boundary (see cpu_factor_simd.h).
#pragma GCC diagnostic ignored "-Wpsabi"

namespace movierec {
namespace {

using testing::BuildCsr;
using testing::Cpu;
using testing::CpuIsas;
using testing::Isa;
using testing::IsaScope;
using testing::LowRankData;
using testing::Triplet;

LowRankData MakeLowRank(uint64_t seed, int users = 300, int items = 200, double density = 0.2) {
  return testing::MakeLowRank(seed, users, items, density, /*noise=*/0.1);
}
double TestRmse(const FactorModel& m, const std::vector<Triplet>& test) {
  return testing::Rmse(m, test);
}





// Solves the dense n × n system a x = b (row-major, full) by Gaussian elimination with partial
// pivoting, in double.
std::vector<double> SolveDense(std::vector<double> a, std::vector<double> b) {
  const int n = static_cast<int>(b.size());
  for (int c = 0; c < n; ++c) {
    int piv = c;
    for (int r = c + 1; r < n; ++r) {
      if (std::abs(a[r * n + c]) > std::abs(a[piv * n + c])) piv = r;
    }
    for (int j = 0; j < n; ++j) std::swap(a[c * n + j], a[piv * n + j]);
    std::swap(b[c], b[piv]);
    for (int r = c + 1; r < n; ++r) {
      const double f = a[r * n + c] / a[c * n + c];
      for (int j = c; j < n; ++j) a[r * n + j] -= f * a[c * n + j];
      b[r] -= f * b[c];
    }
  }
  std::vector<double> x(n);
  for (int r = n - 1; r >= 0; --r) {
    double s = b[r];
    for (int j = r + 1; j < n; ++j) s -= a[r * n + j] * x[j];
    x[r] = s / a[r * n + r];
  }
  return x;
}

// The closed-form half-step of cpu_als.h for one row: unknowns z = [x, b] (or x), features
// f_j = [y_j, 1] (or y_j), targets t_j = r_j − μ − b_other_j, (Σ f fᵀ + λ n I) z = Σ t f.
std::vector<double> ClosedFormRow(const std::vector<std::vector<double>>& features,
                                  const std::vector<double>& targets, double lambda, bool biases) {
  const int k = static_cast<int>(features.empty() ? 0 : features[0].size());
  const int q = biases ? k + 1 : k;
  const double n = static_cast<double>(targets.size());
  std::vector<double> a(static_cast<size_t>(q) * q, 0.0), b(q, 0.0);
  for (size_t j = 0; j < targets.size(); ++j) {
    std::vector<double> f = features[j];
    if (biases) f.push_back(1.0);
    for (int r = 0; r < q; ++r) {
      for (int c = 0; c < q; ++c) a[r * q + c] += f[r] * f[c];
      b[r] += targets[j] * f[r];
    }
  }
  for (int r = 0; r < q; ++r) a[r * q + r] += lambda * n;
  return SolveDense(a, b);
}

// The 3 × 3 hand-sized problem: 7 of 9 ratings.
RatingMatrix Tiny() {
  return BuildCsr(
      3, 3,
      {{0, 0, 5.f}, {0, 1, 3.f}, {0, 2, 1.f}, {1, 0, 4.f}, {1, 2, 2.f}, {2, 1, 4.f}, {2, 2, 5.f}});
}

TEST(CpuAls, ItemHalfStepAndFoldInEqualTheClosedForm) {
  for (const auto& [isa, biases] :
       {std::pair{Isa::kBaseline, true}, std::pair{Isa::kAvx2, true}, std::pair{Isa::kAvx512, true},
        std::pair{Isa::kAvx512, false}, std::pair{Isa::kBaseline, false}}) {
    if (isa > cpu_factor::simd::DetectedIsa()) continue;
    const IsaScope scope(isa);
    SCOPED_TRACE(std::string(cpu_factor::simd::IsaName(isa)) +
                 (biases ? " with biases" : " without biases"));
    const RatingMatrix csr = Tiny();
    const CscMatrix csc = ToCsc(csr);
    AlsParams params;
    params.factors = 2;
    params.iterations = 1;
    params.regularization = 0.1;
    params.biases = biases;
    params.init_std = 0.5;
    auto trainer = MakeCpuAlsTrainer(Cpu(1), params);
    const FactorModel m = trainer->Train(csr, csc, {});
    ASSERT_EQ(m.factors, 2);
    ASSERT_EQ(m.user_factors.size(), 6u);
    ASSERT_EQ(m.item_bias.size(), biases ? 3u : 0u);
    const double mu = (5 + 3 + 1 + 4 + 2 + 4 + 5) / 7.0;
    EXPECT_NEAR(m.global_mean, mu, 1e-6);

    // Items were solved last, against the trained users: check every item.
    for (int i = 0; i < 3; ++i) {
      std::vector<std::vector<double>> f;
      std::vector<double> t;
      for (int64_t e = csc.indptr[i]; e < csc.indptr[i + 1]; ++e) {
        const int u = csc.indices[e];
        f.push_back({m.UserRow(u)[0], m.UserRow(u)[1]});
        t.push_back(csc.values[e] - mu - (biases ? m.user_bias[u] : 0.0));
      }
      const std::vector<double> z = ClosedFormRow(f, t, params.regularization, biases);
      EXPECT_NEAR(m.ItemRow(i)[0], z[0], 1e-5) << "item " << i;
      EXPECT_NEAR(m.ItemRow(i)[1], z[1], 1e-5) << "item " << i;
      if (biases) {
        EXPECT_NEAR(m.item_bias[i], z[2], 1e-5) << "item " << i;
      }
    }
    // Fold-in: the user half-step against the model's items.
    for (int u = 0; u < 3; ++u) {
      std::vector<std::vector<double>> f;
      std::vector<double> t;
      for (int64_t e = csr.indptr[u]; e < csr.indptr[u + 1]; ++e) {
        const int i = csr.indices[e];
        f.push_back({m.ItemRow(i)[0], m.ItemRow(i)[1]});
        t.push_back(csr.values[e] - mu - (biases ? m.item_bias[i] : 0.0));
      }
      const std::vector<double> z = ClosedFormRow(f, t, params.regularization, biases);
      const int64_t b = csr.indptr[u], n = csr.indptr[u + 1] - b;
      const std::vector<float> x =
          trainer->FoldInUser(m, csr.indices.data() + b, csr.values.data() + b, n);
      ASSERT_EQ(x.size(), 2u);
      EXPECT_NEAR(x[0], z[0], 1e-5) << "user " << u;
      EXPECT_NEAR(x[1], z[1], 1e-5) << "user " << u;
    }
  }
}



TEST(CpuAls, LossNeverIncreases) {
  const LowRankData d = MakeLowRank(11, 120, 90, 0.25);
  for (bool biases : {true, false}) {
    AlsParams params;
    params.factors = 6;
    params.iterations = 12;
    params.biases = biases;
    std::vector<IterationLog> logs;
    TrainOptions options;
    options.on_iteration = [&](const IterationLog& l) { logs.push_back(l); };
    MakeCpuAlsTrainer(Cpu(2), params)->Train(d.train, d.train_csc, options);
    ASSERT_EQ(logs.size(), 12u);
    for (size_t it = 1; it < logs.size(); ++it) {
      EXPECT_EQ(logs[it].iteration, static_cast<int>(it) + 1);
      EXPECT_LE(logs[it].loss, logs[it - 1].loss * (1 + 1e-6)) << "iteration " << it + 1;
      EXPECT_GE(logs[it].seconds, 0.0);
    }
    EXPECT_LT(logs.back().loss, logs.front().loss);
  }
}

void CheckLossAndRmse() {
  const LowRankData d = MakeLowRank(12, 80, 60, 0.3);
  AlsParams params;
  params.factors = 4;
  params.iterations = 3;
  params.regularization = 0.07;
  IterationLog last;
  TrainOptions options;
  options.on_iteration = [&](const IterationLog& l) { last = l; };
  const FactorModel m = MakeCpuAlsTrainer(Cpu(1), params)->Train(d.train, d.train_csc, options);
  double sse = 0.0, penalty = 0.0;
  for (int u = 0; u < d.train.rows; ++u) {
    const int64_t n = d.train.indptr[u + 1] - d.train.indptr[u];
    double norm = m.user_bias[u] * m.user_bias[u];
    for (int f = 0; f < m.factors; ++f) norm += m.UserRow(u)[f] * m.UserRow(u)[f];
    penalty += n * norm;
    for (int64_t e = d.train.indptr[u]; e < d.train.indptr[u + 1]; ++e) {
      const double err = d.train.values[e] - m.Predict(u, d.train.indices[e]);
      sse += err * err;
    }
  }
  for (int i = 0; i < d.train.cols; ++i) {
    const int64_t n = d.train_csc.indptr[i + 1] - d.train_csc.indptr[i];
    double norm = m.item_bias[i] * m.item_bias[i];
    for (int f = 0; f < m.factors; ++f) norm += m.ItemRow(i)[f] * m.ItemRow(i)[f];
    penalty += n * norm;
  }
  EXPECT_NEAR(last.loss, sse + params.regularization * penalty, 1e-4 * last.loss);
  EXPECT_NEAR(last.train_rmse, std::sqrt(sse / d.train.nnz()), 1e-5);
}

TEST(CpuAls, LossAndRmseMatchTheModel) {
  for (Isa isa : CpuIsas()) {
    SCOPED_TRACE(cpu_factor::simd::IsaName(isa));
    const IsaScope scope(isa);
    CheckLossAndRmse();
  }
}

TEST(CpuAls, BitwiseIdenticalForOneAndTwoThreads) {
  const LowRankData d = MakeLowRank(13, 400, 250, 0.1);
  for (Isa isa : CpuIsas()) {
    SCOPED_TRACE(cpu_factor::simd::IsaName(isa));
    const IsaScope scope(isa);
    AlsParams params;
    params.factors = 20;  // padded to 32
    params.iterations = 3;
    TrainOptions options;
    options.seed = 99;
    std::vector<double> losses;
    options.on_iteration = [&](const IterationLog& l) { losses.push_back(l.loss); };
    const FactorModel a = MakeCpuAlsTrainer(Cpu(1), params)->Train(d.train, d.train_csc, options);
    const FactorModel b = MakeCpuAlsTrainer(Cpu(2), params)->Train(d.train, d.train_csc, options);
    ASSERT_EQ(losses.size(), 6u);
    for (int it = 0; it < 3; ++it) EXPECT_EQ(losses[it], losses[it + 3]);
    EXPECT_EQ(a.user_factors, b.user_factors);
    EXPECT_EQ(a.item_factors, b.item_factors);
    EXPECT_EQ(a.user_bias, b.user_bias);
    EXPECT_EQ(a.item_bias, b.item_bias);
    options.seed = 100;
    const FactorModel c = MakeCpuAlsTrainer(Cpu(2), params)->Train(d.train, d.train_csc, options);
    EXPECT_NE(a.item_factors, c.item_factors);
  }
}

TEST(CpuAls, RecoversLowRankData) {
  const LowRankData d = MakeLowRank(14);
  AlsParams params;
  params.factors = 5;
  params.iterations = 15;
  params.regularization = 0.02;
  IterationLog last;
  TrainOptions options;
  options.on_iteration = [&](const IterationLog& l) { last = l; };
  const FactorModel m = MakeCpuAlsTrainer(Cpu(2), params)->Train(d.train, d.train_csc, options);
  EXPECT_EQ(m.algorithm, "als");
  EXPECT_EQ(m.user_ids, d.train.row_ids);
  EXPECT_EQ(m.item_ids, d.train.col_ids);

  // Item-mean baseline.
  std::vector<double> sum(d.train.cols, 0.0), cnt(d.train.cols, 0.0);
  for (int64_t e = 0; e < d.train.nnz(); ++e) {
    sum[d.train.indices[e]] += d.train.values[e];
    cnt[d.train.indices[e]] += 1;
  }
  double se = 0.0;
  for (const Triplet& t : d.test) {
    const double e = t.r - (cnt[t.i] > 0 ? sum[t.i] / cnt[t.i] : m.global_mean);
    se += e * e;
  }
  const double baseline = std::sqrt(se / d.test.size());
  const double test_rmse = TestRmse(m, d.test);
  EXPECT_LT(last.train_rmse, 1.5 * d.noise);
  EXPECT_LT(test_rmse, 0.4 * baseline) << "baseline " << baseline;
  EXPECT_LT(test_rmse, 3 * d.noise);
}

TEST(CpuAls, FoldInIsExactlyTheNextUserHalfStep) {
  const LowRankData d = MakeLowRank(15, 150, 100, 0.2);
  AlsParams params;
  params.factors = 7;  // padded to 16
  params.iterations = 4;
  const FactorModel m4 = MakeCpuAlsTrainer(Cpu(2), params)->Train(d.train, d.train_csc, {});
  params.iterations = 5;
  auto trainer = MakeCpuAlsTrainer(Cpu(2), params);
  const FactorModel m5 = trainer->Train(d.train, d.train_csc, {});
  for (int u = 0; u < d.train.rows; ++u) {
    const int64_t b = d.train.indptr[u], n = d.train.indptr[u + 1] - b;
    const std::vector<float> x =
        trainer->FoldInUser(m4, d.train.indices.data() + b, d.train.values.data() + b, n);
    ASSERT_EQ(x.size(), 7u);
    for (int f = 0; f < 7; ++f) ASSERT_EQ(x[f], m5.UserRow(u)[f]) << "user " << u;
  }
  // After convergence fold-in ≈ the trained row.
  params.iterations = 60;
  const FactorModel m60 = MakeCpuAlsTrainer(Cpu(2), params)->Train(d.train, d.train_csc, {});
  double worst = 0.0;
  for (int u = 0; u < d.train.rows; ++u) {
    const int64_t b = d.train.indptr[u], n = d.train.indptr[u + 1] - b;
    const std::vector<float> x =
        trainer->FoldInUser(m60, d.train.indices.data() + b, d.train.values.data() + b, n);
    double diff = 0.0, norm = 0.0;
    for (int f = 0; f < 7; ++f) {
      diff += std::pow(x[f] - m60.UserRow(u)[f], 2);
      norm += std::pow(m60.UserRow(u)[f], 2);
    }
    worst = std::max(worst, std::sqrt(diff / norm));
  }
  EXPECT_LT(worst, 0.01);
  const std::vector<float> none = trainer->FoldInUser(m4, nullptr, nullptr, 0);
  EXPECT_EQ(none, std::vector<float>(7, 0.f));
  const int32_t bad = 100;
  const float r = 3.f;
  EXPECT_THROW(trainer->FoldInUser(m4, &bad, &r, 1), Error);
}

TEST(CpuAls, RowsWithoutRatingsGetZeros) {
  // User 1 and item 2 have no ratings.
  const RatingMatrix csr =
      BuildCsr(3, 4, {{0, 0, 4.f}, {0, 1, 3.f}, {2, 0, 5.f}, {2, 3, 2.f}, {0, 3, 1.f}});
  const CscMatrix csc = ToCsc(csr);
  AlsParams params;
  params.factors = 3;
  params.iterations = 3;
  const FactorModel m = MakeCpuAlsTrainer(Cpu(2), params)->Train(csr, csc, {});
  for (int f = 0; f < 3; ++f) {
    EXPECT_EQ(m.UserRow(1)[f], 0.f);
    EXPECT_EQ(m.ItemRow(2)[f], 0.f);
  }
  EXPECT_EQ(m.user_bias[1], 0.f);
  EXPECT_EQ(m.item_bias[2], 0.f);
  EXPECT_NE(m.UserRow(0)[0], 0.f);
}

TEST(CpuAls, RejectsBadParametersAndInput) {
  AlsParams params;
  params.factors = 0;
  EXPECT_THROW(MakeCpuAlsTrainer(Cpu(1), params), UsageError);
  params.factors = 4;
  params.regularization = -1;
  EXPECT_THROW(MakeCpuAlsTrainer(Cpu(1), params), UsageError);
  params.regularization = 0.1;
  auto trainer = MakeCpuAlsTrainer(Cpu(1), params);
  const RatingMatrix csr = Tiny();
  CscMatrix csc = ToCsc(csr);
  csc.cols = 2;
  EXPECT_THROW(trainer->Train(csr, csc, {}), Error);
  RatingMatrix nan_csr = Tiny();
  nan_csr.values[2] = std::nanf("");
  EXPECT_THROW(trainer->Train(nan_csr, ToCsc(nan_csr), {}), Error);
  // Zero iterations: the seeded initialisation, shaped like the data.
  params.iterations = 0;
  const FactorModel m = MakeCpuAlsTrainer(Cpu(1), params)->Train(csr, ToCsc(csr), {});
  EXPECT_EQ(m.user_factors.size(), 12u);
  EXPECT_EQ(m.item_factors.size(), 12u);
}

// --- shared helpers (host/cpu_factor_common.h, host/cpu_factor_simd.h) ---

template <class VD>
void CheckBlockedCholesky() {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> n01(0.0, 1.0);
  for (int k : {1, 2, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 72}) {
    SCOPED_TRACE(k);
    const int ld = (k + 7) / 8 * 8;
    // A = Bᵀ B + 0.5 I with B (k + 3) × k.
    std::vector<double> bm((k + 3) * k);
    for (double& v : bm) v = n01(rng);
    std::vector<double> a(static_cast<size_t>(k) * k, 0.0), rhs(k);
    for (int r = 0; r < k; ++r) {
      for (int c = 0; c < k; ++c) {
        for (int j = 0; j < k + 3; ++j) a[r * k + c] += bm[j * k + r] * bm[j * k + c];
      }
      a[r * k + r] += 0.5;
      rhs[r] = n01(rng);
    }
    std::vector<double> ref_a = a, ref_b = rhs;
    ASSERT_TRUE(kernels::CholeskyFactorSolve<double>(ref_a.data(), k, ref_b.data()));
    // Lower triangle into the padded layout; upper triangle and padding hold junk.
    std::vector<double> pa(static_cast<size_t>(ld) * ld, 123.0), b = rhs, panel(9 * ld);
    for (int r = 0; r < k; ++r) {
      for (int c = 0; c <= r; ++c) pa[r * ld + c] = a[r * k + c];
    }
    ASSERT_TRUE(
        cpu_factor::simd::CholeskySolveBlocked<VD>(pa.data(), k, ld, b.data(), panel.data()));
    for (int r = 0; r < k; ++r) EXPECT_NEAR(b[r], ref_b[r], 1e-9 * (1 + std::abs(ref_b[r])));
  }
  // Not positive definite: refused.
  std::vector<double> bad = {1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0,  //
                             2.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  bad.resize(64, 0.0);
  std::vector<double> b(8, 1.0), panel(72);
  EXPECT_FALSE(
      cpu_factor::simd::CholeskySolveBlocked<VD>(bad.data(), 2, 8, b.data(), panel.data()));
}

TEST(CpuAlsHelpers, BlockedCholeskyMatchesKernels) {
  // Every vector width (compiled here for the baseline instruction set: the arithmetic, not the
  // code generation; the trainers' tests run each instruction set the CPU has).
  CheckBlockedCholesky<cpu_factor::simd::D2>();
  CheckBlockedCholesky<cpu_factor::simd::D4>();
  CheckBlockedCholesky<cpu_factor::simd::D8>();
}

TEST(CpuAlsHelpers, GramianIsYtYForAnyThreadCount) {
  std::mt19937_64 rng(6);
  std::normal_distribution<float> n01(0.f, 1.f);
  const int kp = 32;
  const int64_t rows = 3000;  // three Gram blocks
  std::vector<float> y(rows * kp, 0.f);
  for (int64_t r = 0; r < rows; ++r) {
    for (int f = 0; f < 30; ++f) y[r * kp + f] = n01(rng);
  }
  std::vector<float> g1, g2;
  cpu_factor::Gramian(y.data(), rows, kp, 1, g1);
  cpu_factor::Gramian(y.data(), rows, kp, 2, g2);
  EXPECT_EQ(g1, g2);
  for (int r = 0; r < kp; ++r) {
    for (int c = 0; c < kp; ++c) {
      double ref = 0.0;
      for (int64_t j = 0; j < rows; ++j) ref += double(y[j * kp + r]) * y[j * kp + c];
      ASSERT_NEAR(g1[r * kp + c], ref, 1e-3 + 1e-5 * std::abs(ref)) << r << "," << c;
    }
  }
}

TEST(CpuAlsHelpers, InitialisationIsSeededPerRow) {
  const std::vector<int64_t> indptr = {0, 2, 2, 5, 6};  // row 1 empty
  std::vector<float> a, b, c;
  cpu_factor::InitFactors(a, 4, 5, 16, cpu_factor::InitKind::kUniform, 0.01, 42, 0, indptr, 1);
  cpu_factor::InitFactors(b, 4, 5, 16, cpu_factor::InitKind::kUniform, 0.01, 42, 0, indptr, 2);
  cpu_factor::InitFactors(c, 4, 5, 16, cpu_factor::InitKind::kUniform, 0.01, 42, 1, indptr, 2);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  ASSERT_EQ(a.size(), 64u);
  for (int r = 0; r < 4; ++r) {
    for (int f = 0; f < 16; ++f) {
      const float v = a[r * 16 + f];
      if (r == 1 || f >= 5) {
        EXPECT_EQ(v, 0.f);
      } else {
        EXPECT_GE(v, 0.f);
        EXPECT_LT(v, 0.01f);
      }
    }
  }
  std::vector<float> n;
  const std::vector<int64_t> dense = {0, 1000};
  cpu_factor::InitFactors(n, 1, 1000, 1008, cpu_factor::InitKind::kNormal, 0.5, 1, 0, dense, 1);
  double s = 0.0, ss = 0.0;
  for (int f = 0; f < 1000; ++f) {
    s += n[f];
    ss += double(n[f]) * n[f];
  }
  EXPECT_NEAR(s / 1000, 0.0, 0.06);
  EXPECT_NEAR(std::sqrt(ss / 1000), 0.5, 0.05);
}

}  // namespace
}  // namespace movierec
