// Offline evaluation on a held-out split: rating metrics (RMSE, MAE) for models that predict
// ratings, ranking metrics at K for every model, with the per-user vectors kept for A/B tests.
//
// Ranking: a user's relevant items are all of that user's test ratings (implicit-feedback
// convention, as the `implicit` library's ranking_metrics_at_k); the ranked list is the user's
// top-K over items not rated in train. Users with no test ratings are not evaluated. Definitions
// (kernels/metrics.h): Precision@K = hits / K; Recall@K = hits / |relevant|; NDCG@K with binary
// gains and log2 discounts over an ideal of min(K, |relevant|) hits; MAP@K = Σ precision at each
// hit / min(K, |relevant|); HitRate@K = 1 when any hit. Coverage = distinct items recommended to
// evaluated users / catalogue items (non-vacant columns). Novelty = mean over all recommended
// entries of -log2(share of train users who rated the item), items nobody rated counting as
// rated by one user.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/model.h"
#include "common/sparse.h"
#include "host/topn.h"

namespace movierec {

struct RankingReport {
  int k = 0;
  int64_t users = 0;  // evaluated users
  double precision = 0, recall = 0, ndcg = 0, map = 0, hit_rate = 0;
  double coverage = 0, novelty = 0;
  // Per evaluated user (same order): the user's row index and metrics.
  std::vector<int64_t> user_rows;
  std::vector<float> user_precision, user_recall, user_ndcg, user_ap, user_hit;
};

// `lists` must have been scored with train's ratings excluded and n >= k.
RankingReport EvaluateRanking(const TopNLists& lists, const RatingMatrix& train,
                              const RatingMatrix& test, int k, int threads = 1);

struct RatingReport {
  int64_t ratings = 0;
  double rmse = 0, mae = 0;
  // Per user with test ratings: row index, and that user's RMSE.
  std::vector<int64_t> user_rows;
  std::vector<float> user_rmse;
};

// Predictions clipped to [0.5, 5] (the rating scale), as Surprise clips its estimates.
RatingReport EvaluateRatings(const FactorModel& model, const RatingMatrix& test, int threads = 1);

}  // namespace movierec
