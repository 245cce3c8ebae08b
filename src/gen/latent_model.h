// The ground-truth model behind every rating (DESIGN.md §7):
//
//   r(u, i) = clamp(round(mu + b_u + b_i + p_u . q_i + eps), scale),   eps ~ N(0, noise_std^2)
//
// Items belong to taste clusters: q_i = a * c_k + b * n_i for cluster centre c_k. A user's
// exposure (which films they rate) follows a mixture over clusters with weights
// prior_k * exp(beta * p_u . (a c_k)), blended with global popularity, so what a user rates
// depends on their taste, and the ratings they give come from the same factors. Genres are
// drawn from each cluster's genre profile, so genres line up with the factors too.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "gen/alias_table.h"
#include "gen/word_lists.h"

namespace movierec::gen {

struct ModelParams {
  int rank = 16;
  int clusters = 32;
  double global_mean = 3.0;  // observed mean is ~0.5 higher: users rate what suits them
  double noise_std = 0.5;
  double user_factor_sd = 0.75;  // per dimension
  double center_weight = 0.85;   // a in q = a c_k + b n_i (|c_k| ~ 1)
  double item_noise_weight = 0.55;
  double user_bias_sd = 0.3;
  double item_bias_sd = 0.3;
  double popularity_bias = 0.08;  // popular items are rated a little higher
  double affinity_beta = 3.0;     // how strongly taste steers exposure
  double popularity_share = 0.2;  // share of picks from global popularity alone
  double zipf_exponent = 0.95;
};

// Picks the number of clusters for a catalog: about two per factor, at least ~10 items each.
ModelParams DefaultParams(int rank, int64_t movies);

struct ItemModel {
  int rank = 0;
  int clusters = 0;
  std::vector<float> factors;             // movies x rank
  std::vector<float> bias;                // movies
  std::vector<uint16_t> cluster;          // movies
  std::vector<double> popularity;         // movies; unnormalised Zipf weights
  std::vector<uint32_t> popularity_rank;  // movies; 0 = most popular
  std::vector<float> centers;             // clusters x rank (already scaled by center_weight)
  std::vector<double> cluster_prior;      // clusters
  // Genre profile per cluster (clusters x kGenreCount weights) and each item's genre mask.
  std::vector<double> genre_profile;
  std::vector<uint32_t> genres;  // movies; bit g = words::kGenres[g]

  // Exposure samplers.
  AliasTable global_alias;                           // over all items, by popularity
  std::vector<AliasTable> cluster_alias;             // per cluster: samples item indices
  std::vector<std::vector<uint32_t>> cluster_items;  // per cluster: item indices

  const float* item(int64_t i) const { return factors.data() + i * rank; }
};

struct UserModel {
  int rank = 0;
  std::vector<float> factors;  // users x rank
  std::vector<float> bias;     // users
  const float* user(int64_t u) const { return factors.data() + u * rank; }
};

ItemModel BuildItemModel(uint64_t seed, int64_t movies, const ModelParams& params);
// Parallel over users; the result does not depend on `threads`.
UserModel BuildUserModel(uint64_t seed, int64_t users, const ModelParams& params, int threads);

// p . q in float with four partial sums (a fixed order, so results never depend on threads).
inline float Dot(const float* p, const float* q, int rank) {
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  int k = 0;
  for (; k + 4 <= rank; k += 4) {
    s0 += p[k] * q[k];
    s1 += p[k + 1] * q[k + 1];
    s2 += p[k + 2] * q[k + 2];
    s3 += p[k + 3] * q[k + 3];
  }
  for (; k < rank; ++k) s0 += p[k] * q[k];
  return (s0 + s1) + (s2 + s3);
}

inline double PredictFrom(double mu, float bu, float bi, const float* p, const float* q, int rank) {
  return mu + static_cast<double>(bu) + static_cast<double>(bi) +
         static_cast<double>(Dot(p, q, rank));
}

// The noiseless prediction mu + b_u + b_i + p_u . q_i.
inline double Predict(const ModelParams& params, const UserModel& um, const ItemModel& im,
                      int64_t u, int64_t i) {
  return PredictFrom(params.global_mean, um.bias[u], im.bias[i], um.user(u), im.item(i), im.rank);
}

// A user's exposure weights over clusters (written into `weights`, size clusters).
void UserClusterWeights(const ModelParams& params, const UserModel& um, const ItemModel& im,
                        int64_t u, std::span<double> weights);

// Runs fn(begin, end) over [0, n) in contiguous chunks on up to `threads` threads.
template <class Fn>
void ParallelFor(int64_t n, int threads, Fn fn);

}  // namespace movierec::gen

#include <algorithm>
#include <thread>

namespace movierec::gen {
template <class Fn>
void ParallelFor(int64_t n, int threads, Fn fn) {
  int t = static_cast<int>(std::clamp<int64_t>(std::min<int64_t>(threads, n / 1024 + 1), 1, 256));
  if (t <= 1) {
    fn(int64_t{0}, n);
    return;
  }
  std::vector<std::thread> pool;
  int64_t chunk = (n + t - 1) / t;
  for (int i = 0; i < t; ++i) {
    int64_t b = i * chunk, e = std::min(n, b + chunk);
    if (b >= e) break;
    pool.emplace_back([&fn, b, e] { fn(b, e); });
  }
  for (auto& th : pool) th.join();
}
}  // namespace movierec::gen
