// Deterministic random streams for the generator. Every user, item and file gets its own stream
// derived from (seed, tag, index), so output does not depend on how work is split across
// threads. The distributions are implemented here (not <random>'s, whose output differs between
// standard libraries).
#pragma once

#include <cmath>
#include <cstdint>

#include "common/splitmix.h"

namespace movierec::gen {


// Stream tags: one per independent purpose, so adding draws to one never shifts another.
enum class Stream : uint64_t {
  kItemModel = 1,
  kClusterModel,
  kUserModel,
  kUserActivity,
  kUserRatings,
  kUserDefects,
  kUserDemographics,
  kUserTags,
  kMovieMeta,
  kPersons,
  kCredits,
  kImdb,
  kCatalogDefects,
  kPersonDefects,
  kMovieIds,
  kUserRatingValues,
};

constexpr uint64_t StreamSeed(uint64_t seed, Stream tag, uint64_t index) {
  return movierec::StreamSeed(seed, static_cast<uint64_t>(tag), index);
}

// Quantile function of the standard normal for p in (0, 1).
inline double InverseNormalCdf(double p) {
  constexpr double a0 = -3.969683028665376e+01, a1 = 2.209460984245205e+02,
                   a2 = -2.759285104469687e+02, a3 = 1.383577518672690e+02,
                   a4 = -3.066479806614716e+01, a5 = 2.506628277459239e+00;
  constexpr double b0 = -5.447609879822406e+01, b1 = 1.615858368580409e+02,
                   b2 = -1.556989798598866e+02, b3 = 6.680131188771972e+01,
                   b4 = -1.328068155288572e+01;
  constexpr double c0 = -7.784894002430293e-03, c1 = -3.223964580411365e-01,
                   c2 = -2.400758277161838e+00, c3 = -2.549732539343734e+00,
                   c4 = 4.374664141464968e+00, c5 = 2.938163982698783e+00;
  constexpr double d0 = 7.784695709041462e-03, d1 = 3.224671290700398e-01,
                   d2 = 2.445134137142996e+00, d3 = 3.754408661907416e+00;
  constexpr double kLow = 0.02425;
  if (p < kLow || p > 1.0 - kLow) {
    double q = std::sqrt(-2.0 * std::log(p < kLow ? p : 1.0 - p));
    double x = (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) /
               ((((d0 * q + d1) * q + d2) * q + d3) * q + 1.0);
    return p < kLow ? x : -x;
  }
  double q = p - 0.5, r = q * q;
  return (((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q /
         (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1.0);
}

// SplitMix64 generator: tiny state, fast, statistically fine for simulation.
class Rng {
 public:
  explicit Rng(uint64_t state) : gen_(state) {}
  Rng(uint64_t seed, Stream tag, uint64_t index) : gen_(StreamSeed(seed, tag, index)) {}

  uint64_t Next() { return gen_.Next(); }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Uniform in (0, 1].
  double UniformPositive() { return static_cast<double>((Next() >> 11) + 1) * 0x1.0p-53; }
  // Uniform integer in [0, n) (Lemire's multiply-shift; the bias is < n / 2^64).
  uint64_t Below(uint64_t n) { return MulHi64(Next(), n); }
  // Uniform integer in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Below(static_cast<uint64_t>(hi - lo) + 1));
  }
  bool Chance(double p) { return Uniform() < p; }
  // Standard normal by inversion (Acklam's rational approximation, |relative error| < 1.2e-9):
  // one uniform per draw, and no transcendental functions 95% of the time.
  double Normal() {
    return InverseNormalCdf((static_cast<double>(Next() >> 11) + 0.5) * 0x1.0p-53);
  }
  double Normal(double mean, double sd) { return mean + sd * Normal(); }
  double LogNormal(double mu, double sigma) { return std::exp(mu + sigma * Normal()); }
  double Exponential(double mean) { return -mean * std::log(UniformPositive()); }
  // Picks an index with probability proportional to weights[i] (linear scan; small lists).
  template <class W>
  size_t Weighted(const W& weights) {
    double total = 0;
    for (double w : weights) total += w;
    double x = Uniform() * total;
    size_t i = 0;
    for (double w : weights) {
      if (x < w) return i;
      x -= w;
      ++i;
    }
    return i == 0 ? 0 : i - 1;
  }

 private:
  SplitMix64 gen_;
};

}  // namespace movierec::gen
