// The pipeline's train and score stages: every algorithm the config names is trained on the
// rating matrix saved beside the database, recorded in `models` (with .npy files), and scored
// for every user into user_recommendations, each algorithm's table published in one
// transaction.
//
// Every model is stored in the one FactorModel shape, so that scoring and serving never need
// to know which algorithm made it: the score of (user, movie) is dot(user row, item row) (+
// the biases for rating models):
//   als, ials, svd   the trained factors and biases;
//   popularity       1 factor: user rows 1, item rows the Bayesian-average score;
//   content          user rows the taste profiles, item rows the content vectors;
//   hybrid           the concatenated, weighted blend (host/scoring_vectors.h), its params
//                    naming the component models and their scales.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/model.h"
#include "common/model_params.h"
#include "common/sparse.h"
#include "host/context.h"
#include "host/topn.h"
#include "io/sqlite_db.h"

namespace movierec {

struct ModelRunOptions {
  std::string db_path;
  std::optional<int64_t> data_run_id;  // the etl run whose matrix is used
  bool progress = true;
};

struct TrainedModel {
  std::string algorithm;
  int64_t model_id = 0;
  double seconds = 0;
};

// Trains `config.algorithms` in order on `train` (csc its column form) and records each.
// Hybrid needs the collaborative, content and popularity models: those trained earlier in the
// same call, or the newest recorded ones, or trained now when there are none.
std::vector<TrainedModel> TrainModels(const Context& ctx, io::Database& db,
                                      const RatingMatrix& train, const CscMatrix& csc,
                                      const ModelsConfig& config, const ModelRunOptions& options);

// A model's scoring vectors and top-N lists for every user of `train` (the newest model of
// each algorithm), published to user_recommendations. Returns the rows written per algorithm.
struct ScoredAlgorithm {
  std::string algorithm;
  int64_t model_id = 0;
  int64_t rows = 0;
  double seconds = 0;
};
std::vector<ScoredAlgorithm> ScoreModels(const Context& ctx, io::Database& db,
                                         const RatingMatrix& train, const ModelsConfig& config,
                                         const ModelRunOptions& options);

// The top-N lists of one stored model for the rows of `train`, rated items excluded (shared by
// ScoreModels and evaluate). The model's ids must line up with train's rows and columns.
TopNLists ScoreStoredModel(const Context& ctx, const FactorModel& model, const RatingMatrix& train,
                           int n);

// Trains one algorithm on `train` without recording it (evaluate's path); hybrid trains its
// components too. The result is in the stored shape described above.
FactorModel TrainInMemory(const Context& ctx, io::Database* catalog_db, const std::string& algorithm,
                          const RatingMatrix& train, const CscMatrix& csc,
                          const ModelsConfig& config, bool progress);

}  // namespace movierec
