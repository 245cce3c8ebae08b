// Precomputed recommendations (user_recommendations) and the on-the-fly answers cached for
// users the precomputed table cannot serve (recommendation_cache).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "io/sqlite_db.h"

namespace movierec::io {

// All users' lists of one algorithm, as the scorer returns them: user row u has counts[u]
// entries items[u*n + r] / scores[u*n + r] (dense indexes), mapped to external ids through
// user_ids / item_ids.
struct RecommendationLists {
  std::string algorithm;
  int64_t model_id = 0;
  int n = 0;
  std::span<const int32_t> items;
  std::span<const float> scores;
  std::span<const int32_t> counts;
  std::span<const int64_t> user_ids;
  std::span<const int64_t> item_ids;
};

// Replaces the algorithm's rows of user_recommendations in one transaction (readers see the old
// lists or the new ones, never a mix) and drops the algorithm's cached answers, which the new
// model supersedes. Returns the rows written.
int64_t PublishRecommendations(Database& db, const RecommendationLists& lists, int64_t created_at);

struct Recommendation {
  int rank = 0;  // 1-based
  int64_t movie_id = 0;
  double score = 0;
  int64_t model_id = 0;
};

// The precomputed list of a user (at most n entries, by rank); empty when there is none.
std::vector<Recommendation> ReadRecommendations(Database& db, int64_t user_id,
                                                const std::string& algorithm, int n);

// A cached answer (the payload as stored) or nullopt; a hit is counted.
std::optional<std::string> CacheLookup(Database& db, int64_t user_id, const std::string& algorithm,
                                       int64_t model_id, int n);
// Stores an answer computed on a miss, and counts the miss.
void CacheStore(Database& db, int64_t user_id, const std::string& algorithm, int64_t model_id,
                int n, const std::string& payload, int64_t created_at);

}  // namespace movierec::io
