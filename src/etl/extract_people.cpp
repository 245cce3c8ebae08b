// Persons.csv (credits), imdb_top_1000.csv and MovieLens tags.csv.
#include "etl/extract.h"
#include "etl/extract_common.h"
#include "etl/field_parse.h"

namespace movierec::etl {
namespace {

bool ParseRequiredId(std::string_view s, const char* name, int64_t& out, ParseFailure& f) {
  if (Trim(s).empty()) return f.Fail("parse.missing_field", std::string(name) + " is empty");
  if (!ParseInt(s, out) || out <= 0 || out > INT32_MAX) {
    return f.Fail("parse.bad_number",
                  std::string(name) + " '" + std::string(s) + "' is not a positive 32-bit id");
  }
  return true;
}

bool ParseCredit(const io::CsvRecord& rec, Credit& c, ParseFailure& f) {
  const auto& x = rec.fields;
  c.line = rec.line;
  if (!ParseRequiredId(x[0], "movie id", c.movie_id, f)) return false;
  c.cast_id = std::string(Trim(x[1]));
  c.name = std::string(Trim(x[2]));
  if (c.name.empty()) return f.Fail("parse.missing_field", "name is empty");
  std::string_view g = Trim(x[3]);
  if (g == "1" || g == "2") {
    c.gender = g[0] - '0';
  } else if (!g.empty() && g != "0") {
    f.Fix("field.bad_code",
          "gender '" + std::string(g) + "' is not 1, 2, 0 or empty; left unknown");
  }
  c.character = std::string(Trim(x[4]));
  return true;
}

// "28,341,469" → 28341469; "$1.2M" and other shapes are rejected.
bool ParseGrouped(std::string_view s, std::optional<int64_t>& out) {
  std::string digits;
  for (char ch : Trim(s)) {
    if (ch == ',') continue;
    digits += ch;
  }
  if (digits.empty()) return true;
  int64_t v;
  if (!ParseInt(digits, v)) return false;
  out = v;
  return true;
}

bool ParseImdb(const io::CsvRecord& rec, ImdbMovie& m, ParseFailure& f) {
  const auto& x = rec.fields;
  m.line = rec.line;
  m.poster_link = std::string(Trim(x[0]));
  m.title = std::string(Trim(x[1]));
  if (m.title.empty()) return f.Fail("parse.missing_field", "Series_Title is empty");
  int year;
  // The published file has one Released_Year of "PG": an unknown year, not a broken row.
  if (ParseInt(x[2], year)) {
    m.year = year;
  } else if (!Trim(x[2]).empty()) {
    f.Fix("field.bad_number",
          "Released_Year '" + std::string(x[2]) + "' is not a year; left empty");
  }
  m.certificate = std::string(Trim(x[3]));
  std::string_view rt = Trim(x[4]);
  if (rt.size() > 4 && rt.substr(rt.size() - 4) == " min") rt.remove_suffix(4);
  // Every column but the title is optional: an unusable value is dropped and reported.
  auto bad = [&](const char* column, std::string_view v, const char* expected) {
    f.Fix("field.bad_number",
          std::string(column) + " '" + std::string(v) + "' is not " + expected + "; left empty");
  };
  int runtime;
  if (!rt.empty()) {
    if (ParseInt(rt, runtime))
      m.runtime = runtime;
    else
      bad("Runtime", x[4], "'N min'");
  }
  m.genres = SplitList(x[5], ",");
  double rating;
  if (!Trim(x[6]).empty()) {
    if (ParseFloat(x[6], rating))
      m.imdb_rating = rating;
    else
      bad("IMDB_Rating", x[6], "a number");
  }
  m.overview = std::string(Trim(x[7]));
  int meta;
  if (!Trim(x[8]).empty()) {
    if (ParseInt(x[8], meta))
      m.meta_score = meta;
    else
      bad("Meta_score", x[8], "a number");
  }
  m.director = std::string(Trim(x[9]));
  for (int i = 0; i < 4; ++i) m.stars[i] = std::string(Trim(x[10 + i]));
  if (!ParseGrouped(x[14], m.votes)) bad("No_of_Votes", x[14], "a number");
  if (!ParseGrouped(x[15], m.gross)) bad("Gross", x[15], "a number");
  return true;
}

bool ParseTag(const io::CsvRecord& rec, Tag& t, ParseFailure& f) {
  const auto& x = rec.fields;
  t.line = rec.line;
  int64_t id;
  if (!ParseRequiredId(x[0], "user id", id, f)) return false;
  t.user_id = static_cast<int32_t>(id);
  if (!ParseRequiredId(x[1], "movie id", id, f)) return false;
  t.movie_id = static_cast<int32_t>(id);
  t.tag = std::string(Trim(x[2]));
  if (t.tag.empty()) return f.Fail("parse.missing_field", "tag is empty");
  if (!ParseInt(x[3], t.timestamp)) {
    return f.Fail("parse.bad_date", "timestamp '" + std::string(x[3]) + "' is not a unix time");
  }
  return true;
}

using CreditParser = bool (*)(const io::CsvRecord&, Credit&, ParseFailure&);
using ImdbParser = bool (*)(const io::CsvRecord&, ImdbMovie&, ParseFailure&);
using TagParser = bool (*)(const io::CsvRecord&, Tag&, ParseFailure&);

}  // namespace

SourceStats ExtractPersonsFile(const std::string& path, int workers, ExtractedData& out) {
  return ParseRows<Credit>(
      path, SourceKind::kPersons, workers,
      [](const DetectedLayout&) -> CreditParser { return ParseCredit; }, out.credits, out.rejected,
      out.fixes);
}

SourceStats ExtractImdbFile(const std::string& path, int workers, ExtractedData& out) {
  return ParseRows<ImdbMovie>(
      path, SourceKind::kImdb, workers,
      [](const DetectedLayout&) -> ImdbParser { return ParseImdb; }, out.imdb, out.rejected,
      out.fixes);
}

SourceStats ExtractTagsFile(const std::string& path, int workers, ExtractedData& out) {
  return ParseRows<Tag>(
      path, SourceKind::kTags, workers, [](const DetectedLayout&) -> TagParser { return ParseTag; },
      out.tags, out.rejected, out.fixes);
}

}  // namespace movierec::etl
