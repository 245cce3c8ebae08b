#include "etl/validate.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "io/input_file.h"

namespace movierec::etl {
namespace {

constexpr size_t kSampleSize = 5;

// Collects one rule's outcome and moves failing rows to the quarantine.
class RuleRun {
 public:
  RuleRun(ExtractedData& data, std::string rule, std::string table, std::string severity,
          int64_t checked)
      : data_(data) {
    result_.rule_id = std::move(rule);
    result_.table = std::move(table);
    result_.severity = std::move(severity);
    result_.rows_checked = checked;
  }

  void Note(const std::string& where, const std::string& detail) {
    ++result_.rows_failed;
    if (result_.sample.size() < kSampleSize) result_.sample.push_back(where + ": " + detail);
  }

  void Quarantine(const std::string& source, int64_t line, std::string raw, std::string reason) {
    Note(source + ":" + std::to_string(line), reason);
    data_.rejected.push_back(
        RejectedRow{source, line, std::move(raw), result_.rule_id, std::move(reason)});
  }

  QualityResult Finish() {
    if (result_.rows_failed == 0) {
      result_.action = "none";
    } else if (result_.severity == "quarantine") {
      result_.action = "quarantined";
    } else if (result_.severity == "fix") {
      result_.action = "fixed";
    } else {
      result_.action = "warned";
    }
    return std::move(result_);
  }

 private:
  ExtractedData& data_;
  QualityResult result_;
};

const char* TableOfKind(const std::string& kind) {
  if (kind == "movies" || kind == "links") return "movie";
  if (kind == "ratings") return "user_rating";
  if (kind == "persons") return "movie_cast";
  if (kind == "imdb") return "imdb_movie";
  if (kind == "tags") return "movie_tag";
  return "?";
}

const std::string& SourcePath(const ExtractedData& d, const char* kind) {
  static const std::string none;
  for (const auto& s : d.sources) {
    if (s.kind == kind) return s.path;
  }
  return none;
}

// Moves rows failing `bad` out of `rows` (stable) and quarantines them.
template <class Row, class Bad, class Describe>
void QuarantineIf(std::vector<Row>& rows, RuleRun& run, const std::string& source, Bad bad,
                  Describe describe) {
  auto keep =
      std::stable_partition(rows.begin(), rows.end(), [&](const Row& r) { return !bad(r); });
  for (auto it = keep; it != rows.end(); ++it) {
    auto [raw, reason] = describe(*it);
    run.Quarantine(source, it->line, std::move(raw), std::move(reason));
  }
  rows.erase(keep, rows.end());
}

// Rows quarantined after parsing carry an empty raw text; fetch the real line from the file
// (one pass per file, only when something was quarantined).
void FillRawText(std::vector<RejectedRow>& rejected, size_t first) {
  std::unordered_map<std::string, std::vector<RejectedRow*>> by_source;
  for (size_t i = first; i < rejected.size(); ++i) {
    if (rejected[i].raw.empty()) by_source[rejected[i].source].push_back(&rejected[i]);
  }
  for (auto& [path, rows] : by_source) {
    std::sort(rows.begin(), rows.end(),
              [](const RejectedRow* a, const RejectedRow* b) { return a->line < b->line; });
    std::optional<io::InputFile> file;
    try {
      file.emplace(io::InputFile::Open(path));
    } catch (const std::exception& e) {
      spdlog::warn("cannot re-read {} for the quarantine's raw text: {}", path, e.what());
      continue;
    }
    std::string_view text = file->text();
    size_t pos = 0;
    int64_t line = 1;
    for (RejectedRow* r : rows) {
      while (line < r->line && pos < text.size()) {
        size_t nl = text.find('\n', pos);
        pos = nl == std::string_view::npos ? text.size() : nl + 1;
        ++line;
      }
      size_t end = text.find('\n', pos);
      std::string_view raw = text.substr(pos, end == std::string_view::npos ? end : end - pos);
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
      r->raw = std::string(raw);
    }
  }
}

std::string FormatRating(float r) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", static_cast<double>(r));
  return buf;
}

std::string NormalizedTitle(const std::string& title) {
  std::string out;
  bool space = false;
  for (unsigned char c : title) {
    if (std::isspace(c)) {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c < 128 ? std::tolower(c) : c);
  }
  return out;
}

}  // namespace

bool RepairUtf8(std::string& s) {
  if (io::IsValidUtf8(s)) return false;
  std::string out;
  out.reserve(s.size() + 8);
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = 0;
  while (i < n) {
    unsigned char c = p[i];
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len > 0 && i + len <= n && io::IsValidUtf8(std::string_view(s.data() + i, len))) {
      out.append(s, i, len);
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  s.swap(out);
  return true;
}

std::vector<QualityResult> Validate(ExtractedData& d, const ValidateOptions& options) {
  std::vector<QualityResult> results;
  const size_t first_rejected = d.rejected.size();
  const std::string& movies_src = SourcePath(d, "movies");
  const std::string& ratings_src = SourcePath(d, "ratings");
  const std::string& persons_src = SourcePath(d, "persons");
  const std::string& imdb_src = SourcePath(d, "imdb");
  const std::string& tags_src = SourcePath(d, "tags");
  const std::string& links_src = SourcePath(d, "links");

  // field.* (fix): optional values the extractors could not use, one result per rule and table.
  {
    std::map<std::pair<std::string, std::string>, size_t> index;
    for (const auto& fx : d.fixes) {
      const char* table = "?";
      int64_t checked = 0;
      for (const auto& s : d.sources) {
        if (s.path == fx.source) {
          table = TableOfKind(s.kind);
          checked = s.rows_read;
        }
      }
      auto key = std::pair{fx.rule, std::string(table)};
      auto [it, inserted] = index.emplace(key, results.size());
      if (inserted) {
        QualityResult q;
        q.rule_id = fx.rule;
        q.table = table;
        q.rows_checked = checked;
        q.severity = "fix";
        q.action = "fixed";
        results.push_back(std::move(q));
      }
      QualityResult& q = results[it->second];
      ++q.rows_failed;
      if (q.sample.size() < kSampleSize) {
        q.sample.push_back(fx.source + ":" + std::to_string(fx.line) + ": " + fx.detail);
      }
    }
  }

  // text.utf8 (fix): invalid byte sequences become U+FFFD so the row still loads.
  {
    RuleRun run(d, "text.utf8", "movie", "fix", static_cast<int64_t>(d.movies.size()));
    for (auto& m : d.movies) {
      bool fixed = RepairUtf8(m.title) | RepairUtf8(m.original_title) |
                   RepairUtf8(m.original_language) | RepairUtf8(m.homepage);
      for (auto* list : {&m.genres, &m.production_companies, &m.production_countries,
                         &m.spoken_languages, &m.cast_ids}) {
        for (auto& s : *list) fixed |= RepairUtf8(s);
      }
      if (fixed) run.Note(movies_src + ":" + std::to_string(m.line), "invalid UTF-8 replaced");
    }
    results.push_back(run.Finish());
  }
  if (!persons_src.empty()) {
    RuleRun run(d, "text.utf8", "person", "fix", static_cast<int64_t>(d.credits.size()));
    for (auto& c : d.credits) {
      if (RepairUtf8(c.name) | RepairUtf8(c.character) | RepairUtf8(c.cast_id)) {
        run.Note(persons_src + ":" + std::to_string(c.line), "invalid UTF-8 replaced");
      }
    }
    results.push_back(run.Finish());
  }
  if (!imdb_src.empty()) {
    RuleRun run(d, "text.utf8", "imdb_movie", "fix", static_cast<int64_t>(d.imdb.size()));
    for (auto& m : d.imdb) {
      bool fixed = RepairUtf8(m.title) | RepairUtf8(m.overview) | RepairUtf8(m.director) |
                   RepairUtf8(m.certificate) | RepairUtf8(m.poster_link);
      for (auto& s : m.stars) fixed |= RepairUtf8(s);
      for (auto& s : m.genres) fixed |= RepairUtf8(s);
      if (fixed) run.Note(imdb_src + ":" + std::to_string(m.line), "invalid UTF-8 replaced");
    }
    results.push_back(run.Finish());
  }
  if (!tags_src.empty()) {
    RuleRun run(d, "text.utf8", "movie_tag", "fix", static_cast<int64_t>(d.tags.size()));
    for (auto& t : d.tags) {
      if (RepairUtf8(t.tag))
        run.Note(tags_src + ":" + std::to_string(t.line), "invalid UTF-8 replaced");
    }
    results.push_back(run.Finish());
  }

  // movie.duplicate_id (quarantine): a MovieID seen before; the first row wins.
  std::unordered_set<int64_t> movie_ids;
  {
    RuleRun run(d, "movie.duplicate_id", "movie", "quarantine",
                static_cast<int64_t>(d.movies.size()));
    movie_ids.reserve(d.movies.size() * 2);
    std::vector<bool> dup(d.movies.size());
    for (size_t i = 0; i < d.movies.size(); ++i)
      dup[i] = !movie_ids.insert(d.movies[i].movie_id).second;
    size_t i = 0;
    QuarantineIf(
        d.movies, run, movies_src, [&](const Movie&) { return dup[i++]; },
        [](const Movie& m) {
          return std::pair{std::string(),
                           "movie id " + std::to_string(m.movie_id) + " appears again"};
        });
    results.push_back(run.Finish());
  }

  // movie.duplicate_title_year (warn): one film under two ids; transform does not merge yet.
  {
    RuleRun run(d, "movie.duplicate_title_year", "movie", "warn",
                static_cast<int64_t>(d.movies.size()));
    std::unordered_map<std::string, const Movie*> seen;
    for (const auto& m : d.movies) {
      std::string key = NormalizedTitle(m.title) + "|" + (m.year ? std::to_string(*m.year) : "");
      auto [it, inserted] = seen.emplace(key, &m);
      if (!inserted) {
        run.Note(movies_src + ":" + std::to_string(m.line),
                 "movie " + std::to_string(m.movie_id) + " '" + m.title + "' duplicates movie " +
                     std::to_string(it->second->movie_id));
      }
    }
    results.push_back(run.Finish());
  }

  // rating.range (quarantine): half stars from 0.5 to 5.0; never clamped.
  {
    RuleRun run(d, "rating.range", "user_rating", "quarantine",
                static_cast<int64_t>(d.ratings.size()));
    QuarantineIf(
        d.ratings, run, ratings_src,
        [](const Rating& r) {
          float twice = r.rating * 2.f;
          return !(r.rating >= 0.5f && r.rating <= 5.f) || twice != std::floor(twice);
        },
        [](const Rating& r) {
          return std::pair{std::string(),
                           "rating " + FormatRating(r.rating) + " is not a half star in 0.5-5.0"};
        });
    results.push_back(run.Finish());
  }

  // rating.future_date (quarantine): a rating cannot be given after the run.
  {
    RuleRun run(d, "rating.future_date", "user_rating", "quarantine",
                static_cast<int64_t>(d.ratings.size()));
    const int64_t limit = options.now + 86400;
    QuarantineIf(
        d.ratings, run, ratings_src, [&](const Rating& r) { return r.timestamp > limit; },
        [](const Rating&) {
          return std::pair{std::string(), std::string("rating date is in the future")};
        });
    results.push_back(run.Finish());
  }

  // Foreign keys: rows that point at a movie the catalogue does not have.
  auto unknown_movie = [&](auto& rows, const char* rule, const char* table,
                           const std::string& source) {
    RuleRun run(d, rule, table, "quarantine", static_cast<int64_t>(rows.size()));
    using Row = typename std::decay_t<decltype(rows)>::value_type;
    QuarantineIf(
        rows, run, source, [&](const Row& r) { return !movie_ids.count(r.movie_id); },
        [](const Row& r) {
          return std::pair{std::string(),
                           "movie id " + std::to_string(r.movie_id) + " is not in the movies file"};
        });
    results.push_back(run.Finish());
  };
  // Movies that were quarantined as duplicates keep their first row's id in movie_ids, so
  // their ratings still resolve.
  unknown_movie(d.ratings, "rating.unknown_movie", "user_rating", ratings_src);
  if (!persons_src.empty())
    unknown_movie(d.credits, "person.unknown_movie", "movie_cast", persons_src);
  if (!tags_src.empty()) unknown_movie(d.tags, "tag.unknown_movie", "movie_tag", tags_src);
  if (!links_src.empty()) unknown_movie(d.links, "link.unknown_movie", "movie", links_src);
  FillRawText(d.rejected, first_rejected);
  return results;
}

}  // namespace movierec::etl
