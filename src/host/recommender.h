// `movierec recommend`'s answer for one user: from the precomputed table when it can, else
// from the cache of earlier on-the-fly answers, else computed now against the newest model and
// cached (keyed by user, algorithm, model and n).
//
// Computing now: the user's current ratings (user_rating) give the user's vector against the
// model's fixed item vectors: collaborative models fold the user in (host/trainer.h
// FoldInUser), content builds the taste profile, hybrid blends both with popularity using the
// weights and scales it was trained with; a user none of whose rated movies the model knows
// gets the popularity list. Rated movies are never recommended. Only what the model knows can
// be recommended: movies added after training appear once the model is retrained.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/sqlite_db.h"

namespace movierec {

struct RecommendRequest {
  int64_t user_id = 0;
  std::string algorithm = "collaborative";  // collaborative | als | ials | svd | content |
                                            // popularity | hybrid
  std::string collaborative = "ials";       // what "collaborative" means (models.collaborative)
  int n = 10;
  bool explain = false;  // find the nearest liked movie of each answer (loads the model)
};

struct RecommendedMovie {
  int rank = 0;
  int64_t movie_id = 0;
  double score = 0;
  std::optional<int64_t> because_movie_id;  // the user's liked movie most like this one
};

struct RecommendAnswer {
  int64_t user_id = 0;
  std::string algorithm;  // resolved (never "collaborative")
  std::string served_by;  // the algorithm whose scores these are (popularity for a fallback)
  int64_t model_id = 0;
  std::string source;  // precomputed | cache | computed
  std::vector<RecommendedMovie> movies;
};

// Throws UsageError for an unknown user or algorithm, and movierec::Error when the database
// holds no data or no model of the algorithm. `db` must be writable for the cache.
RecommendAnswer Recommend(io::Database& db, const RecommendRequest& request);

}  // namespace movierec
