#include "etl/validate.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "etl/field_parse.h"
#include "etl/title_similarity.h"
#include "io/input_file.h"

namespace movierec::etl {
namespace {

// One rule's outcome: counts, a sample of failing rows, and the quarantine.
class RuleRun {
 public:
  RuleRun(ExtractedData* data, const ValidateOptions& opt, const std::string& rule,
          std::string table, int64_t checked)
      : data_(data), sample_size_(opt.sample_size) {
    result_.rule_id = rule;
    result_.table = std::move(table);
    result_.rows_checked = checked;
    severity_ = opt.rules.SeverityOf(rule);
    result_.severity = SeverityName(severity_);
  }

  Severity severity() const { return severity_; }

  void Note(const std::string& where, const std::string& detail) {
    ++result_.rows_failed;
    if (result_.sample.size() < sample_size_) result_.sample.push_back(where + ": " + detail);
  }

  void Quarantine(const std::string& source, int64_t line, std::string reason) {
    Note(source + ":" + std::to_string(line), reason);
    data_->rejected.push_back(RejectedRow{source, line, {}, result_.rule_id, std::move(reason)});
  }

  QualityResult Finish() {
    static const char* kActions[] = {"warned", "fixed", "quarantined", "stopped"};
    result_.action = result_.rows_failed == 0 ? "none" : kActions[static_cast<int>(severity_)];
    return std::move(result_);
  }

 private:
  ExtractedData* data_;
  size_t sample_size_;
  Severity severity_;
  QualityResult result_;
};

// Applies a row rule: rows where `check` returns a reason fail; quarantine moves them out,
// fix calls `fix`, warn and fail keep them (fail stops the run later).
template <class Row, class Check, class Fix>
void RowRule(std::vector<Row>& rows, RuleRun& run, const std::string& source, Check check,
             Fix fix) {
  std::vector<char> drop;
  if (run.severity() == Severity::kQuarantine) drop.assign(rows.size(), 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    std::optional<std::string> reason = check(rows[i]);
    if (!reason) continue;
    if (run.severity() == Severity::kQuarantine) {
      run.Quarantine(source, rows[i].line, *reason);
      drop[i] = 1;
      continue;
    }
    run.Note(source + ":" + std::to_string(rows[i].line), *reason);
    if (run.severity() == Severity::kFix) fix(rows[i]);
  }
  if (drop.empty()) return;
  size_t w = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (!drop[i]) {
      if (w != i) rows[w] = std::move(rows[i]);
      ++w;
    }
  }
  rows.resize(w);
}

template <class Row>
void NoFix(Row&) {}

const char* TableOfKind(const std::string& kind) {
  if (kind == "movies" || kind == "links") return "movie";
  if (kind == "ratings") return "user_rating";
  if (kind == "persons") return "movie_cast";
  if (kind == "imdb") return "imdb_movie";
  if (kind == "tags") return "movie_tag";
  return "?";
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

std::string Num(double v) { return FormatNumber(v); }

// Control characters removed, whitespace runs collapsed, ends trimmed.
std::string CleanTitle(const std::string& s) {
  std::string out;
  bool space = false;
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += static_cast<char>(c);
  }
  return out;
}

int CurrentYear(int64_t now) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return tm.tm_year + 1900;
}

bool IsLanguageCode(const std::string& s) {
  std::string_view code = std::string_view(s).substr(0, s.find('-'));
  return code.size() == 2 && std::islower(static_cast<unsigned char>(code[0])) &&
         std::islower(static_cast<unsigned char>(code[1]));
}

bool IsCastId(const std::string& s) {
  return s.size() == 24 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Merges movies into others. `redirect` maps a merged id to the id that absorbs it (chains
// within it are followed). The merged rows leave the catalogue and count as merged rows of the
// movies file; ratings, credits, tags and links follow the surviving id; the redirects are
// recorded, and earlier redirects into an id merged now are moved on to its survivor, so every
// recorded redirect ends at a movie that is still there.
void ApplyMovieRedirects(ExtractedData& d, std::unordered_map<int64_t, int64_t> redirect,
                         const std::string& movies_src, std::unordered_set<int64_t>& movie_ids) {
  std::erase_if(redirect, [](const auto& r) { return r.first == r.second; });
  if (redirect.empty()) return;
  for (auto& [from, to] : redirect) {
    for (size_t hops = 0; hops < redirect.size(); ++hops) {
      auto it = redirect.find(to);
      if (it == redirect.end() || it->second == from) break;
      to = it->second;
    }
  }
  const size_t merged =
      std::erase_if(d.movies, [&](const Movie& m) { return redirect.count(m.movie_id) > 0; });
  d.merged[movies_src] += static_cast<int64_t>(merged);
  auto follow = [&](auto& rows) {
    for (auto& r : rows) {
      auto it = redirect.find(r.movie_id);
      if (it != redirect.end()) r.movie_id = static_cast<decltype(r.movie_id)>(it->second);
    }
  };
  follow(d.ratings);
  follow(d.credits);
  follow(d.tags);
  follow(d.links);
  for (auto& [from, to] : d.movie_redirects) {
    auto it = redirect.find(to);
    if (it != redirect.end()) to = it->second;
  }
  for (const auto& [from, to] : redirect) d.movie_redirects.emplace_back(from, to);
  std::sort(d.movie_redirects.begin(), d.movie_redirects.end());
  movie_ids.clear();
  for (const auto& m : d.movies) movie_ids.insert(m.movie_id);
}

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<std::string> LowerSet(const std::vector<std::string>& items) {
  std::vector<std::string> out;
  for (const auto& s : items) out.push_back(LowerAscii(Trim(s)));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

bool NothingInCommon(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  if (a.empty() || b.empty()) return false;
  std::vector<std::string> x = LowerSet(a), y = LowerSet(b);
  std::vector<std::string> common;
  std::set_intersection(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(common));
  return common.empty();
}

// "tt0114709", "0114709" and "114709" name the same IMDb title.
std::string ImdbKey(std::string_view id) {
  id = Trim(id);
  if (id.size() > 2 && (id[0] == 't' || id[0] == 'T') && (id[1] == 't' || id[1] == 'T')) {
    id.remove_prefix(2);
  }
  while (id.size() > 1 && id.front() == '0') id.remove_prefix(1);
  return std::string(id);
}

struct ExternalIds {
  std::string imdb;
  std::optional<int64_t> tmdb;
};

// Why two movies whose titles look alike are different films: a value both rows have and that
// disagrees. Empty when nothing contradicts.
std::string Contradiction(const Movie& a, const ExternalIds& ia, const Movie& b,
                          const ExternalIds& ib) {
  if (!ia.imdb.empty() && !ib.imdb.empty() && ia.imdb != ib.imdb) return "IMDb ids differ";
  if (ia.tmdb && ib.tmdb && *ia.tmdb != *ib.tmdb) return "TMDB ids differ";
  if (a.runtime && b.runtime && std::abs(*a.runtime - *b.runtime) > 5) return "runtimes differ";
  auto lang = [](const std::string& s) { return LowerAscii(Trim(s.substr(0, s.find('-')))); };
  if (!a.original_language.empty() && !b.original_language.empty() &&
      lang(a.original_language) != lang(b.original_language)) {
    return "original languages differ";
  }
  if (NothingInCommon(a.genres, b.genres)) return "no genre in common";
  if (NothingInCommon(a.cast_ids, b.cast_ids)) return "no cast in common";
  if (NothingInCommon(a.production_companies, b.production_companies)) {
    return "no production company in common";
  }
  return {};
}

// Score for messages: three decimals, so that a candidate never reads as the merge threshold.
std::string Score(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3f", std::floor(v * 1000) / 1000);
  return buf;
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

std::vector<double> RatingHistogram(const std::vector<Rating>& ratings) {
  std::vector<double> h(10, 0.0);
  if (ratings.empty()) return h;
  std::vector<int64_t> counts(10, 0);
  for (const auto& r : ratings) {
    int bin = static_cast<int>(std::lround(r.rating * 2)) - 1;
    if (bin >= 0 && bin < 10) ++counts[bin];
  }
  for (int i = 0; i < 10; ++i) h[i] = static_cast<double>(counts[i]) / ratings.size();
  return h;
}

const QualityResult* FirstFailure(const std::vector<QualityResult>& results) {
  for (const auto& r : results) {
    if (r.severity == "fail" && r.rows_failed > 0) return &r;
  }
  return nullptr;
}

std::vector<QualityResult> Validate(ExtractedData& d, const ValidateOptions& opt) {
  std::vector<QualityResult> results;
  const RuleSet& rules = opt.rules;
  const size_t first_rejected = d.rejected.size();
  const std::string& movies_src = SourcePath(d.sources, "movies");
  const std::string& ratings_src = SourcePath(d.sources, "ratings");
  const std::string& persons_src = SourcePath(d.sources, "persons");
  const std::string& imdb_src = SourcePath(d.sources, "imdb");
  const std::string& tags_src = SourcePath(d.sources, "tags");
  const std::string& links_src = SourcePath(d.sources, "links");
  auto n = [](const auto& v) { return static_cast<int64_t>(v.size()); };
  auto enabled = [&](const char* id) { return rules.Enabled(id); };

  // table.non_empty: nothing to recommend from without movies or ratings.
  if (enabled("table.non_empty")) {
    RuleRun run(&d, opt, "table.non_empty", "movie,user_rating", 2);
    if (d.movies.empty()) run.Note(movies_src, "no movie rows");
    if (d.ratings.empty()) run.Note(ratings_src, "no rating rows");
    results.push_back(run.Finish());
  }

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
      auto [it, inserted] = index.emplace(std::pair{fx.rule, std::string(table)}, results.size());
      if (inserted) results.push_back(RuleRun(&d, opt, fx.rule, table, checked).Finish());
      QualityResult& q = results[it->second];
      ++q.rows_failed;
      q.action = q.severity == "fail" ? "stopped" : "fixed";
      if (q.sample.size() < opt.sample_size) {
        q.sample.push_back(fx.source + ":" + std::to_string(fx.line) + ": " + fx.detail);
      }
    }
  }

  // text.utf8: invalid byte sequences (fix: become U+FFFD so the row still loads).
  if (enabled("text.utf8")) {
    auto check_all = [&](auto& rows, const char* table, const std::string& src, auto fields) {
      if (src.empty()) return;
      RuleRun run(&d, opt, "text.utf8", table, n(rows));
      using Row = typename std::decay_t<decltype(rows)>::value_type;
      RowRule(
          rows, run, src,
          [&](Row& r) -> std::optional<std::string> {
            for (std::string* f : fields(r)) {
              if (!io::IsValidUtf8(*f)) return "invalid UTF-8";
            }
            return std::nullopt;
          },
          [&](Row& r) {
            for (std::string* f : fields(r)) RepairUtf8(*f);
          });
      results.push_back(run.Finish());
    };
    check_all(d.movies, "movie", movies_src, [](Movie& m) {
      std::vector<std::string*> f = {&m.title, &m.original_title, &m.original_language,
                                     &m.homepage};
      for (auto* list : {&m.genres, &m.production_companies, &m.production_countries,
                         &m.spoken_languages, &m.cast_ids}) {
        for (auto& s : *list) f.push_back(&s);
      }
      return f;
    });
    check_all(d.credits, "movie_cast", persons_src, [](Credit& c) {
      return std::vector<std::string*>{&c.name, &c.character, &c.cast_id};
    });
    check_all(d.imdb, "imdb_movie", imdb_src, [](ImdbMovie& m) {
      std::vector<std::string*> f = {&m.title, &m.overview, &m.director, &m.certificate,
                                     &m.poster_link};
      for (auto& s : m.stars) f.push_back(&s);
      for (auto& s : m.genres) f.push_back(&s);
      return f;
    });
    check_all(d.tags, "movie_tag", tags_src,
              [](Tag& t) { return std::vector<std::string*>{&t.tag}; });
  }

  // movie.title: control characters, runs of spaces, length.
  if (enabled("movie.title")) {
    RuleRun run(&d, opt, "movie.title", "movie", n(d.movies));
    const auto max_len = static_cast<size_t>(rules.Param("movie.title", "max_length"));
    RowRule(
        d.movies, run, movies_src,
        [&](Movie& m) -> std::optional<std::string> {
          if (m.title.size() > max_len) {
            return "title is " + std::to_string(m.title.size()) + " bytes (max " +
                   std::to_string(max_len) + ")";
          }
          if (CleanTitle(m.title) != m.title || CleanTitle(m.original_title) != m.original_title) {
            return "control characters or extra spaces in the title";
          }
          return std::nullopt;
        },
        [](Movie& m) {
          m.title = CleanTitle(m.title);
          m.original_title = CleanTitle(m.original_title);
        });
    results.push_back(run.Finish());
  }

  // movie.duplicate_id: a MovieID seen before; the first row wins.
  std::unordered_set<int64_t> movie_ids;
  movie_ids.reserve(d.movies.size() * 2);
  {
    RuleRun run(&d, opt, "movie.duplicate_id", "movie", n(d.movies));
    std::unordered_set<int64_t> seen;
    RowRule(
        d.movies, run, movies_src,
        [&](Movie& m) -> std::optional<std::string> {
          if (seen.insert(m.movie_id).second) return std::nullopt;
          return "movie id " + std::to_string(m.movie_id) + " appears again";
        },
        NoFix<Movie>);
    for (const auto& m : d.movies) movie_ids.insert(m.movie_id);
    results.push_back(run.Finish());
  }

  // movie.duplicate_title_year: one film under two ids. fix (the default) merges the later
  // row into the first: ratings, credits, tags and links follow the surviving id, and the
  // redirect is kept (movie_redirect) so later inputs with the old id still resolve.
  if (enabled("movie.duplicate_title_year")) {
    RuleRun run(&d, opt, "movie.duplicate_title_year", "movie", n(d.movies));
    std::unordered_map<std::string, int64_t> seen;
    std::unordered_map<int64_t, int64_t> redirect;
    for (const auto& m : d.movies) {
      std::string key = NormalizeTitle(m.title, /*drop_punctuation=*/false) + "|" +
                        (m.year ? std::to_string(*m.year) : "");
      auto [it, inserted] = seen.emplace(key, m.movie_id);
      if (!inserted) {
        run.Note(movies_src + ":" + std::to_string(m.line),
                 "movie " + std::to_string(m.movie_id) + " '" + m.title + "' duplicates movie " +
                     std::to_string(it->second));
        if (run.severity() == Severity::kFix) redirect.emplace(m.movie_id, it->second);
      }
    }
    ApplyMovieRedirects(d, std::move(redirect), movies_src, movie_ids);
    results.push_back(run.Finish());
  }

  // movie.fuzzy_title: one film under two ids with slightly different titles ("Amélie" and
  // "Amelie", "The Matrix" and "Matrix, The", a typo), by Jaro-Winkler on normalised titles
  // (etl/title_similarity.h) among movies whose years are at most one apart. Pairs that differ in
  // a number (sequels) or whose other values contradict (Contradiction) are not reported; pairs
  // the exact rule above reports are left to it. fix (the default) merges a pair into the lower
  // id, the way the exact rule merges, when it scores at least merge_threshold, its titles are
  // spelling variants (IsSpellingVariant), its years are at most merge_year_gap apart and it has
  // the same genres where both list them; merged pairs chain, a group keeping its lowest id.
  // Every other pair is a candidate, reported only. warn reports every pair; fail stops on any.
  if (enabled("movie.fuzzy_title")) {
    RuleRun run(&d, opt, "movie.fuzzy_title", "movie", n(d.movies));
    auto param = [&](const char* k) { return rules.Param("movie.fuzzy_title", k); };
    FuzzyTitleOptions fo;
    fo.report_threshold = param("report_threshold");
    const double merge_threshold = param("merge_threshold");
    const int merge_year_gap = static_cast<int>(param("merge_year_gap"));
    std::vector<TitleEntry> entries;
    entries.reserve(d.movies.size());
    for (const auto& m : d.movies) entries.push_back(TitleEntry{m.movie_id, m.title, m.year});
    const std::vector<FuzzyTitlePair> pairs = FindFuzzyTitleCandidates(entries, fo);

    std::unordered_map<int64_t, ExternalIds> ids;
    if (!pairs.empty()) {
      for (const auto& l : d.links) {
        ExternalIds& e = ids[l.movie_id];
        if (e.imdb.empty()) e.imdb = ImdbKey(l.imdb_id);
        if (!e.tmdb) e.tmdb = l.tmdb_id;
      }
      for (const auto& m : d.movies) {
        if (m.imdb_id.empty() && !m.tmdb_id) continue;
        ExternalIds& e = ids[m.movie_id];
        if (!m.imdb_id.empty()) e.imdb = ImdbKey(m.imdb_id);
        if (m.tmdb_id) e.tmdb = m.tmdb_id;
      }
    }
    const ExternalIds none;
    auto ids_of = [&](int64_t id) -> const ExternalIds& {
      auto it = ids.find(id);
      return it == ids.end() ? none : it->second;
    };
    // Merged pairs join groups; a group merges into its lowest id.
    std::unordered_map<int64_t, int64_t> parent;
    auto root = [&](int64_t id) {
      int64_t r = id;
      for (auto it = parent.find(r); it != parent.end() && it->second != r; it = parent.find(r)) {
        r = it->second;
      }
      for (int64_t x = id; x != r;) {  // path compression
        const int64_t up = parent[x];
        parent[x] = r;
        x = up;
      }
      return r;
    };
    int64_t merged_pairs = 0;
    for (const auto& p : pairs) {
      const Movie& lo = d.movies[p.low_index];
      const Movie& hi = d.movies[p.high_index];
      if (lo.year == hi.year &&
          NormalizeTitle(lo.title, false) == NormalizeTitle(hi.title, false)) {
        continue;  // movie.duplicate_title_year's
      }
      if (!Contradiction(lo, ids_of(lo.movie_id), hi, ids_of(hi.movie_id)).empty()) continue;
      const bool merge =
          run.severity() == Severity::kFix && p.score >= merge_threshold &&
          std::abs(*lo.year - *hi.year) <= merge_year_gap &&
          (lo.genres.empty() || hi.genres.empty() || LowerSet(lo.genres) == LowerSet(hi.genres)) &&
          IsSpellingVariant(lo.title, hi.title);
      run.Note(movies_src + ":" + std::to_string(hi.line),
               "movie " + std::to_string(hi.movie_id) + " '" + hi.title + "' ~ movie " +
                   std::to_string(lo.movie_id) + " '" + lo.title + "' (score " + Score(p.score) +
                   (merge ? ", merged)" : ", candidate)"));
      if (!merge) continue;
      ++merged_pairs;
      const int64_t a = root(lo.movie_id), b = root(hi.movie_id);
      parent.emplace(a, a);
      parent.emplace(b, b);
      parent[std::max(a, b)] = std::min(a, b);
    }
    std::vector<int64_t> grouped;
    for (const auto& [id, up] : parent) grouped.push_back(id);
    std::unordered_map<int64_t, int64_t> redirect;
    for (int64_t id : grouped) {
      const int64_t r = root(id);
      if (r != id) redirect.emplace(id, r);
    }
    ApplyMovieRedirects(d, std::move(redirect), movies_src, movie_ids);
    QualityResult q = run.Finish();
    if (q.rows_failed > 0 && run.severity() == Severity::kFix) {
      q.action = merged_pairs > 0 ? "fixed" : "warned";
    }
    results.push_back(std::move(q));
  }

  // Plausible values in the catalogue.
  const int this_year = CurrentYear(opt.now);
  if (enabled("movie.year_range")) {
    RuleRun run(&d, opt, "movie.year_range", "movie", n(d.movies));
    const int lo = static_cast<int>(rules.Param("movie.year_range", "min_year"));
    const int hi = this_year + static_cast<int>(rules.Param("movie.year_range", "max_years_ahead"));
    RowRule(
        d.movies, run, movies_src,
        [&](Movie& m) -> std::optional<std::string> {
          if (!m.year || (*m.year >= lo && *m.year <= hi)) return std::nullopt;
          return "release year " + std::to_string(*m.year) + " outside [" + std::to_string(lo) +
                 ", " + std::to_string(hi) + "]";
        },
        [](Movie& m) {
          m.year.reset();
          m.release_date.clear();
        });
    results.push_back(run.Finish());
  }
  if (enabled("movie.runtime_range")) {
    RuleRun run(&d, opt, "movie.runtime_range", "movie", n(d.movies));
    const double lo = rules.Param("movie.runtime_range", "min_minutes");
    const double hi = rules.Param("movie.runtime_range", "max_minutes");
    RowRule(
        d.movies, run, movies_src,
        [&](Movie& m) -> std::optional<std::string> {
          if (!m.runtime || (*m.runtime >= lo && *m.runtime <= hi)) return std::nullopt;
          return "runtime " + std::to_string(*m.runtime) + " outside [" + Num(lo) + ", " + Num(hi) +
                 "]";
        },
        [](Movie& m) { m.runtime.reset(); });
    results.push_back(run.Finish());
  }
  if (enabled("movie.money_range")) {
    RuleRun run(&d, opt, "movie.money_range", "movie", n(d.movies));
    const double hi = rules.Param("movie.money_range", "max_dollars");
    auto bad = [&](const std::optional<int64_t>& v) { return v && (*v < 0 || *v > hi); };
    RowRule(
        d.movies, run, movies_src,
        [&](Movie& m) -> std::optional<std::string> {
          if (bad(m.budget)) return "budget " + std::to_string(*m.budget) + " out of range";
          if (bad(m.revenue)) return "revenue " + std::to_string(*m.revenue) + " out of range";
          return std::nullopt;
        },
        [&](Movie& m) {
          if (bad(m.budget)) m.budget.reset();
          if (bad(m.revenue)) m.revenue.reset();
        });
    results.push_back(run.Finish());
  }
  if (enabled("movie.language_code")) {
    RuleRun run(&d, opt, "movie.language_code", "movie", n(d.movies));
    RowRule(
        d.movies, run, movies_src,
        [&](Movie& m) -> std::optional<std::string> {
          if (m.original_language.empty() || IsLanguageCode(m.original_language))
            return std::nullopt;
          return "language '" + m.original_language + "' is not an ISO 639-1 code";
        },
        [](Movie& m) { m.original_language.clear(); });
    results.push_back(run.Finish());
  }
  if (enabled("movie.completeness")) {
    RuleRun run(&d, opt, "movie.completeness", "movie", n(d.movies));
    const double min_ratio = rules.Param("movie.completeness", "min_ratio");
    if (!d.movies.empty()) {
      double dated = 0, timed = 0;
      for (const auto& m : d.movies) {
        dated += m.year.has_value();
        timed += m.runtime.has_value();
      }
      dated /= d.movies.size();
      timed /= d.movies.size();
      if (dated < min_ratio) run.Note(movies_src, "only " + Num(dated) + " of movies have a year");
      if (timed < min_ratio)
        run.Note(movies_src, "only " + Num(timed) + " of movies have a runtime");
    }
    results.push_back(run.Finish());
  }

  // Ratings.
  {
    RuleRun run(&d, opt, "rating.range", "user_rating", n(d.ratings));
    RowRule(
        d.ratings, run, ratings_src,
        [](Rating& r) -> std::optional<std::string> {
          float twice = r.rating * 2.f;
          if (r.rating >= 0.5f && r.rating <= 5.f && twice == std::floor(twice))
            return std::nullopt;
          return "rating " + Num(r.rating) + " is not a half star in 0.5-5.0";
        },
        NoFix<Rating>);
    results.push_back(run.Finish());
  }
  if (enabled("rating.future_date")) {
    RuleRun run(&d, opt, "rating.future_date", "user_rating", n(d.ratings));
    const int64_t limit = opt.now + 86400;
    RowRule(
        d.ratings, run, ratings_src,
        [&](Rating& r) -> std::optional<std::string> {
          if (r.timestamp <= limit) return std::nullopt;
          return std::string("rating date is in the future");
        },
        NoFix<Rating>);
    results.push_back(run.Finish());
  }

  // Foreign keys: rows that point at a movie the catalogue does not have.
  int64_t ratings_before_fk = n(d.ratings);
  auto unknown_movie = [&](auto& rows, const char* rule, const char* table,
                           const std::string& source) {
    if (source.empty()) return;
    RuleRun run(&d, opt, rule, table, n(rows));
    using Row = typename std::decay_t<decltype(rows)>::value_type;
    RowRule(
        rows, run, source,
        [&](Row& r) -> std::optional<std::string> {
          if (movie_ids.count(r.movie_id)) return std::nullopt;
          return "movie id " + std::to_string(r.movie_id) + " is not in the movies file";
        },
        NoFix<Row>);
    results.push_back(run.Finish());
  };
  unknown_movie(d.ratings, "rating.unknown_movie", "user_rating", ratings_src);
  if (enabled("rating.dangling_share")) {
    RuleRun run(&d, opt, "rating.dangling_share", "user_rating", ratings_before_fk);
    const double max_share = rules.Param("rating.dangling_share", "max_share");
    const int64_t dangling = results.back().rows_failed;
    if (ratings_before_fk > 0 && static_cast<double>(dangling) / ratings_before_fk > max_share) {
      run.Note(ratings_src, std::to_string(dangling) + " of " + std::to_string(ratings_before_fk) +
                                " ratings point at unknown movies (max share " + Num(max_share) +
                                ")");
    }
    results.push_back(run.Finish());
  }
  if (enabled("rating.before_release")) {
    RuleRun run(&d, opt, "rating.before_release", "user_rating", n(d.ratings));
    std::unordered_map<int64_t, int> year_of;
    for (const auto& m : d.movies) {
      if (m.year) year_of[m.movie_id] = *m.year;
    }
    RowRule(
        d.ratings, run, ratings_src,
        [&](Rating& r) -> std::optional<std::string> {
          auto it = year_of.find(r.movie_id);
          if (it == year_of.end()) return std::nullopt;
          if (r.timestamp >= DaysFromCivil(it->second, 1, 1) * 86400) return std::nullopt;
          return "rated before the movie's release year " + std::to_string(it->second);
        },
        NoFix<Rating>);
    results.push_back(run.Finish());
  }
  unknown_movie(d.credits, "person.unknown_movie", "movie_cast", persons_src);
  unknown_movie(d.tags, "tag.unknown_movie", "movie_tag", tags_src);
  unknown_movie(d.links, "link.unknown_movie", "movie", links_src);

  if (enabled("person.cast_id_format") && !persons_src.empty()) {
    RuleRun run(&d, opt, "person.cast_id_format", "movie_cast", n(d.credits));
    RowRule(
        d.credits, run, persons_src,
        [](Credit& c) -> std::optional<std::string> {
          if (c.cast_id.empty() || IsCastId(c.cast_id)) return std::nullopt;
          return "CastID '" + c.cast_id + "' is not 24 hex digits";
        },
        [](Credit& c) { c.cast_id.clear(); });
    results.push_back(run.Finish());
  }
  if (!imdb_src.empty()) {
    if (enabled("imdb.rating_range")) {
      RuleRun run(&d, opt, "imdb.rating_range", "imdb_movie", n(d.imdb));
      RowRule(
          d.imdb, run, imdb_src,
          [](ImdbMovie& m) -> std::optional<std::string> {
            if (!m.imdb_rating || (*m.imdb_rating >= 1 && *m.imdb_rating <= 10))
              return std::nullopt;
            return "IMDB_Rating " + Num(*m.imdb_rating) + " outside [1, 10]";
          },
          [](ImdbMovie& m) { m.imdb_rating.reset(); });
      results.push_back(run.Finish());
    }
    if (enabled("imdb.meta_score_range")) {
      RuleRun run(&d, opt, "imdb.meta_score_range", "imdb_movie", n(d.imdb));
      RowRule(
          d.imdb, run, imdb_src,
          [](ImdbMovie& m) -> std::optional<std::string> {
            if (!m.meta_score || (*m.meta_score >= 0 && *m.meta_score <= 100)) return std::nullopt;
            return "Meta_score " + std::to_string(*m.meta_score) + " outside [0, 100]";
          },
          [](ImdbMovie& m) { m.meta_score.reset(); });
      results.push_back(run.Finish());
    }
  }
  FillRawText(d.rejected, first_rejected);
  return results;
}

std::vector<QualityResult> ValidateDataset(const Dataset& d, const ValidateOptions& opt) {
  std::vector<QualityResult> results;
  const RuleSet& rules = opt.rules;
  auto n = [](const auto& v) { return static_cast<int64_t>(v.size()); };
  const int64_t ratings = n(d.ratings);
  std::string ratings_src = "user_rating", movies_src = "movie";
  int64_t merged = 0;
  for (const auto& s : d.sources) {
    if (s.kind == "ratings") {
      ratings_src = s.path;
      merged = s.rows_merged;
    }
    if (s.kind == "movies") movies_src = s.path;
  }

  // rating.duplicate: transform merged repeated (user, movie) pairs, keeping the latest.
  if (rules.Enabled("rating.duplicate")) {
    RuleRun run(nullptr, opt, "rating.duplicate", "user_rating", ratings + merged);
    for (int64_t i = 0; i < merged && i < static_cast<int64_t>(opt.sample_size); ++i) {
      run.Note(ratings_src, "repeated (user, movie) merged into the latest rating");
    }
    QualityResult q = run.Finish();
    q.rows_failed = merged;
    results.push_back(std::move(q));
  }
  if (rules.Enabled("table.row_count")) {
    RuleRun run(nullptr, opt, "table.row_count", "user_rating", ratings);
    const double lo = rules.Param("table.row_count", "min_rows");
    const double hi = rules.Param("table.row_count", "max_rows");
    if (ratings < lo || ratings > hi) {
      run.Note(ratings_src,
               std::to_string(ratings) + " ratings outside [" + Num(lo) + ", " + Num(hi) + "]");
    }
    results.push_back(run.Finish());
  }
  if (rules.Enabled("table.row_count_change")) {
    RuleRun run(nullptr, opt, "table.row_count_change", "movie,user_rating", 2);
    const double max_change = rules.Param("table.row_count_change", "max_change");
    auto compare = [&](const std::optional<int64_t>& before, int64_t now, const std::string& what) {
      if (!before || *before == 0) return;
      double change = std::abs(static_cast<double>(now - *before)) / static_cast<double>(*before);
      if (change > max_change) {
        run.Note(what, std::to_string(*before) + " rows last run, " + std::to_string(now) +
                           " now (change " + Num(change) + " > " + Num(max_change) + ")");
      }
    };
    compare(opt.previous.movies, n(d.movies), movies_src);
    compare(opt.previous.ratings, ratings, ratings_src);
    results.push_back(run.Finish());
  }
  if (rules.Enabled("rating.distribution") && ratings > 0) {
    RuleRun run(nullptr, opt, "rating.distribution", "user_rating", ratings);
    double sum = 0, sq = 0;
    for (const auto& r : d.ratings) {
      sum += r.rating;
      sq += static_cast<double>(r.rating) * r.rating;
    }
    const double mean = sum / ratings;
    const double sd = std::sqrt(std::max(0.0, sq / ratings - mean * mean));
    auto p = [&](const char* k) { return rules.Param("rating.distribution", k); };
    if (mean < p("min_mean") || mean > p("max_mean")) {
      run.Note(ratings_src, "mean rating " + Num(mean) + " outside [" + Num(p("min_mean")) + ", " +
                                Num(p("max_mean")) + "]");
    }
    if (sd < p("min_std") || sd > p("max_std")) {
      run.Note(ratings_src, "rating std " + Num(sd) + " outside [" + Num(p("min_std")) + ", " +
                                Num(p("max_std")) + "]");
    }
    results.push_back(run.Finish());
  }
  if (rules.Enabled("rating.histogram_drift") && ratings > 0) {
    RuleRun run(nullptr, opt, "rating.histogram_drift", "user_rating", ratings);
    if (opt.previous.rating_histogram.size() == 10) {
      std::vector<double> now = RatingHistogram(d.ratings);
      double tv = 0;
      for (int i = 0; i < 10; ++i) tv += std::abs(now[i] - opt.previous.rating_histogram[i]);
      tv /= 2;
      const double max_distance = rules.Param("rating.histogram_drift", "max_distance");
      if (tv > max_distance) {
        run.Note(ratings_src, "histogram moved by " + Num(tv) +
                                  " (total variation) since the "
                                  "previous run, more than " +
                                  Num(max_distance));
      }
    }
    results.push_back(run.Finish());
  }
  if (rules.Enabled("rating.freshness") && ratings > 0) {
    RuleRun run(nullptr, opt, "rating.freshness", "user_rating", ratings);
    const double max_age = rules.Param("rating.freshness", "max_age_days");
    if (max_age > 0) {
      int64_t newest = 0;
      for (const auto& u : d.users) newest = std::max(newest, u.last_rated_at);
      double age_days = static_cast<double>(opt.now - newest) / 86400.0;
      if (age_days > max_age) {
        run.Note(ratings_src, "newest rating is " + Num(std::floor(age_days)) + " days old");
      }
    }
    results.push_back(run.Finish());
  }
  if (rules.Enabled("user.max_ratings")) {
    RuleRun run(nullptr, opt, "user.max_ratings", "user_rating", n(d.users));
    const double max = rules.Param("user.max_ratings", "max");
    for (const auto& u : d.users) {
      if (u.rating_count > max) {
        run.Note(ratings_src, "user " + std::to_string(u.user_id) + " has " +
                                  std::to_string(u.rating_count) + " ratings");
      }
    }
    results.push_back(run.Finish());
  }
  if (rules.Enabled("user.min_ratings")) {
    RuleRun run(nullptr, opt, "user.min_ratings", "user_rating", n(d.users));
    const double min = rules.Param("user.min_ratings", "min");
    const double max_share = rules.Param("user.min_ratings", "max_share");
    int64_t below = 0;
    for (const auto& u : d.users) below += u.rating_count < min;
    QualityResult q = run.Finish();
    // Counted, not failing, unless more than max_share of users are too quiet to train on.
    if (!d.users.empty() && static_cast<double>(below) / n(d.users) > max_share) {
      q.rows_failed = below;
      q.action = q.severity == "fail" ? "stopped" : "warned";
      q.sample.push_back(std::to_string(below) + " users have fewer than " + Num(min) + " ratings");
    } else if (below > 0) {
      q.sample.push_back(std::to_string(below) + " users have fewer than " + Num(min) +
                         " ratings (within max_share)");
    }
    results.push_back(std::move(q));
  }
  if (rules.Enabled("imdb.unmatched") && !d.imdb.empty()) {
    RuleRun run(nullptr, opt, "imdb.unmatched", "imdb_movie", n(d.imdb));
    std::string imdb_src = "imdb_movie";
    for (const auto& s : d.sources) {
      if (s.kind == "imdb") imdb_src = s.path;
    }
    for (const auto& m : d.imdb) {
      if (!m.movie_id) {
        run.Note(imdb_src + ":" + std::to_string(m.line),
                 "'" + m.title + "' (" + (m.year ? std::to_string(*m.year) : "no year") +
                     ") matches no movie");
      }
    }
    results.push_back(run.Finish());
  }
  return results;
}

}  // namespace movierec::etl
