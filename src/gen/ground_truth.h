// The model behind the data, written beside it so tests can compare a trained model with the
// best achievable one: factor matrices, biases and id maps as .npy, and truth.json.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "gen/catalog.h"
#include "gen/latent_model.h"

namespace movierec::gen {

inline constexpr const char* kGroundTruthDir = "ground_truth";

// Writes the .npy files into dir/ground_truth; returns their names relative to dir.
std::vector<std::string> WriteGroundTruthArrays(const std::string& dir, const ItemModel& items,
                                                const UserModel& users, const Catalog& catalog);

struct TruthInfo {
  uint64_t seed = 0;
  std::string format;
  int64_t users = 0;
  int64_t movies = 0;
  int64_t ratings = 0;
  double dirty_rate = 0;
  int64_t defects = 0;
  bool half_stars = true;
  std::vector<std::string> files;  // every file written, relative to dir
};
// Writes dir/ground_truth/truth.json.
void WriteTruthJson(const std::string& dir, const ModelParams& params, const TruthInfo& info);

}  // namespace movierec::gen
