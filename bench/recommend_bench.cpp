// In-process `recommend` lookups from the precomputed table: one open database, many users.
//   recommend_bench --db data/movies_recommendation.db [--calls 10000] [--algorithm ials]
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "host/recommender.h"
#include "io/sqlite_db.h"

int main(int argc, char** argv) {
  using namespace movierec;
  std::string db_path = "data/movies_recommendation.db";
  int calls = 10000;
  std::string algorithm = "ials";
  CLI::App app{"in-process recommend lookups"};
  app.add_option("--db", db_path);
  app.add_option("--calls", calls);
  app.add_option("--algorithm", algorithm);
  CLI11_PARSE(app, argc, argv);

  io::Database db(db_path);
  std::vector<int64_t> users;
  {
    io::Statement s = db.Prepare("SELECT DISTINCT user_id FROM user_recommendations");
    while (s.Step()) users.push_back(s.ColumnInt(0));
  }
  if (users.empty()) {
    std::fprintf(stderr, "no precomputed recommendations in %s\n", db_path.c_str());
    return 1;
  }
  std::mt19937_64 rng(1);
  std::vector<double> us;
  us.reserve(static_cast<size_t>(calls));
  size_t served = 0;
  for (int i = 0; i < calls; ++i) {
    RecommendRequest req;
    req.user_id = users[rng() % users.size()];
    req.algorithm = algorithm;
    req.n = 10;
    const auto t0 = std::chrono::steady_clock::now();
    const RecommendAnswer a = Recommend(db, req);
    us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                     .count());
    served += a.movies.size();
  }
  std::sort(us.begin(), us.end());
  std::printf("recommend in-process: %d calls over %zu users, %s top-10: p50 %.1f us, p99 %.1f us"
              " (%zu movies served)\n",
              calls, users.size(), algorithm.c_str(), us[us.size() / 2],
              us[us.size() * 99 / 100], served);
  return 0;
}
