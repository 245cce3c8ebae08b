#include "host/scoring_vectors.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace movierec {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

bool AllZero(const float* p, int n) {
  for (int k = 0; k < n; ++k) {
    if (p[k] != 0.0f) return false;
  }
  return true;
}

void CheckShape(const ScoringVectors& v, const char* name) {
  const auto want_user = static_cast<size_t>(v.users) * static_cast<size_t>(v.dim);
  const auto want_item = static_cast<size_t>(v.items) * static_cast<size_t>(v.dim);
  if (v.dim < 0 || v.users < 0 || v.items < 0 || v.user.size() != want_user ||
      v.item.size() != want_item) {
    throw Error(std::string("hybrid: the ") + name + " scoring vectors are malformed (dim " +
                std::to_string(v.dim) + ", " + std::to_string(v.users) + " users, " +
                std::to_string(v.items) + " items, " + std::to_string(v.user.size()) + " / " +
                std::to_string(v.item.size()) + " values)");
  }
}

}  // namespace

double ScoringVectors::Score(int64_t u, int64_t i) const {
  const float* a = UserRow(u);
  const float* b = ItemRow(i);
  double s = 0;
  for (int k = 0; k < dim; ++k) s += static_cast<double>(a[k]) * b[k];
  return s;
}

ScoringVectors FactorScoringVectors(const FactorModel& model) {
  const bool bias = !model.item_bias.empty();
  const int f = model.factors;
  ScoringVectors v;
  v.dim = f + (bias ? 1 : 0);
  v.users = model.users;
  v.items = model.items;
  v.user.assign(static_cast<size_t>(v.users) * v.dim, 0.0f);
  v.item.assign(static_cast<size_t>(v.items) * v.dim, 0.0f);
  for (int64_t u = 0; u < v.users; ++u) {
    float* dst = v.user.data() + u * v.dim;
    std::copy(model.UserRow(u), model.UserRow(u) + f, dst);
    if (bias) dst[f] = 1.0f;
  }
  for (int64_t i = 0; i < v.items; ++i) {
    float* dst = v.item.data() + i * v.dim;
    std::copy(model.ItemRow(i), model.ItemRow(i) + f, dst);
    if (bias) dst[f] = model.item_bias[static_cast<size_t>(i)];
  }
  return v;
}

HybridWeights HybridUserWeights(int64_t rating_count, const HybridParams& params) {
  const double wc = params.collaborative_weight;
  const double wt = params.content_weight;
  const double wp = params.popularity_weight;
  const int64_t cold = params.cold_start_ratings;
  const int64_t warm = params.warm_ratings;
  double ramp;
  if (rating_count < cold) {
    ramp = 0;
  } else if (rating_count >= warm) {
    ramp = 1;
  } else {
    ramp = static_cast<double>(rating_count - cold) / static_cast<double>(warm - cold);
  }
  HybridWeights w;
  w.collaborative = ramp * wc;
  const double rest = wc + wt + wp - w.collaborative;
  if (wt + wp != 0) {
    w.content = rest * wt / (wt + wp);
    w.popularity = rest * wp / (wt + wp);
  }
  return w;
}

double ScoreSpread(const ScoringVectors& v, uint64_t seed) {
  if (v.items < 2 || v.dim == 0) return 0;
  std::vector<int64_t> candidates;
  for (int64_t u = 0; u < v.users; ++u) {
    if (!AllZero(v.UserRow(u), v.dim)) candidates.push_back(u);
  }
  if (candidates.empty()) return 0;
  uint64_t state = seed;
  double sum_sq = 0;
  double dof = 0;
  std::vector<double> s(kSpreadSampleItems);
  for (int n = 0; n < kSpreadSampleUsers; ++n) {
    const int64_t u = candidates[SplitMix64(state) % candidates.size()];
    double mean = 0;
    for (int k = 0; k < kSpreadSampleItems; ++k) {
      const auto i = static_cast<int64_t>(SplitMix64(state) % static_cast<uint64_t>(v.items));
      s[k] = v.Score(u, i);
      mean += s[k];
    }
    mean /= kSpreadSampleItems;
    for (double x : s) sum_sq += (x - mean) * (x - mean);
    dof += kSpreadSampleItems - 1;
  }
  return std::sqrt(sum_sq / dof);
}

double SpreadScale(const ScoringVectors& v, uint64_t seed) {
  const double spread = ScoreSpread(v, seed);
  return spread > 0 ? 1.0 / spread : 1.0;
}

ScoringVectors HybridScoringVectors(const ScoringVectors& collaborative,
                                    const ScoringVectors& content, const ScoringVectors& popularity,
                                    std::span<const int64_t> user_rating_counts,
                                    const HybridParams& params, uint64_t seed) {
  CheckShape(collaborative, "collaborative");
  CheckShape(content, "content");
  CheckShape(popularity, "popularity");
  const int64_t users = collaborative.users;
  const int64_t items = collaborative.items;
  auto shape = [](const ScoringVectors& v) {
    return std::to_string(v.users) + " users x " + std::to_string(v.items) + " items";
  };
  if (content.users != users || popularity.users != users || content.items != items ||
      popularity.items != items) {
    throw Error("hybrid: the components disagree on their shape (collaborative " +
                shape(collaborative) + ", content " + shape(content) + ", popularity " +
                shape(popularity) + ")");
  }
  if (static_cast<int64_t>(user_rating_counts.size()) != users) {
    throw Error("hybrid: " + std::to_string(user_rating_counts.size()) +
                " user rating counts for " + std::to_string(users) + " users");
  }
  const double sc = SpreadScale(collaborative, seed);
  const double st = SpreadScale(content, seed);
  const double sp = SpreadScale(popularity, seed);

  const int dc = collaborative.dim;
  const int dt = content.dim;
  const int dp = popularity.dim;
  ScoringVectors h;
  h.dim = dc + dt + dp;
  h.users = users;
  h.items = items;
  h.user.assign(static_cast<size_t>(users) * h.dim, 0.0f);
  h.item.assign(static_cast<size_t>(items) * h.dim, 0.0f);
  auto put = [](float* dst, const float* src, int n, double factor) {
    for (int k = 0; k < n; ++k) dst[k] = static_cast<float>(factor * src[k]);
  };
  for (int64_t u = 0; u < users; ++u) {
    const HybridWeights w = HybridUserWeights(user_rating_counts[static_cast<size_t>(u)], params);
    float* dst = h.user.data() + u * h.dim;
    put(dst, collaborative.UserRow(u), dc, w.collaborative * sc);
    put(dst + dc, content.UserRow(u), dt, w.content * st);
    put(dst + dc + dt, popularity.UserRow(u), dp, w.popularity * sp);
  }
  for (int64_t i = 0; i < items; ++i) {
    float* dst = h.item.data() + i * h.dim;
    std::copy(collaborative.ItemRow(i), collaborative.ItemRow(i) + dc, dst);
    std::copy(content.ItemRow(i), content.ItemRow(i) + dt, dst + dc);
    std::copy(popularity.ItemRow(i), popularity.ItemRow(i) + dp, dst + dc + dt);
  }
  return h;
}

std::vector<int64_t> RowCounts(const std::vector<int64_t>& indptr) {
  std::vector<int64_t> counts(indptr.empty() ? 0 : indptr.size() - 1);
  for (size_t r = 0; r < counts.size(); ++r) counts[r] = indptr[r + 1] - indptr[r];
  return counts;
}

}  // namespace movierec
