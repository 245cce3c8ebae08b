// kernels/losses.h: per-row loss pieces against brute-force sums over every item.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/als_explicit.h"
#include "kernels/cholesky.h"
#include "kernels/losses.h"

namespace movierec::kernels {
namespace {

std::vector<float> RandomVector(std::mt19937& rng, size_t n, float sd) {
  std::normal_distribution<float> dist(0.f, sd);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

TEST(KernelsLosses, Norms) {
  const float x[3] = {1.f, -2.f, 0.5f};
  EXPECT_DOUBLE_EQ(SquaredNorm(x, 3), 5.25);
  EXPECT_DOUBLE_EQ(WeightedSquaredNorm(x, 3, 4), 21.0);
  EXPECT_DOUBLE_EQ(SquaredNorm(x, 0), 0.0);
}

TEST(KernelsLosses, ImplicitRowLossEqualsTheSumOverAllItems) {
  std::mt19937 rng(1);
  const int k = 8, n_items = 50;
  const auto y = RandomVector(rng, static_cast<size_t>(n_items) * k, 0.4f);
  const auto x = RandomVector(rng, k, 0.4f);
  std::vector<float> yty(k * k, 0.f);  // YᵀY without λ
  for (int r = 0; r < k; ++r) {
    for (int c = 0; c < k; ++c) {
      double s = 0.0;
      for (int i = 0; i < n_items; ++i) s += double(y[i * k + r]) * y[i * k + c];
      yty[r * k + c] = static_cast<float>(s);
    }
  }
  const std::vector<int32_t> items = {2, 7, 8, 30, 49};
  const std::vector<float> conf = {2.f, 41.f, 1.f, 5.5f, 11.f};
  std::vector<double> c_all(n_items, 1.0), p_all(n_items, 0.0);
  for (size_t j = 0; j < items.size(); ++j) {
    c_all[items[j]] = conf[j];
    p_all[items[j]] = 1.0;
  }
  double ref = 0.0;
  for (int i = 0; i < n_items; ++i) {
    double d = 0.0;
    for (int f = 0; f < k; ++f) d += double(x[f]) * y[i * k + f];
    ref += c_all[i] * (p_all[i] - d) * (p_all[i] - d);
  }
  const double got = ImplicitRowLoss(yty.data(), y.data(), items.data(), conf.data(),
                                     static_cast<int64_t>(items.size()), k, x.data());
  EXPECT_NEAR(got, ref, 1e-5 * ref);
}

TEST(KernelsLosses, ExplicitRowSquaredError) {
  std::mt19937 rng(2);
  const int k = 5, n_items = 20;
  const auto y = RandomVector(rng, static_cast<size_t>(n_items) * k, 0.5f);
  const auto bias = RandomVector(rng, n_items, 0.3f);
  const auto x = RandomVector(rng, k, 0.5f);
  const std::vector<int32_t> items = {0, 4, 4, 19};
  const std::vector<float> ratings = {1.f, 3.5f, 5.f, 2.f};
  const float mu = 3.2f;
  double plain = 0.0, biased = 0.0;
  for (size_t j = 0; j < items.size(); ++j) {
    double d = 0.0;
    for (int f = 0; f < k; ++f) d += double(x[f]) * y[items[j] * k + f];
    plain += (ratings[j] - d) * (ratings[j] - d);
    const double t = double(ratings[j]) - mu - bias[items[j]];
    biased += (t - d) * (t - d);
  }
  const int64_t n = static_cast<int64_t>(items.size());
  EXPECT_NEAR(
      ExplicitRowSquaredError(x.data(), y.data(), items.data(), ratings.data(), n, k, nullptr, mu),
      plain, 1e-9);
  EXPECT_NEAR(ExplicitRowSquaredError(x.data(), y.data(), items.data(), ratings.data(), n, k,
                                      bias.data(), mu),
              biased, 1e-9);
  EXPECT_EQ(
      ExplicitRowSquaredError(x.data(), y.data(), items.data(), ratings.data(), 0, k, nullptr, mu),
      0.0);
}

TEST(KernelsLosses, AlsWrSolutionMinimisesTheRowObjective) {
  std::mt19937 rng(3);
  const int k = 6, n_items = 40;
  const float lambda = 0.1f;
  const auto y = RandomVector(rng, static_cast<size_t>(n_items) * k, 0.5f);
  std::vector<int32_t> items;
  std::vector<float> ratings;
  for (int j = 0; j < 25; ++j) {
    items.push_back(static_cast<int32_t>(rng() % n_items));
    ratings.push_back(static_cast<float>(1 + rng() % 5));
  }
  const int64_t n = static_cast<int64_t>(items.size());
  std::vector<double> a(k * k), xd(k);
  BuildExplicitNormalEquations(y.data(), items.data(), ratings.data(), n, k, lambda, a.data(),
                               xd.data());
  ASSERT_TRUE(CholeskyFactorSolve(a.data(), k, xd.data()));
  auto objective = [&](const std::vector<float>& x) {
    return ExplicitRowSquaredError(x.data(), y.data(), items.data(), ratings.data(), n, k, nullptr,
                                   0.f) +
           lambda * WeightedSquaredNorm(x.data(), k, n);
  };
  const std::vector<float> x(xd.begin(), xd.end());
  const double best = objective(x);
  for (int t = 0; t < 20; ++t) {
    std::vector<float> moved = x;
    moved[t % k] += (t % 2 ? 0.05f : -0.05f);
    EXPECT_GT(objective(moved), best);
  }
}

}  // namespace
}  // namespace movierec::kernels
