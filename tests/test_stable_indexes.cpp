// Dense user/movie indexes that follow the previous run's (transform + store + the pipeline),
// and the original_language split into code + name.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "common/error.h"
#include "common/sparse.h"
#include "etl/rating_matrix.h"
#include "etl/splits.h"
#include "etl/transform.h"
#include "io/matrix_files.h"
#include "io/sqlite_db.h"
#include "test_support.h"

namespace movierec {
namespace {

using testing::RunMovierec;
using testing::TempDir;
using testing::WriteFile;

etl::ExtractedData Data(const std::vector<int64_t>& movies,
                        const std::vector<std::pair<int32_t, int32_t>>& user_movie) {
  etl::ExtractedData d;
  d.sources = {SourceStats{"movies", "m.csv", "test", 0, static_cast<int64_t>(movies.size())},
               SourceStats{"ratings", "r.csv", "test", 0, static_cast<int64_t>(user_movie.size())}};
  int64_t line = 2;
  for (int64_t id : movies) {
    Movie m;
    m.movie_id = id;
    m.title = "Movie " + std::to_string(id);
    m.year = 2000;
    m.line = line++;
    d.movies.push_back(m);
  }
  line = 2;
  for (auto [u, m] : user_movie) {
    Rating r;
    r.user_id = u;
    r.movie_id = m;
    r.rating = 4;
    r.timestamp = 1000 + line;
    r.line = line++;
    d.ratings.push_back(r);
  }
  return d;
}

std::map<int64_t, int32_t> UserIndexes(const Dataset& d) {
  std::map<int64_t, int32_t> out;
  for (const auto& u : d.users) out[u.user_id] = u.user_idx;
  return out;
}

TEST(StableIndexes, FirstRunIsPositional) {
  Dataset d = etl::Transform(Data({5, 7, 9}, {{1, 5}, {4, 7}, {2, 9}}), {});
  EXPECT_EQ(UserIndexes(d), (std::map<int64_t, int32_t>{{1, 0}, {2, 1}, {4, 2}}));
  EXPECT_EQ(d.movie_idx, (std::vector<int32_t>{0, 1, 2}));
  EXPECT_EQ(d.user_index_size, 3);
  EXPECT_EQ(d.movie_index_size, 3);
}

TEST(StableIndexes, SurvivorsKeepTheirIndexNewIdsAppendGapsStay) {
  etl::TransformOptions opt;
  opt.index_policy = etl::TransformOptions::IndexPolicy::kKeep;
  // Last run: users 4, 1, 2 at 0, 1, 2; movies 9, 5, 7 at 0, 1, 2.
  opt.previous_user_ids = {4, 1, 2};
  opt.previous_movie_ids = {9, 5, 7};
  // This run: user 1 gone, user 3 new; movie 5 gone, movie 6 new.
  Dataset d = etl::Transform(Data({6, 7, 9}, {{4, 9}, {2, 7}, {3, 6}, {3, 9}}), {}, opt);
  EXPECT_EQ(UserIndexes(d), (std::map<int64_t, int32_t>{{2, 2}, {3, 3}, {4, 0}}));
  EXPECT_EQ(d.movie_idx, (std::vector<int32_t>{3, 2, 0}));  // movies sorted: 6, 7, 9
  EXPECT_EQ(d.user_index_size, 4);
  EXPECT_EQ(d.movie_index_size, 4);

  // The matrix lines up with the indexes; the gap is an empty row / column.
  RatingMatrix m = etl::BuildRatingMatrix(d);
  EXPECT_EQ(m.row_ids, (std::vector<int64_t>{4, kVacantId, 2, 3}));
  EXPECT_EQ(m.col_ids, (std::vector<int64_t>{9, kVacantId, 7, 6}));
  EXPECT_EQ(m.indptr[2] - m.indptr[1], 0);
  // User 3 (row 3) rated movies 6 (column 3) and 9 (column 0), ascending by column.
  ASSERT_EQ(m.indptr[4] - m.indptr[3], 2);
  EXPECT_EQ(m.indices[static_cast<size_t>(m.indptr[3])], 0);
  EXPECT_EQ(m.indices[static_cast<size_t>(m.indptr[3]) + 1], 3);
}

TEST(StableIndexes, AutoCompactsWhenGapsPassTenPercent) {
  etl::TransformOptions opt;  // kAuto
  opt.previous_user_ids = {10, 11, 12, 13, 14};
  // Users 10 and 11 gone: 2 gaps of 5 > 10 % -> compact: 13 and 14 move into 0 and 1... the
  // highest indexes fill the lowest gaps.
  Dataset d = etl::Transform(Data({1}, {{12, 1}, {13, 1}, {14, 1}}), {}, opt);
  EXPECT_EQ(UserIndexes(d), (std::map<int64_t, int32_t>{{12, 2}, {13, 1}, {14, 0}}));
  EXPECT_EQ(d.user_index_size, 3);

  opt.index_policy = etl::TransformOptions::IndexPolicy::kKeep;
  d = etl::Transform(Data({1}, {{12, 1}, {13, 1}, {14, 1}}), {}, opt);
  EXPECT_EQ(UserIndexes(d), (std::map<int64_t, int32_t>{{12, 2}, {13, 3}, {14, 4}}));
  EXPECT_EQ(d.user_index_size, 5);
}

TEST(StableIndexes, PolicyNamesParse) {
  EXPECT_EQ(etl::ParseIndexPolicy("compact"), etl::TransformOptions::IndexPolicy::kCompact);
  EXPECT_THROW(etl::ParseIndexPolicy("dense"), UsageError);
}

TEST(LanguageSplit, CodeAndNameColumns) {
  etl::ExtractedData d = Data({1, 2, 3, 4}, {{1, 1}});
  d.movies[0].original_language = "fr-Français";
  d.movies[1].original_language = "en";
  d.movies[2].original_language = "pt-BR";
  d.movies[3].original_language = "English";
  Dataset out = etl::Transform(std::move(d), {});
  EXPECT_EQ(out.movies[0].original_language, "fr");
  EXPECT_EQ(out.movies[0].language_name, "Français");
  EXPECT_EQ(out.movies[1].original_language, "en");
  EXPECT_EQ(out.movies[1].language_name, "");
  EXPECT_EQ(out.movies[2].original_language, "pt");
  EXPECT_EQ(out.movies[2].language_name, "");
  EXPECT_EQ(out.movies[3].original_language, "en");
  EXPECT_EQ(out.movies[3].language_name, "English");
  const QualityResult* fix = nullptr;
  for (const auto& q : out.quality) {
    if (q.rule_id == "movie.language_split") fix = &q;
  }
  ASSERT_NE(fix, nullptr);
  EXPECT_EQ(fix->rows_failed, 3);
  EXPECT_EQ(fix->action, "fixed");
  EXPECT_NE(fix->sample[0].find("'fr-Français' -> code 'fr', name 'Français'"), std::string::npos);
}

// Rewrites a Ratings.csv without the ratings of `drop_user` and with one rating by a new user.
void EditRatings(const std::filesystem::path& file, int64_t drop_user, int64_t new_user,
                 int64_t movie) {
  std::ifstream in(file);
  std::string header, line, out;
  std::getline(in, header);
  out = header + "\n";
  while (std::getline(in, line)) {
    if (line.rfind(std::to_string(drop_user) + ",", 0) == 0) continue;
    out += line + "\n";
  }
  out += std::to_string(new_user) + "," + std::to_string(movie) + ",4.0,2020-01-01\n";
  WriteFile(file, out);
}

std::map<int64_t, int64_t> DbIndexes(const std::string& db) {
  io::Database d(db, io::Database::Mode::kReadOnly);
  io::Statement s = d.Prepare("SELECT user_id, user_idx FROM user");
  std::map<int64_t, int64_t> out;
  while (s.Step()) out[s.ColumnInt(0)] = s.ColumnInt(1);
  return out;
}

TEST(StableIndexes, PipelineRerunKeepsUserIndexesAndTheMatrixFollows) {
  TempDir dir;
  auto gen = RunMovierec({"generate", "--out", (dir / "data").string(), "--users", "200",
                          "--movies", "100", "--ratings", "8000", "--seed", "5"});
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  const std::string config = (dir / "p.yaml").string();
  WriteFile(config,
            "database:\n  path: db/m.db\n"
            "data_sources:\n  csv_files:\n    movies: data/Movies.csv\n"
            "    ratings: data/Ratings.csv\n"
            "feature_engineering:\n  index_policy: keep\n"
            "reports:\n  directory: reports\n");
  auto run = RunMovierec({"pipeline", "--config", config, "--no-progress", "-q"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const std::string db = (dir / "db" / "m.db").string();
  const auto before = DbIndexes(db);
  ASSERT_GT(before.size(), 10u);
  const int64_t dropped = before.begin()->first;  // the user at some index
  int64_t first_movie = 0;
  {
    io::Database d(db, io::Database::Mode::kReadOnly);
    first_movie = d.QueryInt("SELECT MIN(movie_id) FROM movie");
  }
  EditRatings(dir / "data" / "Ratings.csv", dropped, 999999, first_movie);

  run = RunMovierec({"pipeline", "--config", config, "--no-progress", "-q"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  const auto after = DbIndexes(db);
  for (const auto& [user, idx] : before) {
    if (user == dropped) {
      EXPECT_EQ(after.count(user), 0u);
    } else {
      EXPECT_EQ(after.at(user), idx) << "user " << user;
    }
  }
  EXPECT_EQ(after.at(999999), static_cast<int64_t>(before.size()));  // fresh index, not the gap
  io::LoadedRatingMatrix m = io::LoadRatingMatrix(db);
  ASSERT_EQ(m.csr.rows, static_cast<int64_t>(before.size()) + 1);
  EXPECT_EQ(m.csr.row_ids[static_cast<size_t>(before.at(dropped))], kVacantId);
  for (const auto& [user, idx] : after) EXPECT_EQ(m.csr.row_ids[static_cast<size_t>(idx)], user);
  // The evaluation split (the default time:0.2, seed 42) is saved with the matrix.
  ASSERT_EQ(m.splits.size(), 1u);
  EXPECT_EQ(m.splits[0].spec, "time:0.2");
  EXPECT_EQ(m.splits[0].part,
            etl::AssignSplit(m.csr, etl::ParseSplitSpec("time:0.2"), m.splits[0].seed).part);
}

}  // namespace
}  // namespace movierec
