// Movies in every layout: original Movies.csv, u.item, movies.dat, movies.csv; and links.csv.
#include <array>

#include "etl/extract.h"
#include "etl/extract_common.h"
#include "etl/field_parse.h"

namespace movierec::etl {
namespace {

bool ParseMovieId(std::string_view s, int64_t& out, ParseFailure& f) {
  if (Trim(s).empty()) return f.Fail("parse.missing_field", "movie id is empty");
  if (!ParseInt(s, out) || out <= 0 || out > INT32_MAX) {
    return f.Fail("parse.bad_number",
                  "movie id '" + std::string(s) + "' is not a positive 32-bit id");
  }
  return true;
}

// An optional number: a value that is not one is dropped (reported as a fix), not the row.
template <class T>
void ParseOptionalInt(std::string_view s, const char* name, std::optional<T>& out,
                      ParseFailure& f) {
  s = Trim(s);
  if (s.empty()) return;
  T v;
  if (ParseInt(s, v)) {
    out = v;
    return;
  }
  double d;  // "120.0" appears in exported runtimes and budgets
  if (ParseFloat(s, d) && d >= -9e18 && d <= 9e18 && d == static_cast<double>(static_cast<T>(d))) {
    out = static_cast<T>(d);
    return;
  }
  f.Fix("field.bad_number",
        std::string(name) + " '" + std::string(s) + "' is not a number; left empty");
}

bool ParseOriginalMovie(const io::CsvRecord& rec, Movie& m, ParseFailure& f) {
  const auto& x = rec.fields;
  m.line = rec.line;
  if (!ParseMovieId(x[0], m.movie_id, f)) return false;
  m.original_language = std::string(Trim(x[1]));
  m.original_title = std::string(Trim(x[2]));
  m.title = std::string(Trim(x[3]));
  if (m.title.empty()) m.title = m.original_title;
  if (m.title.empty()) return f.Fail("parse.missing_field", "both titles are empty");
  ParseOptionalInt(x[4], "budget", m.budget, f);
  ParseOptionalInt(x[5], "revenue", m.revenue, f);
  m.homepage = std::string(Trim(x[6]));
  ParseOptionalInt(x[7], "runtime", m.runtime, f);
  if (!Trim(x[8]).empty()) {
    int64_t ts;
    int year;
    if (ParseIsoDate(x[8], ts, &year)) {
      m.release_date = std::string(Trim(x[8]));
      m.year = year;
    } else {
      f.Fix("field.bad_date",
            "release date '" + std::string(x[8]) + "' is not a yyyy-mm-dd date; left empty");
    }
  }
  m.genres = SplitList(x[9], "|");
  m.cast_ids = SplitList(x[10], "|");
  m.production_companies = SplitList(x[11], "|");
  m.production_countries = SplitList(x[12], "|");
  m.spoken_languages = SplitList(x[13], "|");
  return true;
}

constexpr std::array<const char*, 19> kMl100kGenres = {
    "unknown",     "Action", "Adventure", "Animation", "Children's", "Comedy",  "Crime",
    "Documentary", "Drama",  "Fantasy",   "Film-Noir", "Horror",     "Musical", "Mystery",
    "Romance",     "Sci-Fi", "Thriller",  "War",       "Western"};

bool ParseMl100kMovie(const io::CsvRecord& rec, Movie& m, ParseFailure& f) {
  const auto& x = rec.fields;
  m.line = rec.line;
  if (!ParseMovieId(x[0], m.movie_id, f)) return false;
  SplitTitleYear(x[1], m.title, m.year);
  if (m.title.empty()) return f.Fail("parse.missing_field", "title is empty");
  if (!Trim(x[2]).empty()) {
    int year;
    if (ParseDayMonthNameYear(x[2], m.release_date, year)) {
      if (!m.year) m.year = year;
    } else {
      f.Fix("field.bad_date",
            "release date '" + std::string(x[2]) + "' is not a dd-Mon-yyyy date; left empty");
    }
  }
  for (size_t g = 0; g < kMl100kGenres.size(); ++g) {
    std::string_view flag = Trim(x[5 + g]);
    if (flag == "1") {
      if (g > 0) m.genres.emplace_back(kMl100kGenres[g]);
    } else if (flag != "0") {
      return f.Fail("parse.bad_number", std::string("genre flag ") + kMl100kGenres[g] + " '" +
                                            std::string(flag) + "' is not 0 or 1");
    }
  }
  return true;
}

bool ParseMlMovie(const io::CsvRecord& rec, Movie& m, ParseFailure& f) {
  const auto& x = rec.fields;
  m.line = rec.line;
  if (!ParseMovieId(x[0], m.movie_id, f)) return false;
  SplitTitleYear(x[1], m.title, m.year);
  if (m.title.empty()) return f.Fail("parse.missing_field", "title is empty");
  if (Trim(x[2]) != "(no genres listed)") m.genres = SplitList(x[2], "|");
  return true;
}

}  // namespace

SourceStats ExtractMoviesFile(const std::string& path, int workers, ExtractedData& out) {
  using Parser = bool (*)(const io::CsvRecord&, Movie&, ParseFailure&);
  auto make_parse = [](const DetectedLayout& layout) -> Parser {
    switch (layout.layout) {
      case Layout::kOriginalMovies:
        return ParseOriginalMovie;
      case Layout::kMl100kMovies:
        return ParseMl100kMovie;
      default:
        return ParseMlMovie;  // movies.dat and movies.csv share id,title,genres
    }
  };
  return ParseRows<Movie>(path, SourceKind::kMovies, workers, make_parse, out.movies, out.rejected,
                          out.fixes);
}

SourceStats ExtractLinksFile(const std::string& path, int workers, ExtractedData& out) {
  auto make_parse = [](const DetectedLayout&) {
    return [](const io::CsvRecord& rec, Link& l, ParseFailure& f) {
      const auto& x = rec.fields;
      l.line = rec.line;
      if (!ParseMovieId(x[0], l.movie_id, f)) return false;
      l.imdb_id = std::string(Trim(x[1]));
      ParseOptionalInt(x[2], "tmdbId", l.tmdb_id, f);
      return true;
    };
  };
  return ParseRows<Link>(path, SourceKind::kLinks, workers, make_parse, out.links, out.rejected,
                         out.fixes);
}

}  // namespace movierec::etl
