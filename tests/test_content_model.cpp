// The content model (host/content_model.h): item vectors from genres, people, decade and
// language; user profiles as cosine-ready unit vectors; and reading the catalog from SQLite
// (io/content_catalog_store.h).
#include <gtest/gtest.h>

#include <cmath>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "common/sparse.h"
#include "host/content_model.h"
#include "host/topn.h"
#include "io/content_catalog_store.h"
#include "io/schema.h"
#include "test_support.h"

namespace movierec {
namespace {

ContentItem Item(std::vector<int64_t> genres, std::vector<int64_t> directors,
                 std::vector<int64_t> cast, int year, std::string language) {
  ContentItem it;
  it.genre_ids = std::move(genres);
  it.director_ids = std::move(directors);
  it.cast_ids = std::move(cast);
  it.release_year = year;
  it.language = std::move(language);
  return it;
}

double Cosine(const ContentModel& m, int64_t a, int64_t b) {
  double s = 0;
  for (int k = 0; k < m.layout.dim; ++k) s += double(m.ItemRow(a)[k]) * m.ItemRow(b)[k];
  return s;
}

double Norm(const float* v, int n) {
  double s = 0;
  for (int k = 0; k < n; ++k) s += double(v[k]) * v[k];
  return std::sqrt(s);
}

RatingMatrix MakeMatrix(int64_t rows, int64_t cols,
                        std::vector<std::tuple<int, int, float>> entries) {
  std::sort(entries.begin(), entries.end());
  RatingMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(static_cast<size_t>(rows) + 1, 0);
  for (const auto& [u, i, r] : entries) {
    ++m.indptr[static_cast<size_t>(u) + 1];
    m.indices.push_back(i);
    m.values.push_back(r);
    m.timestamps.push_back(0);
  }
  for (int64_t u = 0; u < rows; ++u) m.indptr[u + 1] += m.indptr[u];
  for (int64_t u = 0; u < rows; ++u) m.row_ids.push_back(u + 1);
  for (int64_t i = 0; i < cols; ++i) m.col_ids.push_back(i + 1);
  return m;
}

// Genres: 1 Drama, 2 Crime, 3 Comedy, 4 Romance, 5 Animation.
ContentCatalog FiveMovies() {
  ContentCatalog c;
  c.items = {
      Item({1, 2}, {100}, {200, 201}, 1994, "en"),  // 0
      Item({1, 2}, {100}, {202}, 1995, "en"),       // 1: same genres, director, decade
      Item({3, 4}, {101}, {203}, 1960, "fr"),       // 2: nothing in common with 0
      Item({3, 5}, {102}, {204}, 2010, "ja"),       // 3: nothing in common with 0
      Item({1}, {103}, {201}, 1999, "en"),          // 4: one genre and one actor with 0
  };
  return c;
}

TEST(ContentModel, LayoutAndUnitVectors) {
  ContentModel m = BuildContentModel(FiveMovies(), ContentParams{});
  const ContentLayout& L = m.layout;
  EXPECT_EQ(L.genre_dims, 5);
  EXPECT_EQ(L.people_dims, kContentPeopleBuckets);
  EXPECT_EQ(L.decade_dims, kContentDecadeDims);
  EXPECT_EQ(L.language_dims, 3);
  EXPECT_FALSE(L.language_other);
  EXPECT_EQ(L.dim, 5 + 32 + 12 + 3);
  EXPECT_EQ(L.genre_slots.front(), 1);  // Drama: the most frequent genre first
  EXPECT_EQ(L.language_slots.front(), "en");
  EXPECT_LE(L.dim, 96);
  ASSERT_EQ(m.items, 5);
  for (int64_t i = 0; i < 5; ++i) EXPECT_NEAR(Norm(m.ItemRow(i), L.dim), 1.0, 1e-6);
}

TEST(ContentModel, SharedGenresAndDirectorMeanHigherCosine) {
  ContentModel m = BuildContentModel(FiveMovies(), ContentParams{});
  const double same = Cosine(m, 0, 1);
  EXPECT_GT(same, 0.8);
  EXPECT_GT(same, Cosine(m, 0, 4));
  EXPECT_GT(Cosine(m, 0, 4), Cosine(m, 0, 2));
  EXPECT_GT(same, Cosine(m, 0, 3));
  EXPECT_LT(std::abs(Cosine(m, 0, 2)), 0.05);
  EXPECT_LT(std::abs(Cosine(m, 0, 3)), 0.05);
}

TEST(ContentModel, ADirectorInCommonRaisesTheCosine) {
  ContentCatalog c;
  c.items = {
      Item({1}, {300}, {}, 1980, "en"),  // A
      Item({1}, {300}, {}, 1980, "en"),  // B: A's director
      Item({1}, {301}, {}, 1980, "en"),  // C: another director
      Item({2}, {302}, {}, 2000, "de"), Item({2}, {302}, {}, 2001, "de"),
  };
  ContentModel m = BuildContentModel(c, ContentParams{});
  EXPECT_NEAR(Cosine(m, 0, 1), 1.0, 1e-6);
  EXPECT_LT(Cosine(m, 0, 2), 0.99);
  EXPECT_GT(Cosine(m, 0, 2), 0.5);  // genre, decade and language still agree
  // Without the people block the director makes no difference.
  ContentParams no_people;
  no_people.people_weight = 0;
  ContentModel n = BuildContentModel(c, no_people);
  EXPECT_NEAR(Cosine(n, 0, 2), 1.0, 1e-6);
}

TEST(ContentModel, DecadesAreSmooth) {
  ContentCatalog c;
  c.items = {Item({}, {}, {}, 1995, ""), Item({}, {}, {}, 2003, ""), Item({}, {}, {}, 2015, ""),
             Item({}, {}, {}, 1905, ""), Item({}, {}, {}, 0, ""),    Item({}, {}, {}, 1912, "")};
  ContentModel m = BuildContentModel(c, ContentParams{});
  EXPECT_EQ(m.layout.dim, kContentDecadeDims);
  EXPECT_NEAR(Cosine(m, 0, 1), 0.445, 0.01);         // adjacent decades
  EXPECT_NEAR(Cosine(m, 0, 2), 0.062, 0.01);         // two apart
  EXPECT_NEAR(Cosine(m, 3, 5), 1.0, 1e-6);           // before 1910: the 1910s slot
  EXPECT_EQ(Norm(m.ItemRow(4), m.layout.dim), 0.0);  // unknown year: no features at all
}

TEST(ContentModel, RareLanguagesShareTheOtherSlot) {
  ContentCatalog c;
  for (int k = 0; k < 20; ++k) {
    const std::string lang = "l" + std::to_string(k);
    const int copies = k < 15 ? 3 : 1;
    for (int j = 0; j < copies; ++j) c.items.push_back(Item({}, {}, {}, 0, lang));
  }
  ContentModel m = BuildContentModel(c, ContentParams{});
  EXPECT_EQ(m.layout.language_dims, kContentMaxLanguageDims);
  EXPECT_TRUE(m.layout.language_other);
  const int64_t n = c.size();
  EXPECT_NEAR(Cosine(m, n - 1, n - 2), 1.0, 1e-6);  // l19 and l18: both "other"
  EXPECT_NEAR(Cosine(m, 0, 3), 0.0, 1e-6);          // l0 and l1
}

TEST(ContentModel, ManyGenresShareTheGenreSlots) {
  ContentCatalog c;
  for (int g = 1; g <= 40; ++g) {
    c.items.push_back(Item({g, 1 + g % 40}, {}, {}, 0, ""));
    if (g <= 10) c.items.push_back(Item({g}, {}, {}, 0, ""));  // genres 1-10 most frequent
  }
  ContentModel m = BuildContentModel(c, ContentParams{});
  EXPECT_EQ(m.layout.genre_dims, kContentMaxGenreDims);
  EXPECT_EQ(m.layout.dim, kContentMaxGenreDims);
  EXPECT_EQ(m.layout.genre_slots.front(), 1);
  for (int64_t i = 0; i < c.size(); ++i) EXPECT_NEAR(Norm(m.ItemRow(i), m.layout.dim), 1.0, 1e-6);
}

TEST(ContentModel, RejectsNegativeWeights) {
  ContentParams p;
  p.genre_weight = -1;
  EXPECT_THROW(BuildContentModel(FiveMovies(), p), Error);
}

// Dramas (1) 0-3, comedies (3) 4-7, in a few decades and languages.
ContentCatalog DramasAndComedies() {
  ContentCatalog c;
  c.items = {
      Item({1, 2}, {10}, {20, 21}, 1994, "en"), Item({1}, {11}, {21, 22}, 1972, "en"),
      Item({1, 2}, {10}, {23}, 1999, "en"),     Item({1}, {12}, {24}, 2008, "fr"),
      Item({3}, {13}, {25, 26}, 1996, "en"),    Item({3, 4}, {14}, {26}, 2004, "en"),
      Item({3}, {13}, {27}, 1998, "en"),        Item({3, 4}, {15}, {25}, 2012, "en"),
  };
  return c;
}

int64_t BestUnrated(const ScoringVectors& v, const RatingMatrix& train, int64_t u) {
  int64_t best = -1;
  double best_score = -1e300;
  for (int64_t i = 0; i < v.items; ++i) {
    bool rated = false;
    for (int64_t k = train.indptr[u]; k < train.indptr[u + 1]; ++k) rated |= train.indices[k] == i;
    if (!rated && v.Score(u, i) > best_score) {
      best_score = v.Score(u, i);
      best = i;
    }
  }
  return best;
}

TEST(ContentModel, ADramaLoverGetsADramaOnTop) {
  ContentModel m = BuildContentModel(DramasAndComedies(), ContentParams{});
  RatingMatrix train = MakeMatrix(5, 8,
                                  {// 0: loves dramas, dislikes comedies.
                                   {0, 0, 5.0f},
                                   {0, 1, 4.5f},
                                   {0, 4, 1.5f},
                                   {0, 5, 2.0f},
                                   // 1: only ever rated two dramas, both 5.
                                   {1, 0, 5.0f},
                                   {1, 1, 5.0f},
                                   // 3: rated everything it saw 2 (no liked movie).
                                   {3, 0, 2.0f},
                                   {3, 4, 2.0f},
                                   // 4: loves comedies.
                                   {4, 4, 5.0f},
                                   {4, 6, 4.0f},
                                   {4, 0, 1.0f}});
  ScoringVectors v = ContentScoringVectors(m, train, ContentParams{});
  ASSERT_EQ(v.users, 5);
  ASSERT_EQ(v.items, 8);
  ASSERT_EQ(v.dim, m.layout.dim);

  const int64_t top0 = BestUnrated(v, train, 0);
  EXPECT_EQ(top0, 2);  // the drama by the same director, same decade, same language
  EXPECT_GT(v.Score(0, 3), v.Score(0, 6));
  EXPECT_GT(v.Score(0, 3), v.Score(0, 7));
  EXPECT_NEAR(Norm(v.UserRow(0), v.dim), 1.0, 1e-6);
  for (int64_t i = 0; i < 8; ++i) EXPECT_LE(std::abs(v.Score(0, i)), 1.0 + 1e-6);

  const int64_t top1 = BestUnrated(v, train, 1);
  EXPECT_TRUE(top1 == 2 || top1 == 3) << top1;

  for (int64_t u : {2, 3}) {  // no ratings; no rating above the neutral point
    EXPECT_EQ(Norm(v.UserRow(u), v.dim), 0.0) << u;
  }
  const int64_t top4 = BestUnrated(v, train, 4);
  EXPECT_TRUE(top4 == 5 || top4 == 7) << top4;
}

TEST(ContentModel, GoesThroughTheTopNPath) {
  ContentModel m = BuildContentModel(DramasAndComedies(), ContentParams{});
  RatingMatrix train =
      MakeMatrix(2, 8, {{0, 0, 5.0f}, {0, 1, 4.5f}, {0, 4, 1.5f}, {1, 4, 5.0f}, {1, 0, 1.0f}});
  ScoringVectors v = ContentScoringVectors(m, train, ContentParams{});
  ScoringProblem problem;
  problem.user_vectors = v.user.data();
  problem.users = v.users;
  problem.item_vectors = v.item.data();
  problem.items = v.items;
  problem.dim = v.dim;
  problem.exclude = &train;
  problem.n = 3;
  TopNLists lists = ScoreTopN(Context{}, problem);
  for (int64_t u = 0; u < 2; ++u) {
    ASSERT_EQ(lists.counts[u], 3);
    EXPECT_EQ(lists.items[u * 3], BestUnrated(v, train, u)) << u;
    EXPECT_NEAR(lists.scores[u * 3], v.Score(u, lists.items[u * 3]), 1e-5);
  }
  EXPECT_EQ(lists.items[0], 2);  // the drama lover: a drama
  EXPECT_EQ(DramasAndComedies().items[lists.items[3]].genre_ids.front(), 3);  // a comedy
}

TEST(ContentModel, ProfilesDoNotDependOnWorkers) {
  ContentModel m = BuildContentModel(DramasAndComedies(), ContentParams{});
  std::vector<std::tuple<int, int, float>> e;
  for (int u = 0; u < 40; ++u) {
    for (int i = 0; i < 8; ++i) {
      if ((u * 3 + i * 5) % 4 != 0) e.emplace_back(u, i, 0.5f * (1 + (u + 2 * i) % 10));
    }
  }
  RatingMatrix train = MakeMatrix(40, 8, e);
  EXPECT_EQ(ContentUserProfiles(m, train, ContentParams{}, 1),
            ContentUserProfiles(m, train, ContentParams{}, 2));
  RatingMatrix wrong = MakeMatrix(2, 7, {});
  EXPECT_THROW(ContentUserProfiles(m, wrong, ContentParams{}), Error);
}

TEST(ContentCatalogStore, ReadsEveryTableAlignedWithTheColumns) {
  testing::TempDir dir;
  io::Database db((dir / "c.db").string());
  io::EnsureSchema(db);
  db.Exec(R"SQL(
    INSERT INTO movie (movie_id, movie_idx, title, original_language, release_year) VALUES
      (10, 0, 'Ten', 'EN ', 1994), (20, 1, 'Twenty', 'fr', NULL), (30, 2, 'Thirty', NULL, 2001);
    INSERT INTO genre (genre_id, name) VALUES (1, 'Drama'), (2, 'Crime'), (3, 'Comedy');
    INSERT INTO movie_genres (movie_id, genre_id) VALUES (10, 2), (10, 1), (20, 3);
    INSERT INTO person (person_id, name) VALUES (1, 'A'), (2, 'B'), (3, 'C'), (4, 'D'),
      (5, 'E'), (6, 'Star'), (7, 'Dir'), (8, 'Writer');
    INSERT INTO movie_cast (movie_id, cast_order, person_id) VALUES
      (10, 0, 1), (10, 1, 2), (10, 3, 3), (10, 4, 4), (10, 7, 5), (10, 9, 6), (20, 0, 5);
    INSERT INTO movie_crew (movie_id, person_id, job) VALUES
      (10, 7, 'Director'), (10, 8, 'Writer'), (30, 7, 'director');
    INSERT INTO imdb_movie (source_line, movie_id, title, director, star1, star2) VALUES
      (2, 10, 'Ten', 'Dir', 'Star', 'A'), (3, NULL, 'Unlinked', 'Dir', 'E', NULL);
  )SQL");
  const std::vector<int64_t> cols = {20, kVacantId, 10, 999, 30};
  ContentCatalog c = io::ReadContentCatalog(db, cols);
  ASSERT_EQ(c.size(), 5);

  const ContentItem& ten = c.items[2];
  EXPECT_EQ(ten.genre_ids, (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(ten.director_ids, (std::vector<int64_t>{7}));
  // The first four by cast_order (gaps in the order allowed), then the IMDb star further down.
  EXPECT_EQ(ten.cast_ids, (std::vector<int64_t>{1, 2, 3, 4, 6}));
  EXPECT_EQ(ten.release_year, 1994);
  EXPECT_EQ(ten.language, "en");

  const ContentItem& twenty = c.items[0];
  EXPECT_EQ(twenty.genre_ids, (std::vector<int64_t>{3}));
  EXPECT_TRUE(twenty.director_ids.empty());
  EXPECT_EQ(twenty.cast_ids, (std::vector<int64_t>{5}));
  EXPECT_EQ(twenty.release_year, 0);
  EXPECT_EQ(twenty.language, "fr");

  const ContentItem& thirty = c.items[4];
  EXPECT_EQ(thirty.director_ids, (std::vector<int64_t>{7}));
  EXPECT_EQ(thirty.release_year, 2001);
  EXPECT_TRUE(thirty.language.empty());

  for (size_t k : {size_t{1}, size_t{3}}) {  // vacant, unknown id
    const ContentItem& e = c.items[k];
    EXPECT_TRUE(e.genre_ids.empty() && e.director_ids.empty() && e.cast_ids.empty());
    EXPECT_EQ(e.release_year, 0);
    EXPECT_TRUE(e.language.empty());
  }

  // The catalog feeds the model directly.
  ContentModel m = BuildContentModel(c, ContentParams{});
  EXPECT_EQ(m.items, 5);
  EXPECT_EQ(Norm(m.ItemRow(1), m.layout.dim), 0.0);
  EXPECT_NEAR(Norm(m.ItemRow(2), m.layout.dim), 1.0, 1e-6);
}

}  // namespace
}  // namespace movierec
