#include "etl/genre_vocabulary.h"

#include <algorithm>
#include <cctype>
#include <unordered_map>

namespace movierec::etl {
namespace {

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// The matching key: ASCII letters lower-cased, digits kept, other ASCII dropped, so spacing,
// hyphens and apostrophes never make two genres. Non-ASCII bytes stay, so a UTF-8 name does not
// collapse to "".
std::string Key(std::string_view label) {
  std::string k;
  k.reserve(label.size());
  for (char ch : label) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 128) {
      k.push_back(ch);
    } else if (IsAsciiAlnum(c)) {
      k.push_back(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
    }
  }
  return k;
}

// The spelling of a label the table does not know: words split on blanks, '-' and '_', joined
// by one space, each ASCII word capitalised.
std::string Tidy(std::string_view label) {
  std::string out;
  bool word_start = true;
  for (char ch : label) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == ' ' || c == '\t' || c == '-' || c == '_' || c == '\r' || c == '\n') {
      word_start = true;
      continue;
    }
    if (word_start && !out.empty()) out.push_back(' ');
    if (c < 128 && std::isalpha(c)) {
      out.push_back(static_cast<char>(word_start ? std::toupper(c) : std::tolower(c)));
    } else {
      out.push_back(ch);
    }
    word_start = false;
  }
  return out;
}

const std::vector<GenreSynonym> kSynonyms = {
    // TMDB's own names, in any spelling.
    {"action", "Action"},
    {"adventure", "Adventure"},
    {"animation", "Animation"},
    {"comedy", "Comedy"},
    {"crime", "Crime"},
    {"documentary", "Documentary"},
    {"drama", "Drama"},
    {"family", "Family"},
    {"fantasy", "Fantasy"},
    {"history", "History"},
    {"horror", "Horror"},
    {"music", "Music"},
    {"mystery", "Mystery"},
    {"romance", "Romance"},
    {"sciencefiction", "Science Fiction"},
    {"tvmovie", "TV Movie"},
    {"thriller", "Thriller"},
    {"war", "War"},
    {"western", "Western"},
    // MovieLens and IMDb spellings.
    {"scifi", "Science Fiction"},
    {"sf", "Science Fiction"},
    {"childrens", "Family"},
    {"children", "Family"},
    {"kids", "Family"},
    {"musical", "Music"},
    {"musicals", "Music"},
    {"filmnoir", "Film Noir"},
    {"noir", "Film Noir"},
    {"madefortv", "TV Movie"},
    {"documentaries", "Documentary"},
    {"animated", "Animation"},
    {"historical", "History"},
    {"imax", "IMAX"},
    {"biography", "Biography"},
    {"sport", "Sport"},
    {"sports", "Sport"},
    // Markers that mean "no genre".
    {"nogenreslisted", ""},
    {"unknown", ""},
    {"none", ""},
    {"na", ""},
};

const std::unordered_map<std::string, std::string>& SynonymMap() {
  static const std::unordered_map<std::string, std::string> map = [] {
    std::unordered_map<std::string, std::string> m;
    for (const auto& s : kSynonyms) m.emplace(s.key, s.canonical);
    return m;
  }();
  return map;
}

template <class Fn>
void ForEachLabel(std::string_view raw, Fn fn) {
  size_t start = 0;
  for (size_t i = 0; i <= raw.size(); ++i) {
    if (i == raw.size() || raw[i] == '|' || raw[i] == ',') {
      fn(raw.substr(start, i - start));
      start = i + 1;
    }
  }
}

void AddUnique(std::vector<std::string>& out, std::string name) {
  if (name.empty()) return;
  if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
}

}  // namespace

const std::vector<GenreSynonym>& GenreSynonyms() { return kSynonyms; }

std::string CanonicalGenre(std::string_view label) {
  const std::string key = Key(label);
  if (key.empty()) return {};
  const auto& map = SynonymMap();
  auto it = map.find(key);
  if (it != map.end()) return it->second;
  return Tidy(label);
}

std::vector<std::string> CanonicalGenres(std::string_view raw) {
  std::vector<std::string> out;
  ForEachLabel(raw, [&](std::string_view label) { AddUnique(out, CanonicalGenre(label)); });
  return out;
}

std::vector<std::string> CanonicalGenres(const std::vector<std::string>& labels) {
  std::vector<std::string> out;
  for (const auto& l : labels) {
    ForEachLabel(l, [&](std::string_view label) { AddUnique(out, CanonicalGenre(label)); });
  }
  return out;
}

int GenreVocabulary::Id(std::string_view canonical_name) const {
  auto it = std::lower_bound(names.begin(), names.end(), canonical_name);
  if (it == names.end() || *it != canonical_name) return 0;
  return static_cast<int>(it - names.begin()) + 1;
}

GenreVocabulary BuildGenreVocabulary(const std::vector<Movie>& movies, int min_frequency,
                                     int max_genres) {
  std::unordered_map<std::string, int64_t> counts;
  for (const auto& m : movies) {
    for (auto& g : CanonicalGenres(m.genres)) ++counts[std::move(g)];
  }
  // Most frequent first, ties by name: the order the max_genres cut is taken in.
  std::vector<std::pair<std::string, int64_t>> ranked(counts.begin(), counts.end());
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  GenreVocabulary v;
  std::vector<std::pair<std::string, int64_t>> kept;
  for (auto& [name, count] : ranked) {
    const char* reason = nullptr;
    if (count < min_frequency) {
      reason = "min_frequency";
    } else if (max_genres > 0 && static_cast<int>(kept.size()) >= max_genres) {
      reason = "max_genres";
    }
    if (reason) {
      v.folded_links += count;
      v.folded.push_back(FoldedGenre{name, count, reason});
    } else {
      kept.emplace_back(name, count);
    }
  }
  std::sort(kept.begin(), kept.end());
  for (auto& [name, count] : kept) {
    v.names.push_back(name);
    v.movie_counts.push_back(count);
  }
  std::sort(v.folded.begin(), v.folded.end(),
            [](const FoldedGenre& a, const FoldedGenre& b) { return a.name < b.name; });
  return v;
}

GenreRewriteStats ApplyGenreVocabulary(std::vector<Movie>& movies, const GenreVocabulary& vocab) {
  GenreRewriteStats st;
  for (auto& m : movies) {
    std::vector<std::string> out;
    std::vector<std::string> seen;  // canonical names met so far, folded ones included
    bool had_genre = false;
    for (const auto& entry : m.genres) {
      ForEachLabel(entry, [&](std::string_view label) {
        std::string canonical = CanonicalGenre(label);
        if (canonical.empty()) {
          // A blank between separators is formatting, not a marker; only count real markers.
          if (!Key(label).empty()) ++st.no_genre_labels;
          return;
        }
        had_genre = true;
        if (canonical != label) {
          ++st.labels_renamed;
          ++st.renames[{std::string(label), canonical}];
        }
        if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) {
          ++st.duplicates_merged;
          return;
        }
        seen.push_back(canonical);
        if (vocab.Id(canonical) == 0) {
          ++st.links_folded;
        } else {
          out.push_back(std::move(canonical));
        }
      });
    }
    if (had_genre && out.empty()) ++st.movies_left_without_genre;
    if (out != m.genres) {
      ++st.movies_changed;
      m.genres = std::move(out);
    }
  }
  return st;
}

int64_t CanonicalizeGenreList(std::vector<std::string>& labels) {
  std::vector<std::string> out = CanonicalGenres(labels);
  if (out == labels) return 0;
  // Count positions that differ; a shorter list counts its missing tail.
  int64_t changed = 0;
  for (size_t i = 0; i < std::max(out.size(), labels.size()); ++i) {
    if (i >= out.size() || i >= labels.size() || out[i] != labels[i]) ++changed;
  }
  labels = std::move(out);
  return changed;
}

std::vector<std::pair<int64_t, int>> BuildMovieGenres(const std::vector<Movie>& movies,
                                                      const GenreVocabulary& vocab) {
  std::vector<std::pair<int64_t, int>> rows;
  for (const auto& m : movies) {
    for (const auto& g : m.genres) {
      if (int id = vocab.Id(g); id > 0) rows.emplace_back(m.movie_id, id);
    }
  }
  std::sort(rows.begin(), rows.end());
  rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
  return rows;
}

std::vector<QualityResult> GenreQualityResults(const GenreVocabulary& vocab,
                                               const GenreRewriteStats& stats,
                                               int64_t movies_checked) {
  constexpr size_t kSample = 10;
  std::vector<QualityResult> out;
  {
    QualityResult q;
    q.rule_id = "genre.synonym";
    q.table = "movie_genres";
    q.rows_checked = movies_checked;
    q.rows_failed = stats.labels_renamed + stats.duplicates_merged + stats.no_genre_labels;
    q.severity = "fix";
    q.action = q.rows_failed > 0 ? "fixed" : "none";
    std::vector<std::pair<std::pair<std::string, std::string>, int64_t>> renames(
        stats.renames.begin(), stats.renames.end());
    std::stable_sort(renames.begin(), renames.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    for (size_t i = 0; i < renames.size() && q.sample.size() < kSample; ++i) {
      q.sample.push_back("'" + renames[i].first.first + "' -> '" + renames[i].first.second +
                         "': " + std::to_string(renames[i].second));
    }
    if (stats.duplicates_merged > 0 && q.sample.size() < kSample) {
      q.sample.push_back("repeated genre merged: " + std::to_string(stats.duplicates_merged));
    }
    if (stats.no_genre_labels > 0 && q.sample.size() < kSample) {
      q.sample.push_back("'no genre' marker dropped: " + std::to_string(stats.no_genre_labels));
    }
    out.push_back(std::move(q));
  }
  {
    QualityResult q;
    q.rule_id = "genre.folded";
    q.table = "movie_genres";
    q.rows_checked = movies_checked;
    q.rows_failed = stats.links_folded;
    q.severity = "fix";
    q.action = q.rows_failed > 0 ? "fixed" : "none";
    std::vector<FoldedGenre> folded = vocab.folded;
    std::stable_sort(folded.begin(), folded.end(),
                     [](const auto& a, const auto& b) { return a.movie_count > b.movie_count; });
    for (size_t i = 0; i < folded.size() && q.sample.size() < kSample; ++i) {
      q.sample.push_back(folded[i].name + ": " + std::to_string(folded[i].movie_count) +
                         " movies (" + folded[i].reason + ")");
    }
    if (stats.movies_left_without_genre > 0 && q.sample.size() < kSample) {
      q.sample.push_back("movies left without a genre: " +
                         std::to_string(stats.movies_left_without_genre));
    }
    out.push_back(std::move(q));
  }
  return out;
}

}  // namespace movierec::etl
