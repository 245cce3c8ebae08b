#include "io/dataset_store.h"

#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/sparse.h"
#include "io/bulk_insert.h"
#include "io/progress.h"
#include "io/schema.h"

namespace movierec::io {
namespace {

std::string JoinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : "|") + s;
  return out;
}

void BindRun(Statement& s, const RunRecord& run) {
  s.Bind(1, run.started_at);
  if (run.finished_at)
    s.Bind(2, run.finished_at);
  else
    s.BindNull(2);
  s.Bind(3, std::string_view(run.status));
  s.BindTextOrNull(4, run.config_hash);
  s.BindTextOrNull(5, run.stages);
  s.BindTextOrNull(6, run.device);
  s.BindTextOrNull(7, run.counts_json);
  s.BindTextOrNull(8, run.timings_json);
  s.BindTextOrNull(9, run.error);
  s.BindTextOrNull(10, run.report_path);
}

int64_t InsertRunRow(Database& db, const RunRecord& run) {
  Statement s = db.Prepare(
      "INSERT INTO etl_runs (started_at, finished_at, status, config_hash, stages, device, "
      "counts_json, timings_json, error, report_path) VALUES (?,?,?,?,?,?,?,?,?,?)");
  BindRun(s, run);
  s.Run();
  return db.LastInsertId();
}

void WriteCatalog(Database& db, const Dataset& d) {
  BulkInserter(
      db,
      "movie (movie_id, movie_idx, title, original_title, original_language, language_name, "
      "release_year, release_date, budget, revenue, runtime, homepage, production_companies, "
      "production_countries, spoken_languages, imdb_id, tmdb_id, source_line)",
      18)
      .InsertAll(
          d.movies.size(),
          [&](Statement& s, int p, size_t i) {
            const Movie& m = d.movies[i];
            s.Bind(p, m.movie_id);
            s.Bind(p + 1, d.movie_idx.empty() ? static_cast<int64_t>(i) : d.movie_idx[i]);
            s.Bind(p + 2, std::string_view(m.title));
            s.BindTextOrNull(p + 3, m.original_title);
            s.BindTextOrNull(p + 4, m.original_language);
            s.BindTextOrNull(p + 5, m.language_name);
            s.Bind(p + 6, m.year);
            s.BindTextOrNull(p + 7, m.release_date);
            s.Bind(p + 8, m.budget);
            s.Bind(p + 9, m.revenue);
            s.Bind(p + 10, m.runtime);
            s.BindTextOrNull(p + 11, m.homepage);
            s.BindCopy(p + 12, JoinList(m.production_companies));
            s.BindCopy(p + 13, JoinList(m.production_countries));
            s.BindCopy(p + 14, JoinList(m.spoken_languages));
            s.BindTextOrNull(p + 15, m.imdb_id);
            s.Bind(p + 16, m.tmdb_id);
            s.Bind(p + 17, m.line);
          },
          nullptr);
  BulkInserter(db, "movie_redirect (old_movie_id, movie_id)", 2)
      .InsertAll(
          d.movie_redirects.size(),
          [&](Statement& s, int p, size_t i) {
            s.Bind(p, d.movie_redirects[i].first);
            s.Bind(p + 1, d.movie_redirects[i].second);
          },
          nullptr);
  BulkInserter(db, "genre (genre_id, name)", 2)
      .InsertAll(
          d.genres.size(),
          [&](Statement& s, int p, size_t i) {
            s.Bind(p, static_cast<int64_t>(i + 1));
            s.Bind(p + 1, std::string_view(d.genres[i]));
          },
          nullptr);
  BulkInserter(db, "movie_genres (movie_id, genre_id)", 2)
      .InsertAll(
          d.movie_genres.size(),
          [&](Statement& s, int p, size_t i) {
            s.Bind(p, d.movie_genres[i].first);
            s.Bind(p + 1, d.movie_genres[i].second);
          },
          nullptr);
  BulkInserter(db, "person (person_id, name, gender)", 3)
      .InsertAll(
          d.persons.size(),
          [&](Statement& s, int p, size_t i) {
            s.Bind(p, d.persons[i].person_id);
            s.Bind(p + 1, std::string_view(d.persons[i].name));
            s.Bind(p + 2, d.persons[i].gender);
          },
          nullptr);
  BulkInserter(db, "movie_cast (movie_id, cast_order, person_id, cast_id, character, source_line)",
               6)
      .InsertAll(
          d.cast.size(),
          [&](Statement& s, int p, size_t i) {
            const CastRow& c = d.cast[i];
            s.Bind(p, c.movie_id);
            s.Bind(p + 1, c.cast_order);
            s.Bind(p + 2, c.person_id);
            s.BindTextOrNull(p + 3, c.cast_id);
            s.BindTextOrNull(p + 4, c.character);
            s.Bind(p + 5, c.line);
          },
          nullptr);
  BulkInserter(db, "movie_crew (movie_id, person_id, job)", 3)
      .InsertAll(
          d.crew.size(),
          [&](Statement& s, int p, size_t i) {
            s.Bind(p, d.crew[i].movie_id);
            s.Bind(p + 1, d.crew[i].person_id);
            s.Bind(p + 2, std::string_view(d.crew[i].job));
          },
          nullptr);
  BulkInserter(db,
               "imdb_movie (source_line, movie_id, title, release_year, certificate, runtime, "
               "genres, imdb_rating, overview, meta_score, director, star1, star2, star3, star4, "
               "votes, gross, poster_link)",
               18)
      .InsertAll(
          d.imdb.size(),
          [&](Statement& s, int p, size_t i) {
            const ImdbMovie& m = d.imdb[i];
            s.Bind(p, m.line);
            s.Bind(p + 1, m.movie_id);
            s.Bind(p + 2, std::string_view(m.title));
            s.Bind(p + 3, m.year);
            s.BindTextOrNull(p + 4, m.certificate);
            s.Bind(p + 5, m.runtime);
            s.BindCopy(p + 6, JoinList(m.genres));
            s.Bind(p + 7, m.imdb_rating);
            s.BindTextOrNull(p + 8, m.overview);
            s.Bind(p + 9, m.meta_score);
            s.BindTextOrNull(p + 10, m.director);
            for (int k = 0; k < 4; ++k) s.BindTextOrNull(p + 11 + k, m.stars[k]);
            s.Bind(p + 15, m.votes);
            s.Bind(p + 16, m.gross);
            s.BindTextOrNull(p + 17, m.poster_link);
          },
          nullptr);
}

void WriteRatings(Database& db, const Dataset& d, const LoadOptions& options) {
  BulkInserter(db, "user (user_id, user_idx, rating_count, first_rated_at, last_rated_at)", 5)
      .InsertAll(
          d.users.size(),
          [&](Statement& s, int p, size_t i) {
            const User& u = d.users[i];
            s.Bind(p, u.user_id);
            s.Bind(p + 1, u.user_idx);
            s.Bind(p + 2, u.rating_count);
            s.Bind(p + 3, u.first_rated_at);
            s.Bind(p + 4, u.last_rated_at);
          },
          nullptr);
  Progress progress("load ratings", static_cast<int64_t>(d.ratings.size()), options.progress);
  // The hot table: four columns, rows already in primary-key order so every insert appends.
  BulkInserter(db, "user_rating (user_id, movie_id, rating, rated_at)", 4)
      .InsertAll(
          d.ratings.size(),
          [&](Statement& s, int p, size_t i) {
            const Rating& r = d.ratings[i];
            s.Bind(p, r.user_id);
            s.Bind(p + 1, r.movie_id);
            s.Bind(p + 2, static_cast<double>(r.rating));
            s.Bind(p + 3, r.timestamp);
          },
          &progress);
  progress.Finish();
  BulkInserter(db, "movie_tag (user_id, movie_id, tag, tagged_at, source_line)", 5)
      .InsertAll(
          d.tags.size(),
          [&](Statement& s, int p, size_t i) {
            const Tag& t = d.tags[i];
            s.Bind(p, t.user_id);
            s.Bind(p + 1, t.movie_id);
            s.Bind(p + 2, std::string_view(t.tag));
            s.Bind(p + 3, t.timestamp);
            s.Bind(p + 4, t.line);
          },
          nullptr);
}

// Feature vectors are stored as JSON arrays of floats in genre_id order.
std::string FloatArray(const std::vector<float>& v) {
  std::string out = "[";
  char buf[32];
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    auto r = std::to_chars(buf, buf + sizeof buf, v[i]);
    out.append(buf, r.ptr);
  }
  return out + "]";
}

void WriteFeatures(Database& db, const Dataset& d) {
  BulkInserter(db,
               "movie_features (movie_id, genre_vector, release_year, runtime, language, "
               "rating_count, mean_rating, bayesian_rating, popularity, imdb_rating, meta_score)",
               11)
      .InsertAll(
          d.movie_features.size(),
          [&](Statement& s, int p, size_t i) {
            const MovieFeatures& f = d.movie_features[i];
            s.Bind(p, f.movie_id);
            s.BindCopy(p + 1, FloatArray(f.genre_vector));
            s.Bind(p + 2, f.release_year);
            s.Bind(p + 3, f.runtime);
            s.BindTextOrNull(p + 4, f.language);
            s.Bind(p + 5, f.rating_count);
            s.Bind(p + 6, f.mean_rating);
            s.Bind(p + 7, f.bayesian_rating);
            s.Bind(p + 8, f.popularity);
            s.Bind(p + 9, f.imdb_rating);
            s.Bind(p + 10, f.meta_score);
          },
          nullptr);
  BulkInserter(db,
               "user_profiles (user_id, rating_count, mean_rating, std_rating, first_rated_at, "
               "last_rated_at, genre_affinity)",
               7)
      .InsertAll(
          d.user_profiles.size(),
          [&](Statement& s, int p, size_t i) {
            const UserProfile& u = d.user_profiles[i];
            s.Bind(p, u.user_id);
            s.Bind(p + 1, u.rating_count);
            s.Bind(p + 2, u.mean_rating);
            s.Bind(p + 3, u.std_rating);
            s.Bind(p + 4, u.first_rated_at);
            s.Bind(p + 5, u.last_rated_at);
            s.BindCopy(p + 6, FloatArray(u.genre_affinity));
          },
          nullptr);
  BulkInserter(db, "genre_features (genre_id, movie_count, rating_count, mean_rating, popularity)",
               5)
      .InsertAll(
          d.genre_features.size(),
          [&](Statement& s, int p, size_t i) {
            const GenreFeatures& g = d.genre_features[i];
            s.Bind(p, g.genre_id);
            s.Bind(p + 1, g.movie_count);
            s.Bind(p + 2, g.rating_count);
            s.Bind(p + 3, g.mean_rating);
            s.Bind(p + 4, g.popularity);
          },
          nullptr);
}

void WriteQuality(Database& db, const Dataset& d, int64_t run_id) {
  BulkInserter(db, "rejected_rows (run_id, source_file, line, raw, rule, reason)", 6)
      .InsertAll(
          d.rejected.size(),
          [&](Statement& s, int p, size_t i) {
            const RejectedRow& r = d.rejected[i];
            s.Bind(p, run_id);
            s.Bind(p + 1, std::string_view(r.source));
            s.Bind(p + 2, r.line);
            s.Bind(p + 3, std::string_view(r.raw));
            s.Bind(p + 4, std::string_view(r.rule));
            s.Bind(p + 5, std::string_view(r.reason));
          },
          nullptr);
  BulkInserter(db,
               "data_quality_reports (run_id, rule_id, table_name, rows_checked, rows_failed, "
               "severity, action, sample)",
               8)
      .InsertAll(
          d.quality.size(),
          [&](Statement& s, int p, size_t i) {
            const QualityResult& q = d.quality[i];
            s.Bind(p, run_id);
            s.Bind(p + 1, std::string_view(q.rule_id));
            s.Bind(p + 2, std::string_view(q.table));
            s.Bind(p + 3, q.rows_checked);
            s.Bind(p + 4, q.rows_failed);
            s.Bind(p + 5, std::string_view(q.severity));
            s.Bind(p + 6, std::string_view(q.action));
            s.BindCopy(p + 7, q.sample.empty() ? std::string() : nlohmann::json(q.sample).dump());
          },
          nullptr);
}

}  // namespace

int64_t InsertRun(Database& db, const RunRecord& run) {
  Transaction tx(db);
  int64_t id = InsertRunRow(db, run);
  tx.Commit();
  return id;
}

void UpdateRun(Database& db, int64_t run_id, const RunRecord& run) {
  Statement s = db.Prepare(
      "UPDATE etl_runs SET started_at=?, finished_at=?, status=?, config_hash=?, stages=?, "
      "device=?, counts_json=?, timings_json=?, error=?, report_path=? WHERE run_id=?");
  BindRun(s, run);
  s.Bind(11, run_id);
  s.Run();
}

LoadStats LoadDataset(Database& db, const Dataset& d, const RunRecord& run,
                      const LoadOptions& options, int64_t* run_id_out) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  LoadStats stats;
  // Load-only settings. Integrity is guaranteed by transform (every foreign key resolves),
  // so per-row FK lookups are switched off for the load; the schema still declares them.
  db.Exec("PRAGMA foreign_keys = OFF");
  db.Exec("PRAGMA synchronous = NORMAL");
  db.Exec("PRAGMA cache_size = -262144");
  db.Exec("PRAGMA temp_store = MEMORY");
  {
    Transaction tx(db);
    const int64_t run_id = InsertRunRow(db, run);
    for (const auto& idx : EtlSecondaryIndexes()) db.Exec("DROP INDEX IF EXISTS " + idx.name);
    for (const auto& table : EtlDataTables()) db.Exec("DELETE FROM " + table);
    WriteCatalog(db, d);
    WriteRatings(db, d, options);
    WriteFeatures(db, d);
    WriteQuality(db, d, run_id);
    const auto t_index = Clock::now();
    for (const auto& idx : EtlSecondaryIndexes()) db.Exec(idx.sql);
    stats.index_seconds = std::chrono::duration<double>(Clock::now() - t_index).count();
    stats.rows = static_cast<int64_t>(
        d.movies.size() + d.genres.size() + d.movie_genres.size() + d.persons.size() +
        d.cast.size() + d.crew.size() + d.imdb.size() + d.users.size() + d.ratings.size() +
        d.tags.size() + d.movie_features.size() + d.user_profiles.size() + d.genre_features.size() +
        d.rejected.size());
    stats.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    tx.Commit();
    if (run_id_out) *run_id_out = run_id;
  }
  db.Exec("PRAGMA foreign_keys = ON");
  // Fold the WAL back into the database so readers start from a compact file.
  const auto t_ckpt = Clock::now();
  db.Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  stats.checkpoint_seconds = std::chrono::duration<double>(Clock::now() - t_ckpt).count();
  stats.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return stats;
}

StoredIndexes ReadStoredIndexes(Database& db) {
  StoredIndexes out;
  auto read = [&](const char* table, const char* id, const char* idx) {
    std::vector<int64_t> ids;
    if (db.QueryInt(std::string("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                                "name = '") +
                    table + "'") == 0) {
      return ids;
    }
    Statement s = db.Prepare(std::string("SELECT ") + id + ", " + idx + " FROM " + table);
    while (s.Step()) {
      const int64_t i = s.ColumnInt(1);
      if (i < 0 || i > INT32_MAX) {
        throw Error(std::string(table) + "." + idx + " holds " + std::to_string(i) +
                    ", not a dense index");
      }
      if (static_cast<size_t>(i) >= ids.size()) ids.resize(static_cast<size_t>(i) + 1, kVacantId);
      ids[static_cast<size_t>(i)] = s.ColumnInt(0);
    }
    return ids;
  };
  out.user_ids = read("user", "user_id", "user_idx");
  out.movie_ids = read("movie", "movie_id", "movie_idx");
  return out;
}

}  // namespace movierec::io
