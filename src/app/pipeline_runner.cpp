#include "app/pipeline_runner.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <optional>

#include "common/error.h"
#include "etl/extract.h"
#include "etl/rating_matrix.h"
#include "etl/splits.h"
#include "etl/transform.h"
#include "etl/validate.h"
#include "host/context.h"
#include "host/model_driver.h"
#include "io/config.h"
#include "io/dataset_store.h"
#include "io/matrix_files.h"
#include "io/run_report.h"
#include "io/schema.h"
#include "io/sqlite_db.h"

namespace movierec::app {
namespace {

const std::vector<std::string>& kAvailable = io::AllStages();

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::vector<std::string> ResolveStages(const std::vector<std::string>& requested) {
  std::vector<std::string> stages = requested.empty() ? kAvailable : io::NormalizeStages(requested);
  for (const auto& s : stages) {
    if (!Has(kAvailable, s)) throw UsageError("unknown stage '" + s + "'");
  }
  // The ETL stages hand rows to each other in memory, so a later one needs the earlier ones in
  // the same run: `--stages extract load` (the original tool's usage) runs validate and
  // transform as well.
  const std::vector<std::string> chain = {"extract", "validate", "transform", "load"};
  int last = -1;
  for (int i = 0; i < static_cast<int>(chain.size()); ++i) {
    if (Has(stages, chain[i])) last = i;
  }
  std::vector<std::string> added;
  for (int i = 0; i <= last; ++i) {
    if (!Has(stages, chain[i])) {
      stages.push_back(chain[i]);
      added.push_back(chain[i]);
    }
  }
  if (!added.empty()) {
    std::string names;
    for (const auto& a : added) names += (names.empty() ? "" : ", ") + a;
    spdlog::info("stages: also running {} (later ETL stages need their input in memory)", names);
  }
  return io::NormalizeStages(stages);
}

class StageClock {
 public:
  StageClock(io::RunReport& report, std::string name) : report_(report), name_(std::move(name)) {
    spdlog::info("stage {}: started", name_);
  }
  void Done(int64_t rows_in, int64_t rows_out) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    report_.stages.push_back({name_, secs, rows_in, rows_out});
    spdlog::info("stage {}: {:.2f} s, {} rows in, {} rows out", name_, secs, rows_in, rows_out);
  }

 private:
  io::RunReport& report_;
  std::string name_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

int64_t CountRows(const etl::ExtractedData& d) {
  return static_cast<int64_t>(d.movies.size() + d.credits.size() + d.ratings.size() +
                              d.imdb.size() + d.tags.size() + d.links.size());
}

std::string StagesJoined(const std::vector<std::string>& stages) {
  std::string s;
  for (const auto& x : stages) s += (s.empty() ? "" : " ") + x;
  return s;
}

// The run's etl_runs row as the report has it so far (status "success" until said otherwise).
io::RunRecord RunRecordOf(const io::RunReport& report, const std::vector<std::string>& stages) {
  io::RunRecord run;
  run.started_at = report.started_at;
  run.finished_at = report.finished_at;
  run.config_hash = report.config_hash;
  run.stages = StagesJoined(stages);
  run.device = report.device;
  return run;
}

void PrintSummary(const io::RunReport& report, const std::string& report_path) {
  std::cout << "movierec pipeline: " << report.status;
  if (report.run_id) std::cout << " (run " << report.run_id << ")";
  std::cout << "\n  database: " << report.database << "\n";
  for (const auto& s : report.sources) {
    std::cout << "  " << s.kind << ": " << s.rows_read << " read, " << s.rows_loaded << " loaded, "
              << s.rows_merged << " merged, " << s.rows_quarantined << " quarantined  (" << s.path
              << ", " << s.format << ")\n";
  }
  double total = 0;
  for (const auto& s : report.stages) total += s.seconds;
  std::cout << fmt::format("  time: {:.2f} s, peak RSS {} MiB\n", total,
                           io::PeakRssBytes() / (1024 * 1024));
  if (!report_path.empty()) std::cout << "  report: " << report_path << "\n";
}

// What the last successful run loaded, for the rules that compare runs; empty on a new database.
etl::RunHistory ReadHistory(const std::string& database_path) {
  etl::RunHistory h;
  if (!std::filesystem::exists(database_path)) return h;
  try {
    io::Database db(database_path, io::Database::Mode::kReadOnly);
    if (db.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE name = 'etl_runs'") == 0) return h;
    io::Statement s = db.Prepare(
        "SELECT counts_json FROM etl_runs WHERE status = 'success' AND counts_json IS NOT NULL "
        "ORDER BY run_id DESC LIMIT 1");
    if (!s.Step()) return h;
    auto j = nlohmann::json::parse(s.ColumnText(0));
    if (!j.is_object()) return h;
    for (const auto& src : j.value("sources", nlohmann::json::array())) {
      if (src.value("kind", "") == "movies") h.movies = src.value("rows_loaded", int64_t{0});
      if (src.value("kind", "") == "ratings") h.ratings = src.value("rows_loaded", int64_t{0});
    }
    h.rating_histogram = j.value("rating_histogram", std::vector<double>{});
  } catch (const std::exception& e) {
    spdlog::warn("cannot read the previous run from {}: {}", database_path, e.what());
  }
  return h;
}

}  // namespace

int RunPipeline(const PipelineOptions& opt) {
  io::PipelineConfig cfg = io::LoadConfig(opt.config);
  if (!opt.device.empty()) cfg.device = opt.device;
  if (!opt.database.empty()) cfg.database_path = opt.database;
  if (!opt.reports_dir.empty()) cfg.reports_dir = opt.reports_dir;
  if (opt.max_workers >= 0) cfg.max_workers = opt.max_workers;
  if (opt.no_progress) cfg.progress = false;
  const std::vector<std::string> stages =
      ResolveStages(opt.stages.empty() ? cfg.stages : opt.stages);
  const Context ctx = ResolveContext(cfg.device, cfg.Workers());
  const etl::SplitSpec split_spec = etl::ParseSplitSpec(cfg.eval_split);
  etl::ValidateOptions vopt;
  vopt.rules = etl::RuleSet::FromConfig(cfg.quality_rules, cfg.config_file.string());
  vopt.sample_size = static_cast<size_t>(cfg.quality_sample_size);

  io::RunReport report;
  report.started_at = io::UnixNow();
  report.config_file = cfg.config_file.string();
  report.config_hash = io::ConfigHash(cfg);
  report.database = cfg.database_path;
  report.device = ctx.Name();
  spdlog::info("pipeline: stages {} on {}, {} worker(s)", StagesJoined(stages), ctx.Name(),
               cfg.Workers());

  std::string report_path;
  try {
    std::optional<etl::ExtractedData> extracted;
    std::optional<Dataset> dataset;
    std::optional<RatingMatrix> matrix;  // this run's, when it loaded
    std::vector<QualityResult> quality;
    if (Has(stages, "extract")) {
      StageClock clock(report, "extract");
      extracted = etl::Extract(cfg.sources, {cfg.Workers(), cfg.progress});
      int64_t read = 0;
      for (const auto& s : extracted->sources) read += s.rows_read;
      clock.Done(read, CountRows(*extracted));
    }
    if (Has(stages, "validate")) {
      StageClock clock(report, "validate");
      int64_t in = CountRows(*extracted);
      vopt.now = io::UnixNow();
      vopt.previous = ReadHistory(cfg.database_path);
      quality = etl::Validate(*extracted, vopt);
      clock.Done(in, CountRows(*extracted));
      for (const auto& q : quality) {
        if (q.rows_failed > 0) {
          spdlog::warn("quality {} on {}: {} of {} rows {}", q.rule_id, q.table, q.rows_failed,
                       q.rows_checked, q.action);
        }
      }
    }
    if (Has(stages, "transform")) {
      StageClock clock(report, "transform");
      int64_t in = CountRows(*extracted);
      etl::TransformOptions topt;
      topt.workers = cfg.Workers();
      topt.genre_min_frequency = cfg.genres_min_frequency;
      topt.genre_max_genres = cfg.genres_max_genres;
      topt.bayesian_prior_count = cfg.bayesian_prior_count;
      topt.popularity_half_life_days = cfg.popularity_half_life_days;
      topt.index_policy = etl::ParseIndexPolicy(cfg.index_policy);
      if (std::filesystem::exists(cfg.database_path)) {
        io::Database db(cfg.database_path, io::Database::Mode::kReadOnly);
        io::StoredIndexes previous = io::ReadStoredIndexes(db);
        topt.previous_user_ids = std::move(previous.user_ids);
        topt.previous_movie_ids = std::move(previous.movie_ids);
      }
      dataset = etl::Transform(std::move(*extracted), std::move(quality), topt);
      extracted.reset();
      std::vector<QualityResult> table_rules = etl::ValidateDataset(*dataset, vopt);
      for (const auto& q : table_rules) {
        if (q.rows_failed > 0) {
          spdlog::warn("quality {} on {}: {} of {} rows {}", q.rule_id, q.table, q.rows_failed,
                       q.rows_checked, q.action);
        }
      }
      dataset->quality.insert(dataset->quality.end(), table_rules.begin(), table_rules.end());
      clock.Done(in, static_cast<int64_t>(dataset->ratings.size() + dataset->movies.size()));
      report.sources = dataset->sources;
      report.rating_histogram = etl::RatingHistogram(dataset->ratings);
      report.quality = dataset->quality;
      report.rejected_total = static_cast<int64_t>(dataset->rejected.size());
      for (size_t i = 0; i < std::min<size_t>(20, dataset->rejected.size()); ++i) {
        report.rejected_sample.push_back(dataset->rejected[i]);
      }
      if (const QualityResult* f = etl::FirstFailure(report.quality)) {
        throw QualityError("quality rule " + f->rule_id + " (severity fail) failed on " + f->table +
                           ": " + std::to_string(f->rows_failed) + " of " +
                           std::to_string(f->rows_checked) + " rows" +
                           (f->sample.empty() ? "" : "; e.g. " + f->sample.front()) +
                           ". Nothing was written to the database.");
      }
    }
    if (Has(stages, "load")) {
      StageClock clock(report, "load");
      std::filesystem::path db_path(cfg.database_path);
      if (db_path.has_parent_path()) std::filesystem::create_directories(db_path.parent_path());
      io::Database db(cfg.database_path);
      io::EnsureSchema(db);
      const io::RunRecord run = RunRecordOf(report, stages);
      int64_t run_id = 0;
      io::LoadStats ls =
          io::LoadDataset(db, *dataset, run, {cfg.batch_size, cfg.progress}, &run_id);
      report.run_id = run_id;
      // The training matrix (CSR, numpy-loadable .npy files) lands beside the database; its
      // manifest names this run, so a reader can tell a matrix from an older load.
      matrix = etl::BuildRatingMatrix(*dataset, cfg.Workers());
      io::SaveMatrixOptions save;
      save.run_id = run_id;
      // The evaluation split rides along, so evaluate and the A/B runs score the same hold-out.
      etl::SplitAssignment split =
          etl::AssignSplit(*matrix, split_spec, static_cast<uint64_t>(cfg.eval_seed), cfg.Workers());
      save.splits.push_back(io::StoredSplit{etl::FormatSplitSpec(split_spec),
                                            static_cast<uint64_t>(cfg.eval_seed),
                                            std::move(split.part)});
      io::SaveRatingMatrix(cfg.database_path, *matrix, save);
      spdlog::info("rating matrix {} x {} ({} ratings) saved to {}", matrix->rows, matrix->cols,
                   matrix->nnz(), io::MatrixFolderPath(cfg.database_path));
      clock.Done(ls.rows, ls.rows);
    }
    if (Has(stages, "train") || Has(stages, "score")) {
      // The matrix this run loaded, or the one saved beside the database by an earlier load.
      std::optional<int64_t> data_run_id;
      if (matrix) {
        data_run_id = report.run_id;
      } else {
        if (!std::filesystem::exists(cfg.database_path)) {
          throw UsageError("train/score: no database at " + cfg.database_path +
                           "; run the ETL stages (extract ... load) first");
        }
        io::LoadMatrixOptions lo;
        lo.workers = cfg.Workers();
        lo.build_csc = false;
        lo.load_splits = false;
        io::LoadedRatingMatrix loaded = io::LoadRatingMatrix(cfg.database_path, lo);
        data_run_id = loaded.manifest.run_id;
        matrix = std::move(loaded.csr);
      }
      io::Database db(cfg.database_path);
      io::EnsureSchema(db);
      if (!report.run_id) report.run_id = io::InsertRun(db, RunRecordOf(report, stages));
      ModelRunOptions mo;
      mo.db_path = cfg.database_path;
      mo.data_run_id = data_run_id;
      mo.progress = cfg.progress;
      if (Has(stages, "train")) {
        StageClock clock(report, "train");
        if (dataset) {  // the ratings are in SQLite and the matrix now; free them for training
          dataset->ratings.clear();
          dataset->ratings.shrink_to_fit();
        }
        const CscMatrix csc = ToCsc(*matrix, cfg.Workers());
        for (const TrainedModel& t : TrainModels(ctx, db, *matrix, csc, cfg.models, mo)) {
          report.models.push_back(
              {{"stage", "train"}, {"algorithm", t.algorithm}, {"model_id", t.model_id},
               {"seconds", t.seconds}});
        }
        clock.Done(matrix->nnz(), static_cast<int64_t>(cfg.models.algorithms.size()));
      }
      if (Has(stages, "score")) {
        StageClock clock(report, "score");
        int64_t rows = 0;
        for (const ScoredAlgorithm& a : ScoreModels(ctx, db, *matrix, cfg.models, mo)) {
          report.models.push_back({{"stage", "score"},
                                   {"algorithm", a.algorithm},
                                   {"model_id", a.model_id},
                                   {"rows", a.rows},
                                   {"seconds", a.seconds}});
          rows += a.rows;
        }
        clock.Done(matrix->rows, rows);
      }
    }
    report.finished_at = io::UnixNow();
    if (Has(stages, "finalize")) {
      StageClock clock(report, "finalize");
      report_path = report.Write(cfg.reports_dir);
      if (report.run_id && dataset) {
        std::string csv = io::WriteRejectedCsv(cfg.reports_dir, report.run_id, dataset->rejected);
        spdlog::info("quarantine: {} rows in {}", dataset->rejected.size(), csv);
      }
      if (report.run_id) {
        io::Database db(cfg.database_path);
        io::RunRecord run = RunRecordOf(report, stages);
        nlohmann::json j = report.ToJson();
        // Only a run that loaded data sets the history the next run's drift rules compare with.
        if (!report.sources.empty()) {
          run.counts_json = nlohmann::json{{"sources", j["sources"]},
                                           {"rating_histogram", j["rating_histogram"]}}
                                .dump();
        }
        run.timings_json = j["stages"].dump();
        run.report_path = report_path;
        io::UpdateRun(db, report.run_id, run);
      }
      clock.Done(0, 0);
      // Rewrite with the finalize timing included.
      report.Write(cfg.reports_dir);
    }
  } catch (const std::exception& e) {
    report.status = "failed";
    report.error = e.what();
    report.finished_at = io::UnixNow();
    if (report.run_id) {
      try {  // the run's row (train/score after a load) says it failed
        io::Database db(cfg.database_path);
        io::RunRecord run = RunRecordOf(report, stages);
        run.status = "failed";
        run.error = report.error;
        io::UpdateRun(db, report.run_id, run);
      } catch (const std::exception& inner) {
        spdlog::warn("cannot mark run {} failed: {}", report.run_id, inner.what());
      }
    }
    try {
      report_path = report.Write(cfg.reports_dir);
      spdlog::error("pipeline failed; report written to {}", report_path);
    } catch (const std::exception& inner) {
      spdlog::error("pipeline failed and the report could not be written: {}", inner.what());
    }
    throw;
  }
  PrintSummary(report, report_path);
  return kExitOk;
}

}  // namespace movierec::app
