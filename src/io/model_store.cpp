#include "io/model_store.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>

#include "common/error.h"
#include "io/npy.h"
#include "io/sqlite_db.h"

namespace movierec::io {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// Every recorded parameter of an algorithm as (key, field): one list that both writes
// params_json and reads it back.
template <class Config, class F>
bool ForEachParam(const std::string& algorithm, Config& c, F&& f) {
  if (algorithm == "als") {
    f("factors", c.als.factors);
    f("iterations", c.als.iterations);
    f("regularization", c.als.regularization);
    f("biases", c.als.biases);
    f("init_std", c.als.init_std);
    f("seed", c.seed);
  } else if (algorithm == "ials") {
    f("factors", c.ials.factors);
    f("iterations", c.ials.iterations);
    f("regularization", c.ials.regularization);
    f("alpha", c.ials.alpha);
    f("confidence", c.ials.confidence);
    f("epsilon", c.ials.epsilon);
    f("solver", c.ials.solver);
    f("cg_steps", c.ials.cg_steps);
    f("init_std", c.ials.init_std);
    f("seed", c.seed);
  } else if (algorithm == "svd") {
    f("factors", c.svd.factors);
    f("epochs", c.svd.epochs);
    f("lr", c.svd.lr);
    f("reg", c.svd.reg);
    f("init_mean", c.svd.init_mean);
    f("init_std", c.svd.init_std);
    f("biased", c.svd.biased);
    f("schedule", c.svd.schedule);
    f("seed", c.seed);
  } else if (algorithm == "content") {
    f("genre_weight", c.content.genre_weight);
    f("people_weight", c.content.people_weight);
    f("year_weight", c.content.year_weight);
    f("language_weight", c.content.language_weight);
    f("min_rating", c.content.min_rating);
    f("seed", c.seed);
  } else if (algorithm == "popularity") {
    f("prior_count", c.popularity.prior_count);
    f("half_life_days", c.popularity.half_life_days);
  } else if (algorithm == "hybrid") {
    f("collaborative", c.collaborative);
    f("collaborative_weight", c.hybrid.collaborative_weight);
    f("content_weight", c.hybrid.content_weight);
    f("popularity_weight", c.hybrid.popularity_weight);
    f("cold_start_ratings", c.hybrid.cold_start_ratings);
    f("warm_ratings", c.hybrid.warm_ratings);
    f("seed", c.seed);
  } else {
    return false;
  }
  return true;
}

json ParamsOf(const std::string& algorithm, const ModelsConfig& c) {
  json j = json::object();
  if (!ForEachParam(algorithm, c, [&](const char* key, const auto& field) { j[key] = field; })) {
    throw Error("no parameters known for algorithm '" + algorithm + "'");
  }
  return j;
}

ModelRecord ReadRecord(Statement& s) {
  ModelRecord r;
  r.model_id = s.ColumnInt(0);
  r.algorithm = s.ColumnText(1);
  r.params_json = s.ColumnText(2);
  if (!s.ColumnIsNull(3)) r.metrics_json = s.ColumnText(3);
  r.created_at = s.ColumnInt(4);
  if (!s.ColumnIsNull(5)) r.data_run_id = s.ColumnInt(5);
  if (!s.ColumnIsNull(6)) r.device = s.ColumnText(6);
  if (!s.ColumnIsNull(7)) r.seconds = s.ColumnDouble(7);
  if (!s.ColumnIsNull(8)) r.path = s.ColumnText(8);
  return r;
}

constexpr const char* kSelect =
    "SELECT model_id, algorithm, params_json, metrics_json, created_at, data_run_id, device, "
    "seconds, path FROM models ";

void WriteFactorFiles(const std::string& folder, const FactorModel& m, const std::string& params) {
  const int64_t k = m.factors;
  if (static_cast<int64_t>(m.user_factors.size()) != m.users * k ||
      static_cast<int64_t>(m.item_factors.size()) != m.items * k ||
      static_cast<int64_t>(m.user_ids.size()) != m.users ||
      static_cast<int64_t>(m.item_ids.size()) != m.items ||
      (!m.user_bias.empty() && static_cast<int64_t>(m.user_bias.size()) != m.users) ||
      (!m.item_bias.empty() && static_cast<int64_t>(m.item_bias.size()) != m.items)) {
    throw Error("SaveModel: the " + m.algorithm + " model's arrays do not match its shape");
  }
  WriteNpy2D<float>(folder + "/user_factors.npy", m.user_factors, m.users, k);
  WriteNpy2D<float>(folder + "/item_factors.npy", m.item_factors, m.items, k);
  if (!m.user_bias.empty()) WriteNpy1D<float>(folder + "/user_bias.npy", m.user_bias);
  if (!m.item_bias.empty()) WriteNpy1D<float>(folder + "/item_bias.npy", m.item_bias);
  WriteNpy1D<int64_t>(folder + "/user_ids.npy", m.user_ids);
  WriteNpy1D<int64_t>(folder + "/item_ids.npy", m.item_ids);
  json meta = {{"format", "movierec.factor_model"},
               {"version", 1},
               {"algorithm", m.algorithm},
               {"factors", m.factors},
               {"users", m.users},
               {"items", m.items},
               {"global_mean", m.global_mean},
               {"biases", !m.item_bias.empty()},
               {"params", json::parse(params)}};
  std::ofstream out(folder + "/model.json");
  out << meta.dump(2) << "\n";
  out.close();
  if (!out) throw Error("cannot write " + folder + "/model.json");
}

}  // namespace

std::string ModelParamsJson(const std::string& algorithm, const ModelsConfig& config) {
  return ParamsOf(algorithm, config).dump();
}

ModelsConfig ModelsConfigFromParams(const std::string& algorithm, const std::string& params_json,
                                    ModelsConfig c) {
  json p;
  try {
    p = json::parse(params_json);
    ForEachParam(algorithm, c, [&](const char* key, auto& field) {
      if (p.contains(key)) field = p.at(key).get<std::decay_t<decltype(field)>>();
    });
  } catch (const json::exception& e) {
    throw Error("the " + algorithm + " model's params_json: " + e.what());
  }
  return c;
}

std::string ModelsFolderPath(const std::string& db_path) { return db_path + ".models"; }

int64_t SaveModel(Database& db, const std::string& db_path, ModelRecord record,
                  const FactorModel* factors) {
  Transaction tx(db);
  Statement s = db.Prepare(
      "INSERT INTO models (algorithm, params_json, metrics_json, created_at, data_run_id, device, "
      "seconds, path) VALUES (?,?,?,?,?,?,?,?)");
  s.Bind(1, std::string_view(record.algorithm));
  s.Bind(2, std::string_view(record.params_json));
  s.BindTextOrNull(3, record.metrics_json);
  s.Bind(4, record.created_at);
  s.Bind(5, record.data_run_id);
  s.BindTextOrNull(6, record.device);
  s.Bind(7, record.seconds);
  s.BindNull(8);
  s.Run();
  const int64_t id = db.LastInsertId();
  if (factors) {
    const std::string folder =
        ModelsFolderPath(db_path) + "/" + std::to_string(id) + "-" + record.algorithm;
    const std::string tmp = folder + ".tmp";
    std::error_code ec;
    fs::remove_all(tmp, ec);
    fs::create_directories(tmp, ec);
    if (ec) throw Error("cannot create " + tmp + ": " + ec.message());
    try {
      WriteFactorFiles(tmp, *factors, record.params_json);
      fs::remove_all(folder, ec);  // a folder of an id whose row never committed
      fs::rename(tmp, folder);
    } catch (const std::exception& e) {
      fs::remove_all(tmp, ec);
      throw Error("cannot save the " + record.algorithm + " model to " + folder + ": " + e.what());
    }
    Statement p = db.Prepare("UPDATE models SET path = ? WHERE model_id = ?");
    p.Bind(1, std::string_view(folder));
    p.Bind(2, id);
    p.Run();
  }
  tx.Commit();
  return id;
}

std::optional<ModelRecord> LatestModel(Database& db, const std::string& algorithm) {
  Statement s = db.Prepare(std::string(kSelect) +
                           "WHERE algorithm = ? ORDER BY model_id DESC LIMIT 1");
  s.Bind(1, std::string_view(algorithm));
  if (!s.Step()) return std::nullopt;
  return ReadRecord(s);
}

std::optional<ModelRecord> FindModel(Database& db, int64_t model_id) {
  Statement s = db.Prepare(std::string(kSelect) + "WHERE model_id = ?");
  s.Bind(1, model_id);
  if (!s.Step()) return std::nullopt;
  return ReadRecord(s);
}

FactorModel LoadFactorModel(const std::string& folder) {
  const std::string meta_path = folder + "/model.json";
  std::ifstream in(meta_path);
  if (!in) throw Error("cannot open " + meta_path + ": the model's files are missing");
  json meta;
  try {
    meta = json::parse(in);
  } catch (const json::exception& e) {
    throw Error(meta_path + ": not a model description (" + e.what() + ")");
  }
  FactorModel m;
  try {
    m.algorithm = meta.at("algorithm").get<std::string>();
    m.factors = meta.at("factors").get<int>();
    m.users = meta.at("users").get<int64_t>();
    m.items = meta.at("items").get<int64_t>();
    m.global_mean = meta.at("global_mean").get<float>();
  } catch (const json::exception& e) {
    throw Error(meta_path + ": " + e.what());
  }
  NpyMatrix<float> u = ReadNpy2D<float>(folder + "/user_factors.npy", m.users, m.factors);
  NpyMatrix<float> v = ReadNpy2D<float>(folder + "/item_factors.npy", m.items, m.factors);
  m.user_factors = std::move(u.data);
  m.item_factors = std::move(v.data);
  m.user_ids = ReadNpy1D<int64_t>(folder + "/user_ids.npy", m.users);
  m.item_ids = ReadNpy1D<int64_t>(folder + "/item_ids.npy", m.items);
  if (meta.value("biases", false)) {
    m.user_bias = ReadNpy1D<float>(folder + "/user_bias.npy", m.users);
    m.item_bias = ReadNpy1D<float>(folder + "/item_bias.npy", m.items);
  }
  return m;
}

}  // namespace movierec::io
