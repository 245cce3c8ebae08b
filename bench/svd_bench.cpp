// Times the CPU "svd" trainer (host/cpu_svd.h, Surprise semantics) and measures its RMSE on a
// seeded random 80/20 split, for each schedule. The split is movierec's own `random:0.2`
// (etl/splits.h), which bench/peers/surprise_svd.py reproduces bit for bit by default, so the
// peer run on the same matrix folder with the same --split-seed scores the same test ratings.
//
//   svd_bench [--db DB ...] [--shape ml-100k|ml-1m|all] [--factors 100 --epochs 20 --lr 0.005
//             --reg 0.02 --init-std 0.1] [--seed 42] [--split-seed 42] [--threads N]
//             [--schedules serial,blocks] [--repeat 1]
//
// --db reads the rating matrix saved beside a database (`<db>.matrix/`, io::LoadRatingMatrix);
// without it the data is generated in-process with the shape of MovieLens 100k (943 users x 1682
// movies x 100,000 ratings) and/or 1M (6040 x 3706 x 1,000,209): heavy-tailed user activity (at
// least 20 ratings each), Zipf item popularity, integer stars 1..5 from a rank-10 latent model.
// Predictions are clipped to the data's rating range, as Surprise's predict() does. "fit s" is the
// wall time of Train (best of --repeat), "cpu s" the process CPU time of that fit (all threads;
// the steadier figure on a shared machine for the one-thread runs).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/log.h"
#include "common/sparse.h"
#include "etl/splits.h"
#include "host/context.h"
#include "host/cpu_svd.h"
#include "io/matrix_files.h"
#include "kernels/sgd.h"

using namespace movierec;

namespace {

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(colon + 2);
    }
  }
  return "unknown CPU";
}

// SplitMix64 for the synthetic data (its own copy: the bench's data must not change when the
// library's streams do).
class Rng {
 public:
  explicit Rng(uint64_t s) : state_(s) {}
  uint64_t Next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Normal() {  // Box–Muller, one value per call
    const double u = 1.0 - Uniform(), v = Uniform();
    return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
  }

 private:
  uint64_t state_;
};

// MovieLens-shaped ratings: see the file comment.
RatingMatrix Synthetic(int64_t users, int64_t items, int64_t nnz, uint64_t seed) {
  Rng rng(seed);
  const int rank = 10;
  // Activity: 20 + lognormal tail, scaled so the counts add up to nnz (each at most items / 2).
  std::vector<double> w(static_cast<size_t>(users));
  double wsum = 0;
  for (double& x : w) wsum += (x = std::exp(1.2 * rng.Normal()));
  const double extra = static_cast<double>(nnz - 20 * users);
  std::vector<int64_t> count(static_cast<size_t>(users));
  int64_t total = 0;
  for (int64_t u = 0; u < users; ++u) {
    count[u] = std::min<int64_t>(items / 2, 20 + static_cast<int64_t>(extra * w[u] / wsum));
    total += count[u];
  }
  for (int64_t u = 0; total < nnz; u = (u + 1) % users) {
    if (count[u] < items / 2) ++count[u], ++total;
  }
  // Item popularity ~ Zipf(0.9) over a shuffled item order.
  std::vector<int32_t> by_rank(static_cast<size_t>(items));
  for (int64_t i = 0; i < items; ++i) by_rank[i] = static_cast<int32_t>(i);
  for (int64_t i = items - 1; i > 0; --i) std::swap(by_rank[i], by_rank[rng.Next() % (i + 1)]);
  std::vector<double> cdf(static_cast<size_t>(items));
  double c = 0;
  for (int64_t i = 0; i < items; ++i) cdf[i] = (c += std::pow(static_cast<double>(i + 1), -0.9));
  for (double& x : cdf) x /= c;

  std::vector<float> p(static_cast<size_t>(users) * rank), q(static_cast<size_t>(items) * rank);
  std::vector<float> bu(static_cast<size_t>(users)), bi(static_cast<size_t>(items));
  for (float& x : p) x = static_cast<float>(0.3 * rng.Normal());
  for (float& x : q) x = static_cast<float>(0.3 * rng.Normal());
  for (float& x : bu) x = static_cast<float>(0.4 * rng.Normal());
  for (float& x : bi) x = static_cast<float>(0.5 * rng.Normal());

  RatingMatrix m;
  m.rows = users;
  m.cols = items;
  m.indptr.assign(static_cast<size_t>(users) + 1, 0);
  std::vector<uint8_t> seen(static_cast<size_t>(items), 0);
  std::vector<int32_t> row;
  for (int64_t u = 0; u < users; ++u) {
    row.clear();
    while (static_cast<int64_t>(row.size()) < count[u]) {
      const auto it = std::lower_bound(cdf.begin(), cdf.end(), rng.Uniform());
      const int32_t i = by_rank[std::min<int64_t>(it - cdf.begin(), items - 1)];
      if (!seen[i]) seen[i] = 1, row.push_back(i);
    }
    std::sort(row.begin(), row.end());
    for (int32_t i : row) {
      seen[i] = 0;
      double r = 3.6 + bu[u] + bi[i] + 0.8 * rng.Normal();
      for (int f = 0; f < rank; ++f) r += p[u * rank + f] * q[i * rank + f];
      m.indices.push_back(i);
      m.values.push_back(static_cast<float>(std::clamp(std::round(r), 1.0, 5.0)));
      m.timestamps.push_back(0);
    }
    m.indptr[u + 1] = static_cast<int64_t>(m.indices.size());
  }
  for (int64_t u = 0; u < users; ++u) m.row_ids.push_back(u + 1);
  for (int64_t i = 0; i < items; ++i) m.col_ids.push_back(i + 1);
  return m;
}

struct Scores {
  double rmse = 0, mae = 0;
};

// Surprise's accuracy.rmse / mae on predictions clipped to [lo, hi].
Scores Score(const FactorModel& model, const RatingMatrix& test, float lo, float hi) {
  double se = 0, ae = 0;
  for (int64_t u = 0; u < test.rows; ++u) {
    for (int64_t j = test.indptr[u]; j < test.indptr[u + 1]; ++j) {
      const double est = kernels::ClipRating(model.Predict(u, test.indices[j]), lo, hi);
      const double e = est - test.values[j];
      se += e * e;
      ae += std::abs(e);
    }
  }
  const double n = static_cast<double>(test.nnz());
  return {std::sqrt(se / n), ae / n};
}

void RunOne(const std::string& name, const RatingMatrix& m, const std::vector<std::string>& runs,
            const SvdParams& base, uint64_t seed, uint64_t split_seed, double test_fraction,
            int repeat) {
  auto t = std::chrono::steady_clock::now();
  char spec_text[64];
  std::snprintf(spec_text, sizeof spec_text, "random:%g", test_fraction);
  const etl::TrainTest tt = etl::SplitRatings(m, etl::ParseSplitSpec(spec_text), split_seed, 0, 2);
  const CscMatrix csc = ToCsc(tt.train, 2);
  const double split_s = Since(t);
  float lo = 1e30f, hi = -1e30f;
  double mu = 0;
  for (float v : m.values) lo = std::min(lo, v), hi = std::max(hi, v);
  for (float v : tt.train.values) mu += v;
  mu /= static_cast<double>(tt.train.nnz());
  double base_se = 0;
  for (float v : tt.test.values) base_se += (v - mu) * (v - mu);
  int64_t users_used = 0, items_used = 0;
  for (int64_t u = 0; u < m.rows; ++u) users_used += m.indptr[u + 1] > m.indptr[u];
  {
    std::vector<uint8_t> used(static_cast<size_t>(m.cols), 0);
    for (int32_t i : m.indices) used[i] = 1;
    for (uint8_t x : used) items_used += x;
  }
  std::printf(
      "\n== %s: %lld users x %lld items (%lld / %lld with ratings), %lld ratings; "
      "split %s seed %llu: %lld train / %lld test (%.3f s); ratings %g..%g\n",
      name.c_str(), static_cast<long long>(m.rows), static_cast<long long>(m.cols),
      static_cast<long long>(users_used), static_cast<long long>(items_used),
      static_cast<long long>(m.nnz()), spec_text, static_cast<unsigned long long>(split_seed),
      static_cast<long long>(tt.train.nnz()), static_cast<long long>(tt.test.nnz()), split_s, lo,
      hi);
  std::printf("   global-mean baseline test rmse %.4f\n",
              std::sqrt(base_se / static_cast<double>(tt.test.nnz())));
  std::printf("   %-16s %8s %8s %9s %10s %9s %9s\n", "schedule", "fit s", "cpu s", "s/epoch",
              "train rmse", "test rmse", "test mae");
  for (const std::string& run : runs) {
    // "serial" or "blocks@T".
    SvdParams p = base;
    Context ctx;
    const size_t at = run.find('@');
    p.schedule = run.substr(0, at);
    ctx.threads = at == std::string::npos ? 1 : std::stoi(run.substr(at + 1));
    double best = 1e30, best_cpu = 1e30, train_rmse = 0;
    FactorModel model;
    for (int r = 0; r < repeat; ++r) {
      TrainOptions opt;
      opt.seed = seed;
      opt.progress = false;
      opt.on_iteration = [&](const IterationLog& l) { train_rmse = l.train_rmse; };
      auto trainer = MakeCpuSvdTrainer(ctx, p);
      const std::clock_t c0 = std::clock();
      t = std::chrono::steady_clock::now();
      model = trainer->Train(tt.train, csc, opt);
      best = std::min(best, Since(t));
      best_cpu = std::min(best_cpu, static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC);
    }
    const Scores s = Score(model, tt.test, lo, hi);
    const std::string label = p.schedule == "serial"
                                  ? "serial"
                                  : p.schedule + ", " + std::to_string(ctx.threads) + " thr";
    std::printf("   %-16s %8.3f %8.3f %9.4f %10.4f %9.4f %9.4f\n", label.c_str(), best, best_cpu,
                best / std::max(1, p.epochs), train_rmse, s.rmse, s.mae);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"CPU SVD (Surprise semantics) benchmark"};
  std::vector<std::string> dbs;
  std::string shape = "all", schedules = "serial,blocks";
  SvdParams p;  // Surprise's defaults: 100 factors, 20 epochs, lr 0.005, reg 0.02, init N(0, 0.1²)
  uint64_t seed = 42, split_seed = 42, data_seed = 7;
  double test_fraction = 0.2;
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int repeat = 1;
  bool unbiased = false;
  app.add_option("--db", dbs, "database path(s) whose <db>.matrix/ to use instead of synthetic");
  app.add_option("--shape", shape, "synthetic data: ml-100k | ml-1m | all");
  app.add_option("--factors", p.factors);
  app.add_option("--epochs", p.epochs);
  app.add_option("--lr", p.lr);
  app.add_option("--reg", p.reg);
  app.add_option("--init-mean", p.init_mean);
  app.add_option("--init-std", p.init_std);
  app.add_flag("--unbiased", unbiased, "biased = false");
  app.add_option("--seed", seed, "training seed");
  app.add_option("--split-seed", split_seed);
  app.add_option("--test-fraction", test_fraction);
  app.add_option("--data-seed", data_seed, "seed of the synthetic data");
  app.add_option("--threads", threads, "threads of the blocks schedule (it also runs on 1)");
  app.add_option("--schedules", schedules, "comma-separated: serial, blocks");
  app.add_option("--repeat", repeat, "fits timed per schedule; the best is printed");
  CLI11_PARSE(app, argc, argv);
  p.biased = !unbiased;
  SetLogLevel("warn");

  std::vector<std::string> runs;
  std::stringstream ss(schedules);
  for (std::string s; std::getline(ss, s, ',');) {
    if (s == "serial") {
      runs.push_back("serial");
    } else if (s == "blocks") {
      runs.push_back("blocks@1");
      if (threads > 1) runs.push_back("blocks@" + std::to_string(threads));
    } else {
      std::fprintf(stderr, "unknown schedule '%s'\n", s.c_str());
      return 2;
    }
  }

  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  std::printf("svd_bench: %s, %u hardware threads\ncommand: %s\n", CpuModel().c_str(),
              std::thread::hardware_concurrency(), command.c_str());
  std::printf("params: %d factors, %d epochs, lr %g, reg %g, init N(%g, %g^2), %s, seed %llu\n",
              p.factors, p.epochs, p.lr, p.reg, p.init_mean, p.init_std,
              p.biased ? "biased" : "unbiased", static_cast<unsigned long long>(seed));

  if (!dbs.empty()) {
    for (const std::string& db : dbs) {
      io::LoadMatrixOptions lo;
      lo.workers = 2;
      lo.build_csc = false;
      lo.load_splits = false;
      const io::LoadedRatingMatrix loaded = io::LoadRatingMatrix(db, lo);
      RunOne(loaded.folder, loaded.csr, runs, p, seed, split_seed, test_fraction, repeat);
    }
    return 0;
  }
  if (shape == "ml-100k" || shape == "all") {
    RunOne("synthetic ml-100k shape (data seed " + std::to_string(data_seed) + ")",
           Synthetic(943, 1682, 100000, data_seed), runs, p, seed, split_seed, test_fraction,
           repeat);
  }
  if (shape == "ml-1m" || shape == "all") {
    RunOne("synthetic ml-1m shape (data seed " + std::to_string(data_seed) + ")",
           Synthetic(6040, 3706, 1000209, data_seed), runs, p, seed, split_seed, test_fraction,
           repeat);
  }
  return 0;
}
