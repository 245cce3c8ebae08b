// Recognises which published layout an input file has, from its header or, for headerless
// MovieLens files, from its name and first line (DESIGN.md §4).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "io/csv_reader.h"

namespace movierec::etl {

// What a config entry is supposed to hold.
enum class SourceKind { kMovies, kRatings, kPersons, kImdb, kTags, kLinks };
const char* SourceKindName(SourceKind kind);

enum class Layout {
  kOriginalMovies,   // Movies.csv of the original pipeline
  kOriginalPersons,  // Persons.csv
  kOriginalRatings,  // Ratings.csv: UserID,MovieID,Rating,Date (or Timestamp)
  kImdbTop1000,      // imdb_top_1000.csv
  kMl100kRatings,    // u.data: user \t item \t rating \t timestamp
  kMl100kMovies,     // u.item: '|' separated, latin-1
  kMlDatRatings,     // ml-1m/10m ratings.dat: UserID::MovieID::Rating::Timestamp
  kMlDatMovies,      // movies.dat: MovieID::Title (Year)::Genres
  kMlCsvRatings,     // ml-20m+/latest ratings.csv
  kMlCsvMovies,      // movies.csv: movieId,title,genres
  kMlCsvTags,        // tags.csv
  kMlCsvLinks,       // links.csv
};

struct DetectedLayout {
  Layout layout;
  SourceKind kind;
  const char* name;  // e.g. "MovieLens ratings.dat"
  io::CsvDialect dialect;
  bool has_header = true;
  bool latin1 = false;              // transcode to UTF-8 before parsing
  size_t fields = 0;                // expected fields per record
  std::vector<std::string> header;  // column names (given or implied)
};

// Detects the layout of `text` (the file's decoded bytes; `path` for its name). Throws
// UsageError when the layout is unknown, or known but of another kind than `expected`.
DetectedLayout DetectLayout(SourceKind expected, const std::string& path, std::string_view text);

}  // namespace movierec::etl
