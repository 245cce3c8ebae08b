// kernels/metrics.h: ranking metrics against hand-computed values and a brute-force reference,
// including short lists, no relevant items and k = 0; pointwise errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <set>
#include <vector>

#include "kernels/metrics.h"

namespace movierec::kernels {
namespace {

RankingMetrics Compute(const std::vector<int32_t>& ranked, const std::vector<int32_t>& relevant,
                       int k) {
  return ComputeRankingMetrics(ranked.data(), static_cast<int>(ranked.size()), relevant.data(),
                               static_cast<int64_t>(relevant.size()), k);
}

const double kInvLog2_3 = 1.0 / std::log2(3.0);  // discount of rank 2 (position 1)
const double kInvLog2_5 = 1.0 / std::log2(5.0);  // discount of rank 4 (position 3)

TEST(KernelsMetrics, HandComputedList) {
  // Hits at positions 1 (item 3) and 3 (item 1); item 4 is relevant but not recommended.
  const std::vector<int32_t> ranked = {5, 3, 8, 1, 9};
  const std::vector<int32_t> relevant = {1, 3, 4};
  const RankingMetrics m = Compute(ranked, relevant, 5);
  EXPECT_EQ(m.hits, 2);
  EXPECT_DOUBLE_EQ(m.precision, 2.0 / 5.0);
  EXPECT_DOUBLE_EQ(m.recall, 2.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.ndcg, (kInvLog2_3 + kInvLog2_5) / (1.0 + kInvLog2_3 + 0.5));
  EXPECT_DOUBLE_EQ(m.average_precision, (1.0 / 2.0 + 2.0 / 4.0) / 3.0);
  EXPECT_DOUBLE_EQ(m.hit, 1.0);
  EXPECT_NEAR(m.ndcg, 0.498189, 1e-6);
}

TEST(KernelsMetrics, CutoffShorterThanTheList) {
  const std::vector<int32_t> ranked = {5, 3, 8, 1, 9};
  const std::vector<int32_t> relevant = {1, 3, 4};
  const RankingMetrics m = Compute(ranked, relevant, 3);
  EXPECT_EQ(m.hits, 1);
  EXPECT_DOUBLE_EQ(m.precision, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.recall, 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(m.ndcg, kInvLog2_3 / (1.0 + kInvLog2_3 + 0.5));
  EXPECT_DOUBLE_EQ(m.average_precision, (1.0 / 2.0) / 3.0);
}

TEST(KernelsMetrics, FewerRecommendationsThanK) {
  // One recommendation, k = 5: the four missing positions are misses.
  const RankingMetrics m = Compute({3}, {3, 4}, 5);
  EXPECT_DOUBLE_EQ(m.precision, 1.0 / 5.0);
  EXPECT_DOUBLE_EQ(m.recall, 1.0 / 2.0);
  EXPECT_DOUBLE_EQ(m.ndcg, 1.0 / (1.0 + kInvLog2_3));
  EXPECT_DOUBLE_EQ(m.average_precision, 1.0 / 2.0);  // denominator min(5, 2)
  EXPECT_DOUBLE_EQ(m.hit, 1.0);
  const RankingMetrics empty = Compute({}, {3, 4}, 5);
  EXPECT_EQ(empty.hits, 0);
  EXPECT_DOUBLE_EQ(empty.precision, 0.0);
  EXPECT_DOUBLE_EQ(empty.ndcg, 0.0);
  EXPECT_DOUBLE_EQ(empty.hit, 0.0);
}

TEST(KernelsMetrics, NoRelevantItemsOrZeroCutoffGiveZero) {
  for (const RankingMetrics& m :
       {Compute({1, 2, 3}, {}, 3), Compute({1, 2, 3}, {1, 2}, 0), Compute({1, 2, 3}, {1, 2}, -1)}) {
    EXPECT_EQ(m.hits, 0);
    EXPECT_EQ(m.precision, 0.0);
    EXPECT_EQ(m.recall, 0.0);
    EXPECT_EQ(m.ndcg, 0.0);
    EXPECT_EQ(m.average_precision, 0.0);
    EXPECT_EQ(m.hit, 0.0);
  }
}

TEST(KernelsMetrics, PerfectRankings) {
  // All relevant items first: NDCG and AP are 1.
  const RankingMetrics m = Compute({4, 2, 9, 7}, {2, 4}, 4);
  EXPECT_DOUBLE_EQ(m.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(m.average_precision, 1.0);
  EXPECT_DOUBLE_EQ(m.recall, 1.0);
  EXPECT_DOUBLE_EQ(m.precision, 0.5);
  // More relevant items than k, all k recommended are relevant: recall k / R, the rest 1.
  const RankingMetrics big = Compute({1, 2, 3}, {1, 2, 3, 4, 5, 6}, 3);
  EXPECT_DOUBLE_EQ(big.precision, 1.0);
  EXPECT_DOUBLE_EQ(big.recall, 0.5);
  EXPECT_DOUBLE_EQ(big.ndcg, 1.0);
  EXPECT_DOUBLE_EQ(big.average_precision, 1.0);
}

TEST(KernelsMetrics, SingleFunctionsAgreeWithTheCombinedPass) {
  const std::vector<int32_t> ranked = {10, 4, 7, 2, 11, 0};
  const std::vector<int32_t> relevant = {0, 2, 7, 20};
  const int n = static_cast<int>(ranked.size());
  const RankingMetrics m = Compute(ranked, relevant, 4);
  EXPECT_EQ(PrecisionAtK(ranked.data(), n, relevant.data(), 4, 4), m.precision);
  EXPECT_EQ(RecallAtK(ranked.data(), n, relevant.data(), 4, 4), m.recall);
  EXPECT_EQ(NdcgAtK(ranked.data(), n, relevant.data(), 4, 4), m.ndcg);
  EXPECT_EQ(AveragePrecisionAtK(ranked.data(), n, relevant.data(), 4, 4), m.average_precision);
  EXPECT_EQ(HitAtK(ranked.data(), n, relevant.data(), 4, 4), m.hit);
}

TEST(KernelsMetrics, RandomListsMatchBruteForce) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 200; ++trial) {
    const int n_items = 30;
    std::vector<int32_t> all(n_items);
    std::iota(all.begin(), all.end(), 0);
    std::shuffle(all.begin(), all.end(), rng);
    const int n_ranked = static_cast<int>(rng() % 15);
    const std::vector<int32_t> ranked(all.begin(), all.begin() + n_ranked);
    std::set<int32_t> rel_set;
    const int n_rel = 1 + static_cast<int>(rng() % 10);
    while (static_cast<int>(rel_set.size()) < n_rel)
      rel_set.insert(static_cast<int32_t>(rng() % n_items));
    const std::vector<int32_t> relevant(rel_set.begin(), rel_set.end());
    const int k = 1 + static_cast<int>(rng() % 12);

    int hits = 0;
    double dcg = 0, idcg = 0, ap = 0;
    for (int i = 0; i < std::min(k, n_ranked); ++i) {
      if (rel_set.count(ranked[i])) {
        ++hits;
        dcg += 1.0 / std::log2(i + 2.0);
        ap += static_cast<double>(hits) / (i + 1);
      }
    }
    for (int i = 0; i < std::min(k, n_rel); ++i) idcg += 1.0 / std::log2(i + 2.0);
    const RankingMetrics m = Compute(ranked, relevant, k);
    EXPECT_EQ(m.hits, hits);
    EXPECT_NEAR(m.precision, static_cast<double>(hits) / k, 1e-15);
    EXPECT_NEAR(m.recall, static_cast<double>(hits) / n_rel, 1e-15);
    EXPECT_NEAR(m.ndcg, dcg / idcg, 1e-12);
    EXPECT_NEAR(m.average_precision, ap / std::min(k, n_rel), 1e-12);
    EXPECT_EQ(m.hit, hits > 0 ? 1.0 : 0.0);
  }
}

TEST(KernelsMetrics, SortedContains) {
  const std::vector<int32_t> v = {-5, 0, 3, 8, 100};
  for (int32_t x : v) EXPECT_TRUE(SortedContains(v.data(), 5, x));
  for (int32_t x : {-6, -1, 1, 4, 99, 101}) EXPECT_FALSE(SortedContains(v.data(), 5, x));
  EXPECT_FALSE(SortedContains(v.data(), 0, 0));
}

TEST(KernelsMetrics, PointwiseErrors) {
  EXPECT_DOUBLE_EQ(SquaredError(3.5f, 5.f), 2.25);
  EXPECT_DOUBLE_EQ(SquaredError(5.f, 3.5f), 2.25);
  EXPECT_DOUBLE_EQ(AbsoluteError(3.5f, 5.f), 1.5);
  EXPECT_DOUBLE_EQ(AbsoluteError(5.f, 3.5f), 1.5);
  EXPECT_DOUBLE_EQ(SquaredError(0.1f, 0.1f), 0.0);
}

}  // namespace
}  // namespace movierec::kernels
