// Ratings in every layout: original Ratings.csv (Date or Timestamp), u.data, ratings.dat,
// ratings.csv. This is the hot path (tens of millions of rows): no allocation per row.
#include "etl/extract.h"
#include "etl/extract_common.h"
#include "etl/field_parse.h"

namespace movierec::etl {
namespace {

bool ParseId(std::string_view s, const char* name, int32_t& out, ParseFailure& f) {
  if (Trim(s).empty()) return f.Fail("parse.missing_field", std::string(name) + " is empty");
  if (!ParseInt(s, out) || out <= 0) {
    return f.Fail("parse.bad_number",
                  std::string(name) + " '" + std::string(s) + "' is not a positive 32-bit id");
  }
  return true;
}

}  // namespace

SourceStats ExtractRatingsFile(const std::string& path, int workers, ExtractedData& out) {
  auto make_parse = [](const DetectedLayout& layout) {
    // The original's newer edition has a Date column, its older one and MovieLens a Timestamp.
    const bool iso_date = layout.layout == Layout::kOriginalRatings &&
                          (layout.header[3] == "Date" || layout.header[3] == "date");
    return [iso_date](const io::CsvRecord& rec, Rating& r, ParseFailure& f) {
      const auto& x = rec.fields;
      r.line = rec.line;
      if (!ParseId(x[0], "user id", r.user_id, f)) return false;
      if (!ParseId(x[1], "movie id", r.movie_id, f)) return false;
      if (Trim(x[2]).empty()) return f.Fail("parse.missing_field", "rating is empty");
      if (!ParseFloat(x[2], r.rating)) {
        return f.Fail("parse.bad_number", "rating '" + std::string(x[2]) + "' is not a number");
      }
      if (Trim(x[3]).empty()) return f.Fail("parse.missing_field", "date is empty");
      if (iso_date) {
        if (!ParseIsoDate(x[3], r.timestamp)) {
          return f.Fail("parse.bad_date", "date '" + std::string(x[3]) + "' is not yyyy-mm-dd");
        }
      } else if (!ParseInt(x[3], r.timestamp) || r.timestamp < 0) {
        return f.Fail("parse.bad_date",
                      "timestamp '" + std::string(x[3]) + "' is not a unix time in seconds");
      }
      return true;
    };
  };
  return ParseRows<Rating>(path, SourceKind::kRatings, workers, make_parse, out.ratings,
                           out.rejected, out.fixes);
}

}  // namespace movierec::etl
