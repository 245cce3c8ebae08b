// kernels/cholesky.h: a known factorisation, random SPD solves checked by their residual,
// lower-triangle-only access, and clean failure on matrices that are not positive definite.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/cholesky.h"

namespace movierec::kernels {
namespace {

// A = M Mᵀ / cols + ridge I, full storage, double: SPD with a condition number set by ridge.
std::vector<double> RandomSpd(std::mt19937& rng, int k, double ridge) {
  std::normal_distribution<double> dist(0.0, 1.0);
  const int cols = 2 * k;
  std::vector<double> m(static_cast<size_t>(k) * cols);
  for (double& v : m) v = dist(rng);
  std::vector<double> a(static_cast<size_t>(k) * k);
  for (int r = 0; r < k; ++r) {
    for (int c = 0; c < k; ++c) {
      double s = 0.0;
      for (int p = 0; p < cols; ++p) s += m[r * cols + p] * m[c * cols + p];
      a[r * k + c] = s / cols + (r == c ? ridge : 0.0);
    }
  }
  return a;
}

// max |A x - b| / max |b|, in double, from the full matrix.
template <typename T>
double RelativeResidual(const std::vector<double>& a, const std::vector<T>& x,
                        const std::vector<double>& b, int k) {
  double worst = 0.0, scale = 0.0;
  for (int r = 0; r < k; ++r) {
    double s = 0.0;
    for (int c = 0; c < k; ++c) s += a[r * k + c] * static_cast<double>(x[c]);
    worst = std::max(worst, std::fabs(s - b[r]));
    scale = std::max(scale, std::fabs(b[r]));
  }
  return worst / scale;
}

template <typename T>
class KernelsCholeskyTyped : public ::testing::Test {};
using Types = ::testing::Types<float, double>;
TYPED_TEST_SUITE(KernelsCholeskyTyped, Types);

TYPED_TEST(KernelsCholeskyTyped, KnownMatrix) {
  using T = TypeParam;
  // A = L Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]]; x = (1,2,3) gives b = (-20,-43,192).
  std::vector<T> a = {4, 12, -16, 12, 37, -43, -16, -43, 98};
  std::vector<T> b = {-20, -43, 192};
  ASSERT_TRUE(CholeskyFactorSolve(a.data(), 3, b.data()));
  const T l[9] = {2, 0, 0, 6, 1, 0, -8, 5, 3};
  for (int r = 0; r < 3; ++r) {
    for (int c = 0; c <= r; ++c) EXPECT_NEAR(a[r * 3 + c], l[r * 3 + c], 1e-6);
  }
  EXPECT_NEAR(b[0], 1, 1e-5);
  EXPECT_NEAR(b[1], 2, 1e-5);
  EXPECT_NEAR(b[2], 3, 1e-5);
}

TYPED_TEST(KernelsCholeskyTyped, ReadsAndWritesOnlyTheLowerTriangle) {
  using T = TypeParam;
  std::mt19937 rng(3);
  const int k = 9;
  const auto full = RandomSpd(rng, k, 0.5);
  std::vector<T> a(full.size());
  const T sentinel = std::numeric_limits<T>::quiet_NaN();
  for (int r = 0; r < k; ++r) {
    for (int c = 0; c < k; ++c) a[r * k + c] = c <= r ? static_cast<T>(full[r * k + c]) : sentinel;
  }
  std::vector<double> b(k);
  for (int i = 0; i < k; ++i) b[i] = i - 4.0;
  std::vector<T> x(b.begin(), b.end());
  ASSERT_TRUE(CholeskyFactorSolve(a.data(), k, x.data()));
  for (int r = 0; r < k; ++r) {
    for (int c = r + 1; c < k; ++c) EXPECT_TRUE(std::isnan(a[r * k + c]));
  }
  EXPECT_LT(RelativeResidual(full, x, b, k), 1e-5);
}

TYPED_TEST(KernelsCholeskyTyped, RandomSpdResidual) {
  using T = TypeParam;
  const double tol = sizeof(T) == 4 ? 1e-4 : 1e-10;
  std::mt19937 rng(4);
  for (int k : {1, 2, 7, 8, 33, 64, 128, 256}) {
    for (int trial = 0; trial < (k <= 64 ? 5 : 1); ++trial) {
      const auto full = RandomSpd(rng, k, 0.05);
      std::vector<T> a(full.begin(), full.end());
      std::normal_distribution<double> dist(0.0, 1.0);
      std::vector<double> b(k);
      for (double& v : b) v = dist(rng);
      std::vector<T> x(b.begin(), b.end());
      ASSERT_TRUE(CholeskyFactorSolve(a.data(), k, x.data())) << "k=" << k;
      EXPECT_LT(RelativeResidual(full, x, b, k), k <= 64 ? tol : 10 * tol) << "k=" << k;
    }
  }
}

TYPED_TEST(KernelsCholeskyTyped, SolveReusesTheFactor) {
  using T = TypeParam;
  std::mt19937 rng(5);
  const int k = 16;
  const auto full = RandomSpd(rng, k, 0.1);
  std::vector<T> l(full.begin(), full.end());
  ASSERT_TRUE(CholeskyFactor(l.data(), k));
  for (int rhs = 0; rhs < 3; ++rhs) {
    std::vector<double> b(k);
    for (int i = 0; i < k; ++i) b[i] = std::sin(1.0 + i * (rhs + 1));
    std::vector<T> x(b.begin(), b.end());
    CholeskySolve(l.data(), k, x.data());
    EXPECT_LT(RelativeResidual(full, x, b, k), sizeof(T) == 4 ? 1e-5 : 1e-12);
  }
}

TYPED_TEST(KernelsCholeskyTyped, RejectsMatricesThatAreNotPositiveDefinite) {
  using T = TypeParam;
  const T nan = std::numeric_limits<T>::quiet_NaN();
  const T inf = std::numeric_limits<T>::infinity();
  const std::vector<std::vector<T>> bad = {
      {1, 2, 2, 1},     // indefinite: second pivot 1 - 4 < 0
      {1, 1, 1, 1},     // singular: second pivot exactly 0
      {0, 0, 0, 0},     // zero
      {-1, 0, 0, 1},    // negative first pivot
      {nan, 0, 0, 1},   // NaN
      {1, 0, nan, 1},   // NaN off the diagonal reaches the second pivot
      {inf, 0, 0, 1}};  // infinite pivot
  for (size_t t = 0; t < bad.size(); ++t) {
    std::vector<T> a = bad[t];
    std::vector<T> b = {1, 1};
    EXPECT_FALSE(CholeskyFactorSolve(a.data(), 2, b.data())) << "case " << t;
    EXPECT_EQ(b[0], T(1));  // b untouched on failure
    EXPECT_EQ(b[1], T(1));
  }
}

TEST(KernelsCholesky, EmptyMatrixIsTrivial) {
  float a = 0.f, b = 0.f;
  EXPECT_TRUE(CholeskyFactorSolve(&a, 0, &b));
}

TEST(KernelsCholesky, FloatAgreesWithDouble) {
  std::mt19937 rng(6);
  const int k = 64;
  const auto full = RandomSpd(rng, k, 0.2);
  std::vector<double> ad = full;
  std::vector<float> af(full.begin(), full.end());
  std::vector<double> xd(k);
  std::vector<float> xf(k);
  for (int i = 0; i < k; ++i) xf[i] = static_cast<float>(xd[i] = std::cos(0.3 * i));
  ASSERT_TRUE(CholeskyFactorSolve(ad.data(), k, xd.data()));
  ASSERT_TRUE(CholeskyFactorSolve(af.data(), k, xf.data()));
  double scale = 0.0;
  for (double v : xd) scale = std::max(scale, std::fabs(v));
  for (int i = 0; i < k; ++i) EXPECT_NEAR(xf[i], xd[i], 1e-4 * scale) << i;
}

}  // namespace
}  // namespace movierec::kernels
