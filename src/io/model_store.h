// Trained models on disk and in the `models` table.
//
// Each model gets a row in `models` (id, algorithm, params, metrics, created, the etl run whose
// data it was trained on, device, seconds, path) and, for factor models, a folder of plain .npy
// files beside the database, `<db>.models/<model_id>-<algorithm>/`:
//
//   user_factors.npy  float32 (users, factors)   C order; row r is the user user_ids[r]
//   item_factors.npy  float32 (items, factors)   row c is the movie item_ids[c]
//   user_bias.npy     float32 (users,)           only when the model has biases
//   item_bias.npy     float32 (items,)
//   user_ids.npy      int64   (users,)           external ids; INT64_MIN marks an unused index
//   item_ids.npy      int64   (items,)
//   model.json        algorithm, factors, global_mean, params
//
// numpy loads them as they are: np.load(".../item_factors.npy"). The folder is written under a
// temporary name and renamed into place, and the row is committed after the files exist, so a
// killed run leaves either no model or a complete one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/model.h"
#include "common/model_params.h"
#include "io/sqlite_db.h"

namespace movierec::io {

// The parameters of one algorithm as a JSON object (what `models.params_json` holds).
std::string ModelParamsJson(const std::string& algorithm, const ModelsConfig& config);

// The inverse: `base` with the algorithm's parameters replaced by those recorded in
// params_json (keys it lacks keep base's values), so a stored model is served with the
// parameters it was trained with.
ModelsConfig ModelsConfigFromParams(const std::string& algorithm, const std::string& params_json,
                                    ModelsConfig base = {});

struct ModelRecord {
  int64_t model_id = 0;
  std::string algorithm;
  std::string params_json = "{}";
  std::string metrics_json;  // empty: NULL
  int64_t created_at = 0;    // unix seconds
  std::optional<int64_t> data_run_id;
  std::string device;
  double seconds = 0;
  std::string path;  // the model's folder, empty when it has no files
};

// "<db_path>.models".
std::string ModelsFolderPath(const std::string& db_path);

// Records a model: its row in `models` and, when `factors` is given, its files. Returns the
// new model id. Throws movierec::Error on I/O failure, leaving neither row nor folder.
int64_t SaveModel(Database& db, const std::string& db_path, ModelRecord record,
                  const FactorModel* factors);

// The newest model of an algorithm, if any.
std::optional<ModelRecord> LatestModel(Database& db, const std::string& algorithm);
std::optional<ModelRecord> FindModel(Database& db, int64_t model_id);

// Reads a factor model's folder, checking shapes against each other. Throws movierec::Error
// naming the file on anything missing or inconsistent.
FactorModel LoadFactorModel(const std::string& folder);

}  // namespace movierec::io
