// The extract stage: reads every configured input in whatever supported layout it has and
// returns typed rows. Rows that cannot be parsed go to `rejected` with file, line, raw text,
// rule and reason; nothing is dropped silently.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/records.h"
#include "io/config.h"

namespace movierec::etl {

struct Link {  // MovieLens links.csv
  int64_t line = 0;
  int64_t movie_id = 0;
  std::string imdb_id;
  std::optional<int64_t> tmdb_id;
};

// An optional field whose value could not be used: the row loads without it (validate reports
// each one under its rule with the action "fixed").
struct FieldFix {
  std::string source;
  int64_t line = 0;
  std::string rule;    // e.g. "movie.release_date"
  std::string detail;  // e.g. "release date '2019-13-45' is not a date; left empty"
};

struct ExtractedData {
  std::vector<Movie> movies;
  std::vector<Credit> credits;
  std::vector<Rating> ratings;
  std::vector<ImdbMovie> imdb;
  std::vector<Tag> tags;
  std::vector<Link> links;
  std::vector<RejectedRow> rejected;
  std::vector<FieldFix> fixes;
  std::vector<SourceStats> sources;  // one per input file, in config order
  // Set by validate: rows merged into another (per source path), and merged movie ids.
  std::map<std::string, int64_t> merged;
  std::vector<std::pair<int64_t, int64_t>> movie_redirects;  // (old id, surviving id)
};

struct ExtractOptions {
  int workers = 1;
  bool progress = true;
};

// The configured path of the input of `kind` ("movies", "ratings", ...), or "" when absent.
const std::string& SourcePath(const std::vector<SourceStats>& sources, const char* kind);

// Throws UsageError for a missing required input or an unrecognised layout; io errors throw
// movierec::Error. Bad rows never throw.
ExtractedData Extract(const io::SourcesConfig& sources, const ExtractOptions& options);

// Per-file entry points (used by Extract and by tests). Each appends to `out` and returns the
// file's accounting (rows_read and rows_quarantined filled in).
SourceStats ExtractRatingsFile(const std::string& path, int workers, ExtractedData& out);
SourceStats ExtractMoviesFile(const std::string& path, int workers, ExtractedData& out);
SourceStats ExtractPersonsFile(const std::string& path, int workers, ExtractedData& out);
SourceStats ExtractImdbFile(const std::string& path, int workers, ExtractedData& out);
SourceStats ExtractTagsFile(const std::string& path, int workers, ExtractedData& out);
SourceStats ExtractLinksFile(const std::string& path, int workers, ExtractedData& out);

}  // namespace movierec::etl
