// Throughput of `movierec generate`: ratings written per second, whole pipeline (catalog,
// ratings file, ground truth) into a scratch directory.
//
//   build/bench/bench_generate --benchmark_counters_tabular=true
//   equivalent CLI: movierec generate --out /tmp/x --users 160000 --movies 40000 --ratings 25000000
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <thread>

#include "gen/generator.h"

namespace {

namespace fs = std::filesystem;

void BM_Generate(benchmark::State& state, std::string format, double dirty_rate) {
  const int64_t ratings = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  fs::path dir =
      fs::temp_directory_path() / ("movierec_bench_generate_" + std::to_string(::getpid()));
  movierec::gen::GenerateOptions o;
  o.out_dir = dir.string();
  o.ratings = ratings;
  // Shapes like MovieLens: ~156 ratings per user, ~625 per movie.
  o.users = std::max<int64_t>(100, ratings / 156);
  o.movies = std::max<int64_t>(200, ratings / 625);
  o.format = format;
  o.dirty_rate = dirty_rate;
  o.threads = threads;
  double ratings_seconds = 0;
  for (auto _ : state) {
    movierec::gen::GenerateSummary s = movierec::gen::Generate(o);
    ratings_seconds += s.ratings_seconds;
    benchmark::DoNotOptimize(s.rows);
  }
  fs::remove_all(dir);
  state.SetItemsProcessed(state.iterations() * ratings);
  state.counters["users"] = static_cast<double>(o.users);
  state.counters["movies"] = static_cast<double>(o.movies);
  state.counters["ratings_file_per_s"] = benchmark::Counter(
      static_cast<double>(ratings) * static_cast<double>(state.iterations()) / ratings_seconds);
}

void Shapes(benchmark::internal::Benchmark* b) {
  int hc = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int64_t r : {1'000'000LL, 5'000'000LL, 25'000'000LL}) b->Args({r, hc});
  b->Args({5'000'000LL, 1});
  b->Unit(benchmark::kMillisecond)->UseRealTime()->MeasureProcessCPUTime();
}

BENCHMARK_CAPTURE(BM_Generate, original, std::string("original"), 0.0)->Apply(Shapes);
BENCHMARK_CAPTURE(BM_Generate, ml_latest, std::string("ml-latest"), 0.0)
    ->Args({5'000'000LL, static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()))})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Generate, original_dirty5pct, std::string("original"), 0.05)
    ->Args({5'000'000LL, static_cast<int64_t>(std::max(1u, std::thread::hardware_concurrency()))})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::AddCustomContext(
      "data", "movierec generate: users = ratings/156, movies = ratings/625, seed 42");
  benchmark::AddCustomContext("reproduce",
                              "build/bench/bench_generate (or: movierec generate "
                              "--out DIR --users 160256 --movies 40000 --ratings 25000000)");
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
