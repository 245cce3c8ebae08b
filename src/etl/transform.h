// The transform stage: turns validated rows into load-ready tables: duplicate ratings merged
// (latest wins), dense indexes, the genre vocabulary, people and cast lists, IMDb rows
// resolved to movies, the feature tables, and the per-file accounting (read = loaded + merged
// + quarantined).
#pragma once

#include "common/dataset.h"
#include "etl/extract.h"

namespace movierec::etl {

struct TransformOptions {
  int workers = 1;
  int genre_min_frequency = 1;           // 1: keep every genre that occurs
  int genre_max_genres = 0;              // 0: no limit
  double bayesian_prior_count = 0;       // 0: the median rating count of rated movies
  double popularity_half_life_days = 0;  // 0: popularity without recency weighting
};

Dataset Transform(ExtractedData&& data, std::vector<QualityResult> quality,
                  const TransformOptions& options);
inline Dataset Transform(ExtractedData&& data, std::vector<QualityResult> quality,
                         int workers = 1) {
  return Transform(std::move(data), std::move(quality), TransformOptions{workers});
}

}  // namespace movierec::etl
