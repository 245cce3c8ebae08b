#include "gen/latent_model.h"

#include <cmath>
#include <numeric>

#include "gen/rng.h"

namespace movierec::gen {

namespace {

// Rough share of TMDB films carrying each genre (same order as words::kGenres).
constexpr double kGenreFrequency[words::kGenreCount] = {0.40, 0.25, 0.12, 0.70, 0.25, 0.12, 1.00,
                                                        0.18, 0.18, 0.08, 0.25, 0.08, 0.15, 0.35,
                                                        0.20, 0.05, 0.45, 0.06, 0.05};

}  // namespace

ModelParams DefaultParams(int rank, int64_t movies) {
  ModelParams p;
  p.rank = rank;
  int64_t c = std::min<int64_t>(std::max(4, 2 * rank), 64);
  c = std::min<int64_t>(c, std::max<int64_t>(1, movies / 10));
  p.clusters = static_cast<int>(c);
  return p;
}

ItemModel BuildItemModel(uint64_t seed, int64_t movies, const ModelParams& params) {
  const int K = params.rank;
  const int C = params.clusters;
  ItemModel m;
  m.rank = K;
  m.clusters = C;

  // Cluster centres, priors and genre profiles.
  Rng crng(seed, Stream::kClusterModel, 0);
  const double center_sd = 1.0 / std::sqrt(static_cast<double>(K));
  m.centers.resize(static_cast<size_t>(C) * K);
  for (auto& v : m.centers)
    v = static_cast<float>(params.center_weight * center_sd * crng.Normal());
  m.cluster_prior.resize(C);
  for (auto& w : m.cluster_prior) w = crng.LogNormal(0.0, 0.6);
  m.genre_profile.assign(static_cast<size_t>(C) * words::kGenreCount, 0.0);
  std::vector<double> freq(kGenreFrequency, kGenreFrequency + words::kGenreCount);
  for (int c = 0; c < C; ++c) {
    double* prof = &m.genre_profile[static_cast<size_t>(c) * words::kGenreCount];
    for (int g = 0; g < words::kGenreCount; ++g) prof[g] = 0.15 * kGenreFrequency[g];
    size_t core1 = crng.Weighted(freq);
    size_t core2 = crng.Weighted(freq);
    prof[core1] += 3.0;
    prof[core2] += 1.5;
    // Companion genres that travel together on TMDB.
    if (core1 == 2 || core2 == 2) prof[7] += 1.2;    // Animation -> Family
    if (core1 == 13 || core2 == 13) prof[6] += 0.8;  // Romance -> Drama
    if (core1 == 0 || core2 == 0) prof[16] += 0.8;   // Action -> Thriller
  }

  // Items: cluster, factors, popularity, bias, genres.
  m.factors.resize(static_cast<size_t>(movies) * K);
  m.bias.resize(movies);
  m.cluster.resize(movies);
  m.popularity.resize(movies);
  m.genres.resize(movies);
  AliasTable prior_alias(m.cluster_prior);

  // Popularity ranks: a random permutation, so popularity is independent of id order.
  std::vector<uint32_t> order(movies);
  std::iota(order.begin(), order.end(), 0u);
  Rng prng(seed, Stream::kItemModel, ~uint64_t{0});
  for (int64_t i = movies - 1; i > 0; --i) {
    std::swap(order[i], order[prng.Below(static_cast<uint64_t>(i) + 1)]);
  }
  m.popularity_rank.resize(movies);
  for (int64_t r = 0; r < movies; ++r) m.popularity_rank[order[r]] = static_cast<uint32_t>(r);

  const double noise_sd = params.item_noise_weight / std::sqrt(static_cast<double>(K));
  double mean_log_pop = 0;
  for (int64_t i = 0; i < movies; ++i) {
    m.popularity[i] =
        1.0 / std::pow(static_cast<double>(m.popularity_rank[i]) + 3.0, params.zipf_exponent);
    mean_log_pop += std::log(m.popularity[i]);
  }
  mean_log_pop /= static_cast<double>(movies);

  for (int64_t i = 0; i < movies; ++i) {
    Rng rng(seed, Stream::kItemModel, static_cast<uint64_t>(i));
    uint32_t c = prior_alias.Sample(rng);
    m.cluster[i] = static_cast<uint16_t>(c);
    float* q = &m.factors[static_cast<size_t>(i) * K];
    const float* ctr = &m.centers[static_cast<size_t>(c) * K];
    for (int k = 0; k < K; ++k) q[k] = static_cast<float>(ctr[k] + noise_sd * rng.Normal());
    double z_pop = (std::log(m.popularity[i]) - mean_log_pop) / 1.5;
    m.bias[i] = static_cast<float>(params.item_bias_sd * rng.Normal() +
                                   params.popularity_bias * std::clamp(z_pop, -2.0, 2.0));
    // Genres: 0 (rare) to 4, drawn without replacement from the cluster's profile.
    double u = rng.Uniform();
    int n = u < 0.03 ? 0 : u < 0.38 ? 1 : u < 0.78 ? 2 : u < 0.96 ? 3 : 4;
    std::vector<double> prof(&m.genre_profile[static_cast<size_t>(c) * words::kGenreCount],
                             &m.genre_profile[static_cast<size_t>(c + 1) * words::kGenreCount]);
    uint32_t mask = 0;
    for (int j = 0; j < n; ++j) {
      size_t g = rng.Weighted(prof);
      mask |= 1u << g;
      prof[g] = 0;
    }
    m.genres[i] = mask;
  }

  // Exposure samplers.
  m.global_alias.Build(m.popularity);
  m.cluster_items.assign(C, {});
  for (int64_t i = 0; i < movies; ++i)
    m.cluster_items[m.cluster[i]].push_back(static_cast<uint32_t>(i));
  m.cluster_alias.resize(C);
  std::vector<double> w;
  for (int c = 0; c < C; ++c) {
    if (m.cluster_items[c].empty()) continue;
    w.clear();
    for (uint32_t i : m.cluster_items[c]) w.push_back(m.popularity[i]);
    m.cluster_alias[c].Build(w, m.cluster_items[c]);
  }
  return m;
}

UserModel BuildUserModel(uint64_t seed, int64_t users, const ModelParams& params, int threads) {
  UserModel um;
  const int K = params.rank;
  um.rank = K;
  um.factors.resize(static_cast<size_t>(users) * K);
  um.bias.resize(users);
  ParallelFor(users, threads, [&](int64_t begin, int64_t end) {
    for (int64_t u = begin; u < end; ++u) {
      Rng rng(seed, Stream::kUserModel, static_cast<uint64_t>(u));
      float* p = &um.factors[static_cast<size_t>(u) * K];
      for (int k = 0; k < K; ++k) p[k] = static_cast<float>(params.user_factor_sd * rng.Normal());
      um.bias[u] = static_cast<float>(params.user_bias_sd * rng.Normal());
    }
  });
  return um;
}

void UserClusterWeights(const ModelParams& params, const UserModel& um, const ItemModel& im,
                        int64_t u, std::span<double> weights) {
  const float* p = um.user(u);
  for (int c = 0; c < im.clusters; ++c) {
    if (im.cluster_items[c].empty()) {
      weights[c] = 0;
      continue;
    }
    const float* ctr = &im.centers[static_cast<size_t>(c) * im.rank];
    double a = 0;
    for (int k = 0; k < im.rank; ++k) a += static_cast<double>(p[k]) * ctr[k];
    weights[c] = im.cluster_prior[c] * std::exp(params.affinity_beta * a);
  }
}

}  // namespace movierec::gen
