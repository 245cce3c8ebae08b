#include "etl/source_layout.h"

#include <algorithm>
#include <cctype>
#include <filesystem>

#include "common/error.h"
#include "io/input_file.h"

namespace movierec::etl {
namespace {

struct HeaderLayout {
  Layout layout;
  SourceKind kind;
  const char* name;
  std::vector<std::string> columns;  // lower-case
};

const std::vector<HeaderLayout>& HeaderLayouts() {
  static const std::vector<HeaderLayout> layouts = {
      {Layout::kOriginalMovies,
       SourceKind::kMovies,
       "original Movies.csv",
       {"movieid", "originallanguage", "originaltitle", "englishtitle", "budget", "revenue",
        "homepage", "runtime", "releasedate", "genres", "castid", "productioncompanies",
        "productioncountries", "spokenlanguages"}},
      {Layout::kOriginalPersons,
       SourceKind::kPersons,
       "original Persons.csv",
       {"movieid", "castid", "name", "gender", "character"}},
      {Layout::kOriginalRatings,
       SourceKind::kRatings,
       "original Ratings.csv",
       {"userid", "movieid", "rating", "date"}},
      {Layout::kOriginalRatings,
       SourceKind::kRatings,
       "original Ratings.csv (timestamp)",
       {"userid", "movieid", "rating", "timestamp"}},
      {Layout::kImdbTop1000,
       SourceKind::kImdb,
       "IMDb top-1000",
       {"poster_link", "series_title", "released_year", "certificate", "runtime", "genre",
        "imdb_rating", "overview", "meta_score", "director", "star1", "star2", "star3", "star4",
        "no_of_votes", "gross"}},
      {Layout::kMlCsvMovies,
       SourceKind::kMovies,
       "MovieLens movies.csv",
       {"movieid", "title", "genres"}},
      {Layout::kMlCsvTags,
       SourceKind::kTags,
       "MovieLens tags.csv",
       {"userid", "movieid", "tag", "timestamp"}},
      {Layout::kMlCsvLinks,
       SourceKind::kLinks,
       "MovieLens links.csv",
       {"movieid", "imdbid", "tmdbid"}},
  };
  return layouts;
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The file name without directories and without a trailing .gz.
std::string BaseName(const std::string& path) {
  std::string name = std::filesystem::path(path).filename().string();
  if (name.size() > 3 && Lower(name.substr(name.size() - 3)) == ".gz") {
    name.resize(name.size() - 3);
  }
  return Lower(name);
}

std::string_view FirstLine(std::string_view text) {
  size_t e = text.find('\n');
  std::string_view line = text.substr(0, e);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

size_t CountFields(std::string_view line, std::string_view delim) {
  size_t n = 1;
  for (size_t p = line.find(delim); p != std::string_view::npos;
       p = line.find(delim, p + delim.size())) {
    ++n;
  }
  return n;
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The first field of a headerless MovieLens line is a numeric id.
bool StartsWithId(std::string_view line, std::string_view delim) {
  return AllDigits(line.substr(0, line.find(delim)));
}

DetectedLayout Make(Layout layout, SourceKind kind, const char* name, std::string delim,
                    bool quoting, bool header, std::vector<std::string> columns) {
  DetectedLayout d{layout, kind,  name,           io::CsvDialect{std::move(delim), quoting},
                   header, false, columns.size(), std::move(columns)};
  return d;
}

DetectedLayout Detect(const std::string& path, std::string_view text) {
  const std::string base = BaseName(path);
  const std::string_view first = FirstLine(text);

  // Files with a header line.
  io::CsvDialect comma;
  io::CsvHeader header = io::ReadHeader(text, comma);
  std::vector<std::string> cols;
  for (const auto& f : header.fields) cols.push_back(Lower(f));
  for (const auto& h : HeaderLayouts()) {
    if (cols == h.columns) {
      // MovieLens ratings.csv shares its columns with the original's timestamp edition.
      Layout layout = h.layout;
      const char* name = h.name;
      if (h.kind == SourceKind::kRatings && !header.fields.empty() &&
          header.fields[0] == "userId") {
        layout = Layout::kMlCsvRatings;
        name = "MovieLens ratings.csv";
      }
      return Make(layout, h.kind, name, ",", true, true, header.fields);
    }
  }

  // Headerless MovieLens layouts, by name first, then by the shape of the first line.
  const bool tab4 = CountFields(first, "\t") == 4 && StartsWithId(first, "\t");
  const bool dat4 = CountFields(first, "::") == 4 && StartsWithId(first, "::");
  const bool dat3 = CountFields(first, "::") == 3 && StartsWithId(first, "::");
  const bool item24 = CountFields(first, "|") == 24 && StartsWithId(first, "|");
  if (tab4 || (text.empty() && base == "u.data")) {
    return Make(Layout::kMl100kRatings, SourceKind::kRatings, "MovieLens u.data", "\t", false,
                false, {"user_id", "item_id", "rating", "timestamp"});
  }
  if (item24 || (text.empty() && base == "u.item")) {
    auto d =
        Make(Layout::kMl100kMovies, SourceKind::kMovies, "MovieLens u.item", "|", false, false, {});
    d.latin1 = true;
    d.fields = 24;
    return d;
  }
  if (dat4 || (text.empty() && base == "ratings.dat")) {
    return Make(Layout::kMlDatRatings, SourceKind::kRatings, "MovieLens ratings.dat", "::", false,
                false, {"UserID", "MovieID", "Rating", "Timestamp"});
  }
  if (dat3 || (text.empty() && base == "movies.dat")) {
    auto d = Make(Layout::kMlDatMovies, SourceKind::kMovies, "MovieLens movies.dat", "::", false,
                  false, {"MovieID", "Title", "Genres"});
    d.latin1 = !io::IsValidUtf8(text);  // ml-1m's movies.dat is latin-1, ml-10m's UTF-8
    return d;
  }

  std::string shown(first.substr(0, 200));
  throw UsageError("cannot recognise the layout of " + path + ": first line '" + shown +
                   "' matches no supported format (original Movies/Persons/Ratings.csv, "
                   "imdb_top_1000.csv, MovieLens u.data/u.item, ratings.dat/movies.dat, "
                   "ratings.csv/movies.csv/tags.csv/links.csv, optionally .gz)");
}

}  // namespace

const char* SourceKindName(SourceKind kind) {
  switch (kind) {
    case SourceKind::kMovies:
      return "movies";
    case SourceKind::kRatings:
      return "ratings";
    case SourceKind::kPersons:
      return "persons";
    case SourceKind::kImdb:
      return "imdb";
    case SourceKind::kTags:
      return "tags";
    case SourceKind::kLinks:
      return "links";
  }
  return "?";
}

DetectedLayout DetectLayout(SourceKind expected, const std::string& path, std::string_view text) {
  DetectedLayout d = Detect(path, text);
  if (d.kind != expected) {
    throw UsageError(std::string("data_sources.csv_files.") + SourceKindName(expected) + " is " +
                     path + ", which is a " + SourceKindName(d.kind) + " file (" + d.name +
                     "), not a " + SourceKindName(expected) + " file");
  }
  return d;
}

}  // namespace movierec::etl
