#include "host/evaluation.h"

#include <omp.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "kernels/metrics.h"
#include "kernels/sgd.h"

namespace movierec {

RankingReport EvaluateRanking(const TopNLists& lists, const RatingMatrix& train,
                              const RatingMatrix& test, int k, int threads) {
  if (k <= 0) throw UsageError("the ranking cut-off k must be positive");
  if (lists.n < k) {
    throw Error("EvaluateRanking: lists of " + std::to_string(lists.n) + " entries for k = " +
                std::to_string(k));
  }
  if (test.rows != train.rows || test.cols != train.cols || lists.users != test.rows) {
    throw Error("EvaluateRanking: train, test and lists do not share one shape");
  }
  RankingReport r;
  r.k = k;
  for (int64_t u = 0; u < test.rows; ++u) {
    if (test.indptr[static_cast<size_t>(u) + 1] > test.indptr[static_cast<size_t>(u)]) {
      r.user_rows.push_back(u);
    }
  }
  const auto n_users = static_cast<int64_t>(r.user_rows.size());
  r.users = n_users;
  r.user_precision.resize(static_cast<size_t>(n_users));
  r.user_recall.resize(static_cast<size_t>(n_users));
  r.user_ndcg.resize(static_cast<size_t>(n_users));
  r.user_ap.resize(static_cast<size_t>(n_users));
  r.user_hit.resize(static_cast<size_t>(n_users));

  // -log2 of each item's share of train users (novelty).
  int64_t active_users = 0;
  for (int64_t u = 0; u < train.rows; ++u) {
    if (train.indptr[static_cast<size_t>(u) + 1] > train.indptr[static_cast<size_t>(u)]) {
      ++active_users;
    }
  }
  std::vector<int64_t> item_users(static_cast<size_t>(train.cols), 0);
  for (int32_t c : train.indices) ++item_users[static_cast<size_t>(c)];
  std::vector<double> self_info(static_cast<size_t>(train.cols));
  const double denom = static_cast<double>(std::max<int64_t>(active_users, 1));
  for (size_t c = 0; c < self_info.size(); ++c) {
    self_info[c] = -std::log2(static_cast<double>(std::max<int64_t>(item_users[c], 1)) / denom);
  }

  std::vector<uint8_t> recommended(static_cast<size_t>(train.cols), 0);
  double novelty_sum = 0;
  int64_t novelty_count = 0;
#pragma omp parallel for schedule(dynamic, 256) num_threads(std::max(1, threads)) \
    reduction(+ : novelty_sum, novelty_count)
  for (int64_t j = 0; j < n_users; ++j) {
    const int64_t u = r.user_rows[static_cast<size_t>(j)];
    const int64_t b = test.indptr[static_cast<size_t>(u)];
    const int64_t e = test.indptr[static_cast<size_t>(u) + 1];
    const int32_t* ranked = lists.items.data() + u * lists.n;
    const int count = std::min(k, lists.counts[static_cast<size_t>(u)]);
    const kernels::RankingMetrics m =
        kernels::ComputeRankingMetrics(ranked, count, test.indices.data() + b, e - b, k);
    r.user_precision[static_cast<size_t>(j)] = static_cast<float>(m.precision);
    r.user_recall[static_cast<size_t>(j)] = static_cast<float>(m.recall);
    r.user_ndcg[static_cast<size_t>(j)] = static_cast<float>(m.ndcg);
    r.user_ap[static_cast<size_t>(j)] = static_cast<float>(m.average_precision);
    r.user_hit[static_cast<size_t>(j)] = static_cast<float>(m.hit);
    for (int i = 0; i < count; ++i) {
      // Benign race: every writer stores the same 1.
      __atomic_store_n(&recommended[static_cast<size_t>(ranked[i])], uint8_t{1}, __ATOMIC_RELAXED);
      novelty_sum += self_info[static_cast<size_t>(ranked[i])];
      ++novelty_count;
    }
  }
  auto mean = [&](const std::vector<float>& v) {
    double s = 0;
    for (float x : v) s += x;
    return v.empty() ? 0.0 : s / static_cast<double>(v.size());
  };
  r.precision = mean(r.user_precision);
  r.recall = mean(r.user_recall);
  r.ndcg = mean(r.user_ndcg);
  r.map = mean(r.user_ap);
  r.hit_rate = mean(r.user_hit);
  int64_t catalogue = 0, covered = 0;
  for (size_t c = 0; c < recommended.size(); ++c) {
    if (train.col_ids.empty() || train.col_ids[c] != kVacantId) ++catalogue;
    covered += recommended[c];
  }
  r.coverage = catalogue ? static_cast<double>(covered) / static_cast<double>(catalogue) : 0.0;
  r.novelty = novelty_count ? novelty_sum / static_cast<double>(novelty_count) : 0.0;
  return r;
}

RatingReport EvaluateRatings(const FactorModel& model, const RatingMatrix& test, int threads) {
  if (model.users != test.rows || model.items != test.cols) {
    throw Error("EvaluateRatings: a " + std::to_string(model.users) + " x " +
                std::to_string(model.items) + " model for a " + std::to_string(test.rows) +
                " x " + std::to_string(test.cols) + " test matrix");
  }
  RatingReport r;
  for (int64_t u = 0; u < test.rows; ++u) {
    if (test.indptr[static_cast<size_t>(u) + 1] > test.indptr[static_cast<size_t>(u)]) {
      r.user_rows.push_back(u);
    }
  }
  const auto n_users = static_cast<int64_t>(r.user_rows.size());
  r.user_rmse.resize(static_cast<size_t>(n_users));
  double se = 0, ae = 0;
#pragma omp parallel for schedule(dynamic, 256) num_threads(std::max(1, threads)) \
    reduction(+ : se, ae)
  for (int64_t j = 0; j < n_users; ++j) {
    const int64_t u = r.user_rows[static_cast<size_t>(j)];
    double user_se = 0;
    const int64_t b = test.indptr[static_cast<size_t>(u)];
    const int64_t e = test.indptr[static_cast<size_t>(u) + 1];
    for (int64_t p = b; p < e; ++p) {
      const float pred = kernels::ClipRating(
          model.Predict(u, test.indices[static_cast<size_t>(p)]), 0.5f, 5.0f);
      const double err = static_cast<double>(pred) - test.values[static_cast<size_t>(p)];
      user_se += err * err;
      ae += std::fabs(err);
    }
    se += user_se;
    r.user_rmse[static_cast<size_t>(j)] = static_cast<float>(std::sqrt(user_se / double(e - b)));
  }
  r.ratings = test.nnz();
  if (r.ratings > 0) {
    r.rmse = std::sqrt(se / static_cast<double>(r.ratings));
    r.mae = ae / static_cast<double>(r.ratings);
  }
  return r;
}

}  // namespace movierec
