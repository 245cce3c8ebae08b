// Dirty generated data through the whole ETL: every defect the generator injects (its
// defects.csv manifest) is caught at its file and line under the right rule, merged, or fixed;
// nothing crashes and no clean row is lost.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "io/csv_reader.h"
#include "io/sqlite_db.h"
#include "test_support.h"

namespace movierec {
namespace {

using testing::ReadFile;
using testing::RunMovierec;
using testing::RunResult;
using testing::TempDir;
using testing::WriteFile;

struct Defect {
  std::string file;
  int64_t line;
  std::string kind;
  std::string detail;
};

std::vector<Defect> ReadManifest(const std::filesystem::path& path) {
  std::string text = ReadFile(path);
  io::CsvDialect dialect;
  io::CsvHeader header = io::ReadHeader(text, dialect);
  EXPECT_EQ(header.fields, (std::vector<std::string>{"file", "line", "kind", "detail"}));
  io::CsvCursor cursor(text, header.data_pos, header.data_line, dialect);
  std::vector<Defect> out;
  io::CsvRecord rec;
  while (cursor.Next(rec)) {
    EXPECT_EQ(rec.error, nullptr);
    EXPECT_EQ(rec.fields.size(), 4u);
    if (rec.fields.size() != 4) continue;
    out.push_back(Defect{std::string(rec.fields[0]), std::stoll(std::string(rec.fields[1])),
                         std::string(rec.fields[2]), std::string(rec.fields[3])});
  }
  return out;
}

class DirtyData : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    RunResult gen =
        RunMovierec({"generate", "--out", (*dir_ / "data").string(), "--users", "800", "--movies",
                     "600", "--ratings", "60000", "--seed", "11", "--dirty-rate", "0.02"});
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    WriteFile(*dir_ / "cfg.yaml",
              "database: {path: out.db}\n"
              "data_sources: {csv_files: {movies: data/Movies.csv, ratings: data/Ratings.csv, "
              "persons: data/Persons.csv, imdb: data/imdb_top_1000.csv}}\n"
              "reports: {directory: reports}\n");
    RunResult run =
        RunMovierec({"pipeline", "--config", (*dir_ / "cfg.yaml").string(), "--no-progress"});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    for (const auto& e : std::filesystem::directory_iterator(*dir_ / "reports")) {
      if (e.path().extension() == ".json") *report_ = nlohmann::json::parse(ReadFile(e.path()));
    }
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  static std::string Path(const std::string& file) { return (*dir_ / "data" / file).string(); }
  static std::string Db() { return (*dir_ / "out.db").string(); }

  // rule of the quarantined row at (file, line), or "" when that line was not quarantined.
  static std::string RejectedRule(io::Database& db, const std::string& file, int64_t line) {
    io::Statement s =
        db.Prepare("SELECT rule FROM rejected_rows WHERE source_file = ? AND line = ?");
    std::string path = Path(file);
    s.Bind(1, std::string_view(path));
    s.Bind(2, line);
    return s.Step() ? s.ColumnText(0) : std::string();
  }

  static int64_t QualityFailed(const std::string& rule, const std::string& table) {
    for (const auto& q : (*report_)["quality"]) {
      if (q["rule_id"] == rule && q["table"] == table) return q["rows_failed"].get<int64_t>();
    }
    return 0;
  }

  static TempDir* dir_;
  static nlohmann::json* report_;
};

TempDir* DirtyData::dir_ = nullptr;
nlohmann::json* DirtyData::report_ = new nlohmann::json();

TEST_F(DirtyData, EveryQuarantinedDefectIsFoundAtItsLineUnderTheRightRule) {
  auto defects = ReadManifest(*dir_ / "data" / "defects.csv");
  ASSERT_GT(defects.size(), 50u);
  io::Database db(Db(), io::Database::Mode::kReadOnly);
  std::map<std::string, int> seen;
  for (const auto& d : defects) {
    ++seen[d.file + ":" + d.kind];
    std::string rule = RejectedRule(db, d.file, d.line);
    std::string where =
        d.file + ":" + std::to_string(d.line) + " " + d.kind + " (" + d.detail + ")";
    if (d.kind == "malformed_line") {
      EXPECT_EQ(rule.rfind("parse.", 0), 0u) << where << " rule '" << rule << "'";
    } else if (d.kind == "out_of_range_rating") {
      EXPECT_EQ(rule, "rating.range") << where;
    } else if (d.kind == "unknown_movie_id") {
      EXPECT_EQ(rule, "rating.unknown_movie") << where;
    } else if (d.kind == "missing_field") {
      EXPECT_EQ(rule, "parse.missing_field") << where;
    } else if (d.kind == "bad_date" && d.file == "Ratings.csv") {
      EXPECT_TRUE(rule == "parse.bad_date" || rule == "rating.future_date") << where << " " << rule;
    } else {
      // Duplicates merge, invalid UTF-8 and bad release dates are fixed, tricky quoting loads.
      EXPECT_EQ(rule, "") << where;
    }
  }
  for (const char* kind : {"malformed_line", "out_of_range_rating", "unknown_movie_id",
                           "duplicate_row", "duplicate_rating", "bad_date", "missing_field"}) {
    EXPECT_GT(seen[std::string("Ratings.csv:") + kind], 0) << kind << " never injected";
  }
  // Nothing is quarantined that the manifest does not list.
  io::Statement s = db.Prepare("SELECT source_file, line, rule FROM rejected_rows");
  std::set<std::pair<std::string, int64_t>> listed;
  for (const auto& d : defects) listed.emplace(Path(d.file), d.line);
  while (s.Step()) {
    EXPECT_TRUE(listed.count({s.ColumnText(0), s.ColumnInt(1)}))
        << "quarantined but not a defect: " << s.ColumnText(0) << ":" << s.ColumnInt(1) << " "
        << s.ColumnText(2);
  }
}

TEST_F(DirtyData, QuarantineCsvListsEveryRejectedRow) {
  std::string csv = ReadFile(*dir_ / "reports" / "rejected_1.csv");
  io::Database db(Db(), io::Database::Mode::kReadOnly);
  io::CsvDialect dialect;
  io::CsvHeader header = io::ReadHeader(csv, dialect);
  EXPECT_EQ(header.fields, (std::vector<std::string>{"source_file", "line", "rule", "reason", "raw"}));
  io::CsvCursor cursor(csv, header.data_pos, header.data_line, dialect);
  io::CsvRecord rec;
  int64_t rows = 0;
  while (cursor.Next(rec)) {
    ASSERT_EQ(rec.error, nullptr);
    ASSERT_EQ(rec.fields.size(), 5u);
    ++rows;
  }
  EXPECT_GT(rows, 0);
  EXPECT_EQ(rows, db.QueryInt("SELECT COUNT(*) FROM rejected_rows"));
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM rejected_rows WHERE raw = ''"), 0);
}

TEST_F(DirtyData, FixedAndMergedDefectsAreCountedUnderTheirRules) {
  auto defects = ReadManifest(*dir_ / "data" / "defects.csv");
  std::map<std::string, int64_t> n;
  for (const auto& d : defects) ++n[d.file + ":" + d.kind];
  EXPECT_EQ(QualityFailed("text.utf8", "movie"), n["Movies.csv:invalid_utf8"]);
  EXPECT_EQ(QualityFailed("text.utf8", "movie_cast"), n["Persons.csv:invalid_utf8"]);
  EXPECT_EQ(QualityFailed("field.bad_date", "movie"), n["Movies.csv:bad_date"]);
  EXPECT_EQ(QualityFailed("movie.duplicate_title_year", "movie"), n["Movies.csv:duplicate_movie"]);
  io::Database db(Db(), io::Database::Mode::kReadOnly);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM movie_redirect"), n["Movies.csv:duplicate_movie"]);
  // Ratings of a duplicate's id now point at the surviving movie.
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM user_rating r JOIN movie_redirect x "
                        "ON r.movie_id = x.old_movie_id"),
            0);
  for (const auto& s : (*report_)["sources"]) {
    EXPECT_TRUE(s["accounted"].get<bool>()) << s.dump();
    if (s["kind"] == "movies") {
      EXPECT_EQ(s["rows_merged"].get<int64_t>(), n["Movies.csv:duplicate_movie"]);
    }
    if (s["kind"] == "ratings") {
      EXPECT_EQ(s["rows_merged"].get<int64_t>(),
                n["Ratings.csv:duplicate_row"] + n["Ratings.csv:duplicate_rating"]);
    }
  }
}

TEST_F(DirtyData, NoCleanRowIsLostAndTrickyFieldsLoadIntact) {
  auto truth = nlohmann::json::parse(ReadFile(*dir_ / "data" / "ground_truth" / "truth.json"));
  auto defects = ReadManifest(*dir_ / "data" / "defects.csv");
  int64_t extra_loaded = 0;  // inserted rows that are valid: ratings of a duplicate movie
  for (const auto& d : defects) {
    if (d.file == "Ratings.csv" && d.kind == "duplicate_movie") ++extra_loaded;
  }
  io::Database db(Db(), io::Database::Mode::kReadOnly);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM user_rating"),
            truth["ratings"].get<int64_t>() + extra_loaded);
  int tricky = 0;
  for (const auto& d : defects) {
    if (d.kind != "quoted_field" || d.file != "Movies.csv") continue;
    io::Statement s = db.Prepare("SELECT title, original_title FROM movie WHERE source_line = ?");
    s.Bind(1, d.line);
    ASSERT_TRUE(s.Step()) << "tricky row at Movies.csv:" << d.line << " not loaded";
    std::string both = s.ColumnText(0) + s.ColumnText(1);
    EXPECT_NE(both.find_first_of(",\"\n"), std::string::npos) << both;
    ++tricky;
  }
  EXPECT_GT(tricky, 0);
}

}  // namespace
}  // namespace movierec
