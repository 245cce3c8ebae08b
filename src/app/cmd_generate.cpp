// `movierec generate`: writes a synthetic data set with its ground truth (DESIGN.md §7).
#include <memory>

#include "app/commands.h"
#include "gen/generator.h"

namespace movierec::app {

Runner RegisterGenerate(CLI::App& app) {
  auto opts = std::make_shared<gen::GenerateOptions>();
  CLI::App* sub = app.add_subcommand(
      "generate",
      "Write a realistic synthetic data set (original or MovieLens layout) and its ground truth");
  sub->add_option("--out", opts->out_dir, "Output directory (created if needed)")->required();
  sub->add_option("--users", opts->users, "Number of users")->capture_default_str();
  sub->add_option("--movies", opts->movies, "Number of movies")->capture_default_str();
  sub->add_option("--ratings", opts->ratings, "Number of ratings (at most half of users x movies)")
      ->capture_default_str();
  sub->add_option("--seed", opts->seed, "Random seed; same flags => identical bytes")
      ->check(CLI::NonNegativeNumber)  // "-1" would otherwise wrap around to 2^64 - 1
      ->capture_default_str();
  sub->add_option("--dirty-rate", opts->dirty_rate,
                  "Share of rows given a realistic defect, 0..0.5 (listed in defects.csv)")
      ->capture_default_str();
  sub->add_option("--format", opts->format, "original | ml-100k | ml-1m | ml-latest")
      ->capture_default_str();
  sub->add_option("--rank", opts->rank, "Rank of the latent model")->capture_default_str();
  sub->add_option("--threads", opts->threads, "Worker threads (0 = all cores)")
      ->capture_default_str();
  // Flag values are checked in RunGenerate (UsageError -> exit 2) with messages naming them.
  return [opts] { return gen::RunGenerate(*opts); };
}

}  // namespace movierec::app
