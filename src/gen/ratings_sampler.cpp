#include "gen/ratings_sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/error.h"
#include "gen/calendar.h"

namespace movierec::gen {

UserActivity ActivityOf(uint64_t seed, int64_t user) {
  Rng rng(seed, Stream::kUserActivity, static_cast<uint64_t>(user));
  UserActivity a;
  a.weight = rng.LogNormal(0.0, 1.1);
  const int64_t span = kLastRatingDay - kFirstRatingDay;
  // Most users are active for weeks to months, some for years.
  int64_t duration =
      std::min<int64_t>(span, static_cast<int64_t>(rng.LogNormal(std::log(120.0), 1.4)));
  int64_t start =
      kFirstRatingDay + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(span + 1)));
  if (start + duration > kLastRatingDay) start = kLastRatingDay - duration;
  a.first_day = start;
  a.last_day = start + duration;
  return a;
}

std::vector<int32_t> UserRatingCounts(uint64_t seed, int64_t users, int64_t movies,
                                      int64_t ratings) {
  MOVIEREC_ASSERT(users > 0 && movies > 0 && ratings >= 0, "bad shape");
  MOVIEREC_ASSERT(ratings <= users * movies, "more ratings than user-movie pairs");
  const int64_t floor_count = std::min<int64_t>({20, ratings / users, movies});
  int64_t cap = std::max<int64_t>(floor_count, (movies * 6 + 9) / 10);
  cap = std::max<int64_t>(cap, (ratings + users - 1) / users);
  cap = std::min<int64_t>(cap, movies);

  std::vector<double> weight(users);
  for (int64_t u = 0; u < users; ++u) weight[u] = ActivityOf(seed, u).weight;
  std::vector<int32_t> counts(users, static_cast<int32_t>(floor_count));
  int64_t remaining = ratings - floor_count * users;

  // Proportional shares by cumulative rounding (exact total), re-spreading what caps cut off.
  std::vector<int64_t> open(users);
  std::iota(open.begin(), open.end(), 0);
  for (int round = 0; round < 64 && remaining > 0 && !open.empty(); ++round) {
    double total_w = 0;
    for (int64_t u : open) total_w += weight[u];
    double cum = 0;
    int64_t prev = 0, given = 0;
    std::vector<int64_t> still_open;
    for (size_t k = 0; k < open.size(); ++k) {
      int64_t u = open[k];
      cum += weight[u];
      int64_t target =
          k + 1 == open.size()
              ? remaining
              : std::min<int64_t>(remaining, static_cast<int64_t>(std::floor(
                                                 static_cast<double>(remaining) * cum / total_w)));
      target = std::max(target, prev);
      int64_t add = target - prev;
      prev = target;
      int64_t give = std::min<int64_t>(add, cap - counts[u]);
      counts[u] += static_cast<int32_t>(give);
      given += give;
      if (counts[u] < cap) still_open.push_back(u);
    }
    remaining -= given;
    open.swap(still_open);
  }
  for (int64_t u = 0; u < users && remaining > 0; ++u) {
    int64_t give = std::min<int64_t>(remaining, cap - counts[u]);
    counts[u] += static_cast<int32_t>(give);
    remaining -= give;
  }
  MOVIEREC_ASSERT(remaining == 0, "could not place all ratings");
  return counts;
}

RatingSampler::RatingSampler(uint64_t seed, const ModelParams& params, const ItemModel& items,
                             const UserModel& users, const Catalog& catalog)
    : seed_(seed), params_(params), items_(items), users_(users) {
  hot_.resize(catalog.movies.size());
  for (size_t i = 0; i < hot_.size(); ++i) {
    hot_[i] = ItemHot{static_cast<int32_t>(catalog.movies[i].release_day), items.bias[i]};
  }
}

RatingSampler::Scratch RatingSampler::MakeScratch() const {
  Scratch s;
  s.stamp.assign(items_.cluster.size(), 0);
  s.weights.resize(items_.clusters);
  return s;
}

int64_t RatingSampler::SampleTimestamp(uint32_t item, const UserActivity& act, Rng& rng) const {
  int64_t day =
      act.first_day +
      static_cast<int64_t>(rng.Below(static_cast<uint64_t>(act.last_day - act.first_day + 1)));
  const int64_t release = hot_[item].release_day;
  if (day < release) {
    day = std::min<int64_t>(kLastRatingDay, release + static_cast<int64_t>(rng.Exponential(90.0)));
  }
  return day * kSecondsPerDay + static_cast<int64_t>(rng.Below(kSecondsPerDay));
}

SampledRating RatingSampler::Rate(int64_t u, uint32_t item, const UserActivity& act,
                                  Rng& rng) const {
  SampledRating r;
  r.item = item;
  r.ts = SampleTimestamp(item, act, rng);
  r.value = static_cast<float>(PredictFrom(params_.global_mean, users_.bias[u], hot_[item].bias,
                                           users_.user(u), items_.item(item), items_.rank) +
                               params_.noise_std * rng.Normal());
  return r;
}

void RatingSampler::SampleUser(int64_t u, int32_t count, Scratch& scratch,
                               std::vector<SampledRating>& out) const {
  out.clear();
  if (count <= 0) return;
  // Which films (one stream), then their ratings and dates (another): the two passes keep
  // the memory-bound work in loops whose iterations do not wait on each other.
  Rng rng(seed_, Stream::kUserRatings, static_cast<uint64_t>(u));
  Rng values(seed_, Stream::kUserRatingValues, static_cast<uint64_t>(u));
  const UserActivity act = ActivityOf(seed_, u);
  UserClusterWeights(params_, users_, items_, u, scratch.weights);
  scratch.mixture.Build(scratch.weights);
  const uint32_t tag = static_cast<uint32_t>(u + 1);
  const int64_t M = movies();
  std::vector<uint32_t>& chosen = scratch.chosen;
  chosen.clear();

  // Candidates are drawn in batches so the cache misses of their alias entries overlap.
  constexpr int kBatch = 8;
  uint32_t batch[kBatch];
  int misses = 0;
  while (static_cast<int32_t>(chosen.size()) < count) {
    if (misses > 64) {
      // Dense users exhaust what their taste reaches: fill the rest by a random stride
      // through the catalog (gcd(stride, M) == 1 visits every item once).
      uint64_t stride = 1 + rng.Below(static_cast<uint64_t>(M));
      while (std::gcd(stride, static_cast<uint64_t>(M)) != 1)
        stride = stride % static_cast<uint64_t>(M) + 1;
      uint64_t pos = rng.Below(static_cast<uint64_t>(M));
      for (int64_t k = 0; k < M && static_cast<int32_t>(chosen.size()) < count; ++k) {
        uint32_t item = static_cast<uint32_t>(pos);
        pos = (pos + stride) % static_cast<uint64_t>(M);
        if (scratch.stamp[item] == tag) continue;
        scratch.stamp[item] = tag;
        chosen.push_back(item);
      }
      break;
    }
    for (int k = 0; k < kBatch; ++k) {
      uint32_t item;
      if (rng.Uniform() < params_.popularity_share) {
        item = items_.global_alias.Sample(rng);
      } else {
        item = items_.cluster_alias[scratch.mixture.Sample(rng)].Sample(rng);
      }
      batch[k] = item;
      __builtin_prefetch(&scratch.stamp[item]);
      __builtin_prefetch(&hot_[item]);
    }
    for (int k = 0; k < kBatch && static_cast<int32_t>(chosen.size()) < count; ++k) {
      const uint32_t item = batch[k];
      if (scratch.stamp[item] == tag) {
        ++misses;
        continue;
      }
      // Films released after the user's window are mostly out of reach.
      if (hot_[item].release_day > act.last_day && rng.Uniform() < 0.7) {
        ++misses;
        continue;
      }
      misses = 0;
      scratch.stamp[item] = tag;
      chosen.push_back(item);
    }
  }

  const size_t n = chosen.size();
  out.resize(n);
  constexpr size_t kAhead = 6;
  for (size_t j = 0; j < n; ++j) {
    if (j + kAhead < n) {
      __builtin_prefetch(items_.item(chosen[j + kAhead]));
      __builtin_prefetch(&hot_[chosen[j + kAhead]]);
    }
    out[j] = Rate(u, chosen[j], act, values);
  }
  std::sort(out.begin(), out.end(), [](const SampledRating& a, const SampledRating& b) {
    return a.ts != b.ts ? a.ts < b.ts : a.item < b.item;
  });
}

}  // namespace movierec::gen
