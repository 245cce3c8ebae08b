#include "host/content_model.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"

namespace movierec {
namespace {

constexpr double kDecadeSigma = 0.6;

uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The signed hash of an id: bucket in [0, buckets), sign +1 or -1.
struct SignedSlot {
  int bucket;
  float sign;
};
SignedSlot HashSlot(uint64_t seed, uint64_t salt, int64_t id, int buckets) {
  const uint64_t h = Mix64(Mix64(seed ^ salt) + static_cast<uint64_t>(id) * 0x9E3779B97F4A7C15ull);
  return {static_cast<int>(h % static_cast<uint64_t>(buckets)), (h >> 63) ? -1.0f : 1.0f};
}

constexpr uint64_t kPeopleSalt = 0x70656F706C65ull;  // "people"
constexpr uint64_t kGenreSalt = 0x67656E7265ull;     // "genre"

double Idf(int64_t n, int64_t df) {
  return std::log((1.0 + static_cast<double>(n)) / (1.0 + static_cast<double>(df))) + 1.0;
}

// Scales v[0, n) to unit length times `weight` (leaves an all-zero block alone).
void NormalizeBlock(double* v, int n, double weight) {
  double sq = 0;
  for (int k = 0; k < n; ++k) sq += v[k] * v[k];
  if (sq <= 0) return;
  const double f = weight / std::sqrt(sq);
  for (int k = 0; k < n; ++k) v[k] *= f;
}

int DecadeSlot(int year) {
  const int d = (year - kContentFirstDecade) / 10;  // years before 1910 clamp to slot 0 below
  return std::clamp(year < kContentFirstDecade ? 0 : d, 0, kContentDecadeDims - 1);
}

// The distinct people of one movie, directors first.
std::vector<int64_t> PeopleOf(const ContentItem& item) {
  std::vector<int64_t> people = item.director_ids;
  people.insert(people.end(), item.cast_ids.begin(), item.cast_ids.end());
  std::sort(people.begin(), people.end());
  people.erase(std::unique(people.begin(), people.end()), people.end());
  return people;
}

}  // namespace

ContentModel BuildContentModel(const ContentCatalog& catalog, const ContentParams& params,
                               uint64_t seed) {
  for (double w :
       {params.genre_weight, params.people_weight, params.year_weight, params.language_weight}) {
    if (!(w >= 0) || !std::isfinite(w)) {
      throw Error(
          "content: block weights (genre_weight, people_weight, year_weight, "
          "language_weight) must be finite and >= 0");
    }
  }
  const int64_t items = catalog.size();

  // Document frequencies.
  std::map<int64_t, int64_t> genre_df;
  int64_t genre_n = 0;
  std::unordered_map<int64_t, int64_t> person_df;
  int64_t people_n = 0;
  std::map<std::string, int64_t> language_count;
  bool any_year = false;
  std::vector<std::vector<int64_t>> people(static_cast<size_t>(items));
  for (int64_t i = 0; i < items; ++i) {
    const ContentItem& item = catalog.items[static_cast<size_t>(i)];
    std::vector<int64_t> genres = item.genre_ids;
    std::sort(genres.begin(), genres.end());
    genres.erase(std::unique(genres.begin(), genres.end()), genres.end());
    for (int64_t g : genres) ++genre_df[g];
    if (!genres.empty()) ++genre_n;
    people[static_cast<size_t>(i)] = PeopleOf(item);
    for (int64_t p : people[static_cast<size_t>(i)]) ++person_df[p];
    if (!people[static_cast<size_t>(i)].empty()) ++people_n;
    if (!item.language.empty()) ++language_count[item.language];
    if (item.release_year > 0) any_year = true;
  }

  ContentModel model;
  model.items = items;
  ContentLayout& L = model.layout;

  // Genre slots: most frequent first, ties by id.
  std::vector<std::pair<int64_t, int64_t>> genres_by_df(genre_df.begin(), genre_df.end());
  std::stable_sort(genres_by_df.begin(), genres_by_df.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::unordered_map<int64_t, int> genre_slot;
  for (const auto& [g, df] : genres_by_df) {
    if (static_cast<int>(L.genre_slots.size()) >= kContentMaxGenreDims) break;
    genre_slot.emplace(g, static_cast<int>(L.genre_slots.size()));
    L.genre_slots.push_back(g);
  }
  L.genre_dims = static_cast<int>(L.genre_slots.size());

  bool any_person = false;
  for (const auto& [p, df] : person_df) {
    if (df >= 2) {
      any_person = true;
      break;
    }
  }
  L.people_dims = any_person ? kContentPeopleBuckets : 0;
  L.decade_dims = any_year ? kContentDecadeDims : 0;

  // Language slots: most frequent first, ties by code; "other" past the limit.
  std::vector<std::pair<std::string, int64_t>> langs(language_count.begin(), language_count.end());
  std::stable_sort(langs.begin(), langs.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::unordered_map<std::string, int> language_slot;
  const bool other = static_cast<int>(langs.size()) > kContentMaxLanguageDims;
  const int dedicated = other ? kContentMaxLanguageDims - 1 : static_cast<int>(langs.size());
  for (int k = 0; k < dedicated; ++k) {
    language_slot.emplace(langs[static_cast<size_t>(k)].first, k);
    L.language_slots.push_back(langs[static_cast<size_t>(k)].first);
  }
  L.language_other = other;
  L.language_dims = dedicated + (other ? 1 : 0);

  L.genre_offset = 0;
  L.people_offset = L.genre_offset + L.genre_dims;
  L.decade_offset = L.people_offset + L.people_dims;
  L.language_offset = L.decade_offset + L.decade_dims;
  L.dim = std::max(1, L.language_offset + L.language_dims);

  std::vector<double> kernel(kContentDecadeDims);
  for (int d = 0; d < kContentDecadeDims; ++d) {
    kernel[static_cast<size_t>(d)] = std::exp(-d * d / (2 * kDecadeSigma * kDecadeSigma));
  }

  model.item_vectors.assign(static_cast<size_t>(items) * L.dim, 0.0f);
  std::vector<double> v(static_cast<size_t>(L.dim));
  for (int64_t i = 0; i < items; ++i) {
    const ContentItem& item = catalog.items[static_cast<size_t>(i)];
    std::fill(v.begin(), v.end(), 0.0);
    double* genre = v.data() + L.genre_offset;
    std::unordered_set<int64_t> seen;
    for (int64_t g : item.genre_ids) {
      if (!seen.insert(g).second) continue;
      const double w = Idf(genre_n, genre_df[g]);
      auto it = genre_slot.find(g);
      if (it != genre_slot.end()) {
        genre[it->second] += w;
      } else {
        const SignedSlot s = HashSlot(seed, kGenreSalt, g, L.genre_dims);
        genre[s.bucket] += s.sign * w;
      }
    }
    NormalizeBlock(genre, L.genre_dims, params.genre_weight);

    if (L.people_dims > 0) {
      double* block = v.data() + L.people_offset;
      for (int64_t p : people[static_cast<size_t>(i)]) {
        const int64_t df = person_df[p];
        if (df < 2) continue;
        const SignedSlot s = HashSlot(seed, kPeopleSalt, p, L.people_dims);
        block[s.bucket] += s.sign * Idf(people_n, df);
      }
      NormalizeBlock(block, L.people_dims, params.people_weight);
    }

    if (L.decade_dims > 0 && item.release_year > 0) {
      double* block = v.data() + L.decade_offset;
      const int d0 = DecadeSlot(item.release_year);
      for (int d = 0; d < L.decade_dims; ++d)
        block[d] = kernel[static_cast<size_t>(std::abs(d - d0))];
      NormalizeBlock(block, L.decade_dims, params.year_weight);
    }

    if (L.language_dims > 0 && !item.language.empty()) {
      double* block = v.data() + L.language_offset;
      auto it = language_slot.find(item.language);
      block[it != language_slot.end() ? it->second : L.language_dims - 1] = 1.0;
      NormalizeBlock(block, L.language_dims, params.language_weight);
    }

    NormalizeBlock(v.data(), L.dim, 1.0);
    float* dst = model.item_vectors.data() + i * L.dim;
    for (int k = 0; k < L.dim; ++k) dst[k] = static_cast<float>(v[static_cast<size_t>(k)]);
  }
  return model;
}

namespace {

// ContentUserProfile with a caller's scratch buffer (dim doubles).
void ProfileInto(const ContentModel& model, const int32_t* items, const float* ratings,
                 int64_t count, const ContentParams& params, double* acc, float* out) {
  const int dim = model.layout.dim;
  std::fill(out, out + dim, 0.0f);
  if (count <= 0) return;
  double mean = 0;
  for (int64_t k = 0; k < count; ++k) mean += ratings[k];
  mean /= static_cast<double>(count);
  const double neutral = std::min(mean, params.min_rating);
  std::fill(acc, acc + dim, 0.0);
  for (int64_t k = 0; k < count; ++k) {
    const double w = ratings[k] - neutral;
    if (w == 0) continue;
    const float* v = model.ItemRow(items[k]);
    for (int d = 0; d < dim; ++d) acc[d] += w * v[d];
  }
  NormalizeBlock(acc, dim, 1.0);
  for (int d = 0; d < dim; ++d) out[d] = static_cast<float>(acc[d]);
}

}  // namespace

void ContentUserProfile(const ContentModel& model, const int32_t* items, const float* ratings,
                        int64_t count, const ContentParams& params, float* out) {
  std::vector<double> acc(static_cast<size_t>(model.layout.dim));
  ProfileInto(model, items, ratings, count, params, acc.data(), out);
}

std::vector<float> ContentUserProfiles(const ContentModel& model, const RatingMatrix& train,
                                       const ContentParams& params, int workers) {
  if (train.cols != model.items) {
    throw Error("content: the catalog has " + std::to_string(model.items) +
                " items but the rating matrix " + std::to_string(train.cols) + " columns");
  }
  const int dim = model.layout.dim;
  std::vector<float> profiles(static_cast<size_t>(train.rows) * dim, 0.0f);
  if (train.rows == 0) return profiles;
  ForEachRange(BalancedRowCuts(train.indptr, std::max(1, workers)),
               [&](int, int64_t begin, int64_t end) {
                 std::vector<double> acc(static_cast<size_t>(dim));
                 for (int64_t u = begin; u < end; ++u) {
                   const int64_t b = train.indptr[static_cast<size_t>(u)];
                   const int64_t e = train.indptr[static_cast<size_t>(u) + 1];
                   ProfileInto(model, train.indices.data() + b, train.values.data() + b, e - b,
                               params, acc.data(), profiles.data() + u * dim);
                 }
               });
  return profiles;
}

ScoringVectors ContentScoringVectors(const ContentModel& model, const RatingMatrix& train,
                                     const ContentParams& params, int workers) {
  ScoringVectors v;
  v.user = ContentUserProfiles(model, train, params, workers);
  v.dim = model.layout.dim;
  v.users = train.rows;
  v.items = model.items;
  v.item = model.item_vectors;
  return v;
}

}  // namespace movierec
