// Who rates what, when, and how much (DESIGN.md §7).
//
// Activity: every user gets at least min(20, R/U) ratings (as MovieLens), the rest split by
// lognormal weights, capped at 60% of the catalog; the total is exactly R.
// Exposure: each pick comes from global popularity (share `popularity_share`) or from a taste
// cluster drawn from the user's mixture, then an item in that cluster by popularity; both by
// alias tables, without replacement per user (a per-thread stamp array).
// Time: each user is active over a window in 1996..2024; a rating never precedes the film's
// release, and films released after the window are mostly skipped.
#pragma once

#include <cstdint>
#include <vector>

#include "gen/alias_table.h"
#include "gen/catalog.h"
#include "gen/latent_model.h"
#include "gen/rng.h"

namespace movierec::gen {

struct SampledRating {
  uint32_t item = 0;
  float value = 0;  // mu + b_u + b_i + p.q + noise, before rounding to the rating scale
  int64_t ts = 0;   // unix seconds
};

struct UserActivity {
  double weight = 1;      // relative activity
  int64_t first_day = 0;  // active window, days since 1970-01-01
  int64_t last_day = 0;
};
UserActivity ActivityOf(uint64_t seed, int64_t user);

// Ratings per user, summing to exactly `ratings`. Requires ratings <= users * movies / 2.
std::vector<int32_t> UserRatingCounts(uint64_t seed, int64_t users, int64_t movies,
                                      int64_t ratings);

class RatingSampler {
 public:
  RatingSampler(uint64_t seed, const ModelParams& params, const ItemModel& items,
                const UserModel& users, const Catalog& catalog);

  // Per-thread working memory.
  struct Scratch {
    std::vector<uint32_t> stamp;  // stamp[item] == user + 1: the user has rated it
    std::vector<double> weights;
    AliasTable mixture;
    std::vector<uint32_t> chosen;
  };
  Scratch MakeScratch() const;

  // The user's clean ratings sorted by (time, item). Leaves the items marked in scratch.
  void SampleUser(int64_t u, int32_t count, Scratch& scratch,
                  std::vector<SampledRating>& out) const;
  // Marks (u, item) as rated; false when it already was.
  bool Take(Scratch& scratch, int64_t u, uint32_t item) const {
    uint32_t tag = static_cast<uint32_t>(u + 1);
    if (scratch.stamp[item] == tag) return false;
    scratch.stamp[item] = tag;
    return true;
  }
  // A rating of `item` by `u` drawn from the model, dated in the user's window.
  SampledRating Rate(int64_t u, uint32_t item, const UserActivity& act, Rng& rng) const;
  int64_t SampleTimestamp(uint32_t item, const UserActivity& act, Rng& rng) const;

  uint64_t seed() const { return seed_; }
  int64_t movies() const { return static_cast<int64_t>(items_.cluster.size()); }
  const ModelParams& params() const { return params_; }

 private:
  uint64_t seed_;
  ModelParams params_;
  const ItemModel& items_;
  const UserModel& users_;
  struct ItemHot {  // what each draw reads about an item, in one 8-byte load
    int32_t release_day;
    float bias;
  };
  std::vector<ItemHot> hot_;
};

}  // namespace movierec::gen
