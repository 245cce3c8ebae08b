// Popularity: one score per item, the same list for every user; also recommend's fallback for
// users with no ratings.
#pragma once

#include <cstdint>
#include <vector>

#include "common/model_params.h"
#include "common/sparse.h"
#include "host/scoring_vectors.h"

namespace movierec {

// Per item the Bayesian-average rating
//   score_i = (C * m + sum_k w_k r_k) / (C + sum_k w_k)       (k over item i's ratings)
// where
//   w_k = 1, or with params.half_life_days = h > 0 the recency weight 0.5^(age_k / h),
//         age_k = (t_newest - t_k) / 86400 days, t_newest the newest timestamp in the matrix;
//   m   = sum w r / sum w over every rating (the plain global mean when w = 1);
//   C   = params.prior_count, or when it is 0 the median over rated items of sum_k w_k (the
//         median rating count without recency; the mean of the two middle values for an even
//         number of items). With recency C is measured in weighted counts, the unit the
//         denominator adds it to.
// An item with no ratings (or a vacant index) scores m.
struct PopularityModel {
  std::vector<float> scores;            // per item
  std::vector<double> weighted_counts;  // per item, sum_k w_k (the rating count when w = 1)
  double global_mean = 0;               // m
  double prior_count = 0;               // C as used
  std::vector<int64_t> item_ids;        // the matrix's col_ids
};

// Throws movierec::Error for a negative prior_count or half_life_days, or recency weighting
// asked of a matrix without timestamps.
PopularityModel TrainPopularity(const RatingMatrix& train, const PopularityParams& params);

// dim 1: user [1] for each of `users`, item [score_i].
ScoringVectors PopularityScoringVectors(const PopularityModel& model, int64_t users);

}  // namespace movierec
