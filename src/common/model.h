// Trained models as plain host structures, whichever device trained them (DESIGN.md §3).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace movierec {

// A latent-factor model (als, ials, svd). Row r of user_factors belongs to the user whose
// external id is user_ids[r], row c of item_factors to the movie item_ids[c]; kVacantId
// (common/sparse.h) marks an index no id holds. The predicted rating / preference is
//   global_mean + user_bias[u] + item_bias[i] + dot(user_factors[u], item_factors[i])
// with absent terms (empty bias vectors, global_mean 0 for implicit models) left out.
struct FactorModel {
  std::string algorithm;
  int factors = 0;
  int64_t users = 0;
  int64_t items = 0;
  std::vector<float> user_factors;  // users x factors, row-major
  std::vector<float> item_factors;  // items x factors, row-major
  std::vector<float> user_bias;     // users, or empty
  std::vector<float> item_bias;     // items, or empty
  float global_mean = 0;
  std::vector<int64_t> user_ids;
  std::vector<int64_t> item_ids;

  const float* UserRow(int64_t u) const { return user_factors.data() + u * factors; }
  const float* ItemRow(int64_t i) const { return item_factors.data() + i * factors; }
  float Predict(int64_t u, int64_t i) const {
    float s = global_mean;
    if (!user_bias.empty()) s += user_bias[static_cast<size_t>(u)];
    if (!item_bias.empty()) s += item_bias[static_cast<size_t>(i)];
    const float* a = UserRow(u);
    const float* b = ItemRow(i);
    for (int f = 0; f < factors; ++f) s += a[f] * b[f];
    return s;
  }
};

// One line of a training log: the loss (the algorithm's objective) and the training RMSE
// where the model predicts ratings (0 for implicit models).
struct IterationLog {
  int iteration = 0;
  double loss = 0;
  double train_rmse = 0;
  double seconds = 0;
};

}  // namespace movierec
