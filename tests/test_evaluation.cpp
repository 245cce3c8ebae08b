// Offline evaluation: ranking and rating metrics against hand-computed values.
#include <gtest/gtest.h>

#include <cmath>

#include "common/error.h"
#include "host/evaluation.h"

namespace movierec {
namespace {

// A users x items matrix from (user, item, rating) triples, rows in order.
RatingMatrix Matrix(int64_t rows, int64_t cols, std::vector<std::tuple<int, int, float>> e) {
  std::sort(e.begin(), e.end());
  RatingMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(static_cast<size_t>(rows) + 1, 0);
  for (auto [u, i, r] : e) {
    ++m.indptr[static_cast<size_t>(u) + 1];
    m.indices.push_back(i);
    m.values.push_back(r);
    m.timestamps.push_back(0);
  }
  for (size_t u = 0; u < static_cast<size_t>(rows); ++u) m.indptr[u + 1] += m.indptr[u];
  for (int64_t u = 0; u < rows; ++u) m.row_ids.push_back(u + 100);
  for (int64_t i = 0; i < cols; ++i) m.col_ids.push_back(i + 1000);
  return m;
}

TEST(Evaluation, RankingMetricsMatchHandComputedValues) {
  // 3 users, 6 items. User 0 test {2, 4}; user 1 test {5}; user 2 has no test ratings.
  RatingMatrix train = Matrix(3, 6, {{0, 0, 4}, {0, 1, 3}, {1, 0, 5}, {2, 3, 2}, {2, 0, 1}});
  RatingMatrix test = Matrix(3, 6, {{0, 2, 4}, {0, 4, 5}, {1, 5, 3}});
  TopNLists lists;
  lists.users = 3;
  lists.n = 3;
  lists.items = {2, 3, 4, /*u1*/ 1, 2, 3, /*u2*/ 1, 2, 4};
  lists.scores.assign(9, 1.f);
  lists.counts = {3, 3, 3};
  RankingReport r = EvaluateRanking(lists, train, test, 2);
  ASSERT_EQ(r.users, 2);
  EXPECT_EQ(r.user_rows, (std::vector<int64_t>{0, 1}));
  // User 0 @2: [2, 3] -> one hit at rank 1: P = 1/2, R = 1/2, NDCG = 1 / (1 + 1/log2(3)),
  // AP = (1/1) / min(2, 2) = 0.5, hit 1. User 1: no hit.
  EXPECT_FLOAT_EQ(r.user_precision[0], 0.5f);
  EXPECT_FLOAT_EQ(r.user_recall[0], 0.5f);
  EXPECT_NEAR(r.user_ndcg[0], 1.0 / (1.0 + 1.0 / std::log2(3.0)), 1e-6);
  EXPECT_FLOAT_EQ(r.user_ap[0], 0.5f);
  EXPECT_FLOAT_EQ(r.user_hit[0], 1.f);
  EXPECT_FLOAT_EQ(r.user_hit[1], 0.f);
  EXPECT_DOUBLE_EQ(r.precision, 0.25);
  EXPECT_DOUBLE_EQ(r.hit_rate, 0.5);
  // Items recommended at @2 to evaluated users: {2, 3} and {1, 2} -> 3 of 6.
  EXPECT_DOUBLE_EQ(r.coverage, 0.5);
  // Novelty: train users 3; item 2 and 3 rated by 0 and 1 user of 3 (0 counts as 1).
  const double expected = (-std::log2(1.0 / 3) * 2 + -std::log2(1.0 / 3) + -std::log2(1.0 / 3)) / 4;
  EXPECT_NEAR(r.novelty, expected, 1e-9);
  // Same result on more threads.
  RankingReport r2 = EvaluateRanking(lists, train, test, 2, 3);
  EXPECT_EQ(r2.user_ndcg, r.user_ndcg);
  EXPECT_DOUBLE_EQ(r2.novelty, r.novelty);
}

TEST(Evaluation, BadShapesAndCutoffsAreErrors) {
  RatingMatrix m = Matrix(2, 2, {{0, 0, 4}});
  TopNLists lists;
  lists.users = 2;
  lists.n = 1;
  lists.items = {1, 1};
  lists.scores = {1, 1};
  lists.counts = {1, 1};
  EXPECT_THROW(EvaluateRanking(lists, m, m, 0), UsageError);
  EXPECT_THROW(EvaluateRanking(lists, m, m, 2), Error);
  RatingMatrix other = Matrix(3, 2, {});
  EXPECT_THROW(EvaluateRanking(lists, m, other, 1), Error);
}

TEST(Evaluation, RatingMetricsClipPredictions) {
  FactorModel model;
  model.factors = 1;
  model.users = 2;
  model.items = 2;
  model.global_mean = 3;
  model.user_factors = {1, 2};
  model.item_factors = {0.5f, 4};  // user 1 x item 1: 3 + 8 = 11 -> clipped to 5
  RatingMatrix test = Matrix(2, 2, {{0, 0, 4}, {1, 1, 4}, {1, 0, 3}});
  RatingReport r = EvaluateRatings(model, test);
  // Errors: u0,i0: 3.5 - 4 = -0.5; u1,i0: 4 - 3 = 1; u1,i1: 5 - 4 = 1.
  EXPECT_EQ(r.ratings, 3);
  EXPECT_NEAR(r.rmse, std::sqrt((0.25 + 1 + 1) / 3), 1e-9);
  EXPECT_NEAR(r.mae, 2.5 / 3, 1e-9);
  EXPECT_NEAR(r.user_rmse[0], 0.5, 1e-6);
  EXPECT_NEAR(r.user_rmse[1], 1.0, 1e-6);
}

}  // namespace
}  // namespace movierec
