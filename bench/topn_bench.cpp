// Times all-user top-N scoring (host/topn.h, CPU path) on the MovieLens-20M shape with random
// factors and a random exclusion matrix, next to plain cblas_sgemm on the same data as the
// ceiling. Prints one JSON object per line (figures for bench/RESULTS.md).
//   topn_bench [--users 138000 --items 27000 --dim 64 --n 10 --rated 145 --threads 2]
//              [--user-block B --item-block B --repeat 3 --seed 42 --skip-sgemm]
#include <cblas.h>
#include <omp.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/sparse.h"
#include "host/context.h"
#include "host/cuda_backend.h"
#include "host/topn.h"

using namespace movierec;

namespace {

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// CPU seconds of the whole process (all threads): on a shared VM, wall time also counts the
// time other processes held the cores; cpu_s / threads close to seconds means it did not.
double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double LoadAverage() {
  double l = -1;
  std::ifstream("/proc/loadavg") >> l;
  return l;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown";
}

// Factors as a trained model would have them: small, centred, seeded. One generator per thread
// (seed + chunk), so the data is the same for every thread count.
std::vector<float> RandomFactors(int64_t rows, int dim, uint64_t seed) {
  std::vector<float> out(static_cast<size_t>(rows * dim));
  const int64_t chunk = 4096;
  const int64_t chunks = (rows + chunk - 1) / chunk;
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < chunks; ++c) {
    std::mt19937_64 rng(seed * 1000003 + static_cast<uint64_t>(c));
    std::normal_distribution<float> d(0.0f, 0.3f);
    const int64_t end = std::min(rows, (c + 1) * chunk) * dim;
    for (int64_t i = c * chunk * dim; i < end; ++i) out[static_cast<size_t>(i)] = d(rng);
  }
  return out;
}

// About `per_user` distinct rated items per user, ascending: random gaps averaging
// items / per_user (uniform in [1, 2 * items / per_user - 1]).
RatingMatrix RandomExclusion(int64_t users, int64_t items, int per_user, uint64_t seed) {
  RatingMatrix m;
  m.rows = users;
  m.cols = items;
  m.indptr.assign(static_cast<size_t>(users + 1), 0);
  m.indices.reserve(static_cast<size_t>(users) * static_cast<size_t>(per_user + per_user / 4));
  std::mt19937_64 rng(seed);
  const uint64_t max_gap = std::max<uint64_t>(1, 2 * static_cast<uint64_t>(items) / per_user - 1);
  for (int64_t u = 0; u < users; ++u) {
    int64_t i = static_cast<int64_t>(rng() % max_gap);
    while (i < items) {
      m.indices.push_back(static_cast<int32_t>(i));
      i += 1 + static_cast<int64_t>(rng() % max_gap);
    }
    m.indptr[static_cast<size_t>(u + 1)] = static_cast<int64_t>(m.indices.size());
  }
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"all-user top-N scoring benchmark"};
  int64_t users = 138000, items = 27000;
  int dim = 64, n = 10, rated = 145, threads = 2, repeat = 3, sgemm_users = 2048;
  int64_t user_block = 0, item_block = 0;
  uint64_t seed = 42;
  bool skip_sgemm = false;
  std::string device = "cpu";
  app.add_option("--device", device,
                 "cpu | gpu | gpu:N (on a GPU the CPU sgemm references are skipped)");
  app.add_option("--users", users);
  app.add_option("--items", items);
  app.add_option("--dim", dim);
  app.add_option("--n", n);
  app.add_option("--rated", rated, "rated (excluded) items per user on average; 0: none");
  app.add_option("--threads", threads);
  app.add_option("--repeat", repeat, "ScoreTopN runs; the best is reported");
  app.add_option("--user-block", user_block, "0: the default");
  app.add_option("--item-block", item_block, "0: the default");
  app.add_option("--sgemm-users", sgemm_users, "rows of the plain sgemm reference");
  app.add_option("--seed", seed);
  app.add_flag("--skip-sgemm", skip_sgemm);
  CLI11_PARSE(app, argc, argv);

  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  std::printf(
      "{\"bench\":\"topn\",\"machine\":\"%s, %u hardware threads\",\"openblas_core\":\"%s\","
      "\"OPENBLAS_CORETYPE\":\"%s\",\"openblas_config\":\"%s\"}\n",
      CpuModel().c_str(), std::thread::hardware_concurrency(), openblas_get_corename(),
      coretype ? coretype : "unset", openblas_get_config());
  std::printf(
      "{\"shape\":{\"users\":%lld,\"items\":%lld,\"dim\":%d,\"n\":%d,\"rated_per_user\":%d,"
      "\"threads\":%d,\"user_block\":%lld,\"item_block\":%lld,\"seed\":%llu}}\n",
      static_cast<long long>(users), static_cast<long long>(items), dim, n, rated, threads,
      static_cast<long long>(user_block), static_cast<long long>(item_block),
      static_cast<unsigned long long>(seed));

  auto t = std::chrono::steady_clock::now();
  const std::vector<float> u = RandomFactors(users, dim, seed);
  const std::vector<float> v = RandomFactors(items, dim, seed + 1);
  RatingMatrix exclude;
  if (rated > 0) exclude = RandomExclusion(users, items, rated, seed + 2);
  std::printf("{\"setup_s\":%.3f,\"exclusion_nnz\":%lld}\n", Since(t),
              static_cast<long long>(exclude.nnz()));

  ScoringProblem p;
  p.user_vectors = u.data();
  p.users = users;
  p.item_vectors = v.data();
  p.items = items;
  p.dim = dim;
  p.exclude = rated > 0 ? &exclude : nullptr;
  p.n = n;
  Context ctx;
  try {
    ctx = ResolveContext(device, threads);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "topn_bench: %s\n", e.what());
    return 2;
  }
  if (ctx.IsCuda()) {
    std::printf("{\"device\":\"%s\"}\n", cuda::DeviceDescription(ctx.ordinal).c_str());
    skip_sgemm = true;
  }
  const TopNTuning tuning{user_block, item_block};
  const double flops = 2.0 * static_cast<double>(users) * static_cast<double>(items) * dim;

  // Runs fn `reps` times; prints each run (wall and CPU seconds, load average) and the best.
  // gflops_if_alone = flops / (cpu_s / threads): what the run would reach with the cores to
  // itself, a steadier figure than wall time on a VM shared with other work.
  auto measure = [&](const std::string& what, double work, int reps, int workers, auto&& fn) {
    double best_wall = 1e30, best_cpu = 1e30;
    for (int r = 0; r < reps; ++r) {
      const double load = LoadAverage();
      const double cpu0 = ProcessCpuSeconds();
      const auto t0 = std::chrono::steady_clock::now();
      const std::string note = fn();
      const double wall = Since(t0);
      const double cpu = ProcessCpuSeconds() - cpu0;
      best_wall = std::min(best_wall, wall);
      best_cpu = std::min(best_cpu, cpu);
      std::printf(
          "{\"what\":\"%s\",\"run\":%d,\"seconds\":%.3f,\"gflops\":%.1f,\"cpu_s\":%.3f,"
          "\"gflops_if_alone\":%.1f,\"loadavg_before\":%.2f%s}\n",
          what.c_str(), r, wall, work / wall / 1e9, cpu, work / (cpu / workers) / 1e9, load,
          note.c_str());
    }
    std::printf(
        "{\"what\":\"%s best of %d\",\"seconds\":%.3f,\"gflops\":%.1f,\"cpu_s\":%.3f,"
        "\"gflops_if_alone\":%.1f}\n",
        what.c_str(), reps, best_wall, work / best_wall / 1e9, best_cpu,
        work / (best_cpu / workers) / 1e9);
  };

  measure("ScoreTopN", flops, repeat, threads, [&] {
    const TopNLists lists = ScoreTopN(ctx, p, tuning);
    int64_t listed = 0;
    for (int32_t c : lists.counts) listed += c;
    return ",\"listed\":" + std::to_string(listed) +
           ",\"user0_top\":" + std::to_string(lists.items.empty() ? -1 : lists.items[0]);
  });
  if (skip_sgemm) return 0;

  // Ceiling 1: one plain multithreaded sgemm, sgemm_users x all items, the scores written out
  // whole (what a GEMM-then-select design would do per batch).
  {
    const int64_t m = std::min<int64_t>(sgemm_users, users);
    std::vector<float> c(static_cast<size_t>(m * items));
    openblas_set_num_threads(threads);
    const double f = 2.0 * static_cast<double>(m) * static_cast<double>(items) * dim;
    measure("plain sgemm " + std::to_string(m) + " x " + std::to_string(items) + " x " +
                std::to_string(dim) + ", " + std::to_string(threads) + " BLAS threads",
            f, std::max(5, repeat), threads, [&] {
              cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(m),
                          static_cast<blasint>(items), dim, 1.0f, u.data(), dim, v.data(), dim,
                          0.0f, c.data(), static_cast<blasint>(items));
              return std::string();
            });
  }

  // Ceiling 2: the scorer's own tiles without the selection: each of `threads` threads runs
  // single-threaded sgemm on tiles of the scorer's shape into its own buffer, over the first
  // 16384 users x all items.
  {
    const int64_t ub = user_block > 0 ? user_block : TopNTuning::kDefaultUserBlock;
    const int64_t ib =
        std::min<int64_t>(item_block > 0 ? item_block : TopNTuning::kDefaultItemBlock, items);
    const int64_t m = std::min<int64_t>(16384, users);
    const int64_t blocks = (m + ub - 1) / ub;
    const double f = 2.0 * static_cast<double>(m) * static_cast<double>(items) * dim;
    measure("tiled sgemm only, " + std::to_string(ub) + " x " + std::to_string(ib) + " tiles, " +
                std::to_string(m) + " users x " + std::to_string(items) + " items, " +
                std::to_string(threads) + " threads",
            f, std::max(3, repeat), threads, [&] {
#pragma omp parallel num_threads(threads)
              {
                omp_set_num_threads(1);
                std::vector<float> tile(static_cast<size_t>(ub * ib));
#pragma omp for schedule(dynamic, 1)
                for (int64_t b = 0; b < blocks; ++b) {
                  const int64_t rows = std::min(ub, m - b * ub);
                  for (int64_t i0 = 0; i0 < items; i0 += ib) {
                    const int64_t cols = std::min(ib, items - i0);
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(rows),
                                static_cast<blasint>(cols), dim, 1.0f, u.data() + b * ub * dim, dim,
                                v.data() + i0 * dim, dim, 0.0f, tile.data(),
                                static_cast<blasint>(cols));
                  }
                }
              }
              return std::string();
            });
  }
  return 0;
}
