#include "gen/defects.h"

#include <algorithm>
#include <cctype>

#include "gen/calendar.h"
#include "gen/text_out.h"
#include "io/input_file.h"

namespace movierec::gen {

namespace {

std::string Join(std::span<const std::string> fields, std::string_view delim) {
  std::string s;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) s.append(delim);
    s += fields[i];
  }
  return s;
}

}  // namespace

const char* DefectKindName(DefectKind kind) {
  switch (kind) {
    case DefectKind::kMalformedLine:
      return "malformed_line";
    case DefectKind::kOutOfRangeRating:
      return "out_of_range_rating";
    case DefectKind::kUnknownMovieId:
      return "unknown_movie_id";
    case DefectKind::kDuplicateRow:
      return "duplicate_row";
    case DefectKind::kDuplicateRating:
      return "duplicate_rating";
    case DefectKind::kDuplicateMovie:
      return "duplicate_movie";
    case DefectKind::kBadDate:
      return "bad_date";
    case DefectKind::kInvalidUtf8:
      return "invalid_utf8";
    case DefectKind::kMissingField:
      return "missing_field";
    case DefectKind::kQuotedField:
      return "quoted_field";
  }
  return "?";
}

void WriteDefectsCsv(const std::string& path, const std::vector<DefectRecord>& records) {
  OutputFile out(path);
  std::string line = "file,line,kind,detail\n";
  out.Record(line);
  for (const DefectRecord& r : records) {
    line.clear();
    AppendCsvField(line, r.file);
    line.push_back(',');
    AppendInt(line, r.line);
    line.push_back(',');
    line += DefectKindName(r.kind);
    line.push_back(',');
    AppendCsvField(line, r.detail);
    line.push_back('\n');
    out.Record(line);
  }
  out.Close();
}

const MovieDefect* CatalogDefectPlan::Find(uint32_t item) const {
  auto it = std::lower_bound(movies.begin(), movies.end(), item,
                             [](const MovieDefect& d, uint32_t i) { return d.item < i; });
  return it != movies.end() && it->item == item ? &*it : nullptr;
}

CatalogDefectPlan PlanCatalogDefects(uint64_t seed, double rate, Format format,
                                     const Catalog& catalog) {
  CatalogDefectPlan plan;
  if (rate <= 0) return plan;
  const int64_t M = static_cast<int64_t>(catalog.movies.size());
  // Films in imdb_top_1000.csv keep their titles and dates, so entity resolution still works.
  std::vector<bool> in_imdb(M, false);
  if (format == Format::kOriginal) {
    for (const ImdbEntry& e : catalog.imdb) in_imdb[e.movie] = true;
  }

  // Which kinds each movies file can carry (in-place kinds first).
  std::vector<std::pair<DefectKind, double>> kinds;
  const bool text_layout = format == Format::kOriginal || format == Format::kMlLatest;
  if (text_layout) {
    kinds.push_back({DefectKind::kInvalidUtf8, 16});
    kinds.push_back({DefectKind::kQuotedField, 16});
  }
  if (format == Format::kOriginal) kinds.push_back({DefectKind::kBadDate, 14});
  kinds.push_back({DefectKind::kMalformedLine, 16});
  kinds.push_back({DefectKind::kMissingField, 14});
  kinds.push_back({DefectKind::kDuplicateMovie, 20});
  std::vector<double> weights, imdb_weights;
  for (auto& [k, w] : kinds) {
    weights.push_back(w);
    imdb_weights.push_back(k == DefectKind::kBadDate ? 0 : w);
  }

  Rng idrng(seed, Stream::kCatalogDefects, ~uint64_t{0});
  int64_t next_id = catalog.max_id + 1 + static_cast<int64_t>(idrng.Below(30));
  auto fresh_id = [&] {
    int64_t id = next_id;
    next_id += 1 + static_cast<int64_t>(idrng.Below(30));
    return id;
  };
  for (int64_t i = 0; i < M; ++i) {
    Rng rng(seed, Stream::kCatalogDefects, static_cast<uint64_t>(i));
    if (!(rng.Uniform() < rate)) continue;
    MovieDefect d;
    d.item = static_cast<uint32_t>(i);
    d.kind = kinds[rng.Weighted(in_imdb[i] ? imdb_weights : weights)].first;
    d.original_title_only = in_imdb[i];
    if (d.kind == DefectKind::kDuplicateMovie || d.kind == DefectKind::kMissingField) {
      d.new_id = fresh_id();
    }
    if (d.kind == DefectKind::kDuplicateMovie) {
      plan.duplicated_items.push_back(d.item);
      plan.duplicate_ids.push_back(d.new_id);
    }
    plan.movies.push_back(d);
  }
  for (int k = 0; k < 64; ++k) plan.unknown_ids.push_back(fresh_id());
  return plan;
}


Mutation CorruptUtf8(const std::string& s, Rng& rng) {
  Mutation m;
  // Text with latin-1 characters: the whole value written as latin-1 (the classic mojibake).
  bool has_latin1 = false, has_wide = false;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0xC2 || c == 0xC3)
      has_latin1 = true;
    else if (c >= 0xC4)
      has_wide = true;
  }
  if (has_latin1 && !has_wide) {
    m.text = Utf8ToLatin1(s);
    if (!io::IsValidUtf8(m.text)) {
      m.detail = "latin-1 bytes instead of UTF-8 for '" + s + "'";
      return m;
    }
  }
  if (has_wide) {
    // Cut the last byte off one multi-byte character.
    std::vector<size_t> starts;
    for (size_t i = 0; i < s.size(); ++i) {
      unsigned char c = static_cast<unsigned char>(s[i]);
      if (c >= 0xE0) starts.push_back(i);
    }
    if (!starts.empty()) {
      size_t at = starts[rng.Below(starts.size())];
      unsigned char lead = static_cast<unsigned char>(s[at]);
      int len = lead >= 0xF0 ? 4 : 3;
      m.text = s.substr(0, at + len - 1) + s.substr(at + len);
      if (!io::IsValidUtf8(m.text)) {
        m.detail = "truncated UTF-8 sequence at byte " + std::to_string(at) + " of '" + s + "'";
        return m;
      }
    }
  }
  // Otherwise a stray byte between two characters.
  static constexpr const char* kStray[] = {"\xFF", "\xC3", "\x80", "\xED\xA0\x80", "\xFE"};
  static constexpr const char* kWhat[] = {"stray byte 0xFF", "lone lead byte 0xC3",
                                          "lone continuation byte 0x80",
                                          "encoded surrogate ED A0 80", "stray byte 0xFE"};
  size_t v = rng.Below(5);
  std::vector<size_t> cuts = {0, s.size()};
  for (size_t i = 1; i < s.size(); ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) cuts.push_back(i);
  }
  size_t at = cuts[rng.Below(cuts.size())];
  // A lone lead byte followed by a continuation byte would be valid; put it before ASCII.
  if (v == 1 && at < s.size() && (static_cast<unsigned char>(s[at]) & 0x80)) at = s.size();
  m.text = s.substr(0, at) + kStray[v] + s.substr(at);
  m.detail = std::string(kWhat[v]) + " at byte " + std::to_string(at) + " of '" + s + "'";
  return m;
}

Mutation TrickyText(const std::string& s, bool character, Rng& rng) {
  Mutation m;
  if (character) {
    static constexpr const char* kNick[] = {"The Knife", "Lucky", "Doc", "Red", "Ace"};
    std::string nick = kNick[rng.Below(5)];
    m.text = s + " \"" + nick + "\", Jr.\n(uncredited)";
  } else {
    switch (rng.Below(3)) {
      case 0:
        m.text = s + ", \"The Director's Cut\"\nRestored Edition";
        break;
      case 1:
        m.text = "\"" + s + "\", Part Two\n(Extended)";
        break;
      default:
        m.text = s + ": \"Redux\", Vol. 1\nUncut";
        break;
    }
  }
  // The exact value, escaped as a JSON string, so a loader can be checked against it.
  std::string escaped = "\"";
  for (char ch : m.text) {
    if (ch == '"' || ch == '\\') escaped.push_back('\\');
    if (ch == '\n')
      escaped += "\\n";
    else
      escaped.push_back(ch);
  }
  escaped.push_back('"');
  m.detail = "valid field with a comma, double quotes and a line break: " + escaped;
  return m;
}

Mutation BadIsoDate(Rng& rng) {
  Mutation m;
  int y = static_cast<int>(rng.Between(1996, 2024));
  int mo = static_cast<int>(rng.Between(1, 12));
  int d = static_cast<int>(rng.Between(1, 28));
  char buf[40];
  switch (rng.Below(8)) {
    case 0:
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, static_cast<int>(rng.Between(13, 19)),
                    static_cast<int>(rng.Between(32, 45)));
      m.detail = "impossible month and day";
      break;
    case 1:
      std::snprintf(buf, sizeof buf, "%04d%02d%02d", y, mo, d);
      m.detail = "no separators";
      break;
    case 2:
      std::snprintf(buf, sizeof buf, "not a date");
      m.detail = "not a date";
      break;
    case 3:
      std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", static_cast<int>(rng.Between(2035, 2049)),
                    mo, d);
      m.detail = "date in the future";
      break;
    case 4:
      std::snprintf(buf, sizeof buf, "%04d/%02d/%02d", y, mo, d);
      m.detail = "slashes instead of dashes";
      break;
    case 5:
      std::snprintf(buf, sizeof buf, "%02d-%02d-%04d", d, mo, y);
      m.detail = "day-month-year order";
      break;
    case 6:
      std::snprintf(buf, sizeof buf, "0000-00-00");
      m.detail = "zero date";
      break;
    default:
      std::snprintf(buf, sizeof buf, "%04d-02-%02d", y, static_cast<int>(rng.Between(30, 31)));
      m.detail = "no such day in February";
      break;
  }
  m.text = buf;
  m.detail = "date '" + m.text + "': " + m.detail;
  return m;
}

Mutation BadUnixTime(Rng& rng) {
  Mutation m;
  switch (rng.Below(4)) {
    case 0:
      m.text = "not a date";
      m.detail = "not a timestamp";
      break;
    case 1: {
      m.text = IsoDate(kFirstRatingDay + static_cast<int64_t>(rng.Below(10000)));
      m.detail = "ISO date where unix seconds are expected";
      break;
    }
    case 2: {
      int64_t day = DaysFromCivil(static_cast<int>(rng.Between(2035, 2049)), 1, 1) +
                    static_cast<int64_t>(rng.Below(365));
      m.text = std::to_string(day * kSecondsPerDay + static_cast<int64_t>(rng.Below(86400)));
      m.detail = "timestamp in the future";
      break;
    }
    default: {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.3e", 8.3e8 + static_cast<double>(rng.Below(900000000)));
      m.text = buf;
      m.detail = "timestamp in scientific notation";
      break;
    }
  }
  m.detail = "timestamp '" + m.text + "': " + m.detail;
  return m;
}

Mutation TitleVariant(const std::string& title, Rng& rng) {
  Mutation m;
  m.text = title;
  switch (rng.Below(6)) {
    case 0:
      for (char& c : m.text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      m.detail = "upper case";
      break;
    case 1:
      for (char& c : m.text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      m.detail = "lower case";
      break;
    case 2: {
      size_t sp = m.text.find(' ');
      if (sp != std::string::npos) {
        m.text.insert(sp, 1, ' ');
        m.detail = "double space";
      } else {
        m.text += " ";
        m.detail = "trailing space";
      }
      break;
    }
    case 3:
      m.text += " ";
      m.detail = "trailing space";
      break;
    case 4:
      m.text = " " + m.text;
      m.detail = "leading space";
      break;
    default:
      m.detail = "identical title";
      break;
  }
  return m;
}

Mutation MalformedLine(std::span<const std::string> fields, std::string_view delimiter,
                       bool quoting, Rng& rng) {
  Mutation m;
  const size_t n = fields.size();
  switch (rng.Below(4)) {
    case 0: {  // truncated record
      size_t k = n > 2 ? 1 + rng.Below(n - 2) + (n > 3 ? 1 : 0) : 1;
      k = std::min(k, n - 1);
      m.text = Join(fields.subspan(0, k), delimiter);
      m.detail = std::to_string(k) + " fields, expected " + std::to_string(n);
      break;
    }
    case 1: {  // extra fields
      std::vector<std::string> f(fields.begin(), fields.end());
      size_t extra = 1 + rng.Below(2);
      for (size_t e = 0; e < extra; ++e) f.push_back(e == 0 ? "N/A" : fields[n - 1]);
      m.text = Join(f, delimiter);
      m.detail = std::to_string(n + extra) + " fields, expected " + std::to_string(n);
      break;
    }
    case 2: {  // not a record at all
      static constexpr const char* kGarbage[] = {
          "### export truncated ###",
          "NULL",
          "<!DOCTYPE html><html><body>502 Bad Gateway</body></html>",
          "-- end of page 3 --",
          "Lorem ipsum dolor sit amet",
          "ERROR 2013 (HY000): Lost connection to MySQL server during query",
      };
      m.text = kGarbage[rng.Below(6)];
      m.detail = "garbage text";
      break;
    }
    default: {
      std::vector<std::string> f(fields.begin(), fields.end());
      if (quoting && n >= 2) {
        // An opening quote that is never closed on this line.
        size_t j = 1 + rng.Below(n - 1);
        std::string& x = f[j];
        if (!x.empty() && x.front() == '"')
          x.pop_back();
        else
          x.insert(x.begin(), '"');
        m.text = Join(f, delimiter);
        m.detail = "unbalanced quote in field " + std::to_string(j + 1);
      } else {
        m.text = Join(f, ";");
        m.detail = "';' used as the delimiter";
      }
      break;
    }
  }
  return m;
}

InjectedRow MakeRatingDefect(const RatingDefectContext& c, Rng& rng) {
  const RatingDialect& d = c.writer->dialect();
  const auto& movies = c.catalog->movies;
  const int64_t M = static_cast<int64_t>(movies.size());
  const std::string scale = d.half_stars ? "0.5..5.0" : "1..5";

  auto fields_of = [&](const SampledRating& r, int64_t movie_id) {
    std::array<std::string, 4> f;
    f[0] = std::to_string(c.user_id);
    f[1] = std::to_string(movie_id);
    f[2] = std::string(RatingText(d, RatingSteps(d, r.value)));
    f[3] = c.writer->DateText(r.ts);
    return f;
  };
  auto join = [&](const std::array<std::string, 4>& f) { return Join(f, d.delimiter); };
  // A new rating by this user of a film they have not rated (and no other defect row used).
  auto fresh = [&](SampledRating& out) {
    for (int t = 0; t < 32; ++t) {
      uint32_t item = static_cast<uint32_t>(rng.Below(static_cast<uint64_t>(M)));
      if (c.sampler->Take(*c.scratch, c.user, item)) {
        out = c.sampler->Rate(c.user, item, *c.activity, rng);
        return true;
      }
    }
    return false;
  };

  static constexpr DefectKind kKinds[] = {
      DefectKind::kMalformedLine, DefectKind::kOutOfRangeRating, DefectKind::kUnknownMovieId,
      DefectKind::kDuplicateRow,  DefectKind::kDuplicateRating,  DefectKind::kDuplicateMovie,
      DefectKind::kBadDate,       DefectKind::kMissingField};
  double weights[] = {12, 14, 12, 14, 14, c.plan->duplicate_ids.empty() ? 0.0 : 10.0, 12, 12};
  InjectedRow row;
  row.kind = kKinds[rng.Weighted(weights)];
  const SampledRating& cur = c.rows[c.current];
  SampledRating r;

  switch (row.kind) {
    case DefectKind::kMalformedLine: {
      auto f = fields_of(cur, movies[cur.item].id);
      Mutation mu = MalformedLine(f, d.delimiter, d.quoting, rng);
      row.text = std::move(mu.text);
      row.detail = std::move(mu.detail);
      return row;
    }
    case DefectKind::kOutOfRangeRating:
      if (fresh(r)) {
        static constexpr const char* kHalf[] = {"7.0", "5.5", "-1",  "0",
                                                "0.0", "10",  "6.0", "-0.5"};
        static constexpr const char* kWhole[] = {"0", "6", "7", "-1", "10", "55"};
        auto f = fields_of(r, movies[r.item].id);
        f[2] = d.half_stars ? kHalf[rng.Below(8)] : kWhole[rng.Below(6)];
        row.text = join(f);
        row.detail = "rating " + f[2] + " outside " + scale;
        return row;
      }
      break;
    case DefectKind::kUnknownMovieId: {
      int64_t id = c.plan->unknown_ids[rng.Below(c.plan->unknown_ids.size())];
      r = cur;
      r.ts = c.sampler->SampleTimestamp(cur.item, *c.activity, rng);
      r.value = static_cast<float>(rng.Normal(3.5, 1.0));
      auto f = fields_of(r, id);
      row.text = join(f);
      row.detail = "MovieID " + std::to_string(id) + " is not in the movies file";
      return row;
    }
    case DefectKind::kDuplicateRow:
      break;  // below: also the fallback of every other kind
    case DefectKind::kDuplicateRating: {
      const SampledRating& orig = c.rows[rng.Below(c.current + 1)];
      int steps = RatingSteps(d, orig.value);
      int max_steps = d.half_stars ? 10 : 5;
      int other = static_cast<int>(1 + rng.Below(static_cast<uint64_t>(max_steps - 1)));
      if (other >= steps) ++other;
      r = orig;
      r.value = d.half_stars ? static_cast<float>(other) / 2.0f : static_cast<float>(other);
      int64_t shift = (1 + static_cast<int64_t>(rng.Below(400))) * kSecondsPerDay +
                      static_cast<int64_t>(rng.Below(kSecondsPerDay));
      int64_t last_ts = (kLastRatingDay + 1) * kSecondsPerDay - 1;
      int64_t release_ts = movies[orig.item].release_day * kSecondsPerDay;
      r.ts = orig.ts + shift <= last_ts ? orig.ts + shift : std::max(release_ts, orig.ts - shift);
      auto f = fields_of(r, movies[orig.item].id);
      auto fo = fields_of(orig, movies[orig.item].id);
      row.text = join(f);
      row.detail = "UserID " + f[0] + " MovieID " + f[1] + " rated again: " + fo[2] + " at " +
                   fo[3] + ", then " + f[2] + " at " + f[3];
      return row;
    }
    case DefectKind::kDuplicateMovie: {
      for (int t = 0; t < 16; ++t) {
        size_t k = rng.Below(c.plan->duplicate_ids.size());
        uint32_t item = c.plan->duplicated_items[k];
        if (!c.sampler->Take(*c.scratch, c.user, item)) continue;
        r = c.sampler->Rate(c.user, item, *c.activity, rng);
        auto f = fields_of(r, c.plan->duplicate_ids[k]);
        row.text = join(f);
        row.detail = "rating for MovieID " + f[1] + ", a duplicate of MovieID " +
                     std::to_string(movies[item].id);
        return row;
      }
      break;
    }
    case DefectKind::kBadDate:
      if (fresh(r)) {
        auto f = fields_of(r, movies[r.item].id);
        Mutation mu = d.iso_date ? BadIsoDate(rng) : BadUnixTime(rng);
        f[3] = mu.text;
        row.text = join(f);
        row.detail = mu.detail;
        return row;
      }
      break;
    case DefectKind::kMissingField:
      if (fresh(r)) {
        auto f = fields_of(r, movies[r.item].id);
        static constexpr const char* kNames[] = {"UserID", "MovieID", "Rating"};
        size_t j = rng.Below(3);
        f[j].clear();
        row.text = join(f);
        row.detail = std::string("empty ") + kNames[j];
        return row;
      }
      break;
    default:
      break;
  }
  // duplicate_row: an exact copy of one of this user's earlier rows.
  row.kind = DefectKind::kDuplicateRow;
  size_t j = rng.Below(c.current + 1);
  const SampledRating& orig = c.rows[j];
  row.text = join(fields_of(orig, movies[orig.item].id));
  row.detail = "exact copy of an earlier row (UserID " + std::to_string(c.user_id) + ", MovieID " +
               std::to_string(movies[orig.item].id) + ")";
  return row;
}

}  // namespace movierec::gen
