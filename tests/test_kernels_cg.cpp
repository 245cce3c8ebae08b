// kernels/cg.h: the implicit-ALS building blocks against the explicitly formed matrix, and the
// CG row solve against an exact (Gaussian elimination, double) solution of the same system.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "kernels/cg.h"

namespace movierec::kernels {
namespace {

struct Problem {
  int k = 0;
  int n_items = 0;
  float lambda = 0.f;
  std::vector<float> y;        // n_items × k
  std::vector<float> yty;      // YᵀY + λI, full
  std::vector<int32_t> items;  // one user's items
  std::vector<float> conf;
  std::vector<double> a_ref;  // full A, double
  std::vector<double> b_ref;
};

Problem MakeProblem(uint32_t seed, int k, int n_items, int n_user, float lambda, float alpha) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.f, 0.3f);
  Problem p;
  p.k = k;
  p.n_items = n_items;
  p.lambda = lambda;
  p.y.resize(static_cast<size_t>(n_items) * k);
  for (float& v : p.y) v = dist(rng);
  std::vector<int32_t> all(n_items);
  std::iota(all.begin(), all.end(), 0);
  std::shuffle(all.begin(), all.end(), rng);
  p.items.assign(all.begin(), all.begin() + n_user);
  std::sort(p.items.begin(), p.items.end());
  for (int j = 0; j < n_user; ++j)
    p.conf.push_back(1.f + alpha * static_cast<float>(1 + rng() % 5));

  std::vector<double> yty(static_cast<size_t>(k) * k, 0.0);
  for (int i = 0; i < n_items; ++i) {
    for (int r = 0; r < k; ++r) {
      for (int c = 0; c < k; ++c) yty[r * k + c] += double(p.y[i * k + r]) * p.y[i * k + c];
    }
  }
  for (int r = 0; r < k; ++r) yty[r * k + r] += lambda;
  p.yty.assign(yty.begin(), yty.end());
  // The reference A starts from the float YᵀY the kernels see.
  p.a_ref.assign(p.yty.begin(), p.yty.end());
  p.b_ref.assign(k, 0.0);
  for (int j = 0; j < n_user; ++j) {
    const float* yi = &p.y[static_cast<size_t>(p.items[j]) * k];
    for (int r = 0; r < k; ++r) {
      for (int c = 0; c < k; ++c) p.a_ref[r * k + c] += (double(p.conf[j]) - 1.0) * yi[r] * yi[c];
      p.b_ref[r] += double(p.conf[j]) * yi[r];
    }
  }
  return p;
}

// Gaussian elimination with partial pivoting, double.
std::vector<double> SolveDense(std::vector<double> a, std::vector<double> b, int k) {
  for (int col = 0; col < k; ++col) {
    int piv = col;
    for (int r = col + 1; r < k; ++r) {
      if (std::fabs(a[r * k + col]) > std::fabs(a[piv * k + col])) piv = r;
    }
    for (int c = 0; c < k; ++c) std::swap(a[col * k + c], a[piv * k + c]);
    std::swap(b[col], b[piv]);
    for (int r = col + 1; r < k; ++r) {
      const double f = a[r * k + col] / a[col * k + col];
      for (int c = col; c < k; ++c) a[r * k + c] -= f * a[col * k + c];
      b[r] -= f * b[col];
    }
  }
  std::vector<double> x(k);
  for (int r = k - 1; r >= 0; --r) {
    double s = b[r];
    for (int c = r + 1; c < k; ++c) s -= a[r * k + c] * x[c];
    x[r] = s / a[r * k + r];
  }
  return x;
}

double RelativeError(const std::vector<float>& x, const std::vector<double>& ref) {
  double num = 0.0, den = 0.0;
  for (size_t i = 0; i < ref.size(); ++i) {
    num += (x[i] - ref[i]) * (x[i] - ref[i]);
    den += ref[i] * ref[i];
  }
  return std::sqrt(num / den);
}

TEST(KernelsCg, ApplyAMatchesTheFormedMatrix) {
  const Problem p = MakeProblem(1, 12, 80, 25, 0.5f, 3.f);
  const int k = p.k;
  std::vector<float> v(k), av(k);
  for (int i = 0; i < k; ++i) v[i] = std::sin(1.0f + i);
  CgApplyA(p.yty.data(), p.y.data(), p.items.data(), p.conf.data(),
           static_cast<int64_t>(p.items.size()), k, v.data(), av.data());
  for (int r = 0; r < k; ++r) {
    double ref = 0.0;
    for (int c = 0; c < k; ++c) ref += p.a_ref[r * k + c] * v[c];
    EXPECT_NEAR(av[r], ref, 1e-4 * (1.0 + std::fabs(ref))) << r;
  }
}

TEST(KernelsCg, ResidualIsBMinusAx) {
  const Problem p = MakeProblem(2, 10, 60, 20, 0.5f, 3.f);
  const int k = p.k;
  std::vector<float> x(k), r(k);
  for (int i = 0; i < k; ++i) x[i] = 0.1f * static_cast<float>(i % 4) - 0.15f;
  CgResidual(p.yty.data(), p.y.data(), p.items.data(), p.conf.data(),
             static_cast<int64_t>(p.items.size()), k, x.data(), r.data());
  for (int row = 0; row < k; ++row) {
    double ref = p.b_ref[row];
    for (int c = 0; c < k; ++c) ref -= p.a_ref[row * k + c] * x[c];
    EXPECT_NEAR(r[row], ref, 1e-4 * (1.0 + std::fabs(ref))) << row;
  }
}

TEST(KernelsCg, BuildsTheExactNormalEquationsInTheLowerTriangle) {
  const Problem p = MakeProblem(3, 9, 50, 17, 0.25f, 5.f);
  const int k = p.k;
  const int64_t n = static_cast<int64_t>(p.items.size());
  std::vector<double> a(k * k, -777.0), b(k, -777.0);
  BuildImplicitNormalEquations(p.yty.data(), p.y.data(), p.items.data(), p.conf.data(), n, k,
                               a.data(), b.data());
  std::vector<float> af(k * k, -777.f), bf(k);
  BuildImplicitNormalEquations(p.yty.data(), p.y.data(), p.items.data(), p.conf.data(), n, k,
                               af.data(), bf.data());
  for (int r = 0; r < k; ++r) {
    EXPECT_NEAR(b[r], p.b_ref[r], 1e-9);
    EXPECT_NEAR(bf[r], p.b_ref[r], 1e-4);
    for (int c = 0; c < k; ++c) {
      if (c <= r) {
        EXPECT_NEAR(a[r * k + c], p.a_ref[r * k + c], 1e-9);
        EXPECT_NEAR(af[r * k + c], p.a_ref[r * k + c], 1e-4);
      } else {
        EXPECT_EQ(a[r * k + c], -777.0);  // strict upper triangle untouched
        EXPECT_EQ(af[r * k + c], -777.f);
      }
    }
  }
}

TEST(KernelsCg, ConvergesToTheExactSolutionInKSteps) {
  for (int k : {4, 16, 32}) {
    const Problem p = MakeProblem(10 + k, k, 300, 40, 1.0f, 2.f);
    const std::vector<double> exact = SolveDense(p.a_ref, p.b_ref, k);
    std::vector<float> x(k, 0.f), scratch(3 * k);
    const int steps =
        CgSolveRow(p.yty.data(), p.y.data(), p.items.data(), p.conf.data(),
                   static_cast<int64_t>(p.items.size()), k, k, x.data(), scratch.data());
    EXPECT_GE(steps, 1);
    EXPECT_LE(steps, k);
    EXPECT_LT(RelativeError(x, exact), 1e-4) << "k=" << k;
  }
}

TEST(KernelsCg, FewStepsFromAWarmStartImproveTheSolution) {
  const int k = 24;
  const Problem p = MakeProblem(20, k, 200, 60, 0.1f, 10.f);
  const std::vector<double> exact = SolveDense(p.a_ref, p.b_ref, k);
  // A warm start near the solution, as after a previous sweep.
  std::vector<float> x(k), scratch(3 * k);
  for (int i = 0; i < k; ++i) x[i] = static_cast<float>(exact[i] * (1.0 + 0.2 * std::sin(i)));
  const double before = RelativeError(x, exact);
  const int steps =
      CgSolveRow(p.yty.data(), p.y.data(), p.items.data(), p.conf.data(),
                 static_cast<int64_t>(p.items.size()), k, 3, x.data(), scratch.data());
  EXPECT_EQ(steps, 3);
  EXPECT_LT(RelativeError(x, exact), 0.5 * before);
}

TEST(KernelsCg, ConvergedStartStaysPut) {
  const int k = 8;
  const Problem p = MakeProblem(21, k, 100, 30, 1.0f, 2.f);
  const std::vector<double> exact = SolveDense(p.a_ref, p.b_ref, k);
  std::vector<float> x(exact.begin(), exact.end()), scratch(3 * k);
  CgSolveRow(p.yty.data(), p.y.data(), p.items.data(), p.conf.data(),
             static_cast<int64_t>(p.items.size()), k, 3, x.data(), scratch.data());
  EXPECT_LT(RelativeError(x, exact), 1e-5);
}

TEST(KernelsCg, RowWithoutItemsIsZero) {
  const int k = 6;
  const Problem p = MakeProblem(22, k, 20, 5, 1.0f, 2.f);
  std::vector<float> x(k, 3.f), scratch(3 * k);
  EXPECT_EQ(
      CgSolveRow(p.yty.data(), p.y.data(), nullptr, nullptr, 0, k, 3, x.data(), scratch.data()), 0);
  for (float v : x) EXPECT_EQ(v, 0.f);
}

TEST(KernelsCg, ZeroResidualStopsBeforeTheFirstStep) {
  // YᵀY = I, one item y = e0 with c = 1: A = I, b = e0, x = e0 is exact (r = 0 in floats).
  const int k = 3;
  const std::vector<float> yty = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  const std::vector<float> y = {1, 0, 0};
  const int32_t item = 0;
  const float conf = 1.f;
  std::vector<float> x = {1, 0, 0}, scratch(3 * k);
  EXPECT_EQ(CgSolveRow(yty.data(), y.data(), &item, &conf, 1, k, 3, x.data(), scratch.data()), 0);
  EXPECT_EQ(x, (std::vector<float>{1, 0, 0}));
}

TEST(KernelsCg, NoPositiveCurvatureStopsWithoutAStep) {
  // YᵀY + λI = 0 and c = 1 (no confidence boost): A = 0 while b = y ≠ 0, so p·Ap = 0. A step
  // would divide by zero; the solve stops and leaves x as it was.
  const int k = 3;
  const std::vector<float> yty(9, 0.f);
  const std::vector<float> y = {1, 2, 0};
  const int32_t item = 0;
  const float conf = 1.f;
  std::vector<float> x = {0.5f, 0.f, 0.f}, scratch(3 * k);
  EXPECT_EQ(CgSolveRow(yty.data(), y.data(), &item, &conf, 1, k, 3, x.data(), scratch.data()), 0);
  EXPECT_EQ(x, (std::vector<float>{0.5f, 0.f, 0.f}));
}

TEST(KernelsCg, IsDeterministic) {
  const int k = 16;
  const Problem p = MakeProblem(23, k, 100, 30, 0.5f, 5.f);
  std::vector<float> x1(k, 0.01f), x2(k, 0.01f), scratch(3 * k);
  CgSolveRow(p.yty.data(), p.y.data(), p.items.data(), p.conf.data(),
             static_cast<int64_t>(p.items.size()), k, 3, x1.data(), scratch.data());
  CgSolveRow(p.yty.data(), p.y.data(), p.items.data(), p.conf.data(),
             static_cast<int64_t>(p.items.size()), k, 3, x2.data(), scratch.data());
  EXPECT_EQ(x1, x2);
}

}  // namespace
}  // namespace movierec::kernels
