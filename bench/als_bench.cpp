// Times the factor trainers (ials, als, svd) per iteration on a MovieLens-20M-shaped matrix
// generated in memory, or on a saved rating matrix, on the CPU or a GPU (--device, as the tool's).
//
//   als_bench [--device cpu|gpu|gpu:N] [--threads 2] [--iterations 3] [--algorithms ials,als,svd]
//             [--db path/to.db] [--users 138000 --items 27000 --ratings 20000000 --seed 7]
//             [--factors 64 --ials-reg 0.01 --alpha 1 --cg-steps 3 --solver cg --als-reg 0.05]
//             [--svd-lr 0.005 --svd-reg 0.02]
//
// Generated data (seeded, 2–4 s on 2 threads): user activity 20 + a log-normal tail (ML-20M:
// at least 20 ratings per user, median ~68, mean ~144, a few users with thousands; capped at a
// third of the items), scaled to exactly the requested total; each user's items drawn without
// repetition from a Zipf–Mandelbrot popularity p_i ∝ 1 / (i + 60)^1.15 over a shuffled item
// order (at the default shape: per user median 68, max 9000; per item median ~200, max ~48k);
// ratings 0.5–5 in half steps, skewed towards 3–4. --db reads <db>.matrix/ instead
// (io::LoadRatingMatrix).
//
// Prints the wall and CPU seconds of every iteration (both half-sweeps and the loss) and the
// median. The CPU figure is the one other load on a shared machine does not inflate.
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "common/sparse.h"
#include "etl/splits.h"
#include "host/context.h"
#include "host/cpu_factor_simd.h"
#include "host/cuda_backend.h"
#include "host/trainer.h"
#include "io/matrix_files.h"

using namespace movierec;

namespace {

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

RatingMatrix Generate(int64_t users, int64_t items, int64_t ratings, uint64_t seed, int threads) {
  RatingMatrix m;
  m.rows = users;
  m.cols = items;
  // Activity: 20 + a log-normal tail (ML-20M: min 20, median ~68, mean ~144), capped at a third
  // of the items and scaled so that the total is `ratings`.
  std::mt19937_64 rng(seed);
  std::vector<double> raw(static_cast<size_t>(users));
  std::normal_distribution<double> normal(0.0, 1.38);
  for (auto& a : raw) a = std::exp(normal(rng));
  const int64_t floor_count = std::min<int64_t>(20, ratings / std::max<int64_t>(users, 1));
  const int64_t cap = std::max<int64_t>(floor_count, items / 3);
  std::vector<int64_t> counts(static_cast<size_t>(users));
  double scale = static_cast<double>(ratings - floor_count * users) /
                 std::accumulate(raw.begin(), raw.end(), 0.0);
  for (int round = 0; round < 8; ++round) {  // re-scale the uncapped users after capping
    int64_t total = 0;
    double free_raw = 0.0;
    for (int64_t u = 0; u < users; ++u) {
      counts[u] = std::min<int64_t>(cap, floor_count + std::llround(raw[u] * scale));
      total += counts[u];
      if (counts[u] < cap) free_raw += raw[u];
    }
    if (total == ratings || free_raw == 0.0) break;
    scale += static_cast<double>(ratings - total) / free_raw;
  }
  int64_t total = std::accumulate(counts.begin(), counts.end(), int64_t{0});
  for (int64_t u = 0; total != ratings && u < users; ++u) {  // rounding remainder, one each
    const int64_t step = total < ratings ? 1 : -1;
    if (counts[u] + step >= floor_count && counts[u] + step <= cap) {
      counts[u] += step;
      total += step;
    }
  }
  m.indptr.assign(static_cast<size_t>(users) + 1, 0);
  for (int64_t u = 0; u < users; ++u) m.indptr[u + 1] = m.indptr[u] + counts[u];
  const int64_t nnz = m.indptr.back();
  m.indices.resize(static_cast<size_t>(nnz));
  m.values.resize(static_cast<size_t>(nnz));
  m.timestamps.assign(static_cast<size_t>(nnz), 0);  // ToCsc carries them along

  // Popularity: Zipf–Mandelbrot over a shuffled order of the items.
  std::vector<int32_t> order(static_cast<size_t>(items));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), rng);
  std::vector<double> cdf(static_cast<size_t>(items));
  double acc = 0.0;
  for (int64_t i = 0; i < items; ++i)
    cdf[i] = acc += std::pow(static_cast<double>(i) + 60.0, -1.15);
  for (auto& c : cdf) c /= acc;
  static const float kStars[10] = {0.5f, 1.f, 1.5f, 2.f, 2.5f, 3.f, 3.5f, 4.f, 4.5f, 5.f};
  static const double kStarCdf[10] = {0.01, 0.04, 0.06, 0.13, 0.18, 0.39, 0.51, 0.78, 0.86, 1.0};

#pragma omp parallel num_threads(threads)
  {
    std::vector<uint8_t> taken(static_cast<size_t>(items), 0);
#pragma omp for schedule(dynamic, 256)
    for (int64_t u = 0; u < users; ++u) {
      std::mt19937_64 urng(seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(u) + 1);
      std::uniform_real_distribution<double> uu(0.0, 1.0);
      int32_t* idx = m.indices.data() + m.indptr[u];
      const int64_t want = counts[u];
      int64_t got = 0;
      while (got < want) {
        const auto it = std::lower_bound(cdf.begin(), cdf.end(), uu(urng));
        const int32_t item = order[std::min<size_t>(it - cdf.begin(), items - 1)];
        if (!taken[item]) {
          taken[item] = 1;
          idx[got++] = item;
        }
      }
      std::sort(idx, idx + want);
      float* val = m.values.data() + m.indptr[u];
      for (int64_t j = 0; j < want; ++j) {
        taken[idx[j]] = 0;
        val[j] = kStars[std::lower_bound(kStarCdf, kStarCdf + 10, uu(urng)) - kStarCdf];
      }
    }
  }
  m.row_ids.resize(static_cast<size_t>(users));
  std::iota(m.row_ids.begin(), m.row_ids.end(), int64_t{1});
  m.col_ids.resize(static_cast<size_t>(items));
  std::iota(m.col_ids.begin(), m.col_ids.end(), int64_t{1});
  return m;
}

// Process CPU seconds (user + system) so far: on a shared machine, the figure that other load
// does not inflate (wall time is reported beside it).
double CpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
         1e-6 * (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

void Describe(const RatingMatrix& csr, const CscMatrix& csc) {
  std::vector<int64_t> user_n(static_cast<size_t>(csr.rows)), item_n(static_cast<size_t>(csc.cols));
  for (int64_t u = 0; u < csr.rows; ++u) user_n[u] = csr.indptr[u + 1] - csr.indptr[u];
  for (int64_t i = 0; i < csc.cols; ++i) item_n[i] = csc.indptr[i + 1] - csc.indptr[i];
  std::sort(user_n.begin(), user_n.end());
  std::sort(item_n.begin(), item_n.end());
  auto med = [](const std::vector<int64_t>& v) { return v.empty() ? 0 : v[v.size() / 2]; };
  auto max = [](const std::vector<int64_t>& v) { return v.empty() ? 0 : v.back(); };
  std::printf(
      "matrix: %lld users x %lld items, %lld ratings; per user median %lld max %lld; "
      "per item median %lld max %lld\n",
      static_cast<long long>(csr.rows), static_cast<long long>(csr.cols),
      static_cast<long long>(csr.nnz()), static_cast<long long>(med(user_n)),
      static_cast<long long>(max(user_n)), static_cast<long long>(med(item_n)),
      static_cast<long long>(max(item_n)));
}

void Report(const char* what, const std::vector<double>& secs) {
  if (secs.empty()) return;
  std::vector<double> s = secs;
  std::sort(s.begin(), s.end());
  std::printf("%s: median %.3f s/iteration, best %.3f s (iterations:", what, s[s.size() / 2],
              s.front());
  for (double x : secs) std::printf(" %.3f", x);
  std::printf(")\n");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Factor trainer benchmark (ials, als, svd; CPU or GPU)"};
  int threads = 2, iterations = 3;
  std::string algorithms = "ials,als", db_path;
  int64_t users = 138000, items = 27000, ratings = 20000000;
  uint64_t seed = 7;
  ModelsConfig cfg;
  IalsParams& ials = cfg.ials;
  AlsParams& als = cfg.als;
  SvdParams& svd = cfg.svd;
  std::string device = "cpu";
  app.add_option("--device", device, "cpu | gpu | gpu:N");
  app.add_option("--threads", threads);
  app.add_option("--iterations", iterations);
  app.add_option("--algorithms", algorithms, "comma-separated: ials, als, svd");
  app.add_option("--db", db_path, "read <db>.matrix/ instead of generating");
  app.add_option("--users", users);
  app.add_option("--items", items);
  app.add_option("--ratings", ratings);
  app.add_option("--seed", seed);
  app.add_option("--factors", ials.factors);
  app.add_option("--ials-reg", ials.regularization);
  app.add_option("--alpha", ials.alpha);
  app.add_option("--cg-steps", ials.cg_steps);
  app.add_option("--solver", ials.solver);
  app.add_option("--confidence", ials.confidence);
  app.add_option("--als-reg", als.regularization);
  app.add_option("--als-biases", als.biases);
  app.add_option("--svd-lr", svd.lr);
  app.add_option("--svd-reg", svd.reg);
  std::string split;
  app.add_option("--split", split,
                 "train on the train part of a movierec split (e.g. time:0.2, as the implicit "
                 "peer bench/peers/implicit_als.py does)");
  bool verbose = false;
  app.add_flag("--verbose", verbose, "debug log lines (half-sweep timings)");
  CLI11_PARSE(app, argc, argv);
  als.factors = svd.factors = ials.factors;
  ials.iterations = als.iterations = svd.epochs = iterations;
  spdlog::set_level(verbose ? spdlog::level::debug : spdlog::level::warn);

  auto t = std::chrono::steady_clock::now();
  RatingMatrix csr;
  CscMatrix csc;
  if (!db_path.empty()) {
    io::LoadMatrixOptions opt;
    opt.workers = threads;
    opt.load_splits = false;
    auto loaded = io::LoadRatingMatrix(db_path, opt);
    csr = std::move(loaded.csr);
    csc = std::move(loaded.csc);
    std::printf("loaded %s in %.2f s\n", loaded.folder.c_str(), Since(t));
  } else {
    csr = Generate(users, items, ratings, seed, threads);
    csc = ToCsc(csr, threads);
    std::printf("generated in %.2f s (seed %llu)\n", Since(t),
                static_cast<unsigned long long>(seed));
  }
  if (!split.empty()) {
    t = std::chrono::steady_clock::now();
    const etl::SplitAssignment a =
        etl::AssignSplit(csr, etl::ParseSplitSpec(split), /*seed=*/42, threads);
    csr = etl::MaterializeSplit(csr, a).train;
    csc = ToCsc(csr, threads);
    std::printf("split %s: training on the train part (%.2f s)\n", split.c_str(), Since(t));
  }
  Describe(csr, csc);
  Context ctx;
  try {
    ctx = ResolveContext(device, threads);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "als_bench: %s\n", e.what());
    return 2;
  }
  if (ctx.IsCuda()) {
    std::printf("device: %s\n", cuda::DeviceDescription(ctx.ordinal).c_str());
  } else {
    std::printf("instruction set: %s (MOVIEREC_CPU_ISA=avx2|baseline lowers it)\n",
                cpu_factor::simd::IsaName(cpu_factor::simd::ActiveIsa()));
  }
  const std::string on = ctx.IsCuda() ? ctx.Name() : std::to_string(threads) + " threads";
  std::stringstream list(algorithms);
  std::string algo;
  while (std::getline(list, algo, ',')) {
    std::vector<double> secs, cpu_secs;
    double cpu_mark = CpuSeconds();
    TrainOptions options;
    options.seed = seed;
    options.progress = false;
    options.on_iteration = [&](const IterationLog& log) {
      const double cpu = CpuSeconds();
      secs.push_back(log.seconds);
      cpu_secs.push_back(cpu - cpu_mark);
      cpu_mark = cpu;
      std::printf("  %s iteration %d: %.3f s wall, %.3f s CPU, loss %.6g, train RMSE %.4f\n",
                  algo.c_str(), log.iteration, log.seconds, cpu_secs.back(), log.loss,
                  log.train_rmse);
      std::fflush(stdout);
    };
    std::string label;
    if (algo == "ials") {
      label = "ials (k=" + std::to_string(ials.factors) + ", " + ials.solver +
              (ials.solver == "cg" ? " " + std::to_string(ials.cg_steps) + " steps" : "") +
              ", reg " + std::to_string(ials.regularization) + ", alpha " +
              std::to_string(ials.alpha) + ", " + on + ")";
    } else if (algo == "als") {
      label = "als (k=" + std::to_string(als.factors) + (als.biases ? ", biases" : "") + ", reg " +
              std::to_string(als.regularization) + ", " + on + ")";
    } else if (algo == "svd") {
      label = "svd (k=" + std::to_string(svd.factors) + ", lr " + std::to_string(svd.lr) +
              ", reg " + std::to_string(svd.reg) + ", " + svd.schedule + ", " + on + ")";
    } else {
      std::fprintf(stderr, "unknown algorithm %s\n", algo.c_str());
      return 2;
    }
    std::unique_ptr<FactorTrainer> trainer = MakeFactorTrainer(ctx, algo, cfg);
    t = std::chrono::steady_clock::now();
    FactorModel model = trainer->Train(csr, csc, options);
    std::printf("%s: %d iterations in %.2f s\n", label.c_str(), iterations, Since(t));
    Report(label.c_str(), secs);
    std::printf("  CPU seconds per iteration (all threads; / %d = wall on an idle machine): ",
                threads);
    for (double c : cpu_secs) std::printf(" %.3f", c);
    std::printf("\n");
  }
  return 0;
}
