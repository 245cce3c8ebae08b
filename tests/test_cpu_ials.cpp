// host/cpu_ials: implicit ALS on the CPU — the fused CG row solve against kernels::CgSolveRow,
// CG with many steps against the exact Cholesky solver, the logged loss against a brute-force
// sum over all pairs, monotone loss, determinism across thread counts, ranking held-out items
// better than popularity, fold-in, log confidence, vacant rows and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "factor_fixtures.h"
#include "isa_scope.h"
#include "host/cpu_factor_simd.h"
#include "host/cpu_ials.h"
#include "kernels/cg.h"
#include "kernels/losses.h"

namespace movierec {
namespace {

using testing::BuildCsr;
using testing::Cpu;
using testing::CpuIsas;
using testing::Isa;
using testing::IsaScope;
using testing::Triplet;


// Random implicit data: each cell observed with probability `density`, values 1..5.
RatingMatrix RandomImplicit(uint64_t seed, int users, int items, double density) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  std::vector<Triplet> t;
  for (int u = 0; u < users; ++u) {
    for (int i = 0; i < items; ++i) {
      if (u01(rng) < density) t.push_back({u, i, static_cast<float>(1 + rng() % 5)});
    }
  }
  return BuildCsr(users, items, std::move(t));
}

// The objective of cpu_ials.h summed over every (user, item) pair.
double BruteForceLoss(const FactorModel& m, const RatingMatrix& csr, const IalsParams& p) {
  std::vector<double> conf(static_cast<size_t>(m.users * m.items), 1.0);
  std::vector<double> pref(conf.size(), 0.0);
  for (int64_t u = 0; u < csr.rows; ++u) {
    for (int64_t e = csr.indptr[u]; e < csr.indptr[u + 1]; ++e) {
      const double r = csr.values[e];
      const double v = p.confidence == "log" ? std::log1p(r / p.epsilon) : r;
      conf[u * m.items + csr.indices[e]] = 1.0 + p.alpha * v;
      pref[u * m.items + csr.indices[e]] = 1.0;
    }
  }
  double loss = 0.0;
  for (int64_t u = 0; u < m.users; ++u) {
    for (int64_t i = 0; i < m.items; ++i) {
      double d = 0.0;
      for (int f = 0; f < m.factors; ++f) d += double(m.UserRow(u)[f]) * m.ItemRow(i)[f];
      const double e = pref[u * m.items + i] - d;
      loss += conf[u * m.items + i] * e * e;
    }
  }
  double norms = 0.0;
  for (float v : m.user_factors) norms += double(v) * v;
  for (float v : m.item_factors) norms += double(v) * v;
  return loss + p.regularization * norms;
}

std::vector<IterationLog> TrainLogged(const Context& ctx, const IalsParams& p,
                                      const RatingMatrix& csr, FactorModel* out,
                                      uint64_t seed = 42) {
  std::vector<IterationLog> logs;
  TrainOptions options;
  options.seed = seed;
  options.on_iteration = [&](const IterationLog& l) { logs.push_back(l); };
  FactorModel m = MakeCpuIalsTrainer(ctx, p)->Train(csr, ToCsc(csr), options);
  if (out != nullptr) *out = std::move(m);
  return logs;
}

void CheckCgRow() {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> n01(0.f, 0.3f);
  for (int k : {16, 48, 64, 128}) {
    SCOPED_TRACE(k);
    const int n_items = 300;
    const float lambda = 0.1f, alpha = 2.f;
    std::vector<float> y(static_cast<size_t>(n_items) * k);
    for (float& v : y) v = n01(rng);
    std::vector<float> g0(static_cast<size_t>(k) * k, 0.f), g(g0.size());
    for (int i = 0; i < n_items; ++i) {
      for (int r = 0; r < k; ++r) {
        for (int c = 0; c < k; ++c) g0[r * k + c] += y[i * k + r] * y[i * k + c];
      }
    }
    g = g0;
    for (int r = 0; r < k; ++r) g[r * k + r] += lambda;
    std::vector<int32_t> items;
    std::vector<float> v, conf;
    for (int i = 0; i < n_items; i += 1 + static_cast<int>(rng() % 4)) {
      items.push_back(i);
      v.push_back(static_cast<float>(1 + rng() % 5));
      conf.push_back(1.f + alpha * v.back());
    }
    const int64_t n = static_cast<int64_t>(items.size());
    for (int steps : {1, 3, 6}) {
      std::vector<float> x0(k);
      for (float& e : x0) e = 0.1f * n01(rng);
      std::vector<float> x_ref = x0, x = x0, scratch(3 * k);
      kernels::CgSolveRow(g.data(), y.data(), items.data(), conf.data(), n, k, steps, x_ref.data(),
                          scratch.data());
      const double loss = cpu_ials_internal::CgSolveRow(g.data(), y.data(), k, items.data(),
                                                        v.data(), n, alpha, steps, x.data(), true);
      double scale = 0.0;
      for (float e : x_ref) scale = std::max(scale, double(std::abs(e)));
      for (int f = 0; f < k; ++f) EXPECT_NEAR(x[f], x_ref[f], 2e-4 * scale) << "steps " << steps;
      const double ref_loss =
          kernels::ImplicitRowLoss(g0.data(), y.data(), items.data(), conf.data(), n, k, x.data()) +
          lambda * kernels::SquaredNorm(x.data(), k);
      EXPECT_NEAR(loss, ref_loss, 1e-4 * std::abs(ref_loss)) << "steps " << steps;
    }
  }
}

TEST(CpuIals, CgRowMatchesKernelsCgSolveRow) {
  for (Isa isa : CpuIsas()) {
    SCOPED_TRACE(cpu_factor::simd::IsaName(isa));
    const IsaScope scope(isa);
    CheckCgRow();
  }
}

TEST(CpuIals, CgWithEnoughStepsMatchesCholesky) {
  const RatingMatrix csr = RandomImplicit(4, 60, 40, 0.2);
  IalsParams p;
  p.factors = 4;
  p.iterations = 6;
  p.regularization = 0.5;
  p.cg_steps = 8;  // ≥ k: CG converges on each row
  FactorModel cg, chol;
  TrainLogged(Cpu(2), p, csr, &cg);
  p.solver = "cholesky";
  TrainLogged(Cpu(2), p, csr, &chol);
  ASSERT_EQ(cg.user_factors.size(), chol.user_factors.size());
  for (size_t e = 0; e < cg.user_factors.size(); ++e) {
    EXPECT_NEAR(cg.user_factors[e], chol.user_factors[e], 2e-3) << e;
  }
  for (size_t e = 0; e < cg.item_factors.size(); ++e) {
    EXPECT_NEAR(cg.item_factors[e], chol.item_factors[e], 2e-3) << e;
  }
}

TEST(CpuIals, LoggedLossIsTheFullObjectiveAndDecreases) {
  const RatingMatrix csr = RandomImplicit(5, 70, 50, 0.15);
  for (Isa isa : CpuIsas()) {
    const IsaScope scope(isa);
    for (const char* solver : {"cg", "cholesky"}) {
      for (const char* confidence : {"linear", "log"}) {
        SCOPED_TRACE(std::string(cpu_factor::simd::IsaName(isa)) + " " + solver + " " + confidence);
        IalsParams p;
        p.factors = 5;  // padded to 16
        p.iterations = 8;
        p.regularization = 0.05;
        p.alpha = 3.0;
        p.epsilon = 0.5;
        p.solver = solver;
        p.confidence = confidence;
        FactorModel m;
        const auto logs = TrainLogged(Cpu(2), p, csr, &m);
        ASSERT_EQ(logs.size(), 8u);
        const double brute = BruteForceLoss(m, csr, p);
        EXPECT_NEAR(logs.back().loss, brute, 1e-4 * brute);
        EXPECT_EQ(logs.back().train_rmse, 0.0);
        for (size_t it = 1; it < logs.size(); ++it) {
          EXPECT_LE(logs[it].loss, logs[it - 1].loss * (1 + 1e-5)) << "iteration " << it + 1;
        }
        EXPECT_LT(logs.back().loss, 0.9 * logs.front().loss);
      }
    }
  }
}

TEST(CpuIals, LargeFactorCountUsesTheGenericSolve) {
  const RatingMatrix csr = RandomImplicit(6, 30, 25, 0.3);
  IalsParams p;
  p.factors = 130;  // > 128: kernels::CgSolveRow itself
  p.iterations = 3;
  p.regularization = 0.5;
  FactorModel m;
  const auto logs = TrainLogged(Cpu(2), p, csr, &m);
  const double brute = BruteForceLoss(m, csr, p);
  EXPECT_NEAR(logs.back().loss, brute, 1e-4 * brute);
  EXPECT_LE(logs[2].loss, logs[1].loss * (1 + 1e-5));
  FactorModel m1;
  TrainLogged(Cpu(1), p, csr, &m1);
  EXPECT_EQ(m.user_factors, m1.user_factors);
}

TEST(CpuIals, BitwiseIdenticalForOneAndTwoThreads) {
  const RatingMatrix csr = RandomImplicit(7, 500, 300, 0.05);
  for (const auto& [isa, solver] :
       {std::pair{Isa::kBaseline, "cg"}, std::pair{Isa::kAvx2, "cg"}, std::pair{Isa::kAvx512, "cg"},
        std::pair{Isa::kAvx512, "cholesky"}}) {
    if (isa > cpu_factor::simd::DetectedIsa()) continue;
    const IsaScope scope(isa);
    SCOPED_TRACE(std::string(cpu_factor::simd::IsaName(isa)) + " " + solver);
    IalsParams p;
    p.factors = 24;
    p.iterations = 3;
    p.solver = solver;
    FactorModel a, b, c;
    const auto la = TrainLogged(Cpu(1), p, csr, &a, 7);
    const auto lb = TrainLogged(Cpu(2), p, csr, &b, 7);
    EXPECT_EQ(a.user_factors, b.user_factors);
    EXPECT_EQ(a.item_factors, b.item_factors);
    EXPECT_EQ(la.back().loss, lb.back().loss);
    TrainLogged(Cpu(2), p, csr, &c, 8);
    EXPECT_NE(a.user_factors, c.user_factors);
  }
}

// Users and items in 5 taste groups; a user's items come 85 % from the own group. Two observed
// items per user are held out.
struct GroupData {
  RatingMatrix train;
  std::vector<std::vector<int32_t>> held_out;
};

GroupData MakeGroups(uint64_t seed, int users = 300, int items = 200) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  const int groups = 5;
  std::vector<double> weight(items);
  for (double& w : weight) w = 0.3 + u01(rng);  // mild popularity differences
  std::vector<Triplet> train;
  GroupData d;
  d.held_out.resize(users);
  for (int u = 0; u < users; ++u) {
    const int g = u % groups;
    std::vector<int32_t> mine;
    for (int i = 0; i < items; ++i) {
      const double p = (i % groups == g ? 0.5 : 0.022) * weight[i];
      if (u01(rng) < p) mine.push_back(i);
    }
    std::shuffle(mine.begin(), mine.end(), rng);
    for (size_t j = 0; j < mine.size(); ++j) {
      const auto r = static_cast<float>(1 + rng() % 5);
      if (j < 2) {
        d.held_out[u].push_back(mine[j]);
      } else {
        train.push_back({u, mine[j], r});
      }
    }
  }
  d.train = BuildCsr(users, items, std::move(train));
  return d;
}

// Mean precision@10 over users of the held-out items, candidates = items not in training.
template <class Score>
double PrecisionAt10(const GroupData& d, Score score) {
  const int64_t items = d.train.cols;
  double total = 0.0;
  for (int64_t u = 0; u < d.train.rows; ++u) {
    std::vector<char> seen(items, 0);
    for (int64_t e = d.train.indptr[u]; e < d.train.indptr[u + 1]; ++e)
      seen[d.train.indices[e]] = 1;
    std::vector<std::pair<double, int32_t>> s;
    for (int32_t i = 0; i < items; ++i) {
      if (!seen[i]) s.push_back({-score(u, i), i});
    }
    std::partial_sort(s.begin(), s.begin() + 10, s.end());
    int hits = 0;
    for (int j = 0; j < 10; ++j) {
      const auto& h = d.held_out[u];
      hits += std::find(h.begin(), h.end(), s[j].second) != h.end();
    }
    total += hits / 10.0;
  }
  return total / static_cast<double>(d.train.rows);
}

TEST(CpuIals, RanksHeldOutItemsBetterThanPopularity) {
  const GroupData d = MakeGroups(8);
  std::vector<double> popularity(d.train.cols, 0.0);
  for (int32_t i : d.train.indices) popularity[i] += 1;
  const double pop = PrecisionAt10(d, [&](int64_t, int32_t i) { return popularity[i]; });

  IalsParams p;
  p.factors = 16;
  p.iterations = 10;
  p.regularization = 0.1;
  p.alpha = 2.0;
  FactorModel m;
  TrainLogged(Cpu(2), p, d.train, &m);
  const double ials = PrecisionAt10(d, [&](int64_t u, int32_t i) {
    double s = 0.0;
    for (int f = 0; f < m.factors; ++f) s += double(m.UserRow(u)[f]) * m.ItemRow(i)[f];
    return s;
  });
  // About 0.09 against 0.013: the held-out items sit among ~25 unseen items of the user's group.
  EXPECT_GT(ials, 4.0 * pop) << "popularity P@10 " << pop;
  EXPECT_GT(ials, 0.06);
}

TEST(CpuIals, FoldInSolvesTheUserExactly) {
  const RatingMatrix csr = RandomImplicit(9, 80, 60, 0.15);
  IalsParams p;
  p.factors = 6;
  p.iterations = 3;
  p.regularization = 0.2;
  p.solver = "cholesky";
  FactorModel m3, m4;
  TrainLogged(Cpu(2), p, csr, &m3);
  p.iterations = 4;
  TrainLogged(Cpu(2), p, csr, &m4);
  auto trainer = MakeCpuIalsTrainer(Cpu(2), p);
  // Exact solver: fold-in against model 3 is (bitwise) iteration 4's user half-step.
  for (int u = 0; u < csr.rows; ++u) {
    const int64_t b = csr.indptr[u], n = csr.indptr[u + 1] - b;
    const auto x = trainer->FoldInUser(m3, csr.indices.data() + b, csr.values.data() + b, n);
    ASSERT_EQ(x.size(), 6u);
    for (int f = 0; f < 6; ++f) EXPECT_EQ(x[f], m4.UserRow(u)[f]) << "user " << u;
  }
  // CG-trained to convergence: fold-in ≈ the trained rows.
  p.solver = "cg";
  p.iterations = 40;
  FactorModel cg;
  TrainLogged(Cpu(2), p, csr, &cg);
  auto cg_trainer = MakeCpuIalsTrainer(Cpu(1), p);
  double worst = 0.0, mean = 0.0;
  for (int u = 0; u < csr.rows; ++u) {
    const int64_t b = csr.indptr[u], n = csr.indptr[u + 1] - b;
    const auto x = cg_trainer->FoldInUser(cg, csr.indices.data() + b, csr.values.data() + b, n);
    double diff = 0.0, norm = 0.0;
    for (int f = 0; f < 6; ++f) {
      diff += std::pow(x[f] - cg.UserRow(u)[f], 2);
      norm += std::pow(cg.UserRow(u)[f], 2);
    }
    worst = std::max(worst, std::sqrt(diff / norm));
    mean += std::sqrt(diff / norm) / static_cast<double>(csr.rows);
  }
  // CG with 3 warm-started steps per half-step approaches the fixed point slowly.
  EXPECT_LT(worst, 0.05);
  EXPECT_LT(mean, 0.01);
  EXPECT_EQ(trainer->FoldInUser(m3, nullptr, nullptr, 0), std::vector<float>(6, 0.f));
  const int32_t bad = -1;
  const float r = 1.f;
  EXPECT_THROW(trainer->FoldInUser(m3, &bad, &r, 1), Error);
}

TEST(CpuIals, LogConfidenceEqualsLinearOnTransformedValues) {
  RatingMatrix csr = RandomImplicit(10, 50, 40, 0.2);
  IalsParams p;
  p.factors = 8;
  p.iterations = 3;
  p.alpha = 4.0;
  p.epsilon = 2.0;
  p.confidence = "log";
  FactorModel log_model, lin_model;
  TrainLogged(Cpu(2), p, csr, &log_model);
  for (float& v : csr.values) v = static_cast<float>(std::log1p(static_cast<double>(v) / 2.0));
  p.confidence = "linear";
  TrainLogged(Cpu(2), p, csr, &lin_model);
  EXPECT_EQ(log_model.user_factors, lin_model.user_factors);
  EXPECT_EQ(log_model.item_factors, lin_model.item_factors);
}

TEST(CpuIals, VacantRowsAndModelShape) {
  // User 2 and item 1 have no ratings.
  const RatingMatrix csr =
      BuildCsr(4, 3, {{0, 0, 1.f}, {0, 2, 3.f}, {1, 0, 2.f}, {3, 2, 1.f}, {3, 0, 5.f}});
  IalsParams p;
  p.factors = 3;
  p.iterations = 2;
  FactorModel m;
  TrainLogged(Cpu(2), p, csr, &m);
  EXPECT_EQ(m.algorithm, "ials");
  EXPECT_EQ(m.factors, 3);
  EXPECT_EQ(m.users, 4);
  EXPECT_EQ(m.items, 3);
  EXPECT_EQ(m.user_ids, csr.row_ids);
  EXPECT_EQ(m.item_ids, csr.col_ids);
  EXPECT_TRUE(m.user_bias.empty());
  EXPECT_TRUE(m.item_bias.empty());
  EXPECT_EQ(m.global_mean, 0.f);
  for (int f = 0; f < 3; ++f) {
    EXPECT_EQ(m.UserRow(2)[f], 0.f);
    EXPECT_EQ(m.ItemRow(1)[f], 0.f);
  }
  EXPECT_NE(m.UserRow(0)[0], 0.f);
}

TEST(CpuIals, RejectsBadParametersAndInput) {
  IalsParams p;
  p.factors = 0;
  EXPECT_THROW(MakeCpuIalsTrainer(Cpu(1), p), UsageError);
  p = IalsParams{};
  p.solver = "lu";
  EXPECT_THROW(MakeCpuIalsTrainer(Cpu(1), p), UsageError);
  p = IalsParams{};
  p.confidence = "sqrt";
  EXPECT_THROW(MakeCpuIalsTrainer(Cpu(1), p), UsageError);
  p = IalsParams{};
  p.cg_steps = 0;
  EXPECT_THROW(MakeCpuIalsTrainer(Cpu(1), p), UsageError);
  p = IalsParams{};
  p.confidence = "log";
  p.epsilon = 0;
  EXPECT_THROW(MakeCpuIalsTrainer(Cpu(1), p), UsageError);
  p = IalsParams{};
  p.factors = 4;
  p.iterations = 1;
  auto trainer = MakeCpuIalsTrainer(Cpu(1), p);
  RatingMatrix csr = BuildCsr(2, 2, {{0, 0, 1.f}, {1, 1, -3.f}});  // c = 1 - 3 < 0
  EXPECT_THROW(trainer->Train(csr, ToCsc(csr), {}), Error);
  csr.values[1] = 2.f;
  CscMatrix csc = ToCsc(csr);
  csc.indices.pop_back();
  EXPECT_THROW(trainer->Train(csr, csc, {}), Error);
  RatingMatrix out_of_range = csr;
  out_of_range.indices[1] = 2;
  EXPECT_THROW(trainer->Train(out_of_range, ToCsc(csr), {}), Error);
  EXPECT_NO_THROW(trainer->Train(csr, ToCsc(csr), {}));
}

}  // namespace
}  // namespace movierec
