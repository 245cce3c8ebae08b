#include <gtest/gtest.h>

#include <algorithm>
#include <random>

#include "etl/genre_vocabulary.h"

namespace movierec::etl {
namespace {

Movie WithGenres(int64_t id, std::vector<std::string> genres) {
  Movie m;
  m.movie_id = id;
  m.genres = std::move(genres);
  return m;
}

TEST(GenreVocabulary, SynonymsMapToTmdbNames) {
  for (const char* s : {"Sci-Fi", "Science-Fiction", "SciFi", "science fiction", "SCI FI"}) {
    EXPECT_EQ(CanonicalGenre(s), "Science Fiction") << s;
  }
  for (const char* s : {"Children's", "Children", "Kids", "family"}) {
    EXPECT_EQ(CanonicalGenre(s), "Family") << s;
  }
  EXPECT_EQ(CanonicalGenre("Musical"), "Music");
  EXPECT_EQ(CanonicalGenre("Film-Noir"), "Film Noir");
  EXPECT_EQ(CanonicalGenre("film noir"), "Film Noir");
  for (const char* s : {"Romance", "romance", " Romance ", "ROMANCE"}) {
    EXPECT_EQ(CanonicalGenre(s), "Romance") << s;
  }
  EXPECT_EQ(CanonicalGenre("IMAX"), "IMAX");
  EXPECT_EQ(CanonicalGenre("imax"), "IMAX");
  EXPECT_EQ(CanonicalGenre("TV Movie"), "TV Movie");
  EXPECT_EQ(CanonicalGenre("tv-movie"), "TV Movie");
  EXPECT_EQ(CanonicalGenre("Biography"), "Biography");
  EXPECT_EQ(CanonicalGenre("(no genres listed)"), "");
  EXPECT_EQ(CanonicalGenre("unknown"), "");
  EXPECT_EQ(CanonicalGenre("   "), "");
  EXPECT_EQ(CanonicalGenre(""), "");
}

TEST(GenreVocabulary, UnknownLabelsGetOneTidySpelling) {
  EXPECT_EQ(CanonicalGenre("martial-arts"), "Martial Arts");
  EXPECT_EQ(CanonicalGenre("  Martial   ARTS "), "Martial Arts");
  EXPECT_EQ(CanonicalGenre("Martial_Arts"), "Martial Arts");
  // Non-ASCII bytes are kept rather than dropped.
  EXPECT_EQ(CanonicalGenre("Drame psychologique"), "Drame Psychologique");
  EXPECT_EQ(CanonicalGenre("Ébène"), "Ébène");
}

TEST(GenreVocabulary, SynonymTableIsSelfConsistent) {
  for (const auto& s : GenreSynonyms()) {
    EXPECT_EQ(CanonicalGenre(s.key), s.canonical) << s.key;
    // A canonical name maps to itself: canonicalising twice changes nothing.
    if (*s.canonical) {
      EXPECT_EQ(CanonicalGenre(s.canonical), s.canonical) << s.canonical;
    }
  }
}

TEST(GenreVocabulary, SplitsEitherSeparatorAndDropsRepeats) {
  EXPECT_EQ(CanonicalGenres("Drama|Romance"), (std::vector<std::string>{"Drama", "Romance"}));
  EXPECT_EQ(CanonicalGenres("Crime, Drama"), (std::vector<std::string>{"Crime", "Drama"}));
  EXPECT_EQ(CanonicalGenres("Sci-Fi|Science Fiction|IMAX"),
            (std::vector<std::string>{"Science Fiction", "IMAX"}));
  EXPECT_EQ(CanonicalGenres("(no genres listed)"), std::vector<std::string>{});
  EXPECT_EQ(CanonicalGenres(""), std::vector<std::string>{});
  EXPECT_EQ(CanonicalGenres(std::vector<std::string>{"Children's", "Musical", "Crime, Drama"}),
            (std::vector<std::string>{"Family", "Music", "Crime", "Drama"}));
}

TEST(GenreVocabulary, MinFrequencyAndMaxGenresFoldWithTiesByName) {
  // Per canonical genre: Drama 4, Comedy 3, Science Fiction 3 (two spellings, counted once per
  // movie), Action 3, Horror 1.
  std::vector<Movie> movies = {
      WithGenres(1, {"Drama", "Comedy", "Sci-Fi", "Science Fiction"}),
      WithGenres(2, {"drama", "Comedy", "SciFi"}),
      WithGenres(3, {"Drama", "Comedy", "Action", "Horror"}),
      WithGenres(4, {"Drama", "Action", "Science-Fiction"}),
      WithGenres(5, {"Action", "(no genres listed)"}),
      WithGenres(6, {}),
  };
  GenreVocabulary v = BuildGenreVocabulary(movies, 2, 3);
  // Horror is below min_frequency; of the three tied at 3, Action and Comedy sort before
  // Science Fiction, which falls to the max_genres cut.
  EXPECT_EQ(v.names, (std::vector<std::string>{"Action", "Comedy", "Drama"}));
  EXPECT_EQ(v.movie_counts, (std::vector<int64_t>{3, 3, 4}));
  ASSERT_EQ(v.folded.size(), 2u);
  EXPECT_EQ(v.folded[0].name, "Horror");
  EXPECT_EQ(v.folded[0].movie_count, 1);
  EXPECT_EQ(v.folded[0].reason, "min_frequency");
  EXPECT_EQ(v.folded[1].name, "Science Fiction");
  EXPECT_EQ(v.folded[1].movie_count, 3);
  EXPECT_EQ(v.folded[1].reason, "max_genres");
  EXPECT_EQ(v.folded_links, 4);
  EXPECT_EQ(v.Id("Action"), 1);
  EXPECT_EQ(v.Id("Drama"), 3);
  EXPECT_EQ(v.Id("Horror"), 0);

  GenreRewriteStats st = ApplyGenreVocabulary(movies, v);
  EXPECT_EQ(movies[0].genres, (std::vector<std::string>{"Drama", "Comedy"}));
  EXPECT_EQ(movies[1].genres, (std::vector<std::string>{"Drama", "Comedy"}));
  EXPECT_EQ(movies[4].genres, (std::vector<std::string>{"Action"}));
  EXPECT_EQ(st.links_folded, v.folded_links);
  EXPECT_EQ(st.duplicates_merged, 1);  // movie 1 lists Science Fiction twice
  EXPECT_EQ(st.no_genre_labels, 1);
  // Sci-Fi, drama, SciFi, Science-Fiction
  EXPECT_EQ(st.labels_renamed, 4);
  EXPECT_EQ(st.movies_changed, 5);
  EXPECT_EQ(st.movies_left_without_genre, 0);
  EXPECT_EQ((st.renames.at({"Sci-Fi", "Science Fiction"})), 1);

  auto links = BuildMovieGenres(movies, v);
  EXPECT_EQ(links.size(), 10u);
  EXPECT_TRUE(std::is_sorted(links.begin(), links.end()));
  EXPECT_EQ(links.front(), (std::pair<int64_t, int>{1, 2}));

  auto q = GenreQualityResults(v, st, static_cast<int64_t>(movies.size()));
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q[0].rule_id, "genre.synonym");
  EXPECT_EQ(q[0].rows_failed, 6);  // 4 renamed, 1 merged, 1 marker
  EXPECT_EQ(q[1].rule_id, "genre.folded");
  EXPECT_EQ(q[1].rows_failed, 4);
  EXPECT_EQ(q[1].severity, "fix");
  ASSERT_FALSE(q[1].sample.empty());
  EXPECT_EQ(q[1].sample[0], "Science Fiction: 3 movies (max_genres)");
}

TEST(GenreVocabulary, NoLimitsKeepEverything) {
  std::vector<Movie> movies = {WithGenres(1, {"Western"}), WithGenres(2, {"War", "Western"})};
  GenreVocabulary v = BuildGenreVocabulary(movies, 0, 0);
  EXPECT_EQ(v.names, (std::vector<std::string>{"War", "Western"}));
  EXPECT_TRUE(v.folded.empty());
  GenreRewriteStats st = ApplyGenreVocabulary(movies, v);
  EXPECT_EQ(st.movies_changed, 0);
  auto q = GenreQualityResults(v, st, 2);
  EXPECT_EQ(q[0].rows_failed, 0);
  EXPECT_EQ(q[0].action, "none");
}

TEST(GenreVocabulary, MovieLeftWithoutGenreIsCounted) {
  std::vector<Movie> movies = {WithGenres(1, {"Drama"}), WithGenres(2, {"Drama"}),
                               WithGenres(3, {"Horror"})};
  GenreVocabulary v = BuildGenreVocabulary(movies, 2, 20);
  GenreRewriteStats st = ApplyGenreVocabulary(movies, v);
  EXPECT_EQ(st.movies_left_without_genre, 1);
  EXPECT_TRUE(movies[2].genres.empty());
}

TEST(GenreVocabulary, DeterministicWhateverTheMovieOrder) {
  const char* pool[] = {"Drama", "Comedy", "Sci-Fi", "Romance", "Action", "Film-Noir",
                        "Kids",  "IMAX",   "War",    "Western", "Horror", "Musical"};
  std::mt19937 rng(3);
  std::vector<Movie> movies;
  for (int i = 0; i < 500; ++i) {
    std::vector<std::string> g;
    for (int k = 0, n = 1 + static_cast<int>(rng() % 4); k < n; ++k) g.push_back(pool[rng() % 12]);
    movies.push_back(WithGenres(i, g));
  }
  GenreVocabulary a = BuildGenreVocabulary(movies, 30, 6);
  std::shuffle(movies.begin(), movies.end(), rng);
  GenreVocabulary b = BuildGenreVocabulary(movies, 30, 6);
  EXPECT_EQ(a.names, b.names);
  EXPECT_EQ(a.movie_counts, b.movie_counts);
  EXPECT_EQ(a.folded_links, b.folded_links);
  EXPECT_EQ(a.names.size(), 6u);
  EXPECT_TRUE(std::is_sorted(a.names.begin(), a.names.end()));
}

TEST(GenreVocabulary, CanonicalizeImdbList) {
  std::vector<std::string> g = {"Crime", "Sci-Fi", "Film-Noir"};
  EXPECT_EQ(CanonicalizeGenreList(g), 2);
  EXPECT_EQ(g, (std::vector<std::string>{"Crime", "Science Fiction", "Film Noir"}));
  EXPECT_EQ(CanonicalizeGenreList(g), 0);
}

}  // namespace
}  // namespace movierec::etl
