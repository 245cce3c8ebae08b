#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "etl/features.h"

namespace movierec::etl {
namespace {

Rating R(int32_t user, int32_t movie, float rating, int64_t ts) {
  Rating r;
  r.user_id = user;
  r.movie_id = movie;
  r.rating = rating;
  r.timestamp = ts;
  return r;
}

Movie M(int64_t id, std::string language, std::optional<int> year) {
  Movie m;
  m.movie_id = id;
  m.original_language = std::move(language);
  m.year = year;
  return m;
}

// Genres Action (1), Drama (2). Movie 10 is both, 20 Drama, 30 Action and never rated.
// Ratings: user 1: 10 -> 5, 20 -> 3; user 2: 10 -> 4, 20 -> 1; user 3: 20 -> 2.
Dataset Tiny() {
  Dataset d;
  d.genres = {"Action", "Drama"};
  d.movies = {M(10, "fr-Français", 1995), M(20, "English", 2001), M(30, "", std::nullopt)};
  d.movies[0].runtime = 120;
  d.movie_genres = {{10, 1}, {10, 2}, {20, 2}, {30, 1}};
  d.ratings = {R(1, 10, 5.0f, 100), R(1, 20, 3.0f, 200), R(2, 10, 4.0f, 300), R(2, 20, 1.0f, 50),
               R(3, 20, 2.0f, 400)};
  ImdbMovie a;  // fewer votes: loses to b
  a.line = 2;
  a.movie_id = 20;
  a.imdb_rating = 6.0;
  a.votes = 10;
  ImdbMovie b;
  b.line = 3;
  b.movie_id = 20;
  b.imdb_rating = 8.1;
  b.meta_score = 77;
  b.votes = 1000;
  ImdbMovie c;  // fills the missing year of movie 30
  c.line = 4;
  c.movie_id = 30;
  c.year = 1999;
  c.runtime = 95;
  ImdbMovie unmatched;
  unmatched.line = 5;
  unmatched.imdb_rating = 9.9;
  d.imdb = {a, b, c, unmatched};
  return d;
}

TEST(Features, MovieFeaturesByHand) {
  FeatureOptions opt;
  opt.bayesian_prior_count = 2;
  FeatureTables t = ComputeFeatures(Tiny(), opt);
  EXPECT_DOUBLE_EQ(t.global_mean, 3.0);  // 15 / 5
  EXPECT_EQ(t.prior_count, 2);
  EXPECT_EQ(t.rating_total, 5);
  ASSERT_EQ(t.movie_features.size(), 3u);
  const MovieFeatures& m10 = t.movie_features[0];
  const MovieFeatures& m20 = t.movie_features[1];
  const MovieFeatures& m30 = t.movie_features[2];
  EXPECT_EQ(m10.movie_id, 10);
  EXPECT_EQ(m10.rating_count, 2);
  EXPECT_DOUBLE_EQ(*m10.mean_rating, 4.5);
  EXPECT_DOUBLE_EQ(m10.bayesian_rating, (2 * 3.0 + 9) / (2 + 2));  // 3.75
  EXPECT_DOUBLE_EQ(m10.popularity, 0.4);
  EXPECT_EQ(m10.language, "fr");
  EXPECT_EQ(m10.release_year, 1995);
  EXPECT_EQ(m10.runtime, 120);
  ASSERT_EQ(m10.genre_vector.size(), 2u);
  EXPECT_FLOAT_EQ(m10.genre_vector[0], 1 / std::sqrt(2.f));
  EXPECT_FLOAT_EQ(m10.genre_vector[1], 1 / std::sqrt(2.f));
  EXPECT_FALSE(m10.imdb_rating.has_value());

  EXPECT_EQ(m20.rating_count, 3);
  EXPECT_DOUBLE_EQ(*m20.mean_rating, 2.0);
  EXPECT_DOUBLE_EQ(m20.bayesian_rating, (2 * 3.0 + 6) / (2 + 3));  // 2.4
  EXPECT_DOUBLE_EQ(m20.popularity, 0.6);
  EXPECT_EQ(m20.language, "en");
  EXPECT_EQ(m20.genre_vector, (std::vector<float>{0.f, 1.f}));
  EXPECT_DOUBLE_EQ(*m20.imdb_rating, 8.1);  // the row with the most votes
  EXPECT_EQ(m20.meta_score, 77);

  // Never rated: no mean, count 0, the Bayesian average is the global mean.
  EXPECT_EQ(m30.rating_count, 0);
  EXPECT_FALSE(m30.mean_rating.has_value());
  EXPECT_DOUBLE_EQ(m30.bayesian_rating, 3.0);
  EXPECT_EQ(m30.popularity, 0.0);
  EXPECT_EQ(m30.language, "");
  EXPECT_EQ(m30.release_year, 1999);  // from IMDb
  EXPECT_EQ(m30.runtime, 95);
  EXPECT_EQ(m30.genre_vector, (std::vector<float>{1.f, 0.f}));
}

TEST(Features, BayesianPriorDefaultsToMedianCount) {
  FeatureTables t = ComputeFeatures(Tiny(), FeatureOptions{});
  EXPECT_DOUBLE_EQ(t.prior_count, 2.5);  // median of {2, 3}; the unrated movie is left out
  EXPECT_DOUBLE_EQ(t.movie_features[0].bayesian_rating, (2.5 * 3.0 + 9) / (2.5 + 2));
}

TEST(Features, UserProfilesByHand) {
  FeatureTables t = ComputeFeatures(Tiny(), FeatureOptions{});
  ASSERT_EQ(t.user_profiles.size(), 3u);
  const double w = 1 / std::sqrt(2.0);
  const UserProfile& u1 = t.user_profiles[0];
  EXPECT_EQ(u1.user_id, 1);
  EXPECT_EQ(u1.rating_count, 2);
  EXPECT_DOUBLE_EQ(u1.mean_rating, 4.0);
  EXPECT_DOUBLE_EQ(u1.std_rating, 1.0);  // population: sqrt((1 + 1) / 2)
  EXPECT_EQ(u1.first_rated_at, 100);
  EXPECT_EQ(u1.last_rated_at, 200);
  ASSERT_EQ(u1.genre_affinity.size(), 2u);
  // Action: only movie 10, rated 1 above the user's mean. Drama: +1 on 10 (weight 1/sqrt 2),
  // -1 on 20 (weight 1): a small dislike.
  EXPECT_FLOAT_EQ(u1.genre_affinity[0], 1.f);
  EXPECT_FLOAT_EQ(u1.genre_affinity[1], static_cast<float>((w - 1) / (w + 1)));
  EXPECT_GT(u1.genre_affinity[0], 0);
  EXPECT_LT(u1.genre_affinity[1], 0);

  const UserProfile& u2 = t.user_profiles[1];
  EXPECT_DOUBLE_EQ(u2.mean_rating, 2.5);
  EXPECT_DOUBLE_EQ(u2.std_rating, 1.5);
  EXPECT_EQ(u2.first_rated_at, 50);  // ratings are in movie order, not time order
  EXPECT_EQ(u2.last_rated_at, 300);
  EXPECT_FLOAT_EQ(u2.genre_affinity[0], 1.5f);
  EXPECT_FLOAT_EQ(u2.genre_affinity[1], static_cast<float>(1.5 * (w - 1) / (w + 1)));

  // One rating: no spread, and a genre never rated is neutral.
  const UserProfile& u3 = t.user_profiles[2];
  EXPECT_EQ(u3.rating_count, 1);
  EXPECT_DOUBLE_EQ(u3.std_rating, 0.0);
  EXPECT_EQ(u3.genre_affinity, (std::vector<float>{0.f, 0.f}));
}

TEST(Features, GenreFeaturesByHand) {
  FeatureTables t = ComputeFeatures(Tiny(), FeatureOptions{});
  ASSERT_EQ(t.genre_features.size(), 2u);
  const GenreFeatures& action = t.genre_features[0];
  EXPECT_EQ(action.genre_id, 1);
  EXPECT_EQ(action.movie_count, 2);
  EXPECT_EQ(action.rating_count, 2);
  EXPECT_DOUBLE_EQ(*action.mean_rating, 4.5);
  EXPECT_DOUBLE_EQ(action.popularity, 0.4);
  const GenreFeatures& drama = t.genre_features[1];
  EXPECT_EQ(drama.genre_id, 2);
  EXPECT_EQ(drama.movie_count, 2);
  EXPECT_EQ(drama.rating_count, 5);
  EXPECT_DOUBLE_EQ(*drama.mean_rating, 3.0);
  EXPECT_DOUBLE_EQ(drama.popularity, 1.0);
}

TEST(Features, RecencyWeightedPopularity) {
  Dataset d;
  d.movies = {M(1, "en", 2000), M(2, "en", 2000)};
  const int64_t day = 86400;
  const int64_t now = 1'000 * day;
  // Movie 1 rated now, movie 2 one half-life (10 days) and two half-lives earlier.
  d.ratings = {R(1, 1, 4.0f, now), R(1, 2, 4.0f, now - 10 * day), R(2, 2, 3.0f, now - 20 * day)};
  FeatureOptions opt;
  opt.popularity_half_life_days = 10;
  FeatureTables t = ComputeFeatures(d, opt);
  // Weights 1 and 0.5 + 0.25: shares 1/1.75 and 0.75/1.75.
  EXPECT_NEAR(t.movie_features[0].popularity, 1 / 1.75, 1e-9);
  EXPECT_NEAR(t.movie_features[1].popularity, 0.75 / 1.75, 1e-9);
  // Off: the plain share.
  FeatureTables plain = ComputeFeatures(d, FeatureOptions{});
  EXPECT_DOUBLE_EQ(plain.movie_features[1].popularity, 2.0 / 3.0);
}

TEST(Features, LanguageCodes) {
  EXPECT_EQ(LanguageCode("fr-Français"), "fr");
  EXPECT_EQ(LanguageCode("fr"), "fr");
  EXPECT_EQ(LanguageCode("FR"), "fr");
  EXPECT_EQ(LanguageCode(" en "), "en");
  EXPECT_EQ(LanguageCode("pt-BR"), "pt");
  EXPECT_EQ(LanguageCode("en_US"), "en");
  EXPECT_EQ(LanguageCode("English"), "en");
  EXPECT_EQ(LanguageCode("english"), "en");
  EXPECT_EQ(LanguageCode("Français"), "fr");
  EXPECT_EQ(LanguageCode("日本語"), "ja");
  EXPECT_EQ(LanguageCode("Русский"), "ru");
  EXPECT_EQ(LanguageCode("eng"), "en");
  EXPECT_EQ(LanguageCode("cn-广州话 / 廣州話"), "zh");
  EXPECT_EQ(LanguageCode("xx"), "");
  EXPECT_EQ(LanguageCode("Klingon"), "");
  EXPECT_EQ(LanguageCode("1a"), "");
  EXPECT_EQ(LanguageCode(""), "");
}

// A random catalogue big enough that several workers each get a slice.
Dataset RandomDataset(uint32_t seed) {
  std::mt19937 rng(seed);
  Dataset d;
  const int num_genres = 12;
  for (int g = 0; g < num_genres; ++g) d.genres.push_back("G" + std::to_string(g));
  for (int i = 0; i < 800; ++i) {
    d.movies.push_back(M(3 * i + 1, i % 3 ? "en" : "de-Deutsch", 1950 + i % 70));
    for (int g = 0; g < num_genres; ++g) {
      if (rng() % 4 == 0) d.movie_genres.emplace_back(3 * i + 1, g + 1);
    }
  }
  for (int32_t u = 1; u <= 2500; ++u) {
    const int n = 1 + static_cast<int>(rng() % 160);
    std::vector<int32_t> seen;
    for (int k = 0; k < n; ++k) seen.push_back(static_cast<int32_t>(3 * (rng() % 800) + 1));
    std::sort(seen.begin(), seen.end());
    seen.erase(std::unique(seen.begin(), seen.end()), seen.end());
    for (int32_t m : seen) {
      d.ratings.push_back(R(u, m, 0.5f * static_cast<float>(1 + rng() % 10),
                            1'000'000'000 + static_cast<int64_t>(rng() % 100'000'000)));
    }
  }
  return d;
}

void ExpectSame(const FeatureTables& a, const FeatureTables& b) {
  EXPECT_EQ(a.global_mean, b.global_mean);
  EXPECT_EQ(a.prior_count, b.prior_count);
  ASSERT_EQ(a.movie_features.size(), b.movie_features.size());
  for (size_t i = 0; i < a.movie_features.size(); ++i) {
    const auto& x = a.movie_features[i];
    const auto& y = b.movie_features[i];
    EXPECT_EQ(x.rating_count, y.rating_count);
    EXPECT_EQ(x.mean_rating, y.mean_rating);
    EXPECT_EQ(x.bayesian_rating, y.bayesian_rating);
    EXPECT_EQ(x.popularity, y.popularity);
    EXPECT_EQ(x.genre_vector, y.genre_vector);
    EXPECT_EQ(x.language, y.language);
  }
  ASSERT_EQ(a.user_profiles.size(), b.user_profiles.size());
  for (size_t i = 0; i < a.user_profiles.size(); ++i) {
    const auto& x = a.user_profiles[i];
    const auto& y = b.user_profiles[i];
    EXPECT_EQ(x.user_id, y.user_id);
    EXPECT_EQ(x.rating_count, y.rating_count);
    EXPECT_EQ(x.mean_rating, y.mean_rating);
    EXPECT_EQ(x.std_rating, y.std_rating);
    EXPECT_EQ(x.genre_affinity, y.genre_affinity);
  }
  ASSERT_EQ(a.genre_features.size(), b.genre_features.size());
  for (size_t g = 0; g < a.genre_features.size(); ++g) {
    EXPECT_EQ(a.genre_features[g].rating_count, b.genre_features[g].rating_count);
    EXPECT_EQ(a.genre_features[g].mean_rating, b.genre_features[g].mean_rating);
    EXPECT_EQ(a.genre_features[g].popularity, b.genre_features[g].popularity);
  }
}

TEST(Features, SameResultsForAnyThreadCount) {
  const Dataset d = RandomDataset(11);
  ASSERT_GT(d.ratings.size(), 150000u);  // enough for several slices
  FeatureOptions opt;
  opt.popularity_half_life_days = 30;
  opt.workers = 1;
  const FeatureTables one = ComputeFeatures(d, opt);
  EXPECT_EQ(one.user_profiles.size(), 2500u);
  for (int workers : {2, 3, 7}) {
    opt.workers = workers;
    SCOPED_TRACE(workers);
    ExpectSame(one, ComputeFeatures(d, opt));
  }
  // Popularities are shares: they sum to 1.
  double total = 0;
  for (const auto& m : one.movie_features) total += m.popularity;
  EXPECT_NEAR(total, 1.0, 1e-6);
}

TEST(Features, NoRatings) {
  Dataset d = Tiny();
  d.ratings.clear();
  FeatureTables t = ComputeFeatures(d, FeatureOptions{});
  EXPECT_TRUE(t.user_profiles.empty());
  ASSERT_EQ(t.movie_features.size(), 3u);
  for (const auto& m : t.movie_features) {
    EXPECT_EQ(m.rating_count, 0);
    EXPECT_FALSE(m.mean_rating.has_value());
    EXPECT_EQ(m.popularity, 0.0);
    EXPECT_TRUE(std::isfinite(m.bayesian_rating));
  }
  ASSERT_EQ(t.genre_features.size(), 2u);
  EXPECT_EQ(t.genre_features[0].movie_count, 2);
  EXPECT_EQ(t.genre_features[0].rating_count, 0);
  EXPECT_FALSE(t.genre_features[0].mean_rating.has_value());
}

TEST(Features, EmptyDataset) {
  FeatureOptions opt;
  opt.workers = 4;
  opt.popularity_half_life_days = 7;
  FeatureTables t = ComputeFeatures(Dataset{}, opt);
  EXPECT_TRUE(t.movie_features.empty());
  EXPECT_TRUE(t.user_profiles.empty());
  EXPECT_TRUE(t.genre_features.empty());
  EXPECT_EQ(t.rating_total, 0);
}

TEST(Features, UnknownMoviesAndGenreIdsAreIgnored) {
  Dataset d = Tiny();
  d.movie_genres.emplace_back(99, 1);  // no such movie
  d.movie_genres.emplace_back(10, 7);  // no such genre
  d.movie_genres.emplace_back(10, 1);  // repeated
  d.ratings.push_back(R(4, 99, 5.0f, 500));
  FeatureTables t = ComputeFeatures(d, FeatureOptions{});
  const float w = 1 / std::sqrt(2.f);
  EXPECT_EQ(t.movie_features[0].genre_vector, (std::vector<float>{w, w}));
  EXPECT_EQ(t.movie_features[0].rating_count, 2);
  EXPECT_EQ(t.genre_features[0].movie_count, 2);
  ASSERT_EQ(t.user_profiles.size(), 4u);
  EXPECT_EQ(t.user_profiles[3].rating_count, 1);
  EXPECT_EQ(t.rating_total, 6);
}

}  // namespace
}  // namespace movierec::etl
