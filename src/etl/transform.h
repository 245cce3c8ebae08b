// The transform stage: turns validated rows into load-ready tables: duplicate ratings merged
// (latest wins), dense indexes, the genre vocabulary, people and cast lists, IMDb rows
// resolved to movies, the feature tables, and the per-file accounting (read = loaded + merged
// + quarantined).
#pragma once

#include <cstdint>
#include <vector>

#include "common/dataset.h"
#include "etl/extract.h"

namespace movierec::etl {

struct TransformOptions {
  int workers = 1;
  int genre_min_frequency = 1;           // 1: keep every genre that occurs
  int genre_max_genres = 0;              // 0: no limit
  double bayesian_prior_count = 0;       // 0: the median rating count of rated movies
  double popularity_half_life_days = 0;  // 0: popularity without recency weighting
  // The previous run's dense indexes: the id at each index (kVacantId for a gap), empty for a
  // first run. Ids still present keep their index; see AssignStableIndexes.
  std::vector<int64_t> previous_user_ids;
  std::vector<int64_t> previous_movie_ids;
  enum class IndexPolicy { kAuto, kKeep, kCompact };
  // kKeep: gaps left by deleted ids stay reserved; kCompact: indexes dense again (fewest ids
  // move); kAuto: keep unless the gaps would pass 10 % of a dimension.
  IndexPolicy index_policy = IndexPolicy::kAuto;
};

// "auto" | "keep" | "compact" (the config's feature_engineering.index_policy).
TransformOptions::IndexPolicy ParseIndexPolicy(const std::string& text);

Dataset Transform(ExtractedData&& data, std::vector<QualityResult> quality,
                  const TransformOptions& options);
inline Dataset Transform(ExtractedData&& data, std::vector<QualityResult> quality,
                         int workers = 1) {
  return Transform(std::move(data), std::move(quality), TransformOptions{workers});
}

}  // namespace movierec::etl
