// kernels/als_explicit.h: ALS-WR normal equations against a plain reference, with and without
// biases, and the solved row against the optimality condition of the row objective.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/als_explicit.h"
#include "kernels/cholesky.h"

namespace movierec::kernels {
namespace {

struct Row {
  int k = 0;
  std::vector<float> y;  // n_items × k
  std::vector<float> item_bias;
  std::vector<int32_t> items;
  std::vector<float> ratings;
};

Row MakeRow(uint32_t seed, int k, int n_items, int n) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, 0.5f);
  Row row;
  row.k = k;
  row.y.resize(static_cast<size_t>(n_items) * k);
  for (float& v : row.y) v = dist(rng);
  for (int i = 0; i < n_items; ++i) row.item_bias.push_back(dist(rng));
  for (int j = 0; j < n; ++j) {
    row.items.push_back(static_cast<int32_t>(rng() % static_cast<uint32_t>(n_items)));
    row.ratings.push_back(0.5f * static_cast<float>(1 + rng() % 10));
  }
  return row;
}

void Reference(const Row& row, float lambda, bool biased, float mu, std::vector<double>& a,
               std::vector<double>& b) {
  const int k = row.k;
  const size_t n = row.items.size();
  a.assign(static_cast<size_t>(k) * k, 0.0);
  b.assign(k, 0.0);
  for (size_t j = 0; j < n; ++j) {
    const float* yi = &row.y[static_cast<size_t>(row.items[j]) * k];
    const double t =
        biased ? double(row.ratings[j]) - mu - row.item_bias[row.items[j]] : double(row.ratings[j]);
    for (int r = 0; r < k; ++r) {
      for (int c = 0; c < k; ++c) a[r * k + c] += double(yi[r]) * yi[c];
      b[r] += t * yi[r];
    }
  }
  for (int r = 0; r < k; ++r) a[r * k + r] += double(lambda) * static_cast<double>(n);
}

TEST(KernelsAlsExplicit, MatchesReferenceWithoutBiases) {
  const Row row = MakeRow(1, 10, 40, 23);
  const int k = row.k;
  std::vector<double> a_ref, b_ref;
  Reference(row, 0.05f, false, 0.f, a_ref, b_ref);
  std::vector<double> a(k * k, -5.0), b(k);
  std::vector<float> af(k * k, -5.f), bf(k);
  const int64_t n = static_cast<int64_t>(row.items.size());
  BuildExplicitNormalEquations(row.y.data(), row.items.data(), row.ratings.data(), n, k, 0.05f,
                               a.data(), b.data());
  BuildExplicitNormalEquations(row.y.data(), row.items.data(), row.ratings.data(), n, k, 0.05f,
                               af.data(), bf.data());
  for (int r = 0; r < k; ++r) {
    EXPECT_NEAR(b[r], b_ref[r], 1e-9);
    EXPECT_NEAR(bf[r], b_ref[r], 1e-4);
    for (int c = 0; c < k; ++c) {
      if (c <= r) {
        EXPECT_NEAR(a[r * k + c], a_ref[r * k + c], 1e-9);
        EXPECT_NEAR(af[r * k + c], a_ref[r * k + c], 1e-4);
      } else {
        EXPECT_EQ(a[r * k + c], -5.0);
        EXPECT_EQ(af[r * k + c], -5.f);
      }
    }
  }
}

TEST(KernelsAlsExplicit, MatchesReferenceWithBiases) {
  const Row row = MakeRow(2, 7, 30, 15);
  const int k = row.k;
  const float mu = 3.4f;
  std::vector<double> a_ref, b_ref;
  Reference(row, 0.1f, true, mu, a_ref, b_ref);
  std::vector<double> a(k * k), b(k);
  BuildExplicitNormalEquations(row.y.data(), row.items.data(), row.ratings.data(),
                               static_cast<int64_t>(row.items.size()), k, 0.1f,
                               row.item_bias.data(), mu, a.data(), b.data());
  for (int r = 0; r < k; ++r) {
    EXPECT_NEAR(b[r], b_ref[r], 1e-6);
    for (int c = 0; c <= r; ++c) EXPECT_NEAR(a[r * k + c], a_ref[r * k + c], 1e-9);
  }
}

TEST(KernelsAlsExplicit, WeightedLambdaScalesWithTheRatingCount) {
  // One item y = (1, 2), rated 4 twice: A = 2 y yᵀ + λ·2·I, b = 2·4·y.
  const std::vector<float> y = {1.f, 2.f};
  const std::vector<int32_t> items = {0, 0};
  const std::vector<float> ratings = {4.f, 4.f};
  double a[4] = {0, 0, 0, 0}, b[2];
  BuildExplicitNormalEquations(y.data(), items.data(), ratings.data(), 2, 2, 0.5f, a, b);
  EXPECT_DOUBLE_EQ(a[0], 2.0 * 1 + 0.5 * 2);
  EXPECT_DOUBLE_EQ(a[2], 2.0 * 2);
  EXPECT_DOUBLE_EQ(a[3], 2.0 * 4 + 0.5 * 2);
  EXPECT_DOUBLE_EQ(b[0], 8.0);
  EXPECT_DOUBLE_EQ(b[1], 16.0);
}

TEST(KernelsAlsExplicit, SolutionZeroesTheGradientOfTheRowObjective) {
  const Row row = MakeRow(3, 12, 60, 40);
  const int k = row.k;
  const float lambda = 0.08f, mu = 3.1f;
  const int64_t n = static_cast<int64_t>(row.items.size());
  std::vector<float> a(k * k), x(k);
  BuildExplicitNormalEquations(row.y.data(), row.items.data(), row.ratings.data(), n, k, lambda,
                               row.item_bias.data(), mu, a.data(), x.data());
  ASSERT_TRUE(CholeskyFactorSolve(a.data(), k, x.data()));
  // ∇ = -2 Σ (t - x·y) y + 2 λ n x.
  std::vector<double> grad(k, 0.0);
  double scale = 0.0;
  for (int64_t j = 0; j < n; ++j) {
    const float* yi = &row.y[static_cast<size_t>(row.items[j]) * k];
    const double t = double(row.ratings[j]) - mu - row.item_bias[row.items[j]];
    double pred = 0.0;
    for (int c = 0; c < k; ++c) pred += double(x[c]) * yi[c];
    for (int c = 0; c < k; ++c) grad[c] += -2.0 * (t - pred) * yi[c];
    scale += std::fabs(t);
  }
  for (int c = 0; c < k; ++c) {
    grad[c] += 2.0 * lambda * static_cast<double>(n) * x[c];
    EXPECT_NEAR(grad[c] / scale, 0.0, 1e-5) << c;
  }
}

TEST(KernelsAlsExplicit, EmptyRowIsNotPositiveDefinite) {
  std::vector<float> a(9, 1.f), b(3, 1.f);
  const float y[3] = {1.f, 1.f, 1.f};
  BuildExplicitNormalEquations(y, static_cast<const int32_t*>(nullptr), nullptr, 0, 3, 0.1f,
                               a.data(), b.data());
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(b[r], 0.f);
    for (int c = 0; c <= r; ++c) EXPECT_EQ(a[r * 3 + c], 0.f);
  }
  EXPECT_FALSE(CholeskyFactor(a.data(), 3));
}

}  // namespace
}  // namespace movierec::kernels
