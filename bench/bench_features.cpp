// The features step (movie_features, user_profiles, genre_features) on a MovieLens-25M-shaped
// dataset held in memory: 25M ratings, 27,278 movies, 138,493 users, 20 genres. Activity and
// popularity are heavy-tailed as in the real data, so per-user runs range from one rating to
// several thousand. Building the dataset is not timed.
//
//   cmake --build build --target bench_features && build/bench/bench_features
//   (--benchmark_filter=workers:2 for the 2-core figure)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <thread>

#include "etl/features.h"

namespace movierec::etl {
namespace {

constexpr int64_t kRatings = 25'000'000;
constexpr int kMovies = 27'278;
constexpr int kUsers = 138'493;
constexpr int kGenres = 20;

const Dataset& Data() {
  static const Dataset d = [] {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    Dataset out;
    for (int g = 0; g < kGenres; ++g) out.genres.push_back("Genre " + std::to_string(g));
    const char* languages[] = {"en", "fr-Français", "English", "ja-日本語", "de"};
    for (int i = 0; i < kMovies; ++i) {
      Movie m;
      m.movie_id = i + 1;
      m.year = 1920 + i % 100;
      m.runtime = 80 + i % 90;
      m.original_language = languages[i % 5];
      out.movies.push_back(std::move(m));
      const int k = 1 + static_cast<int>(rng() % 4);
      std::vector<int> gs;
      while (static_cast<int>(gs.size()) < k) {
        const int g = 1 + static_cast<int>(rng() % kGenres);
        if (std::find(gs.begin(), gs.end(), g) == gs.end()) gs.push_back(g);
      }
      std::sort(gs.begin(), gs.end());
      for (int g : gs) out.movie_genres.emplace_back(i + 1, g);
    }
    // Lognormal activity scaled to the rating total; capped at a quarter of the catalogue.
    std::lognormal_distribution<double> activity(0.0, 1.2);
    std::vector<double> a(kUsers);
    double sum = 0;
    for (auto& x : a) sum += (x = activity(rng));
    out.ratings.reserve(static_cast<size_t>(kRatings) + kUsers);
    std::vector<uint8_t> taken(kMovies, 0);
    std::vector<int32_t> picked;
    for (int u = 0; u < kUsers; ++u) {
      const int n = std::clamp(static_cast<int>(std::lround(a[static_cast<size_t>(u)] / sum *
                                                            static_cast<double>(kRatings))),
                               1, kMovies / 4);
      picked.clear();
      while (static_cast<int>(picked.size()) < n) {
        // Popular movies first: a skewed draw half the time, a uniform one otherwise.
        const double x = unit(rng);
        const int m = static_cast<int>(kMovies * (rng() & 1 ? x * x * x : x));
        if (taken[static_cast<size_t>(m)]) continue;
        taken[static_cast<size_t>(m)] = 1;
        picked.push_back(m);
      }
      std::sort(picked.begin(), picked.end());
      for (int32_t m : picked) {
        taken[static_cast<size_t>(m)] = 0;
        Rating r;
        r.user_id = u + 1;
        r.movie_id = m + 1;
        r.rating = 0.5f * static_cast<float>(1 + rng() % 10);
        r.timestamp = 820'000'000 + static_cast<int64_t>(rng() % 700'000'000);
        out.ratings.push_back(r);
      }
    }
    return out;
  }();
  return d;
}

void BM_ComputeFeatures(benchmark::State& state) {
  const Dataset& d = Data();
  FeatureOptions opt;
  opt.workers = static_cast<int>(state.range(0));
  opt.popularity_half_life_days = static_cast<double>(state.range(1));
  for (auto _ : state) {
    FeatureTables t = ComputeFeatures(d, opt);
    benchmark::DoNotOptimize(t.user_profiles.data());
  }
  state.counters["ratings"] = static_cast<double>(d.ratings.size());
  state.counters["ratings/s"] = benchmark::Counter(static_cast<double>(d.ratings.size()),
                                                   benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_ComputeFeatures)
    ->ArgNames({"workers", "half_life_days"})
    ->Args({1, 0})
    ->Args({2, 0})
    ->Args({2, 30})
    ->Args({4, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(2.0);

}  // namespace
}  // namespace movierec::etl

int main(int argc, char** argv) {
  using namespace movierec::etl;
  benchmark::Initialize(&argc, argv);
  benchmark::AddCustomContext(
      "data", std::to_string(kRatings) + " ratings (target; see counter), " +
                  std::to_string(kMovies) + " movies, " + std::to_string(kUsers) + " users, " +
                  std::to_string(kGenres) + " genres, in memory");
  benchmark::AddCustomContext("hardware_threads",
                              std::to_string(std::thread::hardware_concurrency()));
  benchmark::AddCustomContext("command",
                              "build/bench/bench_features [--benchmark_filter=workers:2]");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
