// Per-user evaluation metrics: ranking metrics at a cutoff k from one ranked recommendation list
// against the user's held-out relevant items, and the pointwise rating errors behind RMSE/MAE.
// Callers average the per-user values (over users with at least one relevant item).
//
// Inputs: ranked[0..n_ranked) is the recommendation list, best first, items distinct; only its
// first min(k, n_ranked) entries count. A list shorter than k is allowed: the missing positions
// are misses. relevant[0..n_relevant) holds the relevant item ids sorted ascending, distinct
// (binary-searched). Relevance is binary.
//
// Definitions (hits = relevant items among the first min(k, n_ranked) positions, R = n_relevant,
// positions i counted from 0):
//   precision@k = hits / k                   (k, not the list length: short lists are penalised;
//                                             implicit's ranking_metrics_at_k divides by
//                                             min(k, R) instead — we use the textbook form)
//   recall@k    = hits / R                   (standard recall; it cannot reach 1 when R > k)
//   ndcg@k      = DCG / IDCG, DCG = Σ_{hit at i} 1 / log2(i + 2),
//                 IDCG = Σ_{i < min(k, R)} 1 / log2(i + 2)   (the best list for this user)
//   AP@k        = (Σ_{hit at i} hits_so_far(i) / (i + 1)) / min(k, R)
//                                            (as implicit's ranking_metrics_at_k; MAP@k averages
//                                             it over users)
//   hit@k       = 1 when hits > 0, else 0
// Edge cases: R == 0 or k <= 0 gives 0 for every metric (such users should be skipped when
// averaging, as implicit does, rather than counted as zeros).
//
// Everything is accumulated and returned in double.
#pragma once

#include <cmath>
#include <cstdint>

#include "kernels/host_device.h"

namespace movierec::kernels {

// Whether x is in sorted[0..n) (ascending).
MOVIEREC_HD bool SortedContains(const int32_t* sorted, int64_t n, int32_t x) {
  int64_t lo = 0, hi = n;  // search [lo, hi)
  while (lo < hi) {
    const int64_t mid = lo + ((hi - lo) >> 1);
    if (sorted[mid] < x) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < n && sorted[lo] == x;
}

struct RankingMetrics {
  double precision = 0.0;
  double recall = 0.0;
  double ndcg = 0.0;
  double average_precision = 0.0;
  double hit = 0.0;
  int hits = 0;  // relevant items among the first min(k, n_ranked) positions
};

// 1 / log2(i + 2): the discount of position i (from 0).
MOVIEREC_HD double RankDiscount(int i) { return 1.0 / log2(static_cast<double>(i) + 2.0); }

// All ranking metrics at k in one pass over the list (see the header comment).
MOVIEREC_HD RankingMetrics ComputeRankingMetrics(const int32_t* ranked, int n_ranked,
                                                 const int32_t* relevant, int64_t n_relevant,
                                                 int k) {
  RankingMetrics m;
  if (n_relevant <= 0 || k <= 0) return m;
  const int considered = n_ranked < k ? (n_ranked < 0 ? 0 : n_ranked) : k;
  double dcg = 0.0, ap_sum = 0.0;
  int hits = 0;
  for (int i = 0; i < considered; ++i) {
    if (SortedContains(relevant, n_relevant, ranked[i])) {
      ++hits;
      dcg += RankDiscount(i);
      ap_sum += static_cast<double>(hits) / static_cast<double>(i + 1);
    }
  }
  const int ideal = n_relevant < k ? static_cast<int>(n_relevant) : k;
  double idcg = 0.0;
  for (int i = 0; i < ideal; ++i) idcg += RankDiscount(i);

  m.hits = hits;
  m.precision = static_cast<double>(hits) / static_cast<double>(k);
  m.recall = static_cast<double>(hits) / static_cast<double>(n_relevant);
  m.ndcg = dcg / idcg;
  m.average_precision = ap_sum / static_cast<double>(ideal);
  m.hit = hits > 0 ? 1.0 : 0.0;
  return m;
}

MOVIEREC_HD double PrecisionAtK(const int32_t* ranked, int n_ranked, const int32_t* relevant,
                                int64_t n_relevant, int k) {
  return ComputeRankingMetrics(ranked, n_ranked, relevant, n_relevant, k).precision;
}
MOVIEREC_HD double RecallAtK(const int32_t* ranked, int n_ranked, const int32_t* relevant,
                             int64_t n_relevant, int k) {
  return ComputeRankingMetrics(ranked, n_ranked, relevant, n_relevant, k).recall;
}
MOVIEREC_HD double NdcgAtK(const int32_t* ranked, int n_ranked, const int32_t* relevant,
                           int64_t n_relevant, int k) {
  return ComputeRankingMetrics(ranked, n_ranked, relevant, n_relevant, k).ndcg;
}
MOVIEREC_HD double AveragePrecisionAtK(const int32_t* ranked, int n_ranked, const int32_t* relevant,
                                       int64_t n_relevant, int k) {
  return ComputeRankingMetrics(ranked, n_ranked, relevant, n_relevant, k).average_precision;
}
MOVIEREC_HD double HitAtK(const int32_t* ranked, int n_ranked, const int32_t* relevant,
                          int64_t n_relevant, int k) {
  return ComputeRankingMetrics(ranked, n_ranked, relevant, n_relevant, k).hit;
}

// (predicted - actual)², in double: sum these for RMSE = sqrt(sum / n).
MOVIEREC_HD double SquaredError(float predicted, float actual) {
  const double d = static_cast<double>(predicted) - static_cast<double>(actual);
  return d * d;
}

// |predicted - actual|, in double: sum these for MAE = sum / n.
MOVIEREC_HD double AbsoluteError(float predicted, float actual) {
  return fabs(static_cast<double>(predicted) - static_cast<double>(actual));
}

}  // namespace movierec::kernels
