// Sparse rating matrices at MovieLens-25M scale: the CSR built from transformed ratings, the CSC
// transpose, both together (the figure the issue asks for: well under 1 s on 2 cores), the
// splits, and the matrix folder written and read back.
//
//   build/bench/bench_rating_matrix [--benchmark_filter=BuildCsrAndCsc]
//
// Data: 25,000,000 ratings by 138,000 users over 27,000 movies, generated in memory (seed 42):
// log-normal user activity (1 to 13,500 ratings, mean ~181), Zipf(1.0) movie popularity, sparse
// MovieLens-like movie ids, so the CSC scatter sees realistic column skew.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/sparse.h"
#include "etl/rating_matrix.h"
#include "etl/splits.h"
#include "io/matrix_files.h"

namespace movierec::etl {
namespace {

constexpr int64_t kUsers = 138000;
constexpr int64_t kMovies = 27000;
constexpr int64_t kRatings = 25000000;

const Dataset& Data() {
  static const Dataset d = [] {
    Dataset out;
    std::mt19937_64 rng(42);
    int64_t id = 0;
    for (int64_t m = 0; m < kMovies; ++m) {
      id += 1 + static_cast<int64_t>(rng() % 8);  // MovieLens-like gaps in the ids
      Movie movie;
      movie.movie_id = id;
      out.movies.push_back(movie);
    }
    // Activity: log-normal weights scaled to the target count.
    std::lognormal_distribution<double> activity(0.0, 1.2);
    std::vector<double> w(kUsers);
    double sum = 0;
    for (auto& x : w) sum += (x = activity(rng));
    std::vector<int64_t> count(kUsers);
    for (int64_t u = 0; u < kUsers; ++u) {
      const double c = std::round(static_cast<double>(kRatings) * w[u] / sum);
      count[u] = std::clamp<int64_t>(static_cast<int64_t>(c), 1, kMovies / 2);
    }
    // Popularity: Zipf over a random permutation of the movies, sampled through its CDF.
    std::vector<double> cdf(kMovies);
    double acc = 0;
    for (int64_t m = 0; m < kMovies; ++m) cdf[m] = (acc += 1.0 / static_cast<double>(m + 1));
    std::vector<int32_t> rank_to_pos(kMovies);
    for (int64_t m = 0; m < kMovies; ++m) rank_to_pos[m] = static_cast<int32_t>(m);
    std::shuffle(rank_to_pos.begin(), rank_to_pos.end(), rng);

    std::vector<int64_t> start(kUsers + 1, 0);
    for (int64_t u = 0; u < kUsers; ++u) start[u + 1] = start[u] + count[u];
    out.ratings.resize(static_cast<size_t>(start[kUsers]));
    out.users.resize(kUsers);
    int32_t user_id = 0;
    for (int64_t u = 0; u < kUsers; ++u) {
      user_id += 1 + static_cast<int32_t>(rng() % 2);
      out.users[u].user_id = user_id;
      out.users[u].user_idx = static_cast<int32_t>(u);
      out.users[u].rating_count = count[u];
    }
    const int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    ForEachRange(EvenCuts(kUsers, threads), [&](int, int64_t u0, int64_t u1) {
      std::vector<uint8_t> taken(kMovies);
      std::vector<int32_t> picked;
      for (int64_t u = u0; u < u1; ++u) {
        std::mt19937_64 r(static_cast<uint64_t>(u) * 0x9e3779b97f4a7c15ULL + 7);
        std::uniform_real_distribution<double> unit(0.0, acc);
        picked.clear();
        int64_t tries = 0;
        while (static_cast<int64_t>(picked.size()) < count[u]) {
          int32_t pos;
          if (++tries < 4 * count[u]) {
            const auto rank = std::lower_bound(cdf.begin(), cdf.end(), unit(r)) - cdf.begin();
            pos = rank_to_pos[static_cast<size_t>(std::min<int64_t>(rank, kMovies - 1))];
          } else {  // the popular head is used up: fill from anywhere
            pos = static_cast<int32_t>(r() % kMovies);
          }
          if (!taken[static_cast<size_t>(pos)]) {
            taken[static_cast<size_t>(pos)] = 1;
            picked.push_back(pos);
          }
        }
        std::sort(picked.begin(), picked.end());
        Rating* dst = out.ratings.data() + start[u];
        for (int32_t pos : picked) {
          taken[static_cast<size_t>(pos)] = 0;
          dst->user_id = out.users[u].user_id;
          dst->movie_id = static_cast<int32_t>(out.movies[static_cast<size_t>(pos)].movie_id);
          dst->rating = 0.5f * static_cast<float>(1 + r() % 10);
          dst->timestamp = 946684800 + static_cast<int64_t>(r() % 700000000);
          ++dst;
        }
      }
    });
    return out;
  }();
  return d;
}

void Counters(benchmark::State& state) {
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(Data().ratings.size()));
  state.counters["ratings"] = static_cast<double>(Data().ratings.size());
}

void BM_BuildCsr(benchmark::State& state) {
  const Dataset& d = Data();
  for (auto _ : state) {
    RatingMatrix m = BuildRatingMatrix(d, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(m.indices.data());
  }
  Counters(state);
}

void BM_ToCsc(benchmark::State& state) {
  const RatingMatrix m = BuildRatingMatrix(Data(), 2);
  for (auto _ : state) {
    CscMatrix c = ToCsc(m, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(c.indices.data());
  }
  Counters(state);
}

void BM_BuildCsrAndCsc(benchmark::State& state) {
  const Dataset& d = Data();
  for (auto _ : state) {
    RatingMatrices m = BuildRatingMatrices(d, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(m.csc.indices.data());
  }
  Counters(state);
}

void BM_Split(benchmark::State& state, const char* spec) {
  const RatingMatrix m = BuildRatingMatrix(Data(), 2);
  const SplitSpec s = ParseSplitSpec(spec);
  for (auto _ : state) {
    TrainTest t = SplitRatings(m, s, 42, 0, static_cast<int>(state.range(0)));
    benchmark::DoNotOptimize(t.test.indices.data());
  }
  Counters(state);
}

std::string BenchDb() {
  return (std::filesystem::temp_directory_path() /
          ("movierec_bench_matrix_" + std::to_string(::getpid()) + ".db"))
      .string();
}

void BM_Save(benchmark::State& state) {
  const RatingMatrix m = BuildRatingMatrix(Data(), 2);
  const std::string db = BenchDb();
  io::SaveMatrixOptions o;
  o.sync = state.range(0) != 0;
  for (auto _ : state) io::SaveRatingMatrix(db, m, o);
  std::filesystem::remove_all(io::MatrixFolderPath(db));
  Counters(state);
}

void BM_Load(benchmark::State& state) {
  const std::string db = BenchDb();
  io::SaveMatrixOptions so;
  so.sync = false;
  io::SaveRatingMatrix(db, BuildRatingMatrix(Data(), 2), so);
  io::LoadMatrixOptions o;
  o.workers = static_cast<int>(state.range(0));
  o.verify_checksums = state.range(1) != 0;
  for (auto _ : state) {
    io::LoadedRatingMatrix l = io::LoadRatingMatrix(db, o);
    benchmark::DoNotOptimize(l.csc.indices.data());
  }
  std::filesystem::remove_all(io::MatrixFolderPath(db));
  Counters(state);
}

#define MATRIX_BENCH(b) b->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0)

MATRIX_BENCH(BENCHMARK(BM_BuildCsr)->ArgName("workers")->Arg(1)->Arg(2));
MATRIX_BENCH(BENCHMARK(BM_ToCsc)->ArgName("workers")->Arg(1)->Arg(2));
MATRIX_BENCH(BENCHMARK(BM_BuildCsrAndCsc)->ArgName("workers")->Arg(1)->Arg(2)->Arg(4));
MATRIX_BENCH(BENCHMARK_CAPTURE(BM_Split, time_0_2, "time:0.2")->ArgName("workers")->Arg(2));
MATRIX_BENCH(BENCHMARK_CAPTURE(BM_Split, random_0_2, "random:0.2")->ArgName("workers")->Arg(2));
MATRIX_BENCH(BENCHMARK_CAPTURE(BM_Split, kfold_5, "kfold:5")->ArgName("workers")->Arg(2));
MATRIX_BENCH(BENCHMARK(BM_Save)->ArgName("fsync")->Arg(0)->Arg(1));
MATRIX_BENCH(BENCHMARK(BM_Load)->ArgNames({"workers", "crc"})->Args({2, 1})->Args({2, 0}));

}  // namespace
}  // namespace movierec::etl

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("data",
                              "25M ratings (in memory, seed 42), 138000 users x 27000 "
                              "movies, log-normal activity, Zipf popularity");
  benchmark::AddCustomContext("hardware_threads",
                              std::to_string(std::thread::hardware_concurrency()));
  benchmark::AddCustomContext(
      "command", "build/bench/bench_rating_matrix [--benchmark_filter=BuildCsrAndCsc]");
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
