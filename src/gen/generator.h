// `movierec generate`: a realistic synthetic data set in one of the published layouts, with
// its ground truth beside it (DESIGN.md §7). Same options => byte-identical output, whatever
// the thread count.
//
//   DIR/<data files of the chosen --format>
//   DIR/defects.csv                      only with --dirty-rate > 0
//   DIR/ground_truth/user_factors.npy    float32 users x rank
//   DIR/ground_truth/item_factors.npy    float32 movies x rank
//   DIR/ground_truth/user_bias.npy, item_bias.npy          float32
//   DIR/ground_truth/user_ids.npy, movie_ids.npy           int64 external ids, same row order
//   DIR/ground_truth/item_cluster.npy                      int32 taste cluster per movie
//   DIR/ground_truth/truth.json
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace movierec::gen {

struct GenerateOptions {
  std::string out_dir;
  int64_t users = 6000;
  int64_t movies = 4000;
  int64_t ratings = 1000000;
  uint64_t seed = 42;
  double dirty_rate = 0.0;
  std::string format = "original";
  int rank = 16;
  int threads = 0;  // 0 = hardware concurrency
};

struct GenerateSummary {
  std::vector<std::string> files;  // relative to out_dir, in writing order
  int64_t rows = 0;                // data records over all files (header lines excluded)
  int64_t ratings = 0;             // clean ratings
  int64_t defects = 0;
  int64_t bytes = 0;
  double seconds = 0;
  double ratings_seconds = 0;  // time spent on the ratings file alone
  int threads = 1;
};

// Throws movierec::UsageError with a message naming the flag.
void ValidateGenerateOptions(const GenerateOptions& options);
// Validates, writes everything, returns what was written (prints nothing).
GenerateSummary Generate(const GenerateOptions& options);
// Generate() plus the one-line summary on stdout; returns the process exit code (0).
int RunGenerate(const GenerateOptions& options);

}  // namespace movierec::gen
