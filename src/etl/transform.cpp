#include "etl/transform.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>

#include "common/error.h"
#include "etl/features.h"
#include "etl/field_parse.h"
#include "etl/genre_vocabulary.h"
#include "etl/radix_sort.h"
#include "etl/rating_matrix.h"

namespace movierec::etl {
namespace {

// Orders ratings by (user, movie, line). Published rating files are grouped by user, so the
// common case sorts each user's run in place on `workers` threads; anything else goes through a
// stable radix sort on the (user, movie) key.
void SortRatings(std::vector<Rating>& ratings, int workers) {
  auto by_user = [](const Rating& a, const Rating& b) { return a.user_id < b.user_id; };
  auto by_movie_line = [](const Rating& a, const Rating& b) {
    return a.movie_id != b.movie_id ? a.movie_id < b.movie_id : a.line < b.line;
  };
  if (!std::is_sorted(ratings.begin(), ratings.end(), by_user)) {
    std::vector<uint64_t> keys(ratings.size());
    for (size_t i = 0; i < ratings.size(); ++i) {
      keys[i] = (static_cast<uint64_t>(ratings[i].user_id) << 32) |
                static_cast<uint32_t>(ratings[i].movie_id);
    }
    std::vector<uint32_t> order = StableSortPermutation(keys);
    std::vector<Rating> sorted(ratings.size());
    for (size_t i = 0; i < order.size(); ++i) sorted[i] = ratings[order[i]];
    ratings.swap(sorted);
    return;
  }
  // Cut into `workers` slices at user boundaries; each sorts its users' runs.
  const size_t n = ratings.size();
  const int parts = std::max(1, std::min<int>(workers, static_cast<int>(n / 100000) + 1));
  std::vector<size_t> cuts = {0};
  for (int p = 1; p < parts; ++p) {
    size_t c = std::max(cuts.back(), n * p / parts);
    while (c < n && c > 0 && ratings[c].user_id == ratings[c - 1].user_id) ++c;
    cuts.push_back(c);
  }
  cuts.push_back(n);
  auto sort_slice = [&](size_t lo, size_t hi) {
    for (size_t i = lo; i < hi;) {
      size_t j = i + 1;
      while (j < hi && ratings[j].user_id == ratings[i].user_id) ++j;
      std::sort(ratings.begin() + static_cast<ptrdiff_t>(i),
                ratings.begin() + static_cast<ptrdiff_t>(j), by_movie_line);
      i = j;
    }
  };
  std::vector<std::thread> threads;
  for (int p = 1; p < parts; ++p) threads.emplace_back(sort_slice, cuts[p], cuts[p + 1]);
  sort_slice(cuts[0], cuts[1]);
  for (auto& t : threads) t.join();
}

// Keeps one rating per (user, movie) of sorted ratings: the latest by date, the later line on
// a tie. Compacts in place and returns the number of rows merged away.
int64_t DedupeSortedRatings(std::vector<Rating>& ratings) {
  size_t w = 0;
  for (size_t i = 0; i < ratings.size();) {
    size_t j = i + 1;
    size_t best = i;
    while (j < ratings.size() && ratings[j].user_id == ratings[i].user_id &&
           ratings[j].movie_id == ratings[i].movie_id) {
      const Rating& r = ratings[j];
      if (r.timestamp > ratings[best].timestamp ||
          (r.timestamp == ratings[best].timestamp && r.line > ratings[best].line)) {
        best = j;
      }
      ++j;
    }
    ratings[w++] = ratings[best];
    i = j;
  }
  const int64_t merged = static_cast<int64_t>(ratings.size() - w);
  ratings.resize(w);
  return merged;
}

std::vector<User> BuildUsers(const std::vector<Rating>& ratings) {
  std::vector<User> users;
  for (size_t i = 0; i < ratings.size();) {
    User u;
    u.user_id = ratings[i].user_id;
    u.user_idx = static_cast<int32_t>(users.size());
    u.first_rated_at = u.last_rated_at = ratings[i].timestamp;
    size_t j = i;
    for (; j < ratings.size() && ratings[j].user_id == u.user_id; ++j) {
      u.first_rated_at = std::min(u.first_rated_at, ratings[j].timestamp);
      u.last_rated_at = std::max(u.last_rated_at, ratings[j].timestamp);
    }
    u.rating_count = static_cast<int64_t>(j - i);
    users.push_back(u);
    i = j;
  }
  return users;
}

struct DenseIndexes {
  std::vector<int32_t> index;  // per id
  int64_t size = 0;            // the index space, gaps included
};

// Indexes for this run's ids (any order) that follow the previous run's (see
// AssignStableIndexes for the rules and why gaps are kept by default).
DenseIndexes FollowPreviousIndexes(std::span<const int64_t> previous,
                                   std::span<const int64_t> ids,
                                   TransformOptions::IndexPolicy policy, const char* what) {
  using P = TransformOptions::IndexPolicy;
  DenseIndexes out;
  if (policy != P::kCompact) {
    out.index = AssignStableIndexes(previous, ids, /*compact=*/false);
    out.size = static_cast<int64_t>(previous.size());
    for (int32_t i : out.index) out.size = std::max<int64_t>(out.size, int64_t{i} + 1);
    const int64_t gaps = out.size - static_cast<int64_t>(ids.size());
    if (policy == P::kKeep || gaps * 10 <= out.size) return out;
    spdlog::info("{} indexes: {} of {} are gaps left by removed ids; compacting", what, gaps,
                 out.size);
  }
  out.index = AssignStableIndexes(previous, ids, /*compact=*/true);
  out.size = static_cast<int64_t>(ids.size());
  return out;
}

}  // namespace

TransformOptions::IndexPolicy ParseIndexPolicy(const std::string& text) {
  if (text == "auto") return TransformOptions::IndexPolicy::kAuto;
  if (text == "keep") return TransformOptions::IndexPolicy::kKeep;
  if (text == "compact") return TransformOptions::IndexPolicy::kCompact;
  throw UsageError("index policy '" + text + "': expected auto, keep or compact");
}

Dataset Transform(ExtractedData&& d, std::vector<QualityResult> quality,
                  const TransformOptions& options) {
  const int workers = options.workers;
  Dataset out;
  out.quality = std::move(quality);
  std::map<std::string, int64_t> merged_by_source = std::move(d.merged);
  out.movie_redirects = std::move(d.movie_redirects);
  // A copy: d.sources is moved out below, after the last lookup.
  auto source_of = [&](const char* kind) { return std::string(SourcePath(d.sources, kind)); };

  // Movies, with MovieLens links folded in.
  out.movies = std::move(d.movies);
  std::sort(out.movies.begin(), out.movies.end(),
            [](const Movie& a, const Movie& b) { return a.movie_id < b.movie_id; });
  std::unordered_map<int64_t, size_t> movie_pos;
  for (size_t i = 0; i < out.movies.size(); ++i) movie_pos[out.movies[i].movie_id] = i;
  for (const auto& l : d.links) {
    Movie& m = out.movies[movie_pos.at(l.movie_id)];
    m.imdb_id = l.imdb_id;
    m.tmdb_id = l.tmdb_id;
  }

  // original_language "fr-Français" -> code "fr" + name "Français".
  {
    QualityResult q;
    q.rule_id = "movie.language_split";
    q.table = "movie";
    q.rows_checked = static_cast<int64_t>(out.movies.size());
    q.severity = "fix";
    for (auto& m : out.movies) {
      if (m.original_language.empty()) continue;
      LanguageParts parts = SplitLanguage(m.original_language);
      if (parts.code == m.original_language) continue;
      if (++q.rows_failed <= 5) {
        q.sample.push_back(source_of("movies") + ":" + std::to_string(m.line) + ": '" +
                           m.original_language + "' -> code '" + parts.code + "', name '" +
                           parts.name + "'");
      }
      m.original_language = std::move(parts.code);
      m.language_name = std::move(parts.name);
    }
    q.action = q.rows_failed > 0 ? "fixed" : "none";
    out.quality.push_back(std::move(q));
  }

  // Genre vocabulary: synonyms unified, rare genres folded (min_frequency, max_genres).
  const GenreVocabulary vocab =
      BuildGenreVocabulary(out.movies, options.genre_min_frequency, options.genre_max_genres);
  const GenreRewriteStats genre_stats = ApplyGenreVocabulary(out.movies, vocab);
  out.genres = vocab.names;
  out.movie_genres = BuildMovieGenres(out.movies, vocab);
  for (auto& q : GenreQualityResults(vocab, genre_stats, static_cast<int64_t>(out.movies.size()))) {
    out.quality.push_back(std::move(q));
  }

  // People: one person per (name, gender); cast order is the order of appearance per movie.
  std::map<std::pair<std::string, int>, int64_t> person_ids;
  std::unordered_map<int64_t, int> next_order;
  {
    std::map<std::pair<int64_t, std::string>, bool> seen_credit;
    const std::string persons_src = source_of("persons");
    for (auto& c : d.credits) {
      if (!c.cast_id.empty() &&
          !seen_credit.emplace(std::pair{c.movie_id, c.cast_id}, true).second) {
        ++merged_by_source[persons_src];  // the same credit listed twice
        continue;
      }
      auto key = std::pair{c.name, c.gender.value_or(0)};
      auto [it, inserted] = person_ids.emplace(key, static_cast<int64_t>(out.persons.size()) + 1);
      if (inserted) out.persons.push_back(Person{it->second, c.name, c.gender});
      out.cast.push_back(CastRow{c.movie_id, next_order[c.movie_id]++, it->second,
                                 std::move(c.cast_id), std::move(c.character), c.line});
    }
  }

  // IMDb rows resolve to a movie by normalised title and year (exact year first, then +-1,
  // as release years differ between sources); unmatched rows still load, unlinked. A resolved
  // row enriches its movie: the director joins movie_crew, the four stars movie_cast (after
  // the credits already listed, unless already there).
  {
    std::unordered_map<std::string, int64_t> by_title_year;
    for (const auto& m : out.movies) {
      if (!m.year) continue;
      by_title_year.emplace(NormalizeTitle(m.title) + "|" + std::to_string(*m.year), m.movie_id);
      if (!m.original_title.empty()) {
        by_title_year.emplace(NormalizeTitle(m.original_title) + "|" + std::to_string(*m.year),
                              m.movie_id);
      }
    }
    // A name seen in Persons.csv is that person whatever gender IMDb (which has none) implies.
    std::unordered_map<std::string, int64_t> by_name;
    for (const auto& p : out.persons) by_name.emplace(p.name, p.person_id);
    auto person_of = [&](const std::string& name) {
      auto it = by_name.find(name);
      if (it != by_name.end()) return it->second;
      int64_t id = static_cast<int64_t>(out.persons.size()) + 1;
      out.persons.push_back(Person{id, name, std::nullopt});
      by_name.emplace(name, id);
      return id;
    };
    std::set<std::pair<int64_t, int64_t>> cast_pairs;
    for (const auto& c : out.cast) cast_pairs.emplace(c.movie_id, c.person_id);
    std::set<std::tuple<int64_t, int64_t, std::string>> crew_seen;
    out.imdb = std::move(d.imdb);
    for (auto& im : out.imdb) CanonicalizeGenreList(im.genres);
    for (auto& im : out.imdb) {
      if (!im.year) continue;
      const std::string title = NormalizeTitle(im.title);
      for (int dy : {0, -1, 1}) {
        auto it = by_title_year.find(title + "|" + std::to_string(*im.year + dy));
        if (it != by_title_year.end()) {
          im.movie_id = it->second;
          break;
        }
      }
      if (!im.movie_id) continue;
      const int64_t movie = *im.movie_id;
      if (!im.director.empty()) {
        int64_t pid = person_of(im.director);
        if (crew_seen.emplace(movie, pid, "Director").second) {
          out.crew.push_back(CrewRow{movie, pid, "Director"});
        }
      }
      for (const auto& star : im.stars) {
        if (star.empty()) continue;
        int64_t pid = person_of(star);
        if (cast_pairs.emplace(movie, pid).second) {
          out.cast.push_back(CastRow{movie, next_order[movie]++, pid, "", "", 0});
        }
      }
    }
    std::sort(out.cast.begin(), out.cast.end(), [](const CastRow& a, const CastRow& b) {
      return a.movie_id != b.movie_id ? a.movie_id < b.movie_id : a.cast_order < b.cast_order;
    });
    std::sort(out.crew.begin(), out.crew.end(), [](const CrewRow& a, const CrewRow& b) {
      return std::tie(a.movie_id, a.person_id, a.job) < std::tie(b.movie_id, b.person_id, b.job);
    });
  }

  // Ratings: one per (user, movie), then the users they imply.
  out.ratings = std::move(d.ratings);
  SortRatings(out.ratings, workers);
  merged_by_source[source_of("ratings")] += DedupeSortedRatings(out.ratings);
  out.users = BuildUsers(out.ratings);
  {
    std::vector<int64_t> ids(out.users.size());
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = out.users[i].user_id;
    DenseIndexes users =
        FollowPreviousIndexes(options.previous_user_ids, ids, options.index_policy, "user");
    for (size_t i = 0; i < ids.size(); ++i) out.users[i].user_idx = users.index[i];
    out.user_index_size = users.size;
    ids.resize(out.movies.size());
    for (size_t i = 0; i < ids.size(); ++i) ids[i] = out.movies[i].movie_id;
    DenseIndexes movies =
        FollowPreviousIndexes(options.previous_movie_ids, ids, options.index_policy, "movie");
    out.movie_idx = std::move(movies.index);
    out.movie_index_size = movies.size;
  }
  {
    FeatureTables ft = ComputeFeatures(
        out, {workers, options.bayesian_prior_count, options.popularity_half_life_days});
    spdlog::debug("features: global mean {:.3f}, Bayesian prior count {:.0f}", ft.global_mean,
                  ft.prior_count);
    out.movie_features = std::move(ft.movie_features);
    out.user_profiles = std::move(ft.user_profiles);
    out.genre_features = std::move(ft.genre_features);
  }
  out.tags = std::move(d.tags);

  // Accounting per file. Every row read is loaded, merged or quarantined.
  std::map<std::string, int64_t> quarantined;
  for (const auto& r : d.rejected) ++quarantined[r.source];
  std::map<std::string, int64_t> loaded = {
      {source_of("movies"), static_cast<int64_t>(out.movies.size())},
      {source_of("ratings"), static_cast<int64_t>(out.ratings.size())},
      // IMDb stars joined the cast with no Persons.csv line; count only the credits' rows.
      {source_of("persons"), std::count_if(out.cast.begin(), out.cast.end(),
                                           [](const CastRow& c) { return c.line > 0; })},
      {source_of("imdb"), static_cast<int64_t>(out.imdb.size())},
      {source_of("tags"), static_cast<int64_t>(out.tags.size())},
      {source_of("links"), static_cast<int64_t>(d.links.size())},
  };
  out.sources = std::move(d.sources);
  for (auto& s : out.sources) {
    s.rows_loaded = loaded[s.path];
    s.rows_merged = merged_by_source[s.path];
    s.rows_quarantined = quarantined[s.path];
    MOVIEREC_ASSERT(s.rows_read == s.rows_loaded + s.rows_merged + s.rows_quarantined,
                    "row accounting does not add up for " + s.path);
  }
  out.rejected = std::move(d.rejected);
  return out;
}

}  // namespace movierec::etl
