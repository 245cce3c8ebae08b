// The features step of transform: movie_features, user_profiles and genre_features, computed
// once from the load-ready tables so that content, popularity and hybrid models (and
// `recommend`) read them instead of re-scanning 25M ratings.
//
// Definitions (the columns of the three tables):
//   genre_vector[g]   1/sqrt(k) for each of the movie's k vocabulary genres, else 0. The vector
//                     has unit length, so a dot product of two movies is their cosine
//                     similarity, and a movie listing five genres does not weigh five times as
//                     much as one listing one. TF-IDF, if wanted, goes on top (it rescales
//                     columns, which unit rows leave free to do).
//   release_year      movie.year, else the resolved IMDb row's year.
//   runtime           movie.runtime, else the resolved IMDb row's runtime.
//   language          ISO 639-1 code from original_language (see LanguageCode).
//   rating_count      n, ratings of the movie.
//   mean_rating       sum / n; empty when n = 0.
//   bayesian_rating   (C*m + sum) / (C + n), m the mean of all ratings, C the prior count:
//                     FeatureOptions::bayesian_prior_count when > 0, else the median rating
//                     count of the movies that have ratings (at least 1). The median adapts to
//                     the catalogue's size: a movie needs about a typical movie's worth of
//                     ratings before its own mean counts as much as the global one.
//                     A movie with no ratings gets m; with no ratings at all, 0.
//   popularity        n / N (N all ratings). With a half-life h > 0 days, each rating weighs
//                     2^(-(t_ref - t) / h) with t_ref the latest rating in the data (not the
//                     clock, so a rerun gives the same value), and popularity is the movie's
//                     share of the total weight.
//   imdb_rating,      from the IMDb row resolved to the movie; when several resolve to one
//   meta_score        movie, the one with the most votes (then the lowest source line).
//   user mean, std    over the user's ratings; std is the population deviation (0 for n = 1).
//   genre_affinity[g] sum over the user's rated movies i in g of w_ig * (r_i - mean_u), divided
//                     by the sum of w_ig (w_ig = the movie's genre_vector weight): a weighted
//                     mean of the user's mean-centred ratings. Positive = likes g more than
//                     the user's usual; 0 for genres the user never rated (no evidence is
//                     neutral, not negative).
//   genre movie_count movies listing the genre; rating_count, mean_rating over the ratings of
//                     those movies (each rating counted once per genre of its movie);
//                     popularity = rating_count / N (so genre popularities sum to more than 1).
//
// Determinism: per-movie and per-genre sums are taken in 64-bit fixed point (ratings scaled by
// 2^24, which represents every float rating >= 0.5 exactly), so they are exact and do not
// depend on how ratings were split among threads; per-user sums run over one user's ratings in
// their stored order on one thread. Results are identical for any `workers`.
//
// Preconditions (what transform guarantees): ratings sorted by (user_id, movie_id) and within
// 0.5..5.0; d.genres the vocabulary (genre_id = index + 1); movies sorted by movie_id.
// Ratings of unknown movies and movie_genres rows of unknown movies or genre ids are ignored
// by the movie and genre features (they still count for users and N).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/dataset.h"

namespace movierec::etl {

struct FeatureOptions {
  int workers = 1;                       // threads; results do not depend on it
  double bayesian_prior_count = 0;       // C; <= 0 = median rating count of rated movies
  double popularity_half_life_days = 0;  // recency weighting of popularity; <= 0 = off
};

struct FeatureTables {
  std::vector<MovieFeatures> movie_features;  // one per d.movies entry, same order
  std::vector<UserProfile> user_profiles;     // one per user with ratings, by user_id
  std::vector<GenreFeatures> genre_features;  // one per d.genres entry, by genre_id
  // For the log line and the run report.
  double global_mean = 0;    // m
  double prior_count = 0;    // the C used
  int64_t rating_total = 0;  // N
};

FeatureTables ComputeFeatures(const Dataset& d, const FeatureOptions& options);

// The ISO 639-1 code of an original_language value: "fr-Français" -> "fr", "fr" -> "fr",
// "pt-BR" -> "pt", "English" -> "en", "Français" -> "fr" (a table of common English and native
// names). "" when unknown, blank, or TMDB's "xx" (no language).
std::string LanguageCode(std::string_view original_language);

// original_language split into its ISO 639-1 code and the name given with it: "fr-Français" ->
// {"fr", "Français"}, "fr" -> {"fr", ""}, "English" -> {"en", "English"}; {"", ""} when blank
// or unknown ("xx").
struct LanguageParts {
  std::string code;
  std::string name;
};
LanguageParts SplitLanguage(std::string_view original_language);

}  // namespace movierec::etl
