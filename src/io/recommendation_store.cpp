#include "io/recommendation_store.h"

#include <limits>

#include "common/error.h"
#include "common/sparse.h"
#include "io/bulk_insert.h"

namespace movierec::io {

int64_t PublishRecommendations(Database& db, const RecommendationLists& l, int64_t created_at) {
  const auto users = static_cast<int64_t>(l.user_ids.size());
  if (static_cast<int64_t>(l.counts.size()) != users ||
      static_cast<int64_t>(l.items.size()) != users * l.n ||
      static_cast<int64_t>(l.scores.size()) != users * l.n) {
    throw Error("PublishRecommendations: the " + l.algorithm + " lists do not match " +
                std::to_string(users) + " users x " + std::to_string(l.n));
  }
  // (user row, rank) of every entry to write, so the inserter can bind by position.
  std::vector<std::pair<int64_t, int32_t>> rows;
  for (int64_t u = 0; u < users; ++u) {
    if (l.user_ids[static_cast<size_t>(u)] == kVacantId) continue;
    for (int32_t r = 0; r < l.counts[static_cast<size_t>(u)]; ++r) rows.emplace_back(u, r);
  }
  Transaction tx(db);
  {
    Statement del = db.Prepare("DELETE FROM user_recommendations WHERE algorithm = ?");
    del.Bind(1, std::string_view(l.algorithm));
    del.Run();
    Statement cache = db.Prepare("DELETE FROM recommendation_cache WHERE algorithm = ?");
    cache.Bind(1, std::string_view(l.algorithm));
    cache.Run();
  }
  BulkInserter(db,
               "user_recommendations (user_id, algorithm, rank, movie_id, score, model_id, "
               "created_at)",
               7)
      .InsertAll(
          rows.size(),
          [&](Statement& s, int p, size_t i) {
            const auto [u, r] = rows[i];
            const size_t at = static_cast<size_t>(u * l.n + r);
            const int32_t item = l.items[at];
            if (item < 0 || item >= static_cast<int32_t>(l.item_ids.size()) ||
                l.item_ids[static_cast<size_t>(item)] == kVacantId) {
              throw Error("PublishRecommendations: user row " + std::to_string(u) +
                          " lists item index " + std::to_string(item) + ", which holds no movie");
            }
            s.Bind(p, l.user_ids[static_cast<size_t>(u)]);
            s.Bind(p + 1, std::string_view(l.algorithm));
            s.Bind(p + 2, int64_t{r} + 1);
            s.Bind(p + 3, l.item_ids[static_cast<size_t>(item)]);
            s.Bind(p + 4, static_cast<double>(l.scores[at]));
            if (l.model_id > 0) {
              s.Bind(p + 5, l.model_id);
            } else {
              s.BindNull(p + 5);
            }
            s.Bind(p + 6, created_at);
          },
          nullptr);
  tx.Commit();
  return static_cast<int64_t>(rows.size());
}

std::vector<Recommendation> ReadRecommendations(Database& db, int64_t user_id,
                                                const std::string& algorithm, int n) {
  Statement s = db.Prepare(
      "SELECT rank, movie_id, score, model_id FROM user_recommendations "
      "WHERE user_id = ? AND algorithm = ? ORDER BY rank LIMIT ?");
  s.Bind(1, user_id);
  s.Bind(2, std::string_view(algorithm));
  s.Bind(3, int64_t{n});
  std::vector<Recommendation> out;
  while (s.Step()) {
    Recommendation r;
    r.rank = static_cast<int>(s.ColumnInt(0));
    r.movie_id = s.ColumnInt(1);
    r.score = s.ColumnDouble(2);
    r.model_id = s.ColumnIsNull(3) ? 0 : s.ColumnInt(3);
    out.push_back(r);
  }
  return out;
}

namespace {

void CountCache(Database& db, const std::string& algorithm, bool hit) {
  Statement s = db.Prepare(
      std::string("INSERT INTO recommendation_cache_stats (algorithm, hits, misses) VALUES (?, ?, "
                  "?) ON CONFLICT(algorithm) DO UPDATE SET ") +
      (hit ? "hits = hits + 1" : "misses = misses + 1"));
  s.Bind(1, std::string_view(algorithm));
  s.Bind(2, int64_t{hit ? 1 : 0});
  s.Bind(3, int64_t{hit ? 0 : 1});
  s.Run();
}

// Binds the cache key (user, algorithm, model, n) to parameters 1..4.
void BindCacheKey(Statement& s, int64_t user_id, const std::string& algorithm, int64_t model_id,
                  int n) {
  s.Bind(1, user_id);
  s.Bind(2, std::string_view(algorithm));
  s.Bind(3, model_id);
  s.Bind(4, int64_t{n});
}

}  // namespace

std::optional<std::string> CacheLookup(Database& db, int64_t user_id, const std::string& algorithm,
                                       int64_t model_id, int n) {
  Statement s = db.Prepare(
      "SELECT payload FROM recommendation_cache WHERE user_id = ? AND algorithm = ? AND "
      "model_id = ? AND n = ?");
  BindCacheKey(s, user_id, algorithm, model_id, n);
  if (!s.Step()) return std::nullopt;
  std::string payload = s.ColumnText(0);
  Transaction tx(db);
  Statement hit = db.Prepare(
      "UPDATE recommendation_cache SET hits = hits + 1 WHERE user_id = ? AND algorithm = ? AND "
      "model_id = ? AND n = ?");
  BindCacheKey(hit, user_id, algorithm, model_id, n);
  hit.Run();
  CountCache(db, algorithm, true);
  tx.Commit();
  return payload;
}

void CacheStore(Database& db, int64_t user_id, const std::string& algorithm, int64_t model_id,
                int n, const std::string& payload, int64_t created_at) {
  Transaction tx(db);
  Statement s = db.Prepare(
      "INSERT OR REPLACE INTO recommendation_cache (user_id, algorithm, model_id, n, payload, "
      "created_at, hits) VALUES (?,?,?,?,?,?,0)");
  BindCacheKey(s, user_id, algorithm, model_id, n);
  s.Bind(5, std::string_view(payload));
  s.Bind(6, created_at);
  s.Run();
  CountCache(db, algorithm, false);
  tx.Commit();
}

}  // namespace movierec::io
