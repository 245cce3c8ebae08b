#include "etl/features.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <exception>
#include <iterator>
#include <limits>
#include <mutex>
#include <thread>

#include "common/error.h"

namespace movierec::etl {
namespace {

// Fixed-point scales. A float in [0.5, 8) is a multiple of 2^-24, so rating * 2^24 is an exact
// integer and sums of them are exact in any order; 25M ratings of 5.0 need < 2^51.
constexpr double kRatingScale = 16777216.0;  // 2^24
// Recency weights are in (0, 1]; 2^32 steps keep 9 significant digits and leave room for 2^32
// ratings in a uint64.
constexpr double kWeightScale = 4294967296.0;  // 2^32
constexpr double kSecondsPerDay = 86400.0;

// Runs fn(part) for part in [0, parts) on parts threads (part 0 on the caller's) and rethrows
// the first exception once all have joined.
template <class Fn>
void RunParts(int parts, Fn fn) {
  std::exception_ptr error;
  std::mutex error_mutex;
  auto guarded = [&](int p) {
    try {
      fn(p);
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(std::max(0, parts - 1)));
  for (int p = 1; p < parts; ++p) threads.emplace_back(guarded, p);
  guarded(0);
  for (auto& t : threads) t.join();
  if (error) std::rethrow_exception(error);
}

// movie_id -> position in d.movies. A direct table when ids are reasonably dense (MovieLens
// and TMDB ids are), a binary search over the sorted movies otherwise.
class MovieIndex {
 public:
  explicit MovieIndex(const std::vector<Movie>& movies) : movies_(movies) {
    if (movies.empty()) return;
    const int64_t lo = movies.front().movie_id;
    const int64_t hi = movies.back().movie_id;
    const int64_t span = hi - lo + 1;
    if (lo >= 0 && span > 0 && span <= 16 * static_cast<int64_t>(movies.size()) + (1 << 20)) {
      base_ = lo;
      dense_.assign(static_cast<size_t>(span), -1);
      for (size_t i = 0; i < movies.size(); ++i) {
        dense_[static_cast<size_t>(movies[i].movie_id - lo)] = static_cast<int32_t>(i);
      }
    }
  }

  // Position of the movie, -1 when there is none.
  int32_t Find(int64_t movie_id) const {
    if (!dense_.empty()) {
      const int64_t k = movie_id - base_;
      return k >= 0 && k < static_cast<int64_t>(dense_.size()) ? dense_[static_cast<size_t>(k)]
                                                               : -1;
    }
    auto it = std::lower_bound(movies_.begin(), movies_.end(), movie_id,
                               [](const Movie& m, int64_t id) { return m.movie_id < id; });
    return it != movies_.end() && it->movie_id == movie_id
               ? static_cast<int32_t>(it - movies_.begin())
               : -1;
  }

 private:
  const std::vector<Movie>& movies_;
  int64_t base_ = 0;
  std::vector<int32_t> dense_;
};

// Each movie's vocabulary genres (0-based) and their genre_vector weight (the same for all of a
// movie's genres). The span and the weight share one struct so the per-rating lookup touches
// one cache line, not three arrays.
struct MovieGenres {
  uint32_t begin = 0;
  uint32_t end = 0;
  float weight = 0;
};
struct GenreRows {
  std::vector<MovieGenres> movie;  // by movie position
  std::vector<int32_t> genre;
};

GenreRows BuildGenreRows(const Dataset& d, const MovieIndex& index) {
  const size_t num_genres = d.genres.size();
  std::vector<std::pair<int32_t, int32_t>> pairs;  // (movie position, genre index)
  pairs.reserve(d.movie_genres.size());
  for (const auto& [movie_id, genre_id] : d.movie_genres) {
    const int32_t pos = index.Find(movie_id);
    if (pos < 0 || genre_id < 1 || static_cast<size_t>(genre_id) > num_genres) continue;
    pairs.emplace_back(pos, genre_id - 1);
  }
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  GenreRows rows;
  rows.movie.resize(d.movies.size());
  rows.genre.reserve(pairs.size());
  for (size_t e = 0; e < pairs.size();) {
    const auto pos = static_cast<size_t>(pairs[e].first);
    MovieGenres& mg = rows.movie[pos];
    mg.begin = static_cast<uint32_t>(e);
    for (; e < pairs.size() && static_cast<size_t>(pairs[e].first) == pos; ++e) {
      rows.genre.push_back(pairs[e].second);
    }
    mg.end = static_cast<uint32_t>(e);
    mg.weight = static_cast<float>(1.0 / std::sqrt(static_cast<double>(mg.end - mg.begin)));
  }
  return rows;
}

// Cut points of `ratings` into at most `parts` slices of about equal size that never split a
// user's run.
std::vector<size_t> UserCuts(const std::vector<Rating>& ratings, int parts) {
  const size_t n = ratings.size();
  // Small inputs are not worth a thread each.
  parts = std::max(1, std::min<int>(parts, static_cast<int>(n / 50000) + 1));
  std::vector<size_t> cuts = {0};
  for (int p = 1; p < parts; ++p) {
    size_t c = std::max(cuts.back(), n * static_cast<size_t>(p) / static_cast<size_t>(parts));
    while (c > 0 && c < n && ratings[c].user_id == ratings[c - 1].user_id) ++c;
    cuts.push_back(c);
  }
  cuts.push_back(n);
  return cuts;
}

// What one thread accumulates per movie over its slice of ratings.
struct MovieAcc {
  int64_t count = 0;
  int64_t sum = 0;  // ratings * kRatingScale
};
struct MovieSums {
  std::vector<MovieAcc> acc;
  std::vector<uint64_t> weight;  // recency weights * kWeightScale (only with a half-life)
  uint64_t total_weight = 0;
  int64_t total_sum = 0;
};

struct LanguageName {
  const char* name;  // lower-case ASCII, or the native spelling
  const char* code;
};

// English and native names of common film languages, and ISO 639-2 codes, for inputs that
// give a name instead of a code.
constexpr LanguageName kLanguageNames[] = {
    {"english", "en"},
    {"eng", "en"},
    {"french", "fr"},
    {"français", "fr"},
    {"francais", "fr"},
    {"fra", "fr"},
    {"fre", "fr"},
    {"german", "de"},
    {"deutsch", "de"},
    {"deu", "de"},
    {"ger", "de"},
    {"spanish", "es"},
    {"español", "es"},
    {"espanol", "es"},
    {"castellano", "es"},
    {"spa", "es"},
    {"italian", "it"},
    {"italiano", "it"},
    {"ita", "it"},
    {"japanese", "ja"},
    {"日本語", "ja"},
    {"jpn", "ja"},
    {"korean", "ko"},
    {"한국어/조선말", "ko"},
    {"한국어", "ko"},
    {"kor", "ko"},
    {"chinese", "zh"},
    {"mandarin", "zh"},
    {"cantonese", "zh"},
    {"普通话", "zh"},
    {"广州话 / 廣州話", "zh"},
    {"zho", "zh"},
    {"chi", "zh"},
    {"russian", "ru"},
    {"Русский", "ru"},
    {"русский", "ru"},
    {"rus", "ru"},
    {"portuguese", "pt"},
    {"português", "pt"},
    {"portugues", "pt"},
    {"por", "pt"},
    {"hindi", "hi"},
    {"हिन्दी", "hi"},
    {"hin", "hi"},
    {"swedish", "sv"},
    {"svenska", "sv"},
    {"swe", "sv"},
    {"danish", "da"},
    {"dansk", "da"},
    {"dan", "da"},
    {"dutch", "nl"},
    {"nederlands", "nl"},
    {"norwegian", "no"},
    {"norsk", "no"},
    {"finnish", "fi"},
    {"suomi", "fi"},
    {"polish", "pl"},
    {"polski", "pl"},
    {"turkish", "tr"},
    {"türkçe", "tr"},
    {"arabic", "ar"},
    {"العربية", "ar"},
    {"hebrew", "he"},
    {"עִבְרִית", "he"},
    {"greek", "el"},
    {"ελληνικά", "el"},
    {"thai", "th"},
    {"ภาษาไทย", "th"},
    {"czech", "cs"},
    {"čeština", "cs"},
    {"hungarian", "hu"},
    {"magyar", "hu"},
    {"persian", "fa"},
    {"farsi", "fa"},
    {"فارسی", "fa"},
    {"tamil", "ta"},
    {"தமிழ்", "ta"},
    {"telugu", "te"},
    {"తెలుగు", "te"},
    {"indonesian", "id"},
    {"bahasa indonesia", "id"},
    {"romanian", "ro"},
    {"română", "ro"},
    {"ukrainian", "uk"},
    {"українська", "uk"},
    {"vietnamese", "vi"},
    {"tiếng việt", "vi"},
    {"malayalam", "ml"},
};

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (static_cast<unsigned char>(c) < 128) c = static_cast<char>(std::tolower(c));
  }
  return out;
}

std::string_view TrimView(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

const char* LookupLanguageName(std::string_view s) {
  const std::string key = LowerAscii(TrimView(s));
  for (const auto& l : kLanguageNames) {
    if (key == l.name) return l.code;
  }
  return nullptr;
}

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

std::string LanguageCode(std::string_view original_language) {
  const std::string_view s = TrimView(original_language);
  if (s.empty()) return {};
  // "fr", "fr-Français", "pt-BR", "en_US": a two-letter code first.
  if (s.size() >= 2 && IsAsciiAlpha(s[0]) && IsAsciiAlpha(s[1]) &&
      (s.size() == 2 || s[2] == '-' || s[2] == '_')) {
    std::string code = LowerAscii(s.substr(0, 2));
    if (code == "xx") return {};    // TMDB: no language
    if (code == "cn") return "zh";  // TMDB's Cantonese; ISO 639-1 only has the macrolanguage
    return code;
  }
  // "English", "Français", "eng", or "fra-French".
  if (const char* code = LookupLanguageName(s)) return code;
  if (const size_t dash = s.find('-'); dash != std::string_view::npos) {
    if (const char* code = LookupLanguageName(s.substr(0, dash))) return code;
  }
  return {};
}

LanguageParts SplitLanguage(std::string_view original_language) {
  LanguageParts out;
  out.code = LanguageCode(original_language);
  if (out.code.empty()) return out;
  std::string_view s = TrimView(original_language);
  if (const size_t dash = s.find('-'); dash != std::string_view::npos) {
    std::string_view name = TrimView(s.substr(dash + 1));
    // "pt-BR" carries a region, not a name.
    if (name.size() > 2) out.name = std::string(name);
  } else if (s.size() > 3) {
    out.name = std::string(s);  // a name given alone, e.g. "English"
  }
  return out;
}

FeatureTables ComputeFeatures(const Dataset& d, const FeatureOptions& options) {
  FeatureTables out;
  const size_t num_movies = d.movies.size();
  const size_t num_genres = d.genres.size();
  const std::vector<Rating>& ratings = d.ratings;
  const MovieIndex index(d.movies);
  const GenreRows rows = BuildGenreRows(d, index);
  const std::vector<size_t> cuts = UserCuts(ratings, std::max(1, options.workers));
  const int parts = static_cast<int>(cuts.size()) - 1;
  const bool recency = options.popularity_half_life_days > 0;

  // The reference time of recency weights: the latest rating, so reruns agree.
  int64_t t_ref = 0;
  if (recency && !ratings.empty()) {
    std::vector<int64_t> part_max(static_cast<size_t>(parts), std::numeric_limits<int64_t>::min());
    RunParts(parts, [&](int p) {
      int64_t m = std::numeric_limits<int64_t>::min();
      for (size_t i = cuts[static_cast<size_t>(p)]; i < cuts[static_cast<size_t>(p) + 1]; ++i) {
        m = std::max(m, ratings[i].timestamp);
      }
      part_max[static_cast<size_t>(p)] = m;
    });
    t_ref = *std::max_element(part_max.begin(), part_max.end());
  }
  const double decay_per_second =
      recency ? 1.0 / (options.popularity_half_life_days * kSecondsPerDay) : 0.0;

  // One pass over the ratings: user profiles per run, movie sums per slice.
  std::vector<MovieSums> sums(static_cast<size_t>(parts));
  std::vector<std::vector<UserProfile>> profiles(static_cast<size_t>(parts));
  RunParts(parts, [&](int p) {
    MovieSums& ms = sums[static_cast<size_t>(p)];
    ms.acc.assign(num_movies, MovieAcc{});
    if (recency) ms.weight.assign(num_movies, 0);
    std::vector<UserProfile>& prof = profiles[static_cast<size_t>(p)];
    std::vector<double> num(num_genres), den(num_genres);
    std::vector<int32_t> pos_of;  // movie position per rating of the current user
    const size_t hi = cuts[static_cast<size_t>(p) + 1];
    for (size_t i = cuts[static_cast<size_t>(p)]; i < hi;) {
      const int32_t user = ratings[i].user_id;
      MOVIEREC_ASSERT(prof.empty() || prof.back().user_id < user,
                      "features: ratings are not sorted by user");
      size_t j = i;
      double total = 0;
      UserProfile u;
      u.user_id = user;
      u.first_rated_at = u.last_rated_at = ratings[i].timestamp;
      pos_of.clear();
      for (; j < hi && ratings[j].user_id == user; ++j) {
        const Rating& r = ratings[j];
        total += r.rating;
        u.first_rated_at = std::min(u.first_rated_at, r.timestamp);
        u.last_rated_at = std::max(u.last_rated_at, r.timestamp);
        const int32_t pos = index.Find(r.movie_id);
        pos_of.push_back(pos);
        // Exact for valid ratings (multiples of 2^-24), so no rounding is involved.
        const auto fixed = static_cast<int64_t>(static_cast<double>(r.rating) * kRatingScale);
        ms.total_sum += fixed;
        if (recency) {
          const double age = static_cast<double>(t_ref - r.timestamp);
          const auto w =
              static_cast<uint64_t>(std::exp2(-age * decay_per_second) * kWeightScale + 0.5);
          ms.total_weight += w;
          if (pos >= 0) ms.weight[static_cast<size_t>(pos)] += w;
        }
        if (pos < 0) continue;
        MovieAcc& a = ms.acc[static_cast<size_t>(pos)];
        ++a.count;
        a.sum += fixed;
      }
      const size_t n = j - i;
      u.rating_count = static_cast<int64_t>(n);
      u.mean_rating = total / static_cast<double>(n);
      // Second look at the run (still in cache): spread and genre affinity around the mean.
      std::fill(num.begin(), num.end(), 0.0);
      std::fill(den.begin(), den.end(), 0.0);
      double sq = 0;
      for (size_t k = 0; k < n; ++k) {
        const double dev = static_cast<double>(ratings[i + k].rating) - u.mean_rating;
        sq += dev * dev;
        const int32_t pos = pos_of[k];
        if (pos < 0) continue;
        const MovieGenres& mg = rows.movie[static_cast<size_t>(pos)];
        const double w = mg.weight;
        for (uint32_t e = mg.begin; e < mg.end; ++e) {
          num[static_cast<size_t>(rows.genre[e])] += w * dev;
          den[static_cast<size_t>(rows.genre[e])] += w;
        }
      }
      u.std_rating = std::sqrt(sq / static_cast<double>(n));
      u.genre_affinity.resize(num_genres);
      for (size_t g = 0; g < num_genres; ++g) {
        u.genre_affinity[g] = den[g] > 0 ? static_cast<float>(num[g] / den[g]) : 0.f;
      }
      prof.push_back(std::move(u));
      i = j;
    }
  });

  // Slices are integers: merged in any order they give the same totals.
  std::vector<int64_t> count(num_movies, 0), sum(num_movies, 0);
  std::vector<uint64_t> weight(recency ? num_movies : 0, 0);
  int64_t total_sum = 0;
  uint64_t total_weight = 0;
  for (const auto& ms : sums) {
    for (size_t m = 0; m < num_movies; ++m) {
      count[m] += ms.acc[m].count;
      sum[m] += ms.acc[m].sum;
    }
    for (size_t m = 0; m < weight.size(); ++m) weight[m] += ms.weight[m];
    total_sum += ms.total_sum;
    total_weight += ms.total_weight;
  }
  sums.clear();
  const auto total_n = static_cast<int64_t>(ratings.size());
  out.rating_total = total_n;
  out.global_mean =
      total_n > 0 ? static_cast<double>(total_sum) / kRatingScale / static_cast<double>(total_n)
                  : 0.0;
  size_t num_users = 0;
  for (const auto& prof : profiles) num_users += prof.size();
  out.user_profiles.reserve(num_users);
  for (auto& prof : profiles) {
    MOVIEREC_ASSERT(out.user_profiles.empty() || prof.empty() ||
                        out.user_profiles.back().user_id < prof.front().user_id,
                    "features: ratings are not sorted by user");
    std::move(prof.begin(), prof.end(), std::back_inserter(out.user_profiles));
  }
  profiles.clear();

  // C: the given prior count, else the median count of rated movies.
  if (options.bayesian_prior_count > 0) {
    out.prior_count = options.bayesian_prior_count;
  } else {
    std::vector<int64_t> rated;
    for (int64_t c : count) {
      if (c > 0) rated.push_back(c);
    }
    double median = 1;
    if (!rated.empty()) {
      const size_t mid = rated.size() / 2;
      std::nth_element(rated.begin(), rated.begin() + static_cast<ptrdiff_t>(mid), rated.end());
      median = static_cast<double>(rated[mid]);
      if (rated.size() % 2 == 0) {
        const int64_t below =
            *std::max_element(rated.begin(), rated.begin() + static_cast<ptrdiff_t>(mid));
        median = (median + static_cast<double>(below)) / 2;
      }
    }
    out.prior_count = std::max(1.0, median);
  }

  // The IMDb row of each movie: most votes, then the first line.
  std::vector<int32_t> imdb_of(num_movies, -1);
  for (size_t k = 0; k < d.imdb.size(); ++k) {
    const ImdbMovie& im = d.imdb[k];
    if (!im.movie_id) continue;
    const int32_t pos = index.Find(*im.movie_id);
    if (pos < 0) continue;
    int32_t& best = imdb_of[static_cast<size_t>(pos)];
    if (best >= 0) {
      const ImdbMovie& b = d.imdb[static_cast<size_t>(best)];
      const int64_t votes = im.votes.value_or(-1), best_votes = b.votes.value_or(-1);
      if (votes < best_votes || (votes == best_votes && im.line >= b.line)) continue;
    }
    best = static_cast<int32_t>(k);
  }

  // Movie rows, in slices of the catalogue.
  out.movie_features.resize(num_movies);
  const double m = out.global_mean;
  const double c_prior = out.prior_count;
  const int movie_parts =
      std::max(1, std::min<int>(options.workers, static_cast<int>(num_movies / 4096) + 1));
  RunParts(movie_parts, [&](int p) {
    const size_t lo = num_movies * static_cast<size_t>(p) / static_cast<size_t>(movie_parts);
    const size_t hi = num_movies * static_cast<size_t>(p + 1) / static_cast<size_t>(movie_parts);
    for (size_t i = lo; i < hi; ++i) {
      const Movie& mv = d.movies[i];
      MovieFeatures& f = out.movie_features[i];
      f.movie_id = mv.movie_id;
      f.genre_vector.assign(num_genres, 0.f);
      for (uint32_t e = rows.movie[i].begin; e < rows.movie[i].end; ++e) {
        f.genre_vector[static_cast<size_t>(rows.genre[e])] = rows.movie[i].weight;
      }
      const ImdbMovie* im = imdb_of[i] >= 0 ? &d.imdb[static_cast<size_t>(imdb_of[i])] : nullptr;
      f.release_year = mv.year ? mv.year : (im ? im->year : std::nullopt);
      f.runtime = mv.runtime ? mv.runtime : (im ? im->runtime : std::nullopt);
      f.language = LanguageCode(mv.original_language);
      f.rating_count = count[i];
      const double s = static_cast<double>(sum[i]) / kRatingScale;
      if (count[i] > 0) f.mean_rating = s / static_cast<double>(count[i]);
      f.bayesian_rating = (c_prior * m + s) / (c_prior + static_cast<double>(count[i]));
      if (recency) {
        f.popularity = total_weight > 0
                           ? static_cast<double>(weight[i]) / static_cast<double>(total_weight)
                           : 0.0;
      } else {
        f.popularity =
            total_n > 0 ? static_cast<double>(count[i]) / static_cast<double>(total_n) : 0.0;
      }
      if (im) {
        f.imdb_rating = im->imdb_rating;
        f.meta_score = im->meta_score;
      }
    }
  });

  // Genre rows from the movie sums (integers again, so exact).
  out.genre_features.resize(num_genres);
  std::vector<int64_t> g_sum(num_genres, 0);
  for (size_t g = 0; g < num_genres; ++g) out.genre_features[g].genre_id = static_cast<int>(g) + 1;
  for (size_t i = 0; i < num_movies; ++i) {
    for (uint32_t e = rows.movie[i].begin; e < rows.movie[i].end; ++e) {
      GenreFeatures& gf = out.genre_features[static_cast<size_t>(rows.genre[e])];
      ++gf.movie_count;
      gf.rating_count += count[i];
      g_sum[static_cast<size_t>(rows.genre[e])] += sum[i];
    }
  }
  for (size_t g = 0; g < num_genres; ++g) {
    GenreFeatures& gf = out.genre_features[g];
    if (gf.rating_count > 0) {
      gf.mean_rating =
          static_cast<double>(g_sum[g]) / kRatingScale / static_cast<double>(gf.rating_count);
    }
    gf.popularity =
        total_n > 0 ? static_cast<double>(gf.rating_count) / static_cast<double>(total_n) : 0.0;
  }
  return out;
}

}  // namespace movierec::etl
