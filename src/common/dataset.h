// The load-ready tables that transform produces and the store writes (DESIGN.md §4 schema).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/records.h"

namespace movierec {

struct Person {
  int64_t person_id = 0;
  std::string name;
  std::optional<int> gender;
};

struct CastRow {
  int64_t movie_id = 0;
  int cast_order = 0;
  int64_t person_id = 0;
  std::string cast_id;
  std::string character;
  int64_t line = 0;
};

struct CrewRow {
  int64_t movie_id = 0;
  int64_t person_id = 0;
  std::string job;  // "Director", ...
};

struct User {
  int32_t user_id = 0;
  int32_t user_idx = 0;
  int64_t rating_count = 0;
  int64_t first_rated_at = 0;
  int64_t last_rated_at = 0;
};

// One quality rule's outcome for one table (data_quality_reports).
struct QualityResult {
  std::string rule_id;
  std::string table;
  int64_t rows_checked = 0;
  int64_t rows_failed = 0;
  std::string severity;             // warn | fail | fix | quarantine
  std::string action;               // what was done: none, fixed, quarantined, merged, stopped
  std::vector<std::string> sample;  // a few failing rows as "file:line: detail"
};

// movie_features: one row per movie (filled by the features step of transform).
struct MovieFeatures {
  int64_t movie_id = 0;
  std::vector<float> genre_vector;  // one weight per genre of the vocabulary (genre_id - 1)
  std::optional<int> release_year;
  std::optional<int> runtime;
  std::string language;  // ISO 639-1 code, "" when unknown
  int64_t rating_count = 0;
  std::optional<double> mean_rating;
  double bayesian_rating = 0;  // (C*m + sum) / (C + n), m the global mean
  double popularity = 0;       // share of all ratings, recency-free
  std::optional<double> imdb_rating;
  std::optional<int> meta_score;
};

// user_profiles: one row per user.
struct UserProfile {
  int32_t user_id = 0;
  int64_t rating_count = 0;
  double mean_rating = 0;
  double std_rating = 0;
  int64_t first_rated_at = 0;
  int64_t last_rated_at = 0;
  std::vector<float> genre_affinity;  // mean-centred rating per genre (vocabulary order)
};

// genre_features: one row per genre of the vocabulary.
struct GenreFeatures {
  int genre_id = 0;
  int64_t movie_count = 0;
  int64_t rating_count = 0;
  std::optional<double> mean_rating;
  double popularity = 0;  // share of all ratings on movies of the genre
};

struct Dataset {
  std::vector<Movie> movies;                          // sorted by movie_id
  std::vector<std::string> genres;                    // genre_id = position + 1
  std::vector<std::pair<int64_t, int>> movie_genres;  // (movie_id, genre_id)
  std::vector<Person> persons;                        // person_id = position + 1
  std::vector<CastRow> cast;
  std::vector<CrewRow> crew;
  std::vector<ImdbMovie> imdb;
  std::vector<User> users;      // sorted by user_id; User::user_idx its dense index
  std::vector<Rating> ratings;  // sorted by (user_id, movie_id), one per pair
  std::vector<Tag> tags;
  // Dense indexes (matrix rows and columns), stable across runs (etl/rating_matrix.h
  // AssignStableIndexes): movie_idx[i] belongs to movies[i]; the index spaces are
  // [0, user_index_size) and [0, movie_index_size), gaps included. Empty movie_idx means
  // position = index.
  std::vector<int32_t> movie_idx;
  int64_t user_index_size = 0;
  int64_t movie_index_size = 0;
  std::vector<MovieFeatures> movie_features;                 // sorted by movie_id
  std::vector<UserProfile> user_profiles;                    // sorted by user_id
  std::vector<GenreFeatures> genre_features;                 // sorted by genre_id
  std::vector<std::pair<int64_t, int64_t>> movie_redirects;  // (old id, surviving id)
  std::vector<RejectedRow> rejected;
  std::vector<SourceStats> sources;
  std::vector<QualityResult> quality;
};

}  // namespace movierec
