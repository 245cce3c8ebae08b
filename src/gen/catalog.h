// The film catalog: movies (ids, titles, dates, genres, money, languages, companies), the
// person pool with heavy-tailed careers, cast credits, and the IMDb top list. Built serially
// from per-movie streams; everything here is clean (defects are applied when writing).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gen/format.h"
#include "gen/latent_model.h"

namespace movierec::gen {

struct Movie {
  int64_t id = 0;       // the external id in the chosen format (MovieID / movieId / item id)
  int64_t tmdb_id = 0;  // TMDB-like id (the original layout's MovieID; ml-latest links.csv)
  int64_t imdb_id = 0;  // numeric part of tt0114709
  int year = 0;
  int64_t release_day = 0;  // days since 1970-01-01
  uint32_t genres = 0;      // bit g = words::kGenres[g]
  int language = 0;         // index into words::kLanguages
  std::string original_title;
  std::string english_title;
  bool quote_titles = false;  // quoted although no quoting is needed, as real exports do
  int64_t budget = -1;        // dollars; -1 = missing
  int64_t revenue = -1;
  std::string homepage;
  int runtime = -1;                 // minutes; -1 = missing
  std::vector<uint16_t> companies;  // indexes into words::kCompanies
  std::vector<uint16_t> countries;  // indexes into words::kCountries
  std::vector<uint16_t> spoken;     // indexes into words::kLanguages
  uint32_t credit_begin = 0;        // [credit_begin, credit_end) in Catalog::credits
  uint32_t credit_end = 0;
  bool listed_cast = false;  // CastID column filled (some movies have credits but no list)
};

struct Person {
  std::string name;
  int gender = 0;  // 0 unknown, 1 female, 2 male
};

struct Credit {
  uint32_t movie = 0;   // item index
  uint32_t person = 0;  // index into Catalog::persons
  std::string character;
};

struct ImdbEntry {
  uint32_t movie = 0;  // item index
  std::string poster_link;
  std::string certificate;  // may be empty
  double rating = 0;        // one decimal, [1, 10]
  std::string overview;
  int meta_score = -1;  // -1 = missing
  uint32_t director = 0;
  uint32_t stars[4] = {0, 0, 0, 0};
  int64_t votes = 0;
  int64_t gross = -1;  // -1 = missing
  int runtime = 0;
};

struct Catalog {
  std::vector<Movie> movies;  // ascending id; index = item index of the latent model
  std::vector<Person> persons;
  std::vector<Credit> credits;  // grouped by movie, movies in order
  std::vector<ImdbEntry> imdb;  // best first
  int64_t max_id = 0;
  std::string CreditId(uint64_t credit_index) const;  // 24 lowercase hex, unique per credit
  uint64_t seed = 0;
};

Catalog BuildCatalog(uint64_t seed, Format format, const ItemModel& items);

// "Toy Story (1995)" style title with a leading article moved to the end
// ("American President, The (1995)"), as MovieLens writes them.
std::string MovieLensTitle(const Movie& m);
// Latin-1 bytes for a UTF-8 string whose characters are all <= U+00FF; others become '?'.
std::string Utf8ToLatin1(const std::string& s);
// ASCII folding (é -> e, ß -> ss; anything else non-ASCII dropped).
std::string AsciiFold(const std::string& s);
// Lowercase ASCII with runs of spaces collapsed: how titles are compared for uniqueness.
std::string NormalizedTitle(const std::string& s);

}  // namespace movierec::gen
