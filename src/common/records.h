// Plain row types that flow from extract through transform into the store. They carry the
// source line so every row can be traced back to its input (DESIGN.md §5, "nothing lost").
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace movierec {

struct Rating {
  int64_t timestamp = 0;  // unix seconds, UTC
  int64_t line = 0;       // source line
  int32_t user_id = 0;
  int32_t movie_id = 0;
  float rating = 0.f;
};

struct Movie {
  int64_t movie_id = 0;
  int64_t line = 0;
  std::string title;  // English title (MovieLens: title without the year)
  std::string original_title;
  std::string original_language;  // as given ("fr-Français", "fr"); after transform the code
  std::string language_name;      // after transform: the name given with the code ("Français")
  std::optional<int> year;
  std::string release_date;  // ISO yyyy-mm-dd or empty
  std::optional<int64_t> budget;
  std::optional<int64_t> revenue;
  std::optional<int> runtime;  // minutes
  std::string homepage;
  std::vector<std::string> genres;
  std::vector<std::string> cast_ids;  // credit ids listed in Movies.csv
  std::vector<std::string> production_companies;
  std::vector<std::string> production_countries;
  std::vector<std::string> spoken_languages;
  std::string imdb_id;  // MovieLens links.csv
  std::optional<int64_t> tmdb_id;
};

struct Credit {  // one row of Persons.csv
  int64_t movie_id = 0;
  int64_t line = 0;
  std::string cast_id;  // 24-hex credit id
  std::string name;
  std::optional<int> gender;  // 1 female, 2 male
  std::string character;
};

struct ImdbMovie {  // one row of imdb_top_1000.csv
  int64_t line = 0;
  std::string poster_link;
  std::string title;
  std::optional<int> year;
  std::string certificate;
  std::optional<int> runtime;
  std::vector<std::string> genres;
  std::optional<double> imdb_rating;
  std::string overview;
  std::optional<int> meta_score;
  std::string director;
  std::array<std::string, 4> stars;
  std::optional<int64_t> votes;
  std::optional<int64_t> gross;
  std::optional<int64_t> movie_id;  // the movie it resolved to, if any
};

struct Tag {  // MovieLens tags.csv
  int64_t timestamp = 0;
  int64_t line = 0;
  int32_t user_id = 0;
  int32_t movie_id = 0;
  std::string tag;
};

// A row that did not make it into the data tables, with why (the quarantine).
struct RejectedRow {
  std::string source;  // file path as configured
  int64_t line = 0;
  std::string raw;
  std::string rule;    // stable rule id, e.g. "parse.field_count"
  std::string reason;  // human-readable
};

// Per input file accounting: read = loaded + merged + quarantined.
struct SourceStats {
  std::string kind;  // movies | ratings | persons | imdb | tags | links
  std::string path;
  std::string format;  // detected layout
  int64_t bytes = 0;
  int64_t rows_read = 0;
  int64_t rows_loaded = 0;
  int64_t rows_merged = 0;
  int64_t rows_quarantined = 0;
};

}  // namespace movierec
