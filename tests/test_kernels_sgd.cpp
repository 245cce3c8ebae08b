// kernels/sgd.h: the Surprise SVD update (hand-computed step, then many steps against a literal
// transcription of SVD.sgd's loop body), prediction and clipping.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "kernels/sgd.h"

namespace movierec::kernels {
namespace {

// Surprise's SVD.sgd body for one rating, transcribed line by line (double, sequential dot).
void SurpriseStep(double r, double global_mean, bool biased, const SgdParams<double>& p, double& bu,
                  double& bi, double* pu, double* qi, int n_factors) {
  double dot = 0;
  for (int f = 0; f < n_factors; ++f) dot += qi[f] * pu[f];
  if (!biased) global_mean = 0;
  const double err = r - (global_mean + bu + bi + dot);
  if (biased) {
    bu += p.lr_bu * (err - p.reg_bu * bu);
    bi += p.lr_bi * (err - p.reg_bi * bi);
  }
  for (int f = 0; f < n_factors; ++f) {
    const double puf = pu[f];
    const double qif = qi[f];
    pu[f] += p.lr_pu * (err * qif - p.reg_pu * puf);
    qi[f] += p.lr_qi * (err * puf - p.reg_qi * qif);
  }
}

TEST(KernelsSgd, HandComputedStepWithUniformRates) {
  // μ = 3, bu = 0.1, bi = -0.2, pu = (0.1, 0.2), qi = (0.3, 0.4), r = 4, lr = 0.005, reg = 0.02.
  // dot = 0.11, err = 4 - 3.01 = 0.99.
  double bu = 0.1, bi = -0.2;
  double pu[2] = {0.1, 0.2}, qi[2] = {0.3, 0.4};
  const double err =
      SgdStep(4.0, 3.0, &bu, &bi, pu, qi, 2, UniformSgdParams(0.005, 0.02), /*biased=*/true);
  EXPECT_NEAR(err, 0.99, 1e-15);
  EXPECT_NEAR(bu, 0.10494, 1e-15);      // 0.1 + 0.005 (0.99 - 0.002)
  EXPECT_NEAR(bi, -0.19503, 1e-15);     // -0.2 + 0.005 (0.99 + 0.004)
  EXPECT_NEAR(pu[0], 0.101475, 1e-15);  // 0.1 + 0.005 (0.99·0.3 - 0.002)
  EXPECT_NEAR(pu[1], 0.20196, 1e-15);   // 0.2 + 0.005 (0.99·0.4 - 0.004)
  EXPECT_NEAR(qi[0], 0.300465, 1e-15);  // 0.3 + 0.005 (0.99·0.1 - 0.006): OLD pu[0]
  EXPECT_NEAR(qi[1], 0.40095, 1e-15);   // 0.4 + 0.005 (0.99·0.2 - 0.008): OLD pu[1]
}

TEST(KernelsSgd, EachRateAndRegularisationGoesToItsOwnParameter) {
  const SgdParams<double> p{0.1, 0.2, 0.3, 0.4, 0.01, 0.02, 0.03, 0.04};
  double bu = 0.5, bi = -0.5;
  double pu[1] = {0.2}, qi[1] = {0.7};
  // dot = 0.14, err = 2 - (1 + 0.5 - 0.5 + 0.14) = 0.86.
  const double err = SgdStep(2.0, 1.0, &bu, &bi, pu, qi, 1, p, true);
  EXPECT_NEAR(err, 0.86, 1e-15);
  EXPECT_NEAR(bu, 0.5 + 0.1 * (0.86 - 0.01 * 0.5), 1e-15);
  EXPECT_NEAR(bi, -0.5 + 0.2 * (0.86 + 0.02 * 0.5), 1e-15);
  EXPECT_NEAR(pu[0], 0.2 + 0.3 * (0.86 * 0.7 - 0.03 * 0.2), 1e-15);
  EXPECT_NEAR(qi[0], 0.7 + 0.4 * (0.86 * 0.2 - 0.04 * 0.7), 1e-15);
}

TEST(KernelsSgd, UnbiasedIgnoresMeanAndBiases) {
  double pu[2] = {0.5, -0.5}, qi[2] = {1.0, 2.0};
  // err = 1 - (0.5 - 1.0) = 1.5 (μ = 3.7 is ignored, biases are never touched).
  const double err = SgdStep<double>(1.0, 3.7, nullptr, nullptr, pu, qi, 2,
                                     UniformSgdParams(0.1, 0.0), /*biased=*/false);
  EXPECT_DOUBLE_EQ(err, 1.5);
  EXPECT_DOUBLE_EQ(pu[0], 0.5 + 0.1 * 1.5 * 1.0);
  EXPECT_DOUBLE_EQ(qi[1], 2.0 + 0.1 * 1.5 * -0.5);
}

template <typename T>
void RunEpochsAgainstSurprise(bool biased, double tol) {
  const int n_users = 7, n_items = 9, k = 13, n_ratings = 60, epochs = 20;
  std::mt19937 rng(biased ? 1 : 2);
  std::normal_distribution<double> init(0.0, 0.1);
  std::vector<double> pu_ref(n_users * k), qi_ref(n_items * k);
  for (double& v : pu_ref) v = init(rng);
  for (double& v : qi_ref) v = init(rng);
  std::vector<double> bu_ref(n_users, 0.0), bi_ref(n_items, 0.0);
  std::vector<int> us, is;
  std::vector<double> rs;
  double mean = 0.0;
  for (int j = 0; j < n_ratings; ++j) {
    us.push_back(static_cast<int>(rng() % n_users));
    is.push_back(static_cast<int>(rng() % n_items));
    rs.push_back(1.0 + static_cast<double>(rng() % 5));
    mean += rs.back() / n_ratings;
  }
  const SgdParams<double> pd{0.01, 0.012, 0.02, 0.015, 0.02, 0.03, 0.05, 0.04};
  const SgdParams<T> pt{T(pd.lr_bu),  T(pd.lr_bi),  T(pd.lr_pu),  T(pd.lr_qi),
                        T(pd.reg_bu), T(pd.reg_bi), T(pd.reg_pu), T(pd.reg_qi)};
  std::vector<T> pu(pu_ref.begin(), pu_ref.end()), qi(qi_ref.begin(), qi_ref.end());
  std::vector<T> bu(n_users, T(0)), bi(n_items, T(0));
  for (int e = 0; e < epochs; ++e) {
    for (int j = 0; j < n_ratings; ++j) {
      SurpriseStep(rs[j], mean, biased, pd, bu_ref[us[j]], bi_ref[is[j]], &pu_ref[us[j] * k],
                   &qi_ref[is[j] * k], k);
      SgdStep(T(rs[j]), T(mean), &bu[us[j]], &bi[is[j]], &pu[us[j] * k], &qi[is[j] * k], k, pt,
              biased);
    }
  }
  for (int u = 0; u < n_users; ++u) {
    EXPECT_NEAR(bu[u], bu_ref[u], tol);
    for (int f = 0; f < k; ++f) EXPECT_NEAR(pu[u * k + f], pu_ref[u * k + f], tol);
  }
  for (int i = 0; i < n_items; ++i) {
    EXPECT_NEAR(bi[i], bi_ref[i], tol);
    for (int f = 0; f < k; ++f) EXPECT_NEAR(qi[i * k + f], qi_ref[i * k + f], tol);
  }
  // Predictions agree too (unclipped, the model's μ + bu + bi + q·p).
  const T est = PredictRating(T(biased ? mean : 0.0), bu[0], bi[0], &pu[0], &qi[0], k);
  double ref = biased ? mean + bu_ref[0] + bi_ref[0] : 0.0;
  for (int f = 0; f < k; ++f) ref += qi_ref[f] * pu_ref[f];
  EXPECT_NEAR(est, ref, 10 * tol);
}

TEST(KernelsSgd, ManyStepsMatchSurpriseInDouble) {
  RunEpochsAgainstSurprise<double>(true, 1e-12);
  RunEpochsAgainstSurprise<double>(false, 1e-12);
}

TEST(KernelsSgd, ManyStepsMatchSurpriseInFloat) {
  RunEpochsAgainstSurprise<float>(true, 2e-5);
  RunEpochsAgainstSurprise<float>(false, 2e-5);
}

TEST(KernelsSgd, PredictionSumsMeanBiasesAndDot) {
  const float pu[3] = {1.f, 2.f, 3.f}, qi[3] = {0.5f, -1.f, 0.25f};
  EXPECT_FLOAT_EQ(PredictRating(3.5f, 0.25f, -0.5f, pu, qi, 3), 3.5f + 0.25f - 0.5f - 0.75f);
  EXPECT_FLOAT_EQ(PredictRating(3.5f, 0.f, 0.f, pu, qi, 0), 3.5f);  // unknown user or item
}

TEST(KernelsSgd, ClipsToTheRatingScaleLikeSurprise) {
  EXPECT_EQ(ClipRating(5.7f, 1.f, 5.f), 5.f);
  EXPECT_EQ(ClipRating(0.2f, 1.f, 5.f), 1.f);
  EXPECT_EQ(ClipRating(3.3f, 1.f, 5.f), 3.3f);
  EXPECT_EQ(ClipRating(1.f, 1.f, 5.f), 1.f);
  EXPECT_EQ(ClipRating(5.0, 0.5, 5.0), 5.0);
  // Python's min(hi, nan) is hi, then max(lo, hi) is hi.
  EXPECT_EQ(ClipRating(std::numeric_limits<float>::quiet_NaN(), 1.f, 5.f), 5.f);
  EXPECT_EQ(ClipRating(-std::numeric_limits<double>::infinity(), 0.5, 5.0), 0.5);
}

}  // namespace
}  // namespace movierec::kernels
