// Every algorithm's score as a dot product of a user vector and an item vector, so that factor
// models, content, popularity and hybrid blends all go through the one blocked-GEMM top-N path
// (host/topn.h): ScoringProblem{sv.user.data(), sv.users, sv.item.data(), sv.items, sv.dim}.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/model.h"
#include "common/model_params.h"

namespace movierec {

// Row-major vectors: user is users x dim, item is items x dim. Row u / i line up with the rows /
// columns of the training matrix (and the model's user_ids / item_ids).
struct ScoringVectors {
  int dim = 0;
  int64_t users = 0;
  int64_t items = 0;
  std::vector<float> user;
  std::vector<float> item;

  const float* UserRow(int64_t u) const { return user.data() + u * dim; }
  const float* ItemRow(int64_t i) const { return item.data() + i * dim; }
  // The score the top-N path ranks by: dot(user row u, item row i), accumulated in double.
  double Score(int64_t u, int64_t i) const;
};

// A factor model's prediction mu + b_u + b_i + x_u . y_i reduced to the part that ranks a
// user's items: mu and b_u are the same for every item of a user and are dropped, b_i is kept.
// With item biases: item vector [y_i, b_i], user vector [x_u, 1], dim = factors + 1, so
// Score(u, i) = Predict(u, i) - mu - b_u. Without item biases (implicit models): [y_i] and
// [x_u], dim = factors.
ScoringVectors FactorScoringVectors(const FactorModel& model);

// The hybrid's per-user blend weights (see HybridScoringVectors).
struct HybridWeights {
  double collaborative = 0;
  double content = 0;
  double popularity = 0;
};

// The weights for a user with `rating_count` training ratings. With n = rating_count,
// cold = params.cold_start_ratings, warm = params.warm_ratings,
// (w_c, w_t, w_p) = (collaborative_weight, content_weight, popularity_weight):
//   ramp(n) = 0                            n < cold
//           = (n - cold) / (warm - cold)   cold <= n < warm
//           = 1                            n >= warm     (warm <= cold: 0 below cold, else 1)
//   a_c = ramp(n) * w_c
//   a_t = (w_c + w_t + w_p - a_c) * w_t / (w_t + w_p)
//   a_p = (w_c + w_t + w_p - a_c) * w_p / (w_t + w_p)      (a_t = a_p = 0 when w_t + w_p = 0)
// so the weights always sum to w_c + w_t + w_p, a cold user's collaborative weight is 0 and
// its content and popularity weights are renormalised to the whole sum, and a warm user gets
// the configured weights exactly.
HybridWeights HybridUserWeights(int64_t rating_count, const HybridParams& params);

// How many sampled users and items per user ScoreSpread draws.
inline constexpr int kSpreadSampleUsers = 512;
inline constexpr int kSpreadSampleItems = 64;

// The typical within-user spread of a component's scores: the pooled standard deviation
//   sqrt( sum_u sum_k (s(u, i_uk) - mean_u)^2 / sum_u (K - 1) )
// over kSpreadSampleUsers users drawn (with replacement) from those whose user vector is not
// all zero, kSpreadSampleItems items each, drawn uniformly; the draws come from `seed` alone
// (splitmix64), so the result is reproducible. Scores are centred per user because only the
// spread of one user's scores moves that user's ranking (a per-user offset never does).
// 0 when no user has a non-zero vector, or there are fewer than two items.
double ScoreSpread(const ScoringVectors& v, uint64_t seed);

// The scale that brings a component's ScoreSpread to 1: 1 / ScoreSpread, or 1 when the
// spread is 0 (a component that cannot move a ranking needs no scale).
double SpreadScale(const ScoringVectors& v, uint64_t seed);

// The hybrid model as one pair of vectors, the concatenation
//   user u: [ a_c(u) s_c x_u,  a_t(u) s_t p_u,  a_p(u) s_p q_u ]
//   item i: [ y_i,             t_i,             pop_i          ]
// so that
//   Score(u, i) = a_c(u) s_c <x_u, y_i> + a_t(u) s_t <p_u, t_i> + a_p(u) s_p <q_u, pop_i>
// where (x, y) = collaborative, (p, t) = content, (q, pop) = popularity vectors (q_u = [1] for
// PopularityScoringVectors), a_*(u) = HybridUserWeights(user_rating_counts[u], params), and
// s_* = SpreadScale(component, seed) computed once per component, so each component's
// within-user score spread is 1 before weighting and the weights mean what they say.
// dim = collaborative.dim + content.dim + popularity.dim. The three must agree on users and
// items, and user_rating_counts has one count per user; otherwise throws movierec::Error.
ScoringVectors HybridScoringVectors(const ScoringVectors& collaborative,
                                    const ScoringVectors& content, const ScoringVectors& popularity,
                                    std::span<const int64_t> user_rating_counts,
                                    const HybridParams& params, uint64_t seed = 42);

// Training ratings per user (row lengths of a CSR indptr): HybridScoringVectors' counts.
std::vector<int64_t> RowCounts(const std::vector<int64_t>& indptr);

}  // namespace movierec
