// `movierec evaluate`: trains an algorithm on the training part of a split of the saved rating
// matrix and measures it on the held-out part (host/evaluation.h for the metrics). The split
// saved with the matrix is reused when it is the one asked for; per-user metric vectors go to
// `<db>.evaluations/<time>-<algorithm>/` as .npy files for the A/B tests.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "common/error.h"
#include "etl/splits.h"
#include "host/context.h"
#include "host/evaluation.h"
#include "host/model_driver.h"
#include "host/trainer.h"
#include "io/config.h"
#include "io/matrix_files.h"
#include "io/npy.h"
#include "io/sqlite_db.h"

namespace movierec::app {
namespace {

using nlohmann::json;

struct EvaluateOptions {
  std::string config;
  std::string db;
  std::string algorithm;
  std::string split;
  int k = 0;
  int64_t seed = -1;
  std::string format = "table";
  std::string device;
  std::string output;
};

bool PredictsRatings(const std::string& algorithm) {
  return algorithm == "als" || algorithm == "svd";
}

std::string Timestamp() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d_%H%M%S", &tm);
  return buf;
}

template <class T>
std::vector<T> Gather(const std::vector<int64_t>& rows, const std::vector<T>& ids) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (int64_t r : rows) out.push_back(ids[static_cast<size_t>(r)]);
  return out;
}

json FoldJson(const RankingReport& r, const std::optional<RatingReport>& rr, double seconds) {
  json j = {{"users", r.users},
            {"precision_at_k", r.precision},
            {"recall_at_k", r.recall},
            {"ndcg_at_k", r.ndcg},
            {"map_at_k", r.map},
            {"hit_rate_at_k", r.hit_rate},
            {"coverage", r.coverage},
            {"novelty", r.novelty},
            {"seconds", seconds}};
  if (rr) {
    j["rmse"] = rr->rmse;
    j["mae"] = rr->mae;
    j["test_ratings"] = rr->ratings;
  }
  return j;
}

int RunEvaluate(const EvaluateOptions& o) {
  if (o.config.empty()) throw UsageError("evaluate: --config FILE is required");
  io::PipelineConfig cfg = io::LoadConfig(o.config);
  const std::string db_path = o.db.empty() ? cfg.database_path : o.db;
  const std::string algorithm = o.algorithm.empty() ? cfg.models.collaborative : o.algorithm;
  const int k = o.k > 0 ? o.k : cfg.eval_k;
  const uint64_t seed = o.seed >= 0 ? static_cast<uint64_t>(o.seed)
                                    : static_cast<uint64_t>(cfg.eval_seed);
  const etl::SplitSpec spec = etl::ParseSplitSpec(o.split.empty() ? cfg.eval_split : o.split);
  const std::string spec_text = etl::FormatSplitSpec(spec);
  if (o.format != "table" && o.format != "json") {
    throw UsageError("--format must be table or json, not '" + o.format + "'");
  }
  static const std::vector<std::string> kAlgorithms = {"als",     "ials",       "svd",
                                                       "content", "popularity", "hybrid"};
  if (std::find(kAlgorithms.begin(), kAlgorithms.end(), algorithm) == kAlgorithms.end()) {
    throw UsageError("unknown algorithm '" + algorithm +
                     "'; expected als, ials, svd, content, popularity or hybrid");
  }
  if (!std::filesystem::exists(db_path)) {
    throw UsageError("no database at " + db_path + "; run `movierec pipeline` first");
  }
  const Context ctx = ResolveContext(o.device.empty() ? cfg.device : o.device, cfg.Workers());
  const int workers = cfg.Workers();

  io::LoadMatrixOptions lo;
  lo.workers = workers;
  lo.build_csc = false;
  io::LoadedRatingMatrix loaded = io::LoadRatingMatrix(db_path, lo);
  const RatingMatrix& m = loaded.csr;
  etl::SplitAssignment split;
  bool reused = false;
  for (auto& s : loaded.splits) {
    if (s.spec == spec_text && s.seed == seed) {
      split.part = std::move(s.part);
      split.kfold = spec.kind == etl::SplitSpec::Kind::kKFold;
      split.pairs = split.kfold ? spec.folds : 1;
      reused = true;
      break;
    }
  }
  if (!reused) split = etl::AssignSplit(m, spec, seed, workers);
  spdlog::info("evaluate: {} on {} x {} ({} ratings), split {} (seed {}, {}), k = {}", algorithm,
               m.rows, m.cols, m.nnz(), spec_text, seed, reused ? "saved" : "computed", k);

  io::Database db(db_path, io::Database::Mode::kReadOnly);
  const std::string out_dir =
      !o.output.empty()
          ? o.output
          : db_path + ".evaluations/" + Timestamp() + "-" + algorithm + "-" +
                std::string(spec_text).replace(spec_text.find(':'), 1, "_");
  std::filesystem::create_directories(out_dir);

  json folds = json::array();
  for (int f = 0; f < split.pairs; ++f) {
    const auto t0 = std::chrono::steady_clock::now();
    etl::TrainTest tt = etl::MaterializeSplit(m, split, f, workers);
    const CscMatrix csc = ToCsc(tt.train, workers);
    const FactorModel model =
        TrainInMemory(ctx, &db, algorithm, tt.train, csc, cfg.models, cfg.progress);
    const TopNLists lists = ScoreStoredModel(ctx, model, tt.train, k);
    const RankingReport r = EvaluateRanking(lists, tt.train, tt.test, k, workers);
    std::optional<RatingReport> rr;
    if (PredictsRatings(algorithm)) rr = EvaluateRatings(model, tt.test, workers);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    folds.push_back(FoldJson(r, rr, seconds));

    const std::string fold_dir =
        split.pairs > 1 ? out_dir + "/fold" + std::to_string(f) : out_dir;
    std::filesystem::create_directories(fold_dir);
    io::WriteNpy1D<int64_t>(fold_dir + "/user_ids.npy", Gather(r.user_rows, m.row_ids));
    io::WriteNpy1D<float>(fold_dir + "/precision_at_k.npy", r.user_precision);
    io::WriteNpy1D<float>(fold_dir + "/recall_at_k.npy", r.user_recall);
    io::WriteNpy1D<float>(fold_dir + "/ndcg_at_k.npy", r.user_ndcg);
    io::WriteNpy1D<float>(fold_dir + "/map_at_k.npy", r.user_ap);
    io::WriteNpy1D<float>(fold_dir + "/hit_rate_at_k.npy", r.user_hit);
    if (rr) {
      io::WriteNpy1D<int64_t>(fold_dir + "/rmse_user_ids.npy", Gather(rr->user_rows, m.row_ids));
      io::WriteNpy1D<float>(fold_dir + "/rmse.npy", rr->user_rmse);
    }
  }

  // The mean over folds (the only fold for a holdout) at the top level.
  json result = {{"algorithm", algorithm}, {"split", spec_text}, {"seed", seed}, {"k", k}};
  for (const char* key : {"precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k",
                          "hit_rate_at_k", "coverage", "novelty", "rmse", "mae"}) {
    if (!folds[0].contains(key)) continue;
    double sum = 0;
    for (const auto& fj : folds) sum += fj[key].get<double>();
    result[key] = sum / static_cast<double>(folds.size());
  }
  result["users"] = folds[0]["users"];
  if (split.pairs > 1) result["folds"] = folds;
  result["seconds"] = [&] {
    double s = 0;
    for (const auto& fj : folds) s += fj["seconds"].get<double>();
    return s;
  }();
  result["per_user_metrics"] = out_dir;
  {
    std::ofstream(out_dir + "/metrics.json") << result.dump(2) << "\n";
  }

  if (o.format == "json") {
    std::cout << result.dump(2) << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("evaluate {} on split {} (seed {}), k = {}: {} users\n", algorithm,
                           spec_text, seed, k, result["users"].get<int64_t>());
  auto line = [&](const char* name, const char* key) {
    if (result.contains(key)) {
      std::cout << fmt::format("  {:<14} {:.4f}\n", name, result[key].get<double>());
    }
  };
  line("RMSE", "rmse");
  line("MAE", "mae");
  line(fmt::format("Precision@{}", k).c_str(), "precision_at_k");
  line(fmt::format("Recall@{}", k).c_str(), "recall_at_k");
  line(fmt::format("NDCG@{}", k).c_str(), "ndcg_at_k");
  line(fmt::format("MAP@{}", k).c_str(), "map_at_k");
  line(fmt::format("HitRate@{}", k).c_str(), "hit_rate_at_k");
  line("coverage", "coverage");
  line("novelty", "novelty");
  if (split.pairs > 1) {
    for (size_t f = 0; f < folds.size(); ++f) {
      std::cout << fmt::format("  fold {}: precision {:.4f}, ndcg {:.4f}{}\n", f,
                               folds[f]["precision_at_k"].get<double>(),
                               folds[f]["ndcg_at_k"].get<double>(),
                               folds[f].contains("rmse")
                                   ? fmt::format(", rmse {:.4f}", folds[f]["rmse"].get<double>())
                                   : "");
    }
  }
  std::cout << "  per-user metrics: " << out_dir << "\n";
  return kExitOk;
}

}  // namespace

Runner RegisterEvaluate(CLI::App& app) {
  auto opt = std::make_shared<EvaluateOptions>();
  CLI::App* cmd =
      app.add_subcommand("evaluate", "Train on a split of the rating matrix and measure");
  cmd->add_option("-c,--config", opt->config, "Pipeline configuration (YAML)")->required();
  cmd->add_option("--db", opt->db, "SQLite database (overrides database.path)");
  cmd->add_option("--algorithm", opt->algorithm,
                  "als | ials | svd | content | popularity | hybrid (default: "
                  "models.collaborative)");
  cmd->add_option("--split", opt->split,
                  "time:F | time:last=N | random:F | kfold:K (default: evaluation.split)");
  cmd->add_option("--k", opt->k, "Cut-off of the ranking metrics (default: evaluation.k)")
      ->check(CLI::Range(1, 10000));
  cmd->add_option("--seed", opt->seed, "Split seed (default: evaluation.seed)")
      ->check(CLI::Range(int64_t{0}, int64_t{2147483647}));
  cmd->add_option("--format", opt->format, "table | json")->capture_default_str();
  cmd->add_option("--device", opt->device, "auto | cpu | gpu | gpu:N");
  cmd->add_option("--output", opt->output,
                  "Folder for metrics.json and the per-user .npy vectors (default: "
                  "<db>.evaluations/<time>-<algorithm>-<split>)");
  return [opt] { return RunEvaluate(*opt); };
}

}  // namespace movierec::app
