// Small rating matrices for the trainer tests: a CSR from triplets and a low-rank data set with
// biases and noise whose test RMSE floor is known.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "common/model.h"
#include "common/sparse.h"
#include "host/context.h"

namespace movierec::testing {

inline Context Cpu(int threads) {
  Context ctx;
  ctx.threads = threads;
  return ctx;
}

struct Triplet {
  int32_t u, i;
  float r;
};

// CSR from triplets (any order); ids 1000 + row, 2000 + column; timestamps 0.
inline RatingMatrix BuildCsr(int64_t rows, int64_t cols, std::vector<Triplet> t) {
  std::sort(t.begin(), t.end(),
            [](const Triplet& a, const Triplet& b) { return a.u != b.u ? a.u < b.u : a.i < b.i; });
  RatingMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr.assign(static_cast<size_t>(rows) + 1, 0);
  for (const Triplet& x : t) {
    ++m.indptr[static_cast<size_t>(x.u) + 1];
    m.indices.push_back(x.i);
    m.values.push_back(x.r);
    m.timestamps.push_back(0);
  }
  for (size_t r = 0; r < static_cast<size_t>(rows); ++r) m.indptr[r + 1] += m.indptr[r];
  for (int64_t r = 0; r < rows; ++r) m.row_ids.push_back(1000 + r);
  for (int64_t c = 0; c < cols; ++c) m.col_ids.push_back(2000 + c);
  return m;
}

// r = 3.5 + bu + bi + pu·qi + noise with rank-5 factors (pu·qi of sd ~0.7), bu, bi ~ N(0, 0.3²)
// and noise N(0, noise²); each cell observed with probability `density`, 20 % of those held
// out as `test`.
struct LowRankData {
  RatingMatrix train;
  CscMatrix train_csc;
  std::vector<Triplet> test;
  double noise = 0.1;
};

inline LowRankData MakeLowRank(uint64_t seed, int users, int items, double density,
                               double noise) {
  const int rank = 5;
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> n01(0.0, 1.0);
  std::uniform_real_distribution<double> u01(0.0, 1.0);
  const double factor_sd = std::sqrt(0.7 / std::sqrt(static_cast<double>(rank)));
  std::vector<double> p(static_cast<size_t>(users * rank)), q(static_cast<size_t>(items * rank));
  std::vector<double> bu(static_cast<size_t>(users)), bi(static_cast<size_t>(items));
  for (double& v : p) v = factor_sd * n01(rng);
  for (double& v : q) v = factor_sd * n01(rng);
  for (double& v : bu) v = 0.3 * n01(rng);
  for (double& v : bi) v = 0.3 * n01(rng);
  LowRankData d;
  d.noise = noise;
  std::vector<Triplet> train;
  for (int u = 0; u < users; ++u) {
    for (int i = 0; i < items; ++i) {
      if (u01(rng) >= density) continue;
      double r = 3.5 + bu[static_cast<size_t>(u)] + bi[static_cast<size_t>(i)] + noise * n01(rng);
      for (int f = 0; f < rank; ++f) {
        r += p[static_cast<size_t>(u * rank + f)] * q[static_cast<size_t>(i * rank + f)];
      }
      (u01(rng) < 0.2 ? d.test : train).push_back({u, i, static_cast<float>(r)});
    }
  }
  d.train = BuildCsr(users, items, std::move(train));
  d.train_csc = ToCsc(d.train);
  return d;
}

inline double Rmse(const FactorModel& m, const std::vector<Triplet>& test) {
  double s = 0;
  for (const Triplet& t : test) {
    const double e = m.Predict(t.u, t.i) - t.r;
    s += e * e;
  }
  return std::sqrt(s / static_cast<double>(test.size()));
}

}  // namespace movierec::testing
