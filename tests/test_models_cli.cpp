// The model stages and commands end to end through the real binary: pipeline train + score,
// recommend (precomputed, computed + cached, fold-in of a user added after training, errors),
// and evaluate (keys, k-fold, per-user vectors).
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "host/cuda_backend.h"
#include "io/sqlite_db.h"
#include "test_support.h"

namespace movierec {
namespace {

using nlohmann::json;
using testing::ReadFile;
using testing::RunMovierec;
using testing::RunResult;
using testing::TempDir;
using testing::WriteFile;

// One generated data set, trained and scored once for the whole suite.
class ModelsCli : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    RunResult gen = RunMovierec({"generate", "--out", (*dir_ / "data").string(), "--users", "400",
                                 "--movies", "300", "--ratings", "30000", "--seed", "11"});
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    config_ = (*dir_ / "p.yaml").string();
    WriteFile(config_,
              "database:\n  path: db/m.db\n"
              "data_sources:\n  csv_files:\n    movies: data/Movies.csv\n"
              "    ratings: data/Ratings.csv\n    persons: data/Persons.csv\n"
              "    imdb: data/imdb_top_1000.csv\n"
              "reports:\n  directory: reports\n"
              "models:\n  algorithms: [ials, svd, popularity, content, hybrid]\n"
              "  ials:\n    iterations: 5\n  svd:\n    epochs: 5\n"
              "pipeline:\n  stages: [extract, validate, transform, load, train, score, finalize]\n");
    db_ = (*dir_ / "db" / "m.db").string();
    RunResult run = RunMovierec({"pipeline", "--config", config_, "--no-progress", "-q"});
    ASSERT_EQ(run.exit_code, 0) << run.output;
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static int64_t Query(const std::string& sql) {
    io::Database d(db_, io::Database::Mode::kReadOnly);
    return d.QueryInt(sql);
  }
  static json Json(const RunResult& r) {
    const size_t start = r.output.find('{');
    EXPECT_NE(start, std::string::npos) << r.output;
    return json::parse(r.output.substr(start));
  }
  static TempDir* dir_;
  static std::string config_;
  static std::string db_;
};
TempDir* ModelsCli::dir_ = nullptr;
std::string ModelsCli::config_;
std::string ModelsCli::db_;

TEST_F(ModelsCli, TrainRecordsModelsAndScorePublishesExactlyNPerUser) {
  EXPECT_EQ(Query("SELECT COUNT(DISTINCT algorithm) FROM models"), 5);
  EXPECT_EQ(Query("SELECT COUNT(*) FROM models WHERE path IS NULL"), 0);
  const int64_t users = Query("SELECT COUNT(*) FROM user");
  for (const char* a : {"ials", "svd", "popularity", "content", "hybrid"}) {
    EXPECT_EQ(Query(std::string("SELECT COUNT(*) FROM user_recommendations WHERE algorithm = '") +
                    a + "'"),
              users * 10)
        << a;
  }
  // Never a movie the user rated; ranks 1..10 per user.
  EXPECT_EQ(Query("SELECT COUNT(*) FROM user_recommendations r JOIN user_rating u "
                  "ON u.user_id = r.user_id AND u.movie_id = r.movie_id"),
            0);
  EXPECT_EQ(Query("SELECT MAX(rank) FROM user_recommendations"), 10);
  // Factors are plain .npy files.
  io::Database d(db_, io::Database::Mode::kReadOnly);
  io::Statement s = d.Prepare("SELECT path FROM models WHERE algorithm = 'ials'");
  ASSERT_TRUE(s.Step());
  EXPECT_TRUE(std::filesystem::exists(s.ColumnText(0) + "/item_factors.npy"));
}

TEST_F(ModelsCli, RecommendServesPrecomputedThenComputesAndCaches) {
  const int64_t user = Query("SELECT MIN(user_id) FROM user");
  RunResult r = RunMovierec({"recommend", "--db", db_, "--user-id", std::to_string(user),
                             "--top-n", "5", "--algorithm", "hybrid", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json j = Json(r);
  EXPECT_EQ(j["algorithm"], "hybrid");
  ASSERT_EQ(j["recommendations"].size(), 5u);
  const json& first = j["recommendations"][0];
  EXPECT_FALSE(first["title"].get<std::string>().empty());
  EXPECT_TRUE(first.contains("genres"));
  EXPECT_TRUE(first["reason"].contains("because_you_liked"));

  // Beyond the precomputed 10: computed now, then served from the cache.
  r = RunMovierec({"recommend", "--db", db_, "--user-id", std::to_string(user), "--top-n", "25",
                   "--algorithm", "collaborative", "--format", "json"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = Json(r);
  EXPECT_EQ(j["source"], "computed");
  EXPECT_EQ(j["algorithm"], "ials");
  ASSERT_EQ(j["recommendations"].size(), 25u);
  r = RunMovierec({"recommend", "--db", db_, "--user-id", std::to_string(user), "--top-n", "25"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("(cache, model"), std::string::npos) << r.output;
  EXPECT_GE(Query("SELECT hits FROM recommendation_cache_stats WHERE algorithm = 'ials'"), 1);
  EXPECT_GE(Query("SELECT misses FROM recommendation_cache_stats WHERE algorithm = 'ials'"), 1);
}

TEST_F(ModelsCli, RecommendErrorsAreClear) {
  RunResult r = RunMovierec({"recommend", "--db", db_, "--user-id", "987654321"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown user 987654321"), std::string::npos) << r.output;
  r = RunMovierec({"recommend", "--db", db_, "--user-id", "1", "--algorithm", "magic"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown algorithm 'magic'"), std::string::npos) << r.output;
  const int64_t user = Query("SELECT MIN(user_id) FROM user");
  r = RunMovierec({"recommend", "--db", db_, "--user-id", std::to_string(user), "--algorithm",
                   "als"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("no als model"), std::string::npos) << r.output;
  r = RunMovierec({"recommend", "--db", (*dir_ / "none.db").string(), "--user-id", "1"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("no database"), std::string::npos) << r.output;
  {
    io::Database empty((*dir_ / "empty.db").string());
  }
  r = RunMovierec({"recommend", "--db", (*dir_ / "empty.db").string(), "--user-id", "1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("holds no ratings"), std::string::npos) << r.output;
}

TEST_F(ModelsCli, EvaluateReportsTheDocumentedKeysAndSavesPerUserVectors) {
  const std::string out = (*dir_ / "eval").string();
  RunResult r = RunMovierec({"evaluate", "--config", config_, "--algorithm", "svd", "--format",
                             "json", "--output", out, "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  json j = Json(r);
  for (const char* key : {"rmse", "mae", "precision_at_k", "recall_at_k", "ndcg_at_k", "map_at_k",
                          "hit_rate_at_k", "coverage", "novelty"}) {
    EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_GT(j["rmse"].get<double>(), 0.3);
  EXPECT_LT(j["rmse"].get<double>(), 1.2);
  EXPECT_EQ(j["split"], "time:0.2");
  EXPECT_TRUE(std::filesystem::exists(out + "/ndcg_at_k.npy"));
  EXPECT_TRUE(std::filesystem::exists(out + "/rmse.npy"));

  r = RunMovierec({"evaluate", "--config", config_, "--algorithm", "popularity", "--split",
                   "kfold:3", "--k", "5", "--format", "json", "-q"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  j = Json(r);
  ASSERT_EQ(j["folds"].size(), 3u);
  EXPECT_EQ(j["k"], 5);
  EXPECT_FALSE(j.contains("rmse"));  // a ranker
  double mean = 0;
  for (const auto& f : j["folds"]) mean += f["precision_at_k"].get<double>() / 3;
  EXPECT_NEAR(j["precision_at_k"].get<double>(), mean, 1e-12);

  r = RunMovierec({"evaluate", "--config", config_, "--split", "sideways:3"});
  EXPECT_EQ(r.exit_code, 2);
}

TEST_F(ModelsCli, CpuRecommendNeverLoadsTheCudaLibraries) {
  // The dynamic loader lists every object it opens (LD_DEBUG=files). A CPU recommend, on the
  // precomputed and on the computed (fold-in) path, must not open the CUDA plugin, cuBLAS,
  // cuSOLVER or the CUDA runtime.
  const int64_t user = Query("SELECT MIN(user_id) FROM user");
  for (const char* n : {"5", "40"}) {
    RunResult r = RunMovierec(
        {"recommend", "--db", db_, "--user-id", std::to_string(user), "--top-n", n},
        {"LD_DEBUG=files"});
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ASSERT_NE(r.output.find("file=libc.so"), std::string::npos) << "LD_DEBUG gave no listing";
    for (const char* lib : {"libmovierec_cuda", "libcublas", "libcusolver", "libcudart", "libcuda."}) {
      EXPECT_EQ(r.output.find(lib), std::string::npos) << lib << " was loaded";
    }
  }
  // Asking for a device is what opens the plugin, in a CUDA build: it is found and loads.
  RunResult r = RunMovierec({"recommend", "--db", db_, "--config", config_, "--precompute",
                             "--device", "auto", "-q"},
                            {"LD_DEBUG=files"});
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("libmovierec_cuda") != std::string::npos, cuda::BuiltWithCuda())
      << r.output.substr(0, 4000);
}

TEST_F(ModelsCli, GpuWithoutADeviceIsAUsageError) {
  if (cuda::DeviceCount() > 0) GTEST_SKIP() << "a CUDA device answers here";
  RunResult r = RunMovierec({"evaluate", "--config", config_, "--device", "gpu", "-q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("no CUDA device available"), std::string::npos) << r.output;
  // A plugin that cannot be found is said as such.
  r = RunMovierec({"evaluate", "--config", config_, "--device", "gpu", "-q"},
                  {"MOVIEREC_CUDA_PLUGIN=/nonexistent/libmovierec_cuda.so"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find(cuda::BuiltWithCuda() ? "/nonexistent/libmovierec_cuda.so: no such file"
                                                 : "built without CUDA"),
            std::string::npos)
      << r.output;
}

// Last: reloads the data with a new user, which the trained model has never seen.
TEST_F(ModelsCli, ZUserAddedAfterTrainingIsFoldedIn) {
  const int64_t movie = Query("SELECT MIN(movie_id) FROM movie");
  const int64_t movie2 = Query("SELECT MAX(movie_id) FROM movie");
  std::string ratings = ReadFile(*dir_ / "data" / "Ratings.csv");
  ratings += "99999999," + std::to_string(movie) + ",5.0,2020-01-01\n";
  ratings += "99999999," + std::to_string(movie2) + ",4.5,2020-01-02\n";
  WriteFile(*dir_ / "data" / "Ratings.csv", ratings);
  RunResult run = RunMovierec({"pipeline", "--config", config_, "--no-progress", "-q", "--stages",
                               "extract", "load", "finalize"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  for (const char* algorithm : {"collaborative", "content", "hybrid", "popularity"}) {
    RunResult r = RunMovierec({"recommend", "--db", db_, "--user-id", "99999999", "--algorithm",
                               algorithm, "--format", "json"});
    ASSERT_EQ(r.exit_code, 0) << algorithm << ": " << r.output;
    json j = Json(r);
    EXPECT_EQ(j["source"], "computed") << algorithm;
    ASSERT_EQ(j["recommendations"].size(), 10u) << algorithm;
    for (const auto& m : j["recommendations"]) {
      EXPECT_NE(m["movie_id"], movie);
      EXPECT_NE(m["movie_id"], movie2);
    }
  }
  // The old models no longer fit the reloaded matrix: score says so instead of mixing them.
  RunResult score = RunMovierec({"pipeline", "--config", config_, "--no-progress", "-q",
                                 "--stages", "score"});
  EXPECT_EQ(score.exit_code, 2);
  EXPECT_NE(score.output.find("train stage again"), std::string::npos) << score.output;
}

}  // namespace
}  // namespace movierec

namespace movierec {
namespace {

// On generated data the models find what the generator put there: rating models approach the
// noise floor the truth file states, and ials beats popularity on NDCG@10 by a clear margin.
TEST(ModelsGroundTruth, RatingModelsApproachTheNoiseFloorAndIalsBeatsPopularity) {
  TempDir dir;
  RunResult gen = RunMovierec({"generate", "--out", (dir / "data").string(), "--users", "1500",
                               "--movies", "600", "--ratings", "150000", "--seed", "5"});
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  const json truth = json::parse(ReadFile(dir / "data" / "ground_truth" / "truth.json"));
  const double noise = truth["noise_std"].get<double>();
  const std::string config = (dir / "p.yaml").string();
  WriteFile(config,
            "database:\n  path: m.db\n"
            "data_sources:\n  csv_files:\n    movies: data/Movies.csv\n"
            "    ratings: data/Ratings.csv\n"
            "reports:\n  directory: reports\n"
            "pipeline:\n  stages: [extract, validate, transform, load, finalize]\n");
  ASSERT_EQ(RunMovierec({"pipeline", "--config", config, "--no-progress", "-q"}).exit_code, 0);
  auto evaluate = [&](const std::string& algorithm, const std::string& split) {
    RunResult r = RunMovierec({"evaluate", "--config", config, "--algorithm", algorithm,
                               "--split", split, "--format", "json", "-q"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    return json::parse(r.output.substr(r.output.find('{')));
  };
  // Half-star rounding adds ~0.14 to the stated noise; finite data adds estimation error.
  for (const char* algorithm : {"als", "svd"}) {
    const double rmse = evaluate(algorithm, "random:0.2")["rmse"].get<double>();
    EXPECT_LT(rmse, 1.5 * noise) << algorithm;
    EXPECT_GT(rmse, 0.9 * noise) << algorithm;  // better than the noise would be a leak
  }
  const double ials = evaluate("ials", "time:0.2")["ndcg_at_k"].get<double>();
  const double popularity = evaluate("popularity", "time:0.2")["ndcg_at_k"].get<double>();
  EXPECT_GT(ials, 2.0 * popularity) << ials << " vs " << popularity;
}

}  // namespace
}  // namespace movierec
