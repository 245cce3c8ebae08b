// kernels/vec.h: the lane reductions and level-1/2 primitives against plain loops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "kernels/vec.h"

namespace movierec::kernels {
namespace {

std::vector<float> RandomVector(std::mt19937& rng, int n) {
  std::normal_distribution<float> dist(0.f, 1.f);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = dist(rng);
  return v;
}

double NaiveDot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0.0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

TEST(KernelsVec, DotMatchesPlainSumForEveryTailLength) {
  std::mt19937 rng(1);
  for (int n = 0; n <= 41; ++n) {
    const auto a = RandomVector(rng, n);
    const auto b = RandomVector(rng, n);
    const double ref = NaiveDot(a, b);
    EXPECT_NEAR(Dot(a.data(), b.data(), n), ref, 1e-5 * (1.0 + std::sqrt(n))) << "n=" << n;
    EXPECT_NEAR(DotDouble(a.data(), b.data(), n), ref, 1e-12 * (1.0 + n)) << "n=" << n;
  }
}

TEST(KernelsVec, DotIsExactOnSmallIntegers) {
  std::vector<float> a, b;
  double ref = 0.0;
  for (int i = 0; i < 37; ++i) {
    a.push_back(static_cast<float>(i % 5 - 2));
    b.push_back(static_cast<float>(i % 7 - 3));
    ref += a.back() * b.back();
  }
  EXPECT_EQ(Dot(a.data(), b.data(), 37), static_cast<float>(ref));
  EXPECT_EQ(DotDouble(a.data(), b.data(), 37), ref);
  std::vector<double> ad(a.begin(), a.end()), bd(b.begin(), b.end());
  EXPECT_EQ(DotDouble(ad.data(), bd.data(), 37), ref);
}

TEST(KernelsVec, AxpyXpbyMatVec) {
  std::mt19937 rng(2);
  const int n = 19;
  const auto x = RandomVector(rng, n);
  auto y = RandomVector(rng, n);
  const auto y0 = y;
  Axpy(0.5f, x.data(), y.data(), n);
  for (int i = 0; i < n; ++i) EXPECT_FLOAT_EQ(y[i], y0[i] + 0.5f * x[i]);

  auto p = RandomVector(rng, n);
  const auto p0 = p;
  Xpby(x.data(), -2.f, p.data(), n);
  for (int i = 0; i < n; ++i) EXPECT_FLOAT_EQ(p[i], x[i] - 2.f * p0[i]);

  const auto a = RandomVector(rng, n * n);
  std::vector<float> out(n);
  MatVec(a.data(), x.data(), out.data(), n);
  for (int r = 0; r < n; ++r) {
    double ref = 0.0;
    for (int c = 0; c < n; ++c) ref += static_cast<double>(a[r * n + c]) * x[c];
    EXPECT_NEAR(out[r], ref, 1e-4);
  }
}

TEST(KernelsVec, MirrorLowerToUpper) {
  const int n = 5;
  std::vector<double> a(n * n, -1.0);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c <= r; ++c) a[r * n + c] = 10.0 * r + c;
  }
  MirrorLowerToUpper(a.data(), n);
  for (int r = 0; r < n; ++r) {
    for (int c = 0; c < n; ++c) {
      EXPECT_EQ(a[r * n + c], r >= c ? 10.0 * r + c : 10.0 * c + r);
    }
  }
}

}  // namespace
}  // namespace movierec::kernels
