#include <gtest/gtest.h>

#include "etl/transform.h"
#include "etl/validate.h"

namespace movierec {
namespace {

Movie MakeMovie(int64_t id, std::string title, int year, int64_t line) {
  Movie m;
  m.movie_id = id;
  m.title = std::move(title);
  m.year = year;
  m.line = line;
  m.genres = {"Drama"};
  return m;
}

Rating MakeRating(int32_t user, int32_t movie, float r, int64_t ts, int64_t line) {
  Rating x;
  x.user_id = user;
  x.movie_id = movie;
  x.rating = r;
  x.timestamp = ts;
  x.line = line;
  return x;
}

etl::ExtractedData Sample() {
  etl::ExtractedData d;
  d.sources = {SourceStats{"movies", "/nonexistent/Movies.csv", "test", 0, 5},
               SourceStats{"ratings", "/nonexistent/Ratings.csv", "test", 0, 8}};
  d.movies = {MakeMovie(10, "Heat", 1995, 2), MakeMovie(3, "Alien", 1979, 3),
              MakeMovie(10, "Heat again", 1995, 4), MakeMovie(11, "  heat ", 1995, 5),
              MakeMovie(12, std::string("Bad \xff byte"), 2000, 6)};
  d.ratings = {MakeRating(1, 10, 4.0f, 1000, 2), MakeRating(1, 10, 3.0f, 2000, 3),
               MakeRating(1, 10, 3.0f, 2000, 4), MakeRating(2, 3, 5.5f, 1000, 5),
               MakeRating(2, 99, 4.0f, 1000, 6), MakeRating(2, 3, 2.5f, 4102444800, 7),
               MakeRating(3, 12, 0.5f, 1000, 8), MakeRating(2, 11, 4.25f, 1000, 9)};
  return d;
}

const QualityResult* Find(const std::vector<QualityResult>& q, const std::string& rule) {
  for (const auto& r : q) {
    if (r.rule_id == rule) return &r;
  }
  return nullptr;
}

TEST(Validate, RulesQuarantineFixAndWarn) {
  etl::ExtractedData d = Sample();
  auto q = etl::Validate(d, {1700000000});
  EXPECT_EQ(Find(q, "movie.duplicate_id")->rows_failed, 1);
  EXPECT_EQ(Find(q, "movie.duplicate_title_year")->rows_failed, 1);  // "  heat " == "Heat"
  EXPECT_EQ(Find(q, "movie.duplicate_title_year")->action, "fixed");  // merged into 10
  ASSERT_EQ(d.movie_redirects.size(), 1u);
  EXPECT_EQ(d.movie_redirects[0], (std::pair<int64_t, int64_t>{11, 10}));
  EXPECT_EQ(Find(q, "rating.range")->rows_failed, 2);  // 5.5 and 4.25
  EXPECT_EQ(Find(q, "rating.future_date")->rows_failed, 1);
  EXPECT_EQ(Find(q, "rating.unknown_movie")->rows_failed, 1);
  const QualityResult* utf8 = Find(q, "text.utf8");
  ASSERT_NE(utf8, nullptr);
  EXPECT_EQ(utf8->rows_failed, 1);
  EXPECT_EQ(utf8->action, "fixed");
  EXPECT_EQ(d.movies.back().title, "Bad \xEF\xBF\xBD byte");
  EXPECT_EQ(d.movies.size(), 3u);
  EXPECT_EQ(d.ratings.size(), 4u);
  ASSERT_EQ(d.rejected.size(), 5u);
  for (const auto& r : d.rejected) {
    EXPECT_FALSE(r.rule.empty());
    EXPECT_FALSE(r.reason.empty());
    EXPECT_GT(r.line, 0);
  }
}

TEST(Validate, FieldFixesAreReportedPerRuleAndTable) {
  etl::ExtractedData d = Sample();
  d.fixes = {etl::FieldFix{"/nonexistent/Movies.csv", 3, "field.bad_date", "x"},
             etl::FieldFix{"/nonexistent/Movies.csv", 5, "field.bad_date", "y"},
             etl::FieldFix{"/nonexistent/Movies.csv", 6, "field.bad_number", "z"}};
  auto q = etl::Validate(d, {1700000000});
  const QualityResult* dates = Find(q, "field.bad_date");
  ASSERT_NE(dates, nullptr);
  EXPECT_EQ(dates->table, "movie");
  EXPECT_EQ(dates->rows_failed, 2);
  EXPECT_EQ(dates->rows_checked, 5);
  EXPECT_EQ(dates->action, "fixed");
  EXPECT_EQ(dates->sample[1], "/nonexistent/Movies.csv:5: y");
  EXPECT_EQ(Find(q, "field.bad_number")->rows_failed, 1);
}

TEST(Validate, RepairUtf8KeepsValidTextAndReplacesEachBadByte) {
  std::string ok = "Zoë 渡辺";
  EXPECT_FALSE(etl::RepairUtf8(ok));
  EXPECT_EQ(ok, "Zoë 渡辺");
  std::string bad = "a\xc3(b\xe2\x82";
  EXPECT_TRUE(etl::RepairUtf8(bad));
  EXPECT_EQ(bad, "a\xEF\xBF\xBD(b\xEF\xBF\xBD\xEF\xBF\xBD");
}

TEST(Transform, DedupesRatingsKeepsLatestAndAccountsForEveryRow) {
  etl::ExtractedData d = Sample();
  auto q = etl::Validate(d, {1700000000});
  Dataset out = etl::Transform(std::move(d), q);
  // (1,10) three times: latest date wins; equal dates: the later line.
  ASSERT_EQ(out.ratings.size(), 2u);
  EXPECT_EQ(out.ratings[0].user_id, 1);
  EXPECT_EQ(out.ratings[0].line, 4);
  EXPECT_FLOAT_EQ(out.ratings[0].rating, 3.0f);
  EXPECT_EQ(out.ratings[1].user_id, 3);
  ASSERT_EQ(out.users.size(), 2u);
  EXPECT_EQ(out.users[0].user_idx, 0);
  EXPECT_EQ(out.users[1].user_id, 3);
  // Movies sorted by id (11 merged into 10); genre vocabulary built.
  ASSERT_EQ(out.movies.size(), 3u);
  EXPECT_EQ(out.movies[0].movie_id, 3);
  EXPECT_EQ(out.genres, std::vector<std::string>{"Drama"});
  EXPECT_EQ(out.movie_genres.size(), 3u);
  EXPECT_EQ(out.sources[0].rows_merged, 1);
  for (const auto& s : out.sources) {
    EXPECT_EQ(s.rows_read, s.rows_loaded + s.rows_merged + s.rows_quarantined) << s.kind;
  }
  EXPECT_EQ(out.sources[1].rows_merged, 2);
  EXPECT_EQ(out.sources[1].rows_quarantined, 4);
}

TEST(Transform, GroupedAndShuffledInputsGiveTheSameRatings) {
  // Grouped by user (the usual file order) takes the per-user path; shuffled takes the radix path.
  auto make = [](bool shuffle) {
    etl::ExtractedData d;
    d.sources = {SourceStats{"movies", "m", "t", 0, 50}, SourceStats{"ratings", "r", "t", 0, 0}};
    for (int m = 1; m <= 50; ++m)
      d.movies.push_back(MakeMovie(m, "M" + std::to_string(m), 2000, m));
    uint64_t x = 12345;
    auto next = [&x] {
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      return x;
    };
    int64_t line = 2;
    for (int u = 1; u <= 3000; ++u) {
      int n = 1 + static_cast<int>(next() % 60);
      for (int k = 0; k < n; ++k, ++line) {
        d.ratings.push_back(MakeRating(u, 1 + static_cast<int>(next() % 50),
                                       0.5f * (1 + static_cast<float>(next() % 10)),
                                       1000 + static_cast<int64_t>(next() % 5), line));
      }
    }
    d.sources[1].rows_read = static_cast<int64_t>(d.ratings.size());
    if (shuffle) {
      for (size_t i = d.ratings.size() - 1; i > 0; --i)
        std::swap(d.ratings[i], d.ratings[next() % (i + 1)]);
    }
    return d;
  };
  Dataset a = etl::Transform(make(false), {}, 1);
  Dataset b = etl::Transform(make(false), {}, 4);
  Dataset c = etl::Transform(make(true), {}, 2);
  ASSERT_GT(a.sources[1].rows_merged, 1000);
  ASSERT_EQ(a.ratings.size(), b.ratings.size());
  ASSERT_EQ(a.ratings.size(), c.ratings.size());
  for (size_t i = 0; i < a.ratings.size(); ++i) {
    ASSERT_EQ(a.ratings[i].line, b.ratings[i].line) << i;
    ASSERT_EQ(a.ratings[i].line, c.ratings[i].line) << i;
    if (i > 0) {
      ASSERT_TRUE(a.ratings[i - 1].user_id < a.ratings[i].user_id ||
                  (a.ratings[i - 1].user_id == a.ratings[i].user_id &&
                   a.ratings[i - 1].movie_id < a.ratings[i].movie_id));
    }
  }
}

TEST(Transform, PeopleAndCastOrderAndImdbResolution) {
  etl::ExtractedData d;
  d.sources = {SourceStats{"movies", "m", "t", 0, 1}, SourceStats{"persons", "p", "t", 0, 4},
               SourceStats{"imdb", "i", "t", 0, 2}};
  d.movies = {MakeMovie(7, "The Godfather", 1972, 2)};
  d.credits = {Credit{7, 2, "a1", "Marlon Brando", 2, "Vito"},
               Credit{7, 3, "a2", "Al Pacino", 2, "Michael"},
               Credit{7, 4, "a2", "Al Pacino", 2, "Michael"},
               Credit{7, 5, "a3", "Marlon Brando", 2, "Double"}};
  ImdbMovie godfather;
  godfather.title = "the godfather";
  godfather.year = 1972;
  godfather.line = 2;
  ImdbMovie other;
  other.title = "Unknown";
  other.year = 2001;
  other.line = 3;
  d.imdb = {godfather, other};
  Dataset out = etl::Transform(std::move(d), {});
  ASSERT_EQ(out.persons.size(), 2u);
  ASSERT_EQ(out.cast.size(), 3u);
  EXPECT_EQ(out.cast[2].person_id, out.cast[0].person_id);  // same person, second role
  EXPECT_EQ(out.cast[2].cast_order, 2);
  EXPECT_EQ(out.imdb[0].movie_id, 7);
  EXPECT_FALSE(out.imdb[1].movie_id.has_value());
  EXPECT_EQ(out.sources[1].rows_merged, 1);
}

TEST(Transform, ImdbRowsEnrichMoviesWithDirectorAndStars) {
  etl::ExtractedData d;
  d.sources = {SourceStats{"movies", "m", "t", 0, 2}, SourceStats{"persons", "p", "t", 0, 1},
               SourceStats{"imdb", "i", "t", 0, 2}};
  d.movies = {MakeMovie(7, "The Godfather: Part II", 1974, 2), MakeMovie(8, "Heat", 1995, 3)};
  d.credits = {Credit{7, 2, "a1", "Al Pacino", 2, "Michael"}};
  ImdbMovie gf;  // different punctuation and a year off by one still resolve
  gf.title = "The Godfather Part II";
  gf.year = 1975;
  gf.line = 2;
  gf.director = "Francis Ford Coppola";
  gf.stars = {"Al Pacino", "Robert De Niro", "", ""};
  ImdbMovie none;
  none.title = "Heat";
  none.year = 1990;  // five years off: not the same film
  none.line = 3;
  none.director = "Nobody";
  d.imdb = {gf, none};
  Dataset out = etl::Transform(std::move(d), {});
  EXPECT_EQ(out.imdb[0].movie_id, 7);
  EXPECT_FALSE(out.imdb[1].movie_id.has_value());
  ASSERT_EQ(out.crew.size(), 1u);
  EXPECT_EQ(out.crew[0].job, "Director");
  EXPECT_EQ(out.persons[out.crew[0].person_id - 1].name, "Francis Ford Coppola");
  // Al Pacino is already in the cast (from Persons.csv); De Niro is appended after him.
  ASSERT_EQ(out.cast.size(), 2u);
  EXPECT_EQ(out.persons[out.cast[1].person_id - 1].name, "Robert De Niro");
  EXPECT_EQ(out.cast[1].cast_order, 1);
  EXPECT_EQ(out.persons.size(), 3u);  // "Nobody" belongs to an unresolved row: not added
  for (const auto& s : out.sources) {
    EXPECT_EQ(s.rows_read, s.rows_loaded + s.rows_merged + s.rows_quarantined) << s.kind;
  }
}

}  // namespace
}  // namespace movierec
