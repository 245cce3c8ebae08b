// Scores as dot products: factor models, popularity (Bayesian average, recency) and the hybrid
// blend (per-user weights, component scale normalisation), host/scoring_vectors.h and
// host/popularity_model.h.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "host/popularity_model.h"
#include "host/scoring_vectors.h"

namespace movierec {
namespace {

constexpr int64_t kDay = 86400;

// (user, item, rating, timestamp) triplets, sorted by user then item.
RatingMatrix MakeMatrix(int64_t rows, int64_t cols,
                        std::vector<std::tuple<int, int, float, int64_t>> entries) {
  std::sort(entries.begin(), entries.end());
  RatingMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(static_cast<size_t>(rows) + 1, 0);
  for (const auto& [u, i, r, t] : entries) {
    ++m.indptr[static_cast<size_t>(u) + 1];
    m.indices.push_back(i);
    m.values.push_back(r);
    m.timestamps.push_back(t);
  }
  for (int64_t u = 0; u < rows; ++u) m.indptr[u + 1] += m.indptr[u];
  for (int64_t u = 0; u < rows; ++u) m.row_ids.push_back(u + 1);
  for (int64_t i = 0; i < cols; ++i) m.col_ids.push_back(100 + i);
  return m;
}

// 3 users x 4 items; item 3 has no ratings.
RatingMatrix PopularityFixture() {
  return MakeMatrix(3, 4,
                    {{0, 0, 4.0f, 0 * kDay},
                     {0, 1, 2.0f, 10 * kDay},
                     {1, 0, 5.0f, 10 * kDay},
                     {1, 2, 3.0f, 5 * kDay},
                     {2, 0, 3.0f, 10 * kDay}});
}

TEST(Popularity, BayesianAverageWithMedianPrior) {
  PopularityModel p = TrainPopularity(PopularityFixture(), PopularityParams{});
  // m = (4 + 2 + 5 + 3 + 3) / 5; counts 3, 1, 1 -> median C = 1.
  const double m = 17.0 / 5.0;
  EXPECT_NEAR(p.global_mean, m, 1e-12);
  EXPECT_DOUBLE_EQ(p.prior_count, 1.0);
  ASSERT_EQ(p.scores.size(), 4u);
  EXPECT_NEAR(p.scores[0], (1 * m + 4 + 5 + 3) / (1 + 3), 1e-6);  // 3.85
  EXPECT_NEAR(p.scores[1], (1 * m + 2) / (1 + 1), 1e-6);          // 2.7
  EXPECT_NEAR(p.scores[2], (1 * m + 3) / (1 + 1), 1e-6);          // 3.2
  EXPECT_NEAR(p.scores[3], m, 1e-6);                              // unrated: the prior
  EXPECT_EQ(p.weighted_counts, (std::vector<double>{3, 1, 1, 0}));
  EXPECT_EQ(p.item_ids, (std::vector<int64_t>{100, 101, 102, 103}));
}

TEST(Popularity, ExplicitPriorCount) {
  PopularityParams params;
  params.prior_count = 2;
  PopularityModel p = TrainPopularity(PopularityFixture(), params);
  const double m = 3.4;
  EXPECT_DOUBLE_EQ(p.prior_count, 2.0);
  EXPECT_NEAR(p.scores[0], (2 * m + 12) / 5, 1e-6);  // 3.76
  EXPECT_NEAR(p.scores[1], (2 * m + 2) / 3, 1e-6);
}

TEST(Popularity, EvenNumberOfItemsTakesTheMeanOfTheMiddleCounts) {
  // Counts 1, 2, 3, 5 -> C = 2.5.
  std::vector<std::tuple<int, int, float, int64_t>> e;
  const int counts[4] = {1, 2, 3, 5};
  for (int i = 0; i < 4; ++i) {
    for (int u = 0; u < counts[i]; ++u) e.emplace_back(u, i, 1.0f + i, 0);
  }
  PopularityModel p = TrainPopularity(MakeMatrix(5, 4, e), PopularityParams{});
  EXPECT_DOUBLE_EQ(p.prior_count, 2.5);
  const double m = (1 * 1 + 2 * 2 + 3 * 3 + 5 * 4) / 11.0;
  EXPECT_NEAR(p.scores[3], (2.5 * m + 5 * 4.0) / (2.5 + 5), 1e-6);
}

TEST(Popularity, RecencyWeightsHalveEveryHalfLife) {
  PopularityParams params;
  params.half_life_days = 10;
  PopularityModel p = TrainPopularity(PopularityFixture(), params);
  // Newest rating: day 10. Ages 10, 0, 0, 5, 0 days -> weights 0.5, 1, 1, 2^-0.5, 1.
  const double h = std::pow(2.0, -0.5);
  const double sum_w = 0.5 + 1 + 1 + h + 1;
  const double m = (0.5 * 4 + 1 * 2 + 1 * 5 + h * 3 + 1 * 3) / sum_w;
  EXPECT_NEAR(p.global_mean, m, 1e-9);
  // Weighted counts 2.5, 1, 0.707 -> median C = 1.
  EXPECT_NEAR(p.prior_count, 1.0, 1e-12);
  EXPECT_NEAR(p.weighted_counts[0], 2.5, 1e-12);
  EXPECT_NEAR(p.weighted_counts[2], h, 1e-12);
  EXPECT_NEAR(p.scores[0], (m + 0.5 * 4 + 5 + 3) / (1 + 2.5), 1e-6);
  EXPECT_NEAR(p.scores[1], (m + 2) / (1 + 1), 1e-6);
  EXPECT_NEAR(p.scores[2], (m + h * 3) / (1 + h), 1e-6);
  EXPECT_NEAR(p.scores[3], m, 1e-6);
}

TEST(Popularity, RejectsBadParameters) {
  PopularityParams params;
  params.prior_count = -1;
  EXPECT_THROW(TrainPopularity(PopularityFixture(), params), Error);
  params = {};
  params.half_life_days = 30;
  RatingMatrix m = PopularityFixture();
  m.timestamps.clear();
  EXPECT_THROW(TrainPopularity(m, params), Error);
}

TEST(Popularity, ScoringVectorsAreOneDimensional) {
  PopularityModel p = TrainPopularity(PopularityFixture(), PopularityParams{});
  ScoringVectors v = PopularityScoringVectors(p, 3);
  EXPECT_EQ(v.dim, 1);
  EXPECT_EQ(v.users, 3);
  EXPECT_EQ(v.items, 4);
  for (int64_t u = 0; u < 3; ++u) {
    for (int64_t i = 0; i < 4; ++i) EXPECT_FLOAT_EQ(v.Score(u, i), p.scores[i]);
  }
}

FactorModel RandomFactorModel(int64_t users, int64_t items, int factors, bool biases,
                              uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, 0.5f);
  FactorModel m;
  m.algorithm = "als";
  m.factors = factors;
  m.users = users;
  m.items = items;
  for (int64_t k = 0; k < users * factors; ++k) m.user_factors.push_back(normal(rng));
  for (int64_t k = 0; k < items * factors; ++k) m.item_factors.push_back(normal(rng));
  if (biases) {
    for (int64_t u = 0; u < users; ++u) m.user_bias.push_back(normal(rng));
    for (int64_t i = 0; i < items; ++i) m.item_bias.push_back(normal(rng));
    m.global_mean = 3.5f;
  }
  return m;
}

TEST(FactorScoringVectors, DotEqualsPredictWithoutMeanAndUserBias) {
  FactorModel m = RandomFactorModel(7, 9, 5, true, 1);
  ScoringVectors v = FactorScoringVectors(m);
  EXPECT_EQ(v.dim, 6);
  EXPECT_EQ(v.users, 7);
  EXPECT_EQ(v.items, 9);
  for (int64_t u = 0; u < 7; ++u) {
    for (int64_t i = 0; i < 9; ++i) {
      EXPECT_NEAR(v.Score(u, i), m.Predict(u, i) - m.global_mean - m.user_bias[u], 1e-5);
    }
  }
}

TEST(FactorScoringVectors, WithoutBiasesIsTheFactorDot) {
  FactorModel m = RandomFactorModel(4, 6, 3, false, 2);
  ScoringVectors v = FactorScoringVectors(m);
  EXPECT_EQ(v.dim, 3);
  for (int64_t u = 0; u < 4; ++u) {
    for (int64_t i = 0; i < 6; ++i) EXPECT_NEAR(v.Score(u, i), m.Predict(u, i), 1e-5);
  }
}

TEST(HybridUserWeights, SwitchesByRatingCount) {
  HybridParams p;  // 0.7 / 0.2 / 0.1, cold 5, warm 20
  for (int64_t n : {0, 4, 5}) {
    HybridWeights w = HybridUserWeights(n, p);
    EXPECT_DOUBLE_EQ(w.collaborative, 0) << n;
    EXPECT_NEAR(w.content, 0.2 / 0.3, 1e-12) << n;
    EXPECT_NEAR(w.popularity, 0.1 / 0.3, 1e-12) << n;
  }
  HybridWeights mid = HybridUserWeights(12, p);
  const double ramp = 7.0 / 15.0;
  EXPECT_NEAR(mid.collaborative, 0.7 * ramp, 1e-12);
  EXPECT_NEAR(mid.content, (1.0 - 0.7 * ramp) * 2 / 3, 1e-12);
  EXPECT_NEAR(mid.popularity, (1.0 - 0.7 * ramp) / 3, 1e-12);
  for (int64_t n : {20, 1000}) {
    HybridWeights w = HybridUserWeights(n, p);
    EXPECT_NEAR(w.collaborative, 0.7, 1e-12);
    EXPECT_NEAR(w.content, 0.2, 1e-12);
    EXPECT_NEAR(w.popularity, 0.1, 1e-12);
  }
  // warm <= cold: a step at cold.
  p.warm_ratings = 3;
  EXPECT_DOUBLE_EQ(HybridUserWeights(4, p).collaborative, 0);
  EXPECT_DOUBLE_EQ(HybridUserWeights(5, p).collaborative, 0.7);
}

ScoringVectors RandomVectors(int64_t users, int64_t items, int dim, double scale, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0.0f, static_cast<float>(scale));
  ScoringVectors v;
  v.dim = dim;
  v.users = users;
  v.items = items;
  for (int64_t k = 0; k < users * dim; ++k) v.user.push_back(normal(rng));
  for (int64_t k = 0; k < items * dim; ++k) v.item.push_back(normal(rng));
  return v;
}

struct HybridFixture {
  int64_t users = 60;
  int64_t items = 50;
  ScoringVectors collaborative;
  ScoringVectors content;
  ScoringVectors popularity;
  std::vector<int64_t> counts;

  HybridFixture() {
    // Very different score scales: 25x, 0.1x and ~1x.
    collaborative = RandomVectors(users, items, 8, 5.0, 11);
    content = RandomVectors(users, items, 6, 0.3, 12);
    for (int64_t u = 0; u < users; u += 7) {  // users with no content profile
      std::fill(content.user.begin() + u * content.dim,
                content.user.begin() + (u + 1) * content.dim, 0.0f);
    }
    PopularityModel pop;
    std::mt19937_64 rng(13);
    std::uniform_real_distribution<float> uni(2.0f, 4.5f);
    for (int64_t i = 0; i < items; ++i) pop.scores.push_back(uni(rng));
    popularity = PopularityScoringVectors(pop, users);
    for (int64_t u = 0; u < users; ++u) counts.push_back(u % 30);
  }
};

TEST(Hybrid, ScoreIsTheDocumentedBlend) {
  HybridFixture f;
  HybridParams p;
  const uint64_t seed = 7;
  ScoringVectors h =
      HybridScoringVectors(f.collaborative, f.content, f.popularity, f.counts, p, seed);
  ASSERT_EQ(h.dim, 8 + 6 + 1);
  ASSERT_EQ(h.users, f.users);
  ASSERT_EQ(h.items, f.items);
  const double sc = SpreadScale(f.collaborative, seed);
  const double st = SpreadScale(f.content, seed);
  const double sp = SpreadScale(f.popularity, seed);
  // 8 products of two N(0, 5^2) variables: a within-user std of about 25 sqrt(8).
  EXPECT_NEAR(1.0 / sc, 25 * std::sqrt(8.0), 0.2 * 25 * std::sqrt(8.0));
  for (int64_t u = 0; u < f.users; ++u) {
    const HybridWeights w = HybridUserWeights(f.counts[u], p);
    for (int64_t i = 0; i < f.items; ++i) {
      const double want = w.collaborative * sc * f.collaborative.Score(u, i) +
                          w.content * st * f.content.Score(u, i) +
                          w.popularity * sp * f.popularity.Score(u, i);
      EXPECT_NEAR(h.Score(u, i), want, 1e-4 * (1 + std::abs(want))) << u << " " << i;
    }
  }
}

TEST(Hybrid, ColdUsersHaveNoCollaborativeBlock) {
  HybridFixture f;
  HybridParams p;
  ScoringVectors h = HybridScoringVectors(f.collaborative, f.content, f.popularity, f.counts, p);
  int cold = 0;
  for (int64_t u = 0; u < f.users; ++u) {
    const float* row = h.UserRow(u);
    bool zero = true;
    for (int k = 0; k < f.collaborative.dim; ++k) zero = zero && row[k] == 0.0f;
    if (f.counts[u] <= p.cold_start_ratings) {
      EXPECT_TRUE(zero) << "user " << u << " with " << f.counts[u] << " ratings";
      ++cold;
      // The popularity entry carries its renormalised weight.
      EXPECT_NEAR(row[h.dim - 1], (1.0 / 3.0) * SpreadScale(f.popularity, 42), 1e-6);
    } else {
      EXPECT_FALSE(zero) << "user " << u;
    }
  }
  EXPECT_GT(cold, 5);
  // The item side is the plain concatenation.
  for (int64_t i = 0; i < f.items; ++i) {
    EXPECT_EQ(h.ItemRow(i)[0], f.collaborative.ItemRow(i)[0]);
    EXPECT_EQ(h.ItemRow(i)[8], f.content.ItemRow(i)[0]);
    EXPECT_EQ(h.ItemRow(i)[14], f.popularity.ItemRow(i)[0]);
  }
}

// The pooled within-user std of v's scores over every user with a non-zero vector and every
// item: what ScoreSpread estimates from its sample.
double PopulationSpread(const ScoringVectors& v) {
  double sum_sq = 0, dof = 0;
  for (int64_t u = 0; u < v.users; ++u) {
    bool zero = true;
    for (int k = 0; k < v.dim; ++k) zero = zero && v.UserRow(u)[k] == 0.0f;
    if (zero) continue;
    double mean = 0;
    for (int64_t i = 0; i < v.items; ++i) mean += v.Score(u, i);
    mean /= static_cast<double>(v.items);
    for (int64_t i = 0; i < v.items; ++i) sum_sq += std::pow(v.Score(u, i) - mean, 2);
    dof += static_cast<double>(v.items - 1);
  }
  return std::sqrt(sum_sq / dof);
}

TEST(Hybrid, ScaleNormalisationMakesEachComponentSpreadOne) {
  HybridFixture f;
  std::vector<int64_t> warm(static_cast<size_t>(f.users), 1000);
  const uint64_t seed = 3;
  // One component at a time, everyone warm: the hybrid's scores are that component's, scaled.
  const double weights[3][3] = {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}};
  for (const auto& w : weights) {
    HybridParams p;
    p.collaborative_weight = w[0];
    p.content_weight = w[1];
    p.popularity_weight = w[2];
    ScoringVectors h =
        HybridScoringVectors(f.collaborative, f.content, f.popularity, warm, p, seed);
    // On the very sample the scales were computed from: 1 up to rounding.
    EXPECT_NEAR(ScoreSpread(h, seed), 1.0, 1e-4) << w[0] << w[1] << w[2];
    // Over the whole population: 1 up to sampling error.
    EXPECT_NEAR(PopulationSpread(h), 1.0, 0.1) << w[0] << w[1] << w[2];
  }
  // The raw components are far from it.
  EXPECT_GT(ScoreSpread(f.collaborative, seed), 5);
  EXPECT_LT(ScoreSpread(f.content, seed), 0.5);
}

TEST(Hybrid, ScoreSpreadIsReproducibleAndZeroWithoutSignal) {
  HybridFixture f;
  EXPECT_EQ(ScoreSpread(f.collaborative, 5), ScoreSpread(f.collaborative, 5));
  ScoringVectors zero = f.content;
  std::fill(zero.user.begin(), zero.user.end(), 0.0f);
  EXPECT_EQ(ScoreSpread(zero, 5), 0.0);
  EXPECT_EQ(SpreadScale(zero, 5), 1.0);
}

TEST(Hybrid, RejectsMismatchedComponents) {
  HybridFixture f;
  HybridParams p;
  ScoringVectors small = RandomVectors(f.users, f.items - 1, 3, 1.0, 1);
  EXPECT_THROW(HybridScoringVectors(f.collaborative, small, f.popularity, f.counts, p), Error);
  std::vector<int64_t> short_counts(f.counts.begin(), f.counts.end() - 1);
  EXPECT_THROW(HybridScoringVectors(f.collaborative, f.content, f.popularity, short_counts, p),
               Error);
}

TEST(RowCounts, AreRowLengths) {
  EXPECT_EQ(RowCounts({0, 2, 2, 7}), (std::vector<int64_t>{2, 0, 5}));
  EXPECT_TRUE(RowCounts({}).empty());
}

}  // namespace
}  // namespace movierec
