// The SQLite store: schema, bulk load, idempotent re-runs, and atomicity under failure and kill.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "common/error.h"
#include "io/dataset_store.h"
#include "io/schema.h"
#include "test_support.h"

namespace movierec {
namespace {

using testing::TempDir;

Dataset MakeDataset(int users, int movies, int per_user, int seed) {
  Dataset d;
  for (int m = 1; m <= movies; ++m) {
    Movie mv;
    mv.movie_id = m * 3;
    mv.title = "Movie " + std::to_string(m) + " v" + std::to_string(seed);
    mv.year = 1990 + m % 30;
    mv.genres = {m % 2 ? "Drama" : "Comedy"};
    mv.production_companies = {"A", "B"};
    d.movies.push_back(mv);
  }
  d.genres = {"Comedy", "Drama"};
  for (const auto& m : d.movies)
    d.movie_genres.emplace_back(m.movie_id, m.genres[0] == "Drama" ? 2 : 1);
  d.persons = {Person{1, "Zoë", 1}, Person{2, "José", std::nullopt}};
  d.cast = {CastRow{3, 0, 1, "c1", "Hero", 2}, CastRow{3, 1, 2, "c2", "Villain", 3}};
  for (int u = 1; u <= users; ++u) {
    User usr{u, u - 1, per_user, 1000, 1000 + per_user};
    d.users.push_back(usr);
    for (int k = 0; k < per_user; ++k) {
      Rating r;
      r.user_id = u;
      r.movie_id = ((u * 7 + k) % movies + 1) * 3;
      r.rating = 0.5f * (1 + (u + k + seed) % 10);
      r.timestamp = 1000 + k;
      r.line = u * 100 + k;
      d.ratings.push_back(r);
    }
  }
  std::sort(d.ratings.begin(), d.ratings.end(), [](const Rating& a, const Rating& b) {
    return a.user_id != b.user_id ? a.user_id < b.user_id : a.movie_id < b.movie_id;
  });
  d.ratings.erase(std::unique(d.ratings.begin(), d.ratings.end(),
                              [](const Rating& a, const Rating& b) {
                                return a.user_id == b.user_id && a.movie_id == b.movie_id;
                              }),
                  d.ratings.end());
  d.rejected = {RejectedRow{"Ratings.csv", 5, "x,y", "parse.field_count", "expected 4"}};
  d.quality = {
      QualityResult{"rating.range", "user_rating", 10, 1, "quarantine", "quarantined", {"a"}}};
  return d;
}

// A digest of every ETL table's contents, to compare databases.
std::string Digest(io::Database& db) {
  std::string out;
  for (const auto& t : io::EtlDataTables()) {
    if (t == "rejected_rows") continue;  // carries the run id
    io::Statement s = db.Prepare("SELECT * FROM " + t + " ORDER BY 1, 2");
    out += t + ":";
    while (s.Step()) {
      for (int c = 0; c < s.ColumnCount(); ++c) out += s.ColumnText(c) + ",";
      out += ";";
    }
    out += "\n";
  }
  return out;
}

int64_t Count(io::Database& db, const std::string& table) {
  return db.QueryInt("SELECT COUNT(*) FROM " + table);
}

TEST(Store, LoadFillsTablesAndKeepsForeignKeys) {
  TempDir dir;
  io::Database db((dir / "t.db").string());
  io::EnsureSchema(db);
  Dataset d = MakeDataset(50, 40, 10, 1);
  int64_t run_id = 0;
  io::LoadStats st = io::LoadDataset(db, d, io::RunRecord{}, {1000, false}, &run_id);
  EXPECT_GT(run_id, 0);
  EXPECT_EQ(Count(db, "movie"), 40);
  EXPECT_EQ(Count(db, "user_rating"), static_cast<int64_t>(d.ratings.size()));
  EXPECT_EQ(Count(db, "user"), 50);
  EXPECT_EQ(Count(db, "movie_genres"), 40);
  EXPECT_EQ(Count(db, "movie_cast"), 2);
  EXPECT_EQ(Count(db, "rejected_rows"), 1);
  EXPECT_EQ(Count(db, "data_quality_reports"), 1);
  EXPECT_EQ(Count(db, "etl_runs"), 1);
  EXPECT_GT(st.rows, 0);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
  EXPECT_EQ(db.QueryInt("PRAGMA foreign_keys"), 1);
  io::Statement s = db.Prepare("SELECT name FROM person WHERE person_id = 1");
  ASSERT_TRUE(s.Step());
  EXPECT_EQ(s.ColumnText(0), "Zoë");
  // The secondary indexes exist after the load.
  EXPECT_EQ(
      db.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE type='index' AND name LIKE 'idx_%'"),
      static_cast<int64_t>(io::EtlSecondaryIndexes().size()) + 1);
}

TEST(Store, ReloadingTheSameDataGivesTheSameDatabase) {
  TempDir dir;
  io::Database db((dir / "t.db").string());
  io::EnsureSchema(db);
  Dataset d = MakeDataset(30, 20, 5, 2);
  io::LoadDataset(db, d, io::RunRecord{}, {1000, false}, nullptr);
  std::string first = Digest(db);
  io::LoadDataset(db, d, io::RunRecord{}, {1000, false}, nullptr);
  EXPECT_EQ(Digest(db), first);
  EXPECT_EQ(Count(db, "user_rating"), static_cast<int64_t>(d.ratings.size()));
  EXPECT_EQ(Count(db, "rejected_rows"), 1);  // the quarantine is the latest load's
  EXPECT_EQ(Count(db, "etl_runs"), 2);       // history keeps both runs
}

TEST(Store, AFailedLoadLeavesThePreviousContents) {
  TempDir dir;
  io::Database db((dir / "t.db").string());
  io::EnsureSchema(db);
  Dataset good = MakeDataset(30, 20, 5, 3);
  io::LoadDataset(db, good, io::RunRecord{}, {1000, false}, nullptr);
  std::string before = Digest(db);
  Dataset bad = MakeDataset(40, 25, 6, 4);
  bad.ratings.back().rating = 7.0f;  // violates the CHECK constraint at the very end
  EXPECT_THROW(io::LoadDataset(db, bad, io::RunRecord{}, {1000, false}, nullptr), Error);
  EXPECT_EQ(Digest(db), before);
  EXPECT_EQ(Count(db, "etl_runs"), 1);
}

TEST(Store, AKilledLoadLeavesThePreviousContents) {
  TempDir dir;
  const std::string path = (dir / "t.db").string();
  std::string before;
  {
    io::Database db(path);
    io::EnsureSchema(db);
    io::LoadDataset(db, MakeDataset(30, 20, 5, 5), io::RunRecord{}, {1000, false}, nullptr);
    before = Digest(db);
  }
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    io::Database db(path);
    Dataset big = MakeDataset(20000, 3000, 100, 6);  // 2M ratings: seconds of work
    io::LoadDataset(db, big, io::RunRecord{}, {1000, false}, nullptr);
    _exit(0);
  }
  // Wait until the child is writing (its WAL grows), then kill it mid-load.
  const auto wal = std::filesystem::path(path + "-wal");
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    std::error_code ec;
    if (std::filesystem::file_size(wal, ec) > 8 * 1024 * 1024) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  kill(child, SIGKILL);
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the load finished before it could be killed";
  io::Database db(path);
  EXPECT_EQ(
      db.QueryInt("SELECT COUNT(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"), 0);
  EXPECT_EQ(Digest(db), before);
}

TEST(Store, NewerSchemaVersionIsRefused) {
  TempDir dir;
  io::Database db((dir / "t.db").string());
  db.Exec("PRAGMA user_version = 99");
  EXPECT_THROW(io::EnsureSchema(db), Error);
}

TEST(Store, VersionOneDatabaseIsMigratedAndStillLoads) {
  TempDir dir;
  io::Database db((dir / "t.db").string());
  io::EnsureSchema(db);
  // Make it look like a version-1 file: no movie.language_name, no models table.
  db.Exec("ALTER TABLE movie DROP COLUMN language_name");
  db.Exec("DROP TABLE models");
  db.Exec("PRAGMA user_version = 1");
  io::EnsureSchema(db);
  EXPECT_EQ(db.QueryInt("PRAGMA user_version"), io::kSchemaVersion);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM pragma_table_info('movie') "
                        "WHERE name = 'language_name'"),
            1);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'models'"), 1);
  int64_t run_id = 0;
  io::LoadDataset(db, MakeDataset(5, 5, 2, 1), io::RunRecord{}, {}, &run_id);
  EXPECT_GT(db.QueryInt("SELECT COUNT(*) FROM movie"), 0);
}

}  // namespace
}  // namespace movierec
