#include "host/model_driver.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "host/content_model.h"
#include "host/popularity_model.h"
#include "host/scoring_vectors.h"
#include "host/trainer.h"
#include "io/content_catalog_store.h"
#include "io/model_store.h"
#include "io/recommendation_store.h"

namespace movierec {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A model's vectors in the stored shape (see model_driver.h).
FactorModel AsFactorModel(const std::string& algorithm, ScoringVectors&& v,
                          const RatingMatrix& train) {
  FactorModel m;
  m.algorithm = algorithm;
  m.factors = v.dim;
  m.users = v.users;
  m.items = v.items;
  m.user_factors = std::move(v.user);
  m.item_factors = std::move(v.item);
  m.user_ids = train.row_ids;
  m.item_ids = train.col_ids;
  return m;
}

FactorModel TrainPopularityModel(const RatingMatrix& train, const ModelsConfig& config) {
  PopularityModel p = TrainPopularity(train, config.popularity);
  FactorModel m = AsFactorModel("popularity", PopularityScoringVectors(p, train.rows), train);
  m.global_mean = static_cast<float>(p.global_mean);
  return m;
}

FactorModel TrainContentModel(io::Database* db, const RatingMatrix& train,
                              const ModelsConfig& config, int threads) {
  if (!db) throw Error("the content model needs the movie catalogue of a database");
  const ContentCatalog catalog = io::ReadContentCatalog(*db, train.col_ids);
  const ContentModel model = BuildContentModel(catalog, config.content, config.seed);
  return AsFactorModel("content", ContentScoringVectors(model, train, config.content, threads),
                       train);
}

// The hybrid blend of three component models (stored shape), and what it was built from.
FactorModel BlendHybrid(const FactorModel& collaborative, const FactorModel& content,
                        const FactorModel& popularity, const RatingMatrix& train,
                        const ModelsConfig& config, json* info) {
  const ScoringVectors c = FactorScoringVectors(collaborative);
  const ScoringVectors t = FactorScoringVectors(content);
  const ScoringVectors p = FactorScoringVectors(popularity);
  if (info) {
    (*info)["scales"] = {{"collaborative", SpreadScale(c, config.seed)},
                         {"content", SpreadScale(t, config.seed)},
                         {"popularity", SpreadScale(p, config.seed)}};
    (*info)["dims"] = {{"collaborative", c.dim}, {"content", t.dim}, {"popularity", p.dim}};
  }
  const std::vector<int64_t> counts = RowCounts(train.indptr);
  return AsFactorModel("hybrid",
                       HybridScoringVectors(c, t, p, counts, config.hybrid, config.seed), train);
}

bool SameIndexes(const FactorModel& m, const RatingMatrix& train) {
  return m.user_ids == train.row_ids && m.item_ids == train.col_ids;
}

}  // namespace

FactorModel TrainInMemory(const Context& ctx, io::Database* catalog_db,
                          const std::string& algorithm, const RatingMatrix& train,
                          const CscMatrix& csc, const ModelsConfig& config, bool progress) {
  if (IsFactorAlgorithm(algorithm)) {
    TrainOptions opt;
    opt.seed = config.seed;
    opt.progress = progress;
    FactorModel m = MakeFactorTrainer(ctx, algorithm, config)->Train(train, csc, opt);
    m.algorithm = algorithm;
    return m;
  }
  if (algorithm == "popularity") return TrainPopularityModel(train, config);
  if (algorithm == "content") return TrainContentModel(catalog_db, train, config, ctx.threads);
  if (algorithm == "hybrid") {
    const FactorModel c =
        TrainInMemory(ctx, catalog_db, config.collaborative, train, csc, config, progress);
    const FactorModel t = TrainInMemory(ctx, catalog_db, "content", train, csc, config, progress);
    const FactorModel p = TrainPopularityModel(train, config);
    return BlendHybrid(c, t, p, train, config, nullptr);
  }
  throw UsageError("unknown algorithm '" + algorithm +
                   "'; expected als, ials, svd, content, popularity or hybrid");
}

std::vector<TrainedModel> TrainModels(const Context& ctx, io::Database& db,
                                      const RatingMatrix& train, const CscMatrix& csc,
                                      const ModelsConfig& config, const ModelRunOptions& options) {
  std::vector<TrainedModel> out;
  std::map<std::string, std::pair<int64_t, FactorModel>> trained;  // this call's models
  // A component for the hybrid: trained in this call, else the newest stored one that fits
  // this matrix, else trained now (recorded too, so the hybrid's params can name it).
  auto component = [&](const std::string& algorithm) -> const std::pair<int64_t, FactorModel>& {
    if (auto it = trained.find(algorithm); it != trained.end()) return it->second;
    if (auto rec = io::LatestModel(db, algorithm); rec && !rec->path.empty()) {
      FactorModel m = io::LoadFactorModel(rec->path);
      if (SameIndexes(m, train)) {
        return trained.emplace(algorithm, std::pair{rec->model_id, std::move(m)}).first->second;
      }
    }
    spdlog::info("hybrid: training its {} component", algorithm);
    FactorModel m = TrainInMemory(ctx, &db, algorithm, train, csc, config, options.progress);
    io::ModelRecord rec;
    rec.algorithm = algorithm;
    rec.params_json = io::ModelParamsJson(algorithm, config);
    rec.created_at = UnixNow();
    rec.data_run_id = options.data_run_id;
    rec.device = ctx.Name();
    const int64_t id = io::SaveModel(db, options.db_path, rec, &m);
    return trained.emplace(algorithm, std::pair{id, std::move(m)}).first->second;
  };

  for (const std::string& algorithm : config.algorithms) {
    const auto t0 = Clock::now();
    spdlog::info("train: {} on {} users x {} movies ({} ratings)", algorithm, train.rows,
                 train.cols, train.nnz());
    json metrics = json::object();
    json params = json::parse(io::ModelParamsJson(algorithm, config));
    FactorModel model;
    if (IsFactorAlgorithm(algorithm)) {
      TrainOptions opt;
      opt.seed = config.seed;
      opt.progress = options.progress;
      json iterations = json::array();
      opt.on_iteration = [&](const IterationLog& log) {
        iterations.push_back({{"iteration", log.iteration},
                              {"loss", log.loss},
                              {"train_rmse", log.train_rmse},
                              {"seconds", log.seconds}});
      };
      model = MakeFactorTrainer(ctx, algorithm, config)->Train(train, csc, opt);
      model.algorithm = algorithm;
      metrics["iterations"] = iterations;
      if (!iterations.empty()) {
        metrics["loss"] = iterations.back()["loss"];
        metrics["train_rmse"] = iterations.back()["train_rmse"];
      }
    } else if (algorithm == "hybrid") {
      const auto& c = component(config.collaborative);
      const auto& t = component("content");
      const auto& p = component("popularity");
      json info;
      model = BlendHybrid(c.second, t.second, p.second, train, config, &info);
      params["components"] = {{"collaborative", c.first},
                              {"content", t.first},
                              {"popularity", p.first}};
      params["scales"] = info["scales"];
      params["dims"] = info["dims"];
    } else {
      model = TrainInMemory(ctx, &db, algorithm, train, csc, config, options.progress);
    }
    const double seconds = SecondsSince(t0);
    io::ModelRecord rec;
    rec.algorithm = algorithm;
    rec.params_json = params.dump();
    rec.metrics_json = metrics.dump();
    rec.created_at = UnixNow();
    rec.data_run_id = options.data_run_id;
    rec.device = ctx.Name();
    rec.seconds = seconds;
    const int64_t id = io::SaveModel(db, options.db_path, rec, &model);
    spdlog::info("train: {} done in {:.2f} s (model {})", algorithm, seconds, id);
    out.push_back({algorithm, id, seconds});
    trained.insert_or_assign(algorithm, std::pair{id, std::move(model)});
  }
  return out;
}

TopNLists ScoreStoredModel(const Context& ctx, const FactorModel& model, const RatingMatrix& train,
                           int n) {
  if (model.users != train.rows || model.items != train.cols) {
    throw Error("the " + model.algorithm + " model has " + std::to_string(model.users) + " x " +
                std::to_string(model.items) + " rows, the rating matrix " +
                std::to_string(train.rows) + " x " + std::to_string(train.cols));
  }
  const ScoringVectors sv = FactorScoringVectors(model);
  std::vector<uint8_t> item_allowed(static_cast<size_t>(train.cols));
  for (size_t c = 0; c < item_allowed.size(); ++c) item_allowed[c] = train.col_ids[c] != kVacantId;
  std::vector<uint8_t> user_active(static_cast<size_t>(train.rows));
  for (size_t r = 0; r < user_active.size(); ++r) user_active[r] = train.row_ids[r] != kVacantId;
  ScoringProblem problem;
  problem.user_vectors = sv.user.data();
  problem.users = sv.users;
  problem.item_vectors = sv.item.data();
  problem.items = sv.items;
  problem.dim = sv.dim;
  problem.exclude = &train;
  problem.item_allowed = item_allowed.data();
  problem.user_active = user_active.data();
  problem.n = n;
  return ScoreTopN(ctx, problem);
}

std::vector<ScoredAlgorithm> ScoreModels(const Context& ctx, io::Database& db,
                                         const RatingMatrix& train, const ModelsConfig& config,
                                         const ModelRunOptions& /*options*/) {
  std::vector<ScoredAlgorithm> out;
  for (const std::string& algorithm : config.algorithms) {
    const auto t0 = Clock::now();
    const auto rec = io::LatestModel(db, algorithm);
    if (!rec || rec->path.empty()) {
      throw UsageError("score: no " + algorithm +
                       " model in the database; run the train stage first");
    }
    const FactorModel model = io::LoadFactorModel(rec->path);
    if (!SameIndexes(model, train)) {
      throw UsageError("score: the " + algorithm + " model " + std::to_string(rec->model_id) +
                       " was trained on another rating matrix (the data changed since); run the "
                       "train stage again");
    }
    const TopNLists lists = ScoreStoredModel(ctx, model, train, config.top_n);
    io::RecommendationLists publish{algorithm,    rec->model_id, lists.n,      lists.items,
                                    lists.scores, lists.counts,  train.row_ids, train.col_ids};
    const int64_t rows = io::PublishRecommendations(db, publish, UnixNow());
    const double seconds = SecondsSince(t0);
    spdlog::info("score: {} top-{} for {} users published ({} rows) in {:.2f} s", algorithm,
                 config.top_n, train.rows, rows, seconds);
    out.push_back({algorithm, rec->model_id, rows, seconds});
  }
  return out;
}

}  // namespace movierec
