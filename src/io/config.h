// The pipeline configuration (config/pipeline_config.yaml). Precedence: built-in defaults <
// the YAML file < command-line flags. Every path resolves relative to the config file's
// folder, so a copied config folder next to a data folder just works.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "common/model_params.h"

namespace movierec::io {

struct SourcesConfig {
  std::string movies;   // required: Movies.csv, u.item, movies.dat or movies.csv
  std::string ratings;  // required: Ratings.csv, u.data, ratings.dat or ratings.csv
  std::string persons;  // optional: Persons.csv
  std::string imdb;     // optional: imdb_top_1000.csv
  std::string tags;     // optional: MovieLens tags.csv
  std::string links;    // optional: MovieLens links.csv
};

// One entry of quality.rules: the YAML as written, checked against the rule registry by the
// validate stage (which knows the rules; this layer only keeps values and their lines).
struct RuleSetting {
  struct Value {
    std::string text;
    int line = 0;
  };
  int line = 0;                         // line of the rule's key
  std::map<std::string, Value> values;  // enabled, severity, thresholds...
};

struct PipelineConfig {
  std::filesystem::path config_file;  // empty when running on defaults
  std::string database_path = "data/movies_recommendation.db";
  SourcesConfig sources;
  int batch_size = 10000;             // rows per multi-row INSERT batch and per progress tick
  int max_workers = 0;                // parser/loader threads; 0 = all cores
  int genres_min_frequency = 5;       // feature_engineering.genres.min_frequency
  int genres_max_genres = 20;         // feature_engineering.genres.max_genres
  int bayesian_prior_count = 0;       // feature_engineering.bayesian_prior_count; 0 = median count
  int popularity_half_life_days = 0;  // feature_engineering.popularity_half_life_days; 0 = off
  // feature_engineering.index_policy: how dense user/movie indexes follow the previous run's:
  // keep (an id keeps its index, gaps stay), compact (dense again), auto (keep unless gaps pass
  // 10 % of a dimension).
  std::string index_policy = "auto";
  std::string eval_split = "time:0.2";  // evaluation.split, saved with the rating matrix
  int eval_seed = 42;                   // evaluation.seed
  int eval_k = 10;                      // evaluation.k: cut-off of the ranking metrics
  ModelsConfig models;                // models.*: algorithms and their hyperparameters
  std::string device = "auto";        // compute.device: auto | cpu | gpu | gpu:N
  std::string reports_dir = "reports";
  std::string log_level = "info";
  bool progress = true;             // logging.progress: bars on a terminal, log lines otherwise
  std::vector<std::string> stages;  // pipeline.stages; empty = all
  std::map<std::string, RuleSetting> quality_rules;  // quality.rules.<rule id>.<key>
  int quality_sample_size = 5;  // quality.sample_size: failing rows kept per rule

  // Threads to use: max_workers, or the machine's cores when 0.
  int Workers() const;
};

// All stage names in order.
const std::vector<std::string>& AllStages();

// Reads and validates the file. Unknown keys, wrong types and out-of-range values throw
// UsageError naming the key and its line, e.g. "config.yaml:12: performance.batch_size: ...".
PipelineConfig LoadConfig(const std::filesystem::path& file);

// Validates a stage list (names from AllStages, no repeats) and returns it in pipeline order.
std::vector<std::string> NormalizeStages(const std::vector<std::string>& stages);

// A stable hash of the effective configuration, recorded with each run.
std::string ConfigHash(const PipelineConfig& config);

}  // namespace movierec::io
