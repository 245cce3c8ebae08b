#include "host/popularity_model.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace movierec {

PopularityModel TrainPopularity(const RatingMatrix& train, const PopularityParams& params) {
  if (params.prior_count < 0 || !std::isfinite(params.prior_count)) {
    throw Error("popularity: prior_count must be >= 0 (0 = the median rating count), got " +
                std::to_string(params.prior_count));
  }
  if (params.half_life_days < 0 || !std::isfinite(params.half_life_days)) {
    throw Error("popularity: half_life_days must be >= 0 (0 = no recency weighting), got " +
                std::to_string(params.half_life_days));
  }
  const bool recency = params.half_life_days > 0;
  const int64_t nnz = train.nnz();
  if (recency && static_cast<int64_t>(train.timestamps.size()) != nnz) {
    throw Error("popularity: half_life_days is set but the rating matrix has no timestamps");
  }
  int64_t newest = 0;
  if (recency && nnz > 0)
    newest = *std::max_element(train.timestamps.begin(), train.timestamps.end());

  PopularityModel model;
  model.item_ids = train.col_ids;
  const auto items = static_cast<size_t>(train.cols);
  model.weighted_counts.assign(items, 0.0);
  std::vector<double> weighted_sum(items, 0.0);
  double total_w = 0;
  double total_wr = 0;
  const double per_day = 1.0 / 86400.0;
  for (int64_t k = 0; k < nnz; ++k) {
    const auto i = static_cast<size_t>(train.indices[static_cast<size_t>(k)]);
    const double r = train.values[static_cast<size_t>(k)];
    double w = 1.0;
    if (recency) {
      const double age_days =
          static_cast<double>(newest - train.timestamps[static_cast<size_t>(k)]) * per_day;
      w = std::exp2(-age_days / params.half_life_days);
    }
    model.weighted_counts[i] += w;
    weighted_sum[i] += w * r;
    total_w += w;
    total_wr += w * r;
  }
  model.global_mean = total_w > 0 ? total_wr / total_w : 0.0;

  if (params.prior_count > 0) {
    model.prior_count = params.prior_count;
  } else {
    std::vector<double> counts;
    counts.reserve(items);
    for (size_t i = 0; i < items; ++i) {
      if (model.weighted_counts[i] > 0) counts.push_back(model.weighted_counts[i]);
    }
    if (!counts.empty()) {
      const size_t mid = counts.size() / 2;
      std::nth_element(counts.begin(), counts.begin() + mid, counts.end());
      double median = counts[mid];
      if (counts.size() % 2 == 0) {
        median = 0.5 * (median + *std::max_element(counts.begin(), counts.begin() + mid));
      }
      model.prior_count = median;
    }
  }

  const double c = model.prior_count;
  const double m = model.global_mean;
  model.scores.resize(items);
  for (size_t i = 0; i < items; ++i) {
    const double denom = c + model.weighted_counts[i];
    model.scores[i] = static_cast<float>(denom > 0 ? (c * m + weighted_sum[i]) / denom : m);
  }
  return model;
}

ScoringVectors PopularityScoringVectors(const PopularityModel& model, int64_t users) {
  ScoringVectors v;
  v.dim = 1;
  v.users = users;
  v.items = static_cast<int64_t>(model.scores.size());
  v.user.assign(static_cast<size_t>(users), 1.0f);
  v.item = model.scores;
  return v;
}

}  // namespace movierec
