// Every configurable quality rule: an input that passes and one that fails, plus the config
// handling of quality.rules and a blocking rule stopping the pipeline with the database intact.
#include <gtest/gtest.h>

#include <functional>

#include "common/error.h"
#include "etl/quality_rules.h"
#include "etl/transform.h"
#include "etl/validate.h"
#include "io/config.h"
#include "io/schema.h"
#include "io/sqlite_db.h"
#include "test_support.h"

namespace movierec {
namespace {

using etl::Severity;
constexpr int64_t kNow = 1700000000;  // 2023-11-14

etl::ExtractedData Clean() {
  etl::ExtractedData d;
  d.sources = {SourceStats{"movies", "M.csv", "t", 0, 2},
               SourceStats{"ratings", "R.csv", "t", 0, 4},
               SourceStats{"persons", "P.csv", "t", 0, 1}, SourceStats{"imdb", "I.csv", "t", 0, 1}};
  for (int i = 1; i <= 2; ++i) {
    Movie m;
    m.movie_id = i;
    m.line = i + 1;
    m.title = "Film " + std::to_string(i);
    m.original_title = m.title;
    m.original_language = "fr-Français";
    m.year = 1990;
    m.runtime = 100;
    m.budget = 1000;
    m.genres = {"Drama"};
    d.movies.push_back(m);
  }
  int64_t line = 2;
  for (int u = 1; u <= 2; ++u) {
    for (int m = 1; m <= 2; ++m) {
      Rating r;
      r.user_id = u;
      r.movie_id = m;
      r.rating = 1.5f + u + m * 0.5f;
      r.timestamp = 1300000000 + line;
      r.line = line++;
      d.ratings.push_back(r);
    }
  }
  d.credits = {Credit{1, 2, "52fe420dc3a36847f800012d", "Zoë", 1, "Hero"}};
  ImdbMovie im;
  im.line = 2;
  im.title = "Film 1";
  im.year = 1990;
  im.imdb_rating = 8.1;
  im.meta_score = 70;
  d.imdb = {im};
  return d;
}

etl::ValidateOptions Options() {
  etl::ValidateOptions o;
  o.now = kNow;
  return o;
}

int64_t Failed(const std::vector<QualityResult>& q, const std::string& rule) {
  int64_t n = -1;
  for (const auto& r : q) {
    if (r.rule_id == rule) n = std::max<int64_t>(n, 0) + r.rows_failed;
  }
  return n;
}

struct RowCase {
  const char* rule;
  std::function<void(etl::ExtractedData&)> spoil;
};

void PrintTo(const RowCase& c, std::ostream* os) { *os << c.rule; }

class RowRules : public ::testing::TestWithParam<RowCase> {};

TEST_P(RowRules, CleanPassesAndSpoiledFails) {
  const RowCase& c = GetParam();
  etl::ExtractedData clean = Clean();
  auto q = etl::Validate(clean, Options());
  EXPECT_LE(Failed(q, c.rule), 0) << c.rule << " fails on clean data";  // -1: nothing to report
  etl::ExtractedData dirty = Clean();
  c.spoil(dirty);
  auto q2 = etl::Validate(dirty, Options());
  EXPECT_GE(Failed(q2, c.rule), 1) << c.rule << " misses its defect";
}

INSTANTIATE_TEST_SUITE_P(
    Quality, RowRules,
    ::testing::Values(
        RowCase{"table.non_empty", [](auto& d) { d.ratings.clear(); }},
        RowCase{"text.utf8", [](auto& d) { d.movies[0].title = "Bad \xff"; }},
        RowCase{"movie.title", [](auto& d) { d.movies[0].title = "Two  spaces\t"; }},
        RowCase{"movie.duplicate_id", [](auto& d) { d.movies[1].movie_id = 1; }},
        RowCase{"movie.duplicate_title_year", [](auto& d) { d.movies[1].title = " film 1"; }},
        // Clean: "Film 1" and "Film 2" differ in a number (the sequel guard).
        RowCase{"movie.fuzzy_title", [](auto& d) { d.movies[1].title = "Flim 1"; }},
        RowCase{"movie.year_range", [](auto& d) { d.movies[0].year = 1500; }},
        RowCase{"movie.runtime_range", [](auto& d) { d.movies[0].runtime = 5000; }},
        RowCase{"movie.money_range", [](auto& d) { d.movies[0].budget = -5; }},
        RowCase{"movie.language_code", [](auto& d) { d.movies[0].original_language = "French"; }},
        RowCase{"movie.completeness",
                [](auto& d) {
                  for (auto& m : d.movies) m.runtime.reset();
                }},
        RowCase{"field.bad_date",
                [](auto& d) {
                  d.fixes.push_back({"M.csv", 2, "field.bad_date", "x"});
                }},
        RowCase{"field.bad_number",
                [](auto& d) {
                  d.fixes.push_back({"M.csv", 2, "field.bad_number", "x"});
                }},
        RowCase{"field.bad_code",
                [](auto& d) {
                  d.fixes.push_back({"P.csv", 2, "field.bad_code", "x"});
                }},
        RowCase{"rating.range", [](auto& d) { d.ratings[0].rating = 4.25f; }},
        RowCase{"rating.future_date", [](auto& d) { d.ratings[0].timestamp = kNow + 9 * 86400; }},
        RowCase{"rating.unknown_movie", [](auto& d) { d.ratings[0].movie_id = 77; }},
        RowCase{"rating.dangling_share",
                [](auto& d) {
                  for (auto& r : d.ratings) r.movie_id = 77;
                }},
        RowCase{"rating.before_release", [](auto& d) { d.ratings[0].timestamp = 100; }},
        RowCase{"person.unknown_movie", [](auto& d) { d.credits[0].movie_id = 77; }},
        RowCase{"person.cast_id_format", [](auto& d) { d.credits[0].cast_id = "nm0000123"; }},
        RowCase{"imdb.rating_range", [](auto& d) { d.imdb[0].imdb_rating = 11.0; }},
        RowCase{"imdb.meta_score_range", [](auto& d) { d.imdb[0].meta_score = 101; }},
        RowCase{"tag.unknown_movie",
                [](auto& d) {
                  d.sources.push_back(SourceStats{"tags", "T.csv", "t", 0, 1});
                  d.tags.push_back(Tag{0, 2, 1, 77, "fun"});
                }},
        RowCase{"link.unknown_movie",
                [](auto& d) {
                  d.sources.push_back(SourceStats{"links", "L.csv", "t", 0, 1});
                  d.links.push_back(etl::Link{2, 77, "tt1", std::nullopt});
                }}),
    [](const auto& p) {
      std::string n = p.param.rule;
      for (auto& ch : n) ch = ch == '.' ? '_' : ch;
      return n;
    });

struct TableCase {
  const char* rule;
  std::function<void(Dataset&, etl::ValidateOptions&)> spoil;
};

void PrintTo(const TableCase& c, std::ostream* os) { *os << c.rule; }

class TableRules : public ::testing::TestWithParam<TableCase> {};

TEST_P(TableRules, CleanPassesAndSpoiledFails) {
  const TableCase& c = GetParam();
  auto run = [&](bool spoil) {
    etl::ExtractedData e = Clean();
    etl::ValidateOptions o = Options();
    auto q = etl::Validate(e, o);
    Dataset d = etl::Transform(std::move(e), q);
    o.previous.movies = 2;
    o.previous.ratings = 4;
    o.previous.rating_histogram = etl::RatingHistogram(d.ratings);
    if (spoil) c.spoil(d, o);
    return Failed(etl::ValidateDataset(d, o), c.rule);
  };
  EXPECT_LE(run(false), 0) << c.rule << " fails on clean data";
  EXPECT_GE(run(true), 1) << c.rule << " misses its defect";
}

INSTANTIATE_TEST_SUITE_P(
    Quality, TableRules,
    ::testing::Values(
        TableCase{"rating.duplicate", [](Dataset& d, auto&) { d.sources[1].rows_merged = 3; }},
        TableCase{"table.row_count",
                  [](Dataset&, etl::ValidateOptions& o) {
                    o.rules.SetParam("table.row_count", "min_rows", 10);
                  }},
        TableCase{"table.row_count_change",
                  [](Dataset&, etl::ValidateOptions& o) { o.previous.ratings = 400; }},
        TableCase{"rating.distribution",
                  [](Dataset& d, auto&) {
                    for (auto& r : d.ratings) r.rating = 5.0f;
                  }},
        TableCase{"rating.histogram_drift",
                  [](Dataset&, etl::ValidateOptions& o) {
                    o.previous.rating_histogram = {1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
                  }},
        TableCase{"rating.freshness",
                  [](Dataset&, etl::ValidateOptions& o) {
                    o.rules.SetParam("rating.freshness", "max_age_days", 30);
                  }},
        TableCase{"user.max_ratings",
                  [](Dataset&, etl::ValidateOptions& o) {
                    o.rules.SetParam("user.max_ratings", "max", 1);
                  }},
        TableCase{"user.min_ratings",
                  [](Dataset&, etl::ValidateOptions& o) {
                    o.rules.SetParam("user.min_ratings", "min", 3);
                    o.rules.SetParam("user.min_ratings", "max_share", 0.5);
                  }},
        TableCase{"imdb.unmatched", [](Dataset& d, auto&) { d.imdb[0].movie_id.reset(); }}),
    [](const auto& p) {
      std::string n = p.param.rule;
      for (auto& ch : n) ch = ch == '.' ? '_' : ch;
      return n;
    });

TEST(QualityRules, RegistryHasAtLeast25RulesAndEveryOneIsTested) {
  EXPECT_GE(etl::RuleRegistry().size(), 25u);
  for (const auto& r : etl::RuleRegistry()) {
    EXPECT_FALSE(r.allowed.empty()) << r.id;
    EXPECT_NE(std::find(r.allowed.begin(), r.allowed.end(), r.default_severity), r.allowed.end())
        << r.id << ": default severity not allowed";
  }
}

TEST(QualityRules, SeverityDecidesTheAction) {
  // quarantine (default) moves the row out; fail keeps it and reports a failure.
  etl::ExtractedData d = Clean();
  d.ratings[0].rating = 9.0f;
  auto q = etl::Validate(d, Options());
  EXPECT_EQ(d.ratings.size(), 3u);
  EXPECT_EQ(etl::FirstFailure(q), nullptr);
  etl::ExtractedData f = Clean();
  f.ratings[0].rating = 9.0f;
  etl::ValidateOptions o = Options();
  o.rules.Set("rating.range", true, Severity::kFail);
  auto qf = etl::Validate(f, o);
  ASSERT_NE(etl::FirstFailure(qf), nullptr);
  EXPECT_EQ(etl::FirstFailure(qf)->rule_id, "rating.range");
  // fix repairs; warn leaves the value.
  etl::ExtractedData w = Clean();
  w.movies[0].runtime = 5000;
  o.rules.Set("movie.runtime_range", true, Severity::kWarn);
  etl::Validate(w, o);
  EXPECT_EQ(w.movies[0].runtime, 5000);
  etl::ExtractedData x = Clean();
  x.movies[0].runtime = 5000;
  etl::Validate(x, Options());
  EXPECT_FALSE(x.movies[0].runtime.has_value());
  // disabled: not evaluated at all.
  etl::ExtractedData off = Clean();
  off.movies[0].runtime = 5000;
  o.rules.Set("movie.runtime_range", false, Severity::kWarn);
  EXPECT_EQ(Failed(etl::Validate(off, o), "movie.runtime_range"), -1);
}

TEST(QualityRules, ConfigSettingsAreCheckedWithKeyAndLine) {
  testing::TempDir dir;
  auto load = [&](const std::string& rules) {
    testing::WriteFile(dir / "c.yaml",
                       "data_sources: {csv_files: {movies: m.csv, ratings: r.csv}}\n"
                       "quality:\n  rules:\n" +
                           rules);
    auto cfg = io::LoadConfig(dir / "c.yaml");
    return etl::RuleSet::FromConfig(cfg.quality_rules, (dir / "c.yaml").string());
  };
  auto set = load(
      "    rating.range: {severity: fail}\n"
      "    movie.runtime_range:\n      max_minutes: 400\n      enabled: false\n");
  EXPECT_EQ(set.SeverityOf("rating.range"), Severity::kFail);
  EXPECT_FALSE(set.Enabled("movie.runtime_range"));
  EXPECT_EQ(set.Param("movie.runtime_range", "max_minutes"), 400);
  auto error = [&](const std::string& rules) {
    try {
      load(rules);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(
      error("    no.such_rule: {severity: warn}\n").find("c.yaml:4: quality.rules.no.such_rule"),
      std::string::npos);
  std::string msg = error("    rating.range:\n      severity: warn\n");
  EXPECT_NE(msg.find("c.yaml:5: quality.rules.rating.range.severity"), std::string::npos) << msg;
  EXPECT_NE(msg.find("quarantine, fail"), std::string::npos) << msg;
  EXPECT_NE(error("    movie.runtime_range: {max_minutes: -4}\n").find("out of range"),
            std::string::npos);
  EXPECT_NE(error("    movie.runtime_range: {maxminutes: 4}\n").find("unknown key"),
            std::string::npos);
  EXPECT_NE(error("    rating.range: {enabled: false}\n").find("cannot be disabled"),
            std::string::npos);
}

TEST(QualityRules, BlockingRuleExitsThreeAndLeavesTheDatabaseByteForByte) {
  testing::TempDir dir;
  auto gen = testing::RunMovierec({"generate", "--out", (dir / "data").string(), "--users", "200",
                                   "--movies", "150", "--ratings", "8000", "--seed", "5",
                                   "--dirty-rate", "0.02"});
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  const std::string base =
      "database: {path: out.db}\n"
      "data_sources: {csv_files: {movies: data/Movies.csv, ratings: data/Ratings.csv}}\n"
      "reports: {directory: reports}\n";
  testing::WriteFile(dir / "ok.yaml", base);
  testing::WriteFile(dir / "strict.yaml",
                     base + "quality:\n  rules:\n    rating.range: {severity: fail}\n");
  auto ok = testing::RunMovierec({"pipeline", "--config", (dir / "ok.yaml").string(), "-q"});
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  const std::string before = testing::ReadFile(dir / "out.db");
  auto strict = testing::RunMovierec({"pipeline", "--config", (dir / "strict.yaml").string()});
  EXPECT_EQ(strict.exit_code, 3) << strict.output;
  EXPECT_NE(strict.output.find("quality rule rating.range"), std::string::npos) << strict.output;
  EXPECT_EQ(testing::ReadFile(dir / "out.db"), before) << "the database file changed";
}

}  // namespace
}  // namespace movierec
