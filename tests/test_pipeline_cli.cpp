// The real binary end to end: generate → pipeline → SQLite, devices, flags and failures.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "io/matrix_files.h"
#include "io/schema.h"
#include "io/sqlite_db.h"
#include "test_support.h"

namespace movierec {
namespace {

using testing::ReadFile;
using testing::RunMovierec;
using testing::RunResult;
using testing::TempDir;
using testing::WriteFile;

// A generated data set and a config that points at it.
struct Fixture {
  TempDir dir;
  std::string config;
  std::string db;

  explicit Fixture(const std::vector<std::string>& gen_flags = {}) {
    std::vector<std::string> args = {"generate", "--out",     (dir / "data").string(),
                                     "--users",  "300",       "--movies",
                                     "200",      "--ratings", "20000",
                                     "--seed",   "3"};
    args.insert(args.end(), gen_flags.begin(), gen_flags.end());
    RunResult gen = RunMovierec(args);
    EXPECT_EQ(gen.exit_code, 0) << gen.output;
    std::filesystem::create_directories(dir / "config");
    config = (dir / "config" / "pipeline.yaml").string();
    WriteFile(config,
              "database:\n  path: ../db/movies.db\n"
              "data_sources:\n  csv_files:\n    movies: ../data/Movies.csv\n"
              "    ratings: ../data/Ratings.csv\n    persons: ../data/Persons.csv\n"
              "    imdb: ../data/imdb_top_1000.csv\n"
              "reports:\n  directory: ../reports\n");
    db = (dir / "db" / "movies.db").string();
  }

  RunResult Pipeline(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"pipeline", "--config", config, "--no-progress"};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunMovierec(args);
  }
};

int64_t Count(const std::string& db, const std::string& table) {
  io::Database d(db, io::Database::Mode::kReadOnly);
  return d.QueryInt("SELECT COUNT(*) FROM " + table);
}

std::string TableDigest(const std::string& path) {
  io::Database db(path, io::Database::Mode::kReadOnly);
  std::string out;
  for (const auto& t : io::EtlDataTables()) {
    if (t == "rejected_rows") continue;
    io::Statement s = db.Prepare("SELECT * FROM " + t + " ORDER BY 1, 2");
    while (s.Step()) {
      for (int c = 0; c < s.ColumnCount(); ++c) out += s.ColumnText(c) + "\x1f";
      out += "\n";
    }
  }
  return out;
}

size_t CountOccurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

TEST(Cli, VersionAndHelp) {
  RunResult v = RunMovierec({"--version"});
  EXPECT_EQ(v.exit_code, 0);
  EXPECT_NE(v.output.find("movierec 0."), std::string::npos) << v.output;
  RunResult h = RunMovierec({"pipeline", "--help"});
  EXPECT_EQ(h.exit_code, 0);
  EXPECT_NE(h.output.find("--stages"), std::string::npos);
  EXPECT_EQ(RunMovierec({}).exit_code, 2);
  EXPECT_EQ(RunMovierec({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(RunMovierec({"pipeline", "--log-level", "loud", "--config", "x"}).exit_code, 2);
}

TEST(Cli, GpuWithoutDeviceIsAUsageErrorAndAutoFallsBackWithOneLine) {
  Fixture f;
  RunResult gpu = f.Pipeline({"--device", "gpu"});
  // On a machine with a GPU and a CUDA build this runs; everywhere else it must say why.
  if (gpu.exit_code != 0) {
    EXPECT_EQ(gpu.exit_code, 2) << gpu.output;
    EXPECT_NE(gpu.output.find("no CUDA device available"), std::string::npos) << gpu.output;
    EXPECT_FALSE(std::filesystem::exists(f.db)) << "nothing may be written";
    RunResult autodev = f.Pipeline({"--device", "auto"});
    EXPECT_EQ(autodev.exit_code, 0) << autodev.output;
    EXPECT_EQ(CountOccurrences(autodev.output, "device auto:"), 1u) << autodev.output;
    EXPECT_NE(autodev.output.find("running on the CPU"), std::string::npos) << autodev.output;
  } else {
    GTEST_SKIP() << "a CUDA device is present; the no-device path cannot be exercised here";
  }
  EXPECT_EQ(f.Pipeline({"--device", "tpu"}).exit_code, 2);
}

TEST(Pipeline, CleanDataLoadsEveryRowAndWritesAReport) {
  Fixture f;
  RunResult r = f.Pipeline({"--device", "cpu"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(Count(f.db, "user_rating"), 20000);
  EXPECT_EQ(Count(f.db, "movie"), 200);
  EXPECT_EQ(Count(f.db, "rejected_rows"), 0);
  EXPECT_GT(Count(f.db, "person"), 0);
  EXPECT_GT(Count(f.db, "movie_cast"), 0);
  EXPECT_GT(Count(f.db, "genre"), 5);
  EXPECT_EQ(Count(f.db, "user"), 300);
  // The training matrix beside the database, stamped with the run.
  io::LoadedRatingMatrix m = io::LoadRatingMatrix(f.db);
  EXPECT_EQ(m.csr.nnz(), 20000);
  EXPECT_EQ(m.csr.rows, 300);
  EXPECT_EQ(m.manifest.run_id, 1);
  EXPECT_EQ(m.csc.nnz(), 20000);
  // Feature tables: one row per movie, user and genre, vectors in genre order.
  EXPECT_EQ(Count(f.db, "movie_features"), 200);
  EXPECT_EQ(Count(f.db, "user_profiles"), 300);
  EXPECT_EQ(Count(f.db, "genre_features"), Count(f.db, "genre"));
  {
    io::Database db(f.db, io::Database::Mode::kReadOnly);
    EXPECT_EQ(db.QueryInt("SELECT SUM(rating_count) FROM movie_features"), 20000);
    EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM movie_features WHERE json_array_length("
                          "genre_vector) != (SELECT COUNT(*) FROM genre)"),
              0);
    EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM user_profiles p JOIN user u USING (user_id) "
                          "WHERE p.rating_count != u.rating_count"),
              0);
  }
  EXPECT_EQ(Count(f.db, "etl_runs"), 1);
  {
    io::Database db(f.db, io::Database::Mode::kReadOnly);
    EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM pragma_foreign_key_check"), 0);
    EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM etl_runs WHERE status = 'success' AND "
                          "finished_at IS NOT NULL AND timings_json IS NOT NULL"),
              1);
    // Every IMDb row generated from the catalogue resolves to its movie.
    EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM imdb_movie WHERE movie_id IS NULL"), 0);
    io::Statement mode = db.Prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.Step());
    EXPECT_EQ(mode.ColumnText(0), "wal");  // readers never wait for a load
  }
  // The report: stages with timings, accounting that adds up, peak RSS.
  std::vector<std::filesystem::path> reports;
  for (const auto& e : std::filesystem::directory_iterator(f.dir / "reports")) {
    if (e.path().extension() == ".json") reports.push_back(e.path());
  }
  ASSERT_EQ(reports.size(), 1u);
  auto j = nlohmann::json::parse(ReadFile(reports[0]));
  EXPECT_EQ(j["status"], "success");
  EXPECT_GT(j["peak_rss_bytes"].get<int64_t>(), 0);
  std::vector<std::string> stages;
  for (const auto& s : j["stages"]) stages.push_back(s["name"]);
  EXPECT_EQ(stages, (std::vector<std::string>{"extract", "validate", "transform", "load", "train",
                                              "score", "finalize"}));
  EXPECT_EQ(j["models"].size(), 8u);  // 4 default algorithms trained, then scored
  for (const auto& s : j["sources"]) EXPECT_TRUE(s["accounted"].get<bool>()) << s.dump();
  EXPECT_NE(r.output.find("ratings: 20000 read, 20000 loaded"), std::string::npos) << r.output;
}

TEST(Pipeline, QuietLogsOnlyErrors) {
  Fixture f;
  RunResult r = f.Pipeline({"--quiet"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("[info]"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("movierec pipeline: success"), std::string::npos) << r.output;
  RunResult loud = f.Pipeline();
  EXPECT_NE(loud.output.find("[info]"), std::string::npos);
}

TEST(Pipeline, RerunOnTheSameInputsGivesTheSameDatabase) {
  Fixture f;
  ASSERT_EQ(f.Pipeline().exit_code, 0);
  std::string first = TableDigest(f.db);
  RunResult again = f.Pipeline({"--max-workers", "1"});
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(TableDigest(f.db), first);
  EXPECT_EQ(Count(f.db, "etl_runs"), 2);
}

TEST(Pipeline, OriginalFlagsAndStageSubsets) {
  Fixture f;
  RunResult r = f.Pipeline({"--stages", "extract", "load", "--log-level", "DEBUG"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("also running validate, transform"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("[debug]"), std::string::npos);
  EXPECT_EQ(Count(f.db, "user_rating"), 20000);
  // Extract alone touches no database.
  Fixture g;
  RunResult e = g.Pipeline({"--stages", "extract"});
  EXPECT_EQ(e.exit_code, 0) << e.output;
  EXPECT_FALSE(std::filesystem::exists(g.db));
  // Training alone needs a loaded database.
  RunResult t = g.Pipeline({"--stages", "train"});
  EXPECT_EQ(t.exit_code, 2);
  EXPECT_NE(t.output.find("no database"), std::string::npos) << t.output;
  EXPECT_EQ(g.Pipeline({"--stages", "fly"}).exit_code, 2);
}

TEST(Pipeline, ConfigErrorsExitTwoAndNameTheKey) {
  Fixture f;
  WriteFile(f.config, ReadFile(f.config) + "performance:\n  max_workers: -3\n");
  RunResult r = f.Pipeline();
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("performance.max_workers"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("pipeline.yaml:12:"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(f.db));
}

TEST(Pipeline, MissingInputFailsCleanlyAndKeepsTheDatabase) {
  Fixture f;
  ASSERT_EQ(f.Pipeline().exit_code, 0);
  std::string before = TableDigest(f.db);
  std::filesystem::rename(f.dir / "data" / "Ratings.csv", f.dir / "data" / "Ratings.old");
  RunResult r = f.Pipeline();
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("Ratings.csv does not exist"), std::string::npos) << r.output;
  EXPECT_EQ(TableDigest(f.db), before);
  // A failed run still writes its report, saying why.
  bool found_failed = false;
  for (const auto& e : std::filesystem::directory_iterator(f.dir / "reports")) {
    if (e.path().extension() != ".json") continue;
    auto j = nlohmann::json::parse(ReadFile(e.path()));
    if (j["status"] == "failed")
      found_failed = j["error"].get<std::string>().find("Ratings") != std::string::npos;
  }
  EXPECT_TRUE(found_failed);
}

}  // namespace
}  // namespace movierec
