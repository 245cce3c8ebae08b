// `movierec recommend`: one user's recommendations (precomputed, cached or computed now), or
// --precompute: every user's lists for the configured algorithms (the pipeline's score stage).
#include <fmt/format.h>

#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "common/error.h"
#include "host/context.h"
#include "host/model_driver.h"
#include "host/recommender.h"
#include "io/config.h"
#include "io/matrix_files.h"
#include "io/schema.h"
#include "io/sqlite_db.h"

namespace movierec::app {
namespace {

struct RecommendOptions {
  std::string db;
  std::string config;
  int64_t user_id = -1;
  bool user_given = false;
  int top_n = 10;
  std::string algorithm = "collaborative";
  std::string format = "table";
  bool precompute = false;
  bool explain = false;
  std::string device;
};

struct MovieInfo {
  std::string title;
  std::optional<int64_t> year;
  std::vector<std::string> genres;
};

std::map<int64_t, MovieInfo> ReadMovies(io::Database& db, const std::vector<int64_t>& ids) {
  std::map<int64_t, MovieInfo> out;
  io::ReadTransaction snapshot(db);
  io::Statement m = db.Prepare("SELECT title, release_year FROM movie WHERE movie_id = ?");
  io::Statement g = db.Prepare(
      "SELECT g.name FROM movie_genres mg JOIN genre g ON g.genre_id = mg.genre_id "
      "WHERE mg.movie_id = ? ORDER BY g.genre_id");
  for (int64_t id : ids) {
    if (out.count(id)) continue;
    MovieInfo info;
    m.Reset();
    m.Bind(1, id);
    if (m.Step()) {
      info.title = m.ColumnText(0);
      if (!m.ColumnIsNull(1)) info.year = m.ColumnInt(1);
    }
    g.Reset();
    g.Bind(1, id);
    while (g.Step()) info.genres.push_back(g.ColumnText(0));
    out.emplace(id, std::move(info));
  }
  return out;
}

int PrintAnswer(io::Database& db, const RecommendAnswer& a, const std::string& format) {
  std::vector<int64_t> ids;
  for (const auto& m : a.movies) {
    ids.push_back(m.movie_id);
    if (m.because_movie_id) ids.push_back(*m.because_movie_id);
  }
  const auto info = ReadMovies(db, ids);
  if (format == "json") {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : a.movies) {
      const MovieInfo& mi = info.at(m.movie_id);
      nlohmann::json reason = {{"algorithm", a.served_by}};
      if (a.served_by != a.algorithm) reason["note"] = "no rated movie known to the model";
      if (m.because_movie_id) {
        reason["because_you_liked"] = {{"movie_id", *m.because_movie_id},
                                       {"title", info.at(*m.because_movie_id).title}};
      }
      list.push_back({{"rank", m.rank},
                      {"movie_id", m.movie_id},
                      {"title", mi.title},
                      {"year", mi.year ? nlohmann::json(*mi.year) : nlohmann::json(nullptr)},
                      {"genres", mi.genres},
                      {"score", m.score},
                      {"reason", reason}});
    }
    std::cout << nlohmann::json{{"user_id", a.user_id},
                                {"algorithm", a.algorithm},
                                {"model_id", a.model_id},
                                {"source", a.source},
                                {"recommendations", list}}
                     .dump(2)
              << "\n";
    return kExitOk;
  }
  std::cout << fmt::format("user {}: {} recommendations by {} ({}{})\n", a.user_id,
                           a.movies.size(), a.served_by, a.source,
                           a.model_id ? fmt::format(", model {}", a.model_id) : "");
  std::cout << fmt::format("{:>4}  {:>9}  {:<44} {:>4}  {:<28} {:>8}\n", "rank", "movie_id",
                           "title", "year", "genres", "score");
  for (const auto& m : a.movies) {
    const MovieInfo& mi = info.at(m.movie_id);
    std::string genres;
    for (const auto& g : mi.genres) genres += (genres.empty() ? "" : "|") + g;
    std::string title = mi.title.size() > 44 ? mi.title.substr(0, 41) + "..." : mi.title;
    std::cout << fmt::format("{:>4}  {:>9}  {:<44} {:>4}  {:<28} {:>8.4f}\n", m.rank, m.movie_id,
                             title, mi.year ? std::to_string(*mi.year) : "", genres, m.score);
    if (m.because_movie_id) {
      std::cout << fmt::format("{:>17}because you liked {}\n", "",
                               info.at(*m.because_movie_id).title);
    }
  }
  return kExitOk;
}

int RunPrecompute(const RecommendOptions& o, const io::PipelineConfig& cfg) {
  const std::string db_path = o.db.empty() ? cfg.database_path : o.db;
  if (!std::filesystem::exists(db_path)) {
    throw UsageError("no database at " + db_path + "; run `movierec pipeline` first");
  }
  const Context ctx = ResolveContext(o.device.empty() ? cfg.device : o.device, cfg.Workers());
  io::LoadMatrixOptions lo;
  lo.workers = cfg.Workers();
  lo.build_csc = false;
  lo.load_splits = false;
  io::LoadedRatingMatrix m = io::LoadRatingMatrix(db_path, lo);
  io::Database db(db_path);
  io::EnsureSchema(db);
  ModelRunOptions mo;
  mo.db_path = db_path;
  mo.data_run_id = m.manifest.run_id;
  for (const auto& s : ScoreModels(ctx, db, m.csr, cfg.models, mo)) {
    std::cout << fmt::format("{}: {} rows from model {} in {:.2f} s\n", s.algorithm, s.rows,
                             s.model_id, s.seconds);
  }
  return kExitOk;
}

int RunRecommend(const RecommendOptions& o) {
  io::PipelineConfig cfg;
  if (!o.config.empty()) cfg = io::LoadConfig(o.config);
  if (o.precompute) return RunPrecompute(o, cfg);
  if (!o.user_given) throw UsageError("recommend: give --user-id ID (or --precompute)");
  if (o.format != "table" && o.format != "json") {
    throw UsageError("--format must be table or json, not '" + o.format + "'");
  }
  const std::string db_path = o.db.empty() ? cfg.database_path : o.db;
  if (!std::filesystem::exists(db_path)) {
    throw UsageError("no database at " + db_path + "; run `movierec pipeline` first");
  }
  io::Database db(db_path);
  RecommendRequest req;
  req.user_id = o.user_id;
  req.algorithm = o.algorithm;
  req.collaborative = cfg.models.collaborative;
  req.n = o.top_n;
  req.explain = o.explain || o.format == "json";
  return PrintAnswer(db, Recommend(db, req), o.format);
}

}  // namespace

Runner RegisterRecommend(CLI::App& app) {
  auto opt = std::make_shared<RecommendOptions>();
  CLI::App* cmd = app.add_subcommand("recommend", "Recommendations for one user, or precompute all");
  cmd->add_option("--db", opt->db,
                  "SQLite database (default: database.path of --config, else "
                  "data/movies_recommendation.db)");
  cmd->add_option("-c,--config", opt->config,
                  "Pipeline configuration: the database, models.collaborative, and for "
                  "--precompute models.algorithms");
  cmd->add_option_function<int64_t>(
      "--user-id",
      [opt](const int64_t& id) {
        opt->user_id = id;
        opt->user_given = true;
      },
      "The user's id as in the ratings file");
  cmd->add_option("-n,--top-n", opt->top_n, "How many movies")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  cmd->add_option("--algorithm", opt->algorithm,
                  "collaborative (models.collaborative, ials by default) | content | hybrid | "
                  "popularity | als | ials | svd")
      ->capture_default_str();
  cmd->add_option("--format", opt->format, "table | json")->capture_default_str();
  cmd->add_flag("--explain", opt->explain,
                "Name the liked movie nearest to each answer (always on with json)");
  cmd->add_flag("--precompute", opt->precompute,
                "Score every user for the configured algorithms (the score stage)");
  cmd->add_option("--device", opt->device, "auto | cpu | gpu | gpu:N, for --precompute");
  return [opt] { return RunRecommend(*opt); };
}

}  // namespace movierec::app
