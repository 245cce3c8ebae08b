// Realistic defects for `generate --dirty-rate F` and the defects.csv that lists each one.
//
// Rows that cannot be loaded as they are (malformed lines, out-of-range ratings, unknown or
// missing ids, duplicates, bad dates) are INSERTED as extra rows, so every clean row stays
// byte-identical and deleting the listed lines of a ratings file gives back the clean file.
// Defects that leave the record loadable or repairable are applied IN PLACE to the row they
// describe: invalid_utf8 (a title or name), quoted_field (a valid but tricky title/character)
// and bad_date on a movie's ReleaseDate. Films in imdb_top_1000.csv keep their EnglishTitle
// and ReleaseDate, so the IMDb file still matches Movies.csv: their title defects go to
// OriginalTitle and they get no bad_date.
//
// defects.csv: file,line,kind,detail — one row per defect, `line` the 1-based physical line
// where the affected record starts in the written file.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gen/catalog.h"
#include "gen/format.h"
#include "gen/rating_format.h"
#include "gen/ratings_sampler.h"
#include "gen/rng.h"

namespace movierec::gen {

enum class DefectKind : uint8_t {
  kMalformedLine,
  kOutOfRangeRating,
  kUnknownMovieId,
  kDuplicateRow,
  kDuplicateRating,
  kDuplicateMovie,
  kBadDate,
  kInvalidUtf8,
  kMissingField,
  kQuotedField,
};
constexpr int kDefectKindCount = 10;
const char* DefectKindName(DefectKind kind);

struct DefectRecord {
  std::string file;  // name relative to the output directory, e.g. "Ratings.csv"
  int64_t line = 0;
  DefectKind kind = DefectKind::kMalformedLine;
  std::string detail;  // valid UTF-8 even when the defect is not
};

void WriteDefectsCsv(const std::string& path, const std::vector<DefectRecord>& records);

// Decided before anything is written, because ratings point at duplicate movie ids.
struct MovieDefect {
  uint32_t item = 0;
  DefectKind kind = DefectKind::kMalformedLine;
  int64_t new_id = 0;  // duplicate_movie / missing_field (title variant): the inserted row's id
  bool original_title_only = false;  // title defects leave EnglishTitle alone (IMDb films)
};
struct CatalogDefectPlan {
  std::vector<MovieDefect> movies;         // ascending item, at most one per item
  std::vector<uint32_t> duplicated_items;  // items that have a duplicate row …
  std::vector<int64_t> duplicate_ids;      // … and the duplicate's id (same order)
  std::vector<int64_t> unknown_ids;        // ids that appear in no movies file
  const MovieDefect* Find(uint32_t item) const;
};
CatalogDefectPlan PlanCatalogDefects(uint64_t seed, double rate, Format format,
                                     const Catalog& catalog);

// Text mutations shared by the writers. `detail` says what was done.
struct Mutation {
  std::string text;
  std::string detail;
};
Mutation CorruptUtf8(const std::string& s, Rng& rng);
Mutation TrickyText(const std::string& s, bool character, Rng& rng);
Mutation BadIsoDate(Rng& rng);
Mutation BadUnixTime(Rng& rng);
Mutation TitleVariant(const std::string& title, Rng& rng);
// A line that is not a record: truncated or padded fields, garbage text, an unbalanced quote
// (when the dialect quotes) or a wrong delimiter. `fields` are rendered (already escaped)
// fields of a clean record without line breaks; the result holds no line break either.
Mutation MalformedLine(std::span<const std::string> fields, std::string_view delimiter,
                       bool quoting, Rng& rng);

// One inserted ratings row.
struct InjectedRow {
  DefectKind kind = DefectKind::kMalformedLine;
  std::string text;  // without '\n'
  std::string detail;
};

struct RatingDefectContext {
  const RatingRowWriter* writer = nullptr;
  const Catalog* catalog = nullptr;
  const CatalogDefectPlan* plan = nullptr;
  const RatingSampler* sampler = nullptr;
  RatingSampler::Scratch* scratch = nullptr;
  int64_t user = 0;     // index
  int64_t user_id = 0;  // as written
  const UserActivity* activity = nullptr;
  std::span<const SampledRating> rows;  // the user's clean rows in written order
  size_t current = 0;                   // the row just written; the defect goes after it
};
InjectedRow MakeRatingDefect(const RatingDefectContext& ctx, Rng& rng);

}  // namespace movierec::gen
