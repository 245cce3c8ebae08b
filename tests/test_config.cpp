#include <gtest/gtest.h>

#include "common/error.h"
#include "io/config.h"
#include "test_support.h"

namespace movierec {
namespace {

using testing::TempDir;
using testing::WriteFile;

io::PipelineConfig Load(const TempDir& dir, const std::string& yaml) {
  WriteFile(dir / "cfg.yaml", yaml);
  return io::LoadConfig(dir / "cfg.yaml");
}

std::string ErrorOf(const TempDir& dir, const std::string& yaml) {
  try {
    Load(dir, yaml);
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no error";
}

constexpr const char* kMinimal =
    "data_sources:\n"
    "  csv_files:\n"
    "    movies: m.csv\n"
    "    ratings: r.csv\n";

TEST(Config, ShippedConfigLoadsAndResolvesPathsAgainstItsFolder) {
  auto cfg = io::LoadConfig(std::string(MOVIEREC_SOURCE_DIR) + "/config/pipeline_config.yaml");
  const std::string root = std::filesystem::path(MOVIEREC_SOURCE_DIR).lexically_normal().string();
  EXPECT_EQ(cfg.database_path, root + "/data/movies_recommendation.db");
  EXPECT_EQ(cfg.sources.ratings, root + "/data/Ratings.csv");
  EXPECT_EQ(cfg.sources.imdb, root + "/data/imdb_top_1000.csv");
  EXPECT_EQ(cfg.reports_dir, root + "/reports");
  EXPECT_EQ(cfg.batch_size, 10000);
  EXPECT_EQ(cfg.genres_min_frequency, 5);
  EXPECT_EQ(cfg.genres_max_genres, 20);
  EXPECT_EQ(cfg.device, "auto");
}

TEST(Config, DefaultsApplyAndPathsAreRelativeToTheConfigFile) {
  TempDir dir;
  auto cfg = Load(dir, kMinimal);
  EXPECT_EQ(cfg.sources.movies, (dir.path() / "m.csv").string());
  EXPECT_EQ(cfg.database_path, (dir.path() / "data/movies_recommendation.db").string());
  EXPECT_EQ(cfg.batch_size, 10000);
  EXPECT_TRUE(cfg.sources.persons.empty());
  EXPECT_GE(cfg.Workers(), 1);
}

TEST(Config, OriginalKeysAreRead) {
  TempDir dir;
  auto cfg = Load(dir, std::string(kMinimal) +
                           "    persons: /abs/p.csv\n"
                           "database:\n  path: x/y.db\n"
                           "performance:\n  batch_size: 500\n  max_workers: 3\n"
                           "feature_engineering:\n  genres:\n    min_frequency: 2\n"
                           "    max_genres: 7\n"
                           "pipeline:\n  stages: [load, extract]\n");
  EXPECT_EQ(cfg.sources.persons, "/abs/p.csv");
  EXPECT_EQ(cfg.database_path, (dir.path() / "x/y.db").string());
  EXPECT_EQ(cfg.batch_size, 500);
  EXPECT_EQ(cfg.Workers(), 3);
  EXPECT_EQ(cfg.genres_min_frequency, 2);
  EXPECT_EQ(cfg.genres_max_genres, 7);
  EXPECT_EQ(cfg.stages, (std::vector<std::string>{"extract", "load"}));
}

TEST(Config, UnknownKeyNamesKeyAndLine) {
  TempDir dir;
  std::string msg = ErrorOf(dir, std::string(kMinimal) + "performance:\n  batchsize: 10\n");
  EXPECT_NE(msg.find("cfg.yaml:6:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("performance.batchsize"), std::string::npos) << msg;
  EXPECT_NE(msg.find("batch_size"), std::string::npos) << msg;  // the suggestion
}

TEST(Config, WrongTypeNamesKeyAndLine) {
  TempDir dir;
  std::string msg = ErrorOf(dir, std::string(kMinimal) + "performance:\n  batch_size: lots\n");
  EXPECT_NE(msg.find("cfg.yaml:6:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("performance.batch_size"), std::string::npos) << msg;
  EXPECT_NE(msg.find("integer"), std::string::npos) << msg;
}

TEST(Config, OutOfRangeNamesKeyAndLine) {
  TempDir dir;
  std::string msg =
      ErrorOf(dir, std::string(kMinimal) + "feature_engineering:\n  genres:\n    max_genres: 0\n");
  EXPECT_NE(msg.find("cfg.yaml:7:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("feature_engineering.genres.max_genres"), std::string::npos) << msg;
  EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
}

TEST(Config, SectionThatIsNotAMappingIsAnError) {
  TempDir dir;
  std::string msg = ErrorOf(dir, std::string(kMinimal) + "performance: 5\n");
  EXPECT_NE(msg.find("performance: expected a mapping"), std::string::npos) << msg;
}

TEST(Config, BadEnumAndBadStageAndBadYaml) {
  TempDir dir;
  EXPECT_NE(ErrorOf(dir, std::string(kMinimal) + "logging:\n  level: loud\n").find("logging.level"),
            std::string::npos);
  std::string msg = ErrorOf(dir, std::string(kMinimal) + "pipeline:\n  stages: [extract, fly]\n");
  EXPECT_NE(msg.find("unknown stage 'fly'"), std::string::npos) << msg;
  msg = ErrorOf(dir, "data_sources: [unclosed\n");
  EXPECT_NE(msg.find("invalid YAML"), std::string::npos) << msg;
}

TEST(Config, MissingRequiredSourcesAndMissingFile) {
  TempDir dir;
  EXPECT_NE(ErrorOf(dir, "database:\n  path: a.db\n").find("movies is required"),
            std::string::npos);
  EXPECT_THROW(io::LoadConfig(dir / "nope.yaml"), UsageError);
}

TEST(Config, ModelKeysAreReadAndChecked) {
  TempDir dir;
  auto cfg = Load(dir, std::string(kMinimal) +
                           "models:\n  algorithms: [svd, POPULARITY]\n  collaborative: svd\n"
                           "  seed: 7\n  ials:\n    alpha: 40\n    regularization: 0.5\n"
                           "    solver: cholesky\n  svd:\n    lr: 0.01\n"
                           "  hybrid:\n    warm_ratings: 30\n");
  EXPECT_EQ(cfg.models.algorithms, (std::vector<std::string>{"svd", "popularity"}));
  EXPECT_EQ(cfg.models.collaborative, "svd");
  EXPECT_EQ(cfg.models.seed, 7u);
  EXPECT_DOUBLE_EQ(cfg.models.ials.alpha, 40);
  EXPECT_DOUBLE_EQ(cfg.models.ials.regularization, 0.5);
  EXPECT_EQ(cfg.models.ials.solver, "cholesky");
  EXPECT_DOUBLE_EQ(cfg.models.svd.lr, 0.01);
  EXPECT_EQ(cfg.models.hybrid.warm_ratings, 30);
  EXPECT_EQ(cfg.models.ials.factors, 64);  // default kept

  const std::string m = std::string(kMinimal) + "models:\n";
  EXPECT_NE(ErrorOf(dir, m + "  algorithms: [ials, bpr]\n").find(
                "cfg.yaml:6: models.algorithms: 'bpr' is not one of"),
            std::string::npos);
  EXPECT_NE(ErrorOf(dir, m + "  algorithms: [ials, ials]\n").find("listed twice"),
            std::string::npos);
  EXPECT_NE(ErrorOf(dir, m + "  ials:\n    alpha: lots\n").find(
                "cfg.yaml:7: models.ials.alpha: expected a number, got 'lots'"),
            std::string::npos);
  EXPECT_NE(ErrorOf(dir, m + "  svd:\n    lr: -1\n").find("models.svd.lr: value -1 is out of range"),
            std::string::npos);
  EXPECT_NE(ErrorOf(dir, m + "  als:\n    factor: 8\n").find("unknown key 'models.als.factor'"),
            std::string::npos);
}

TEST(Config, HashIsStableAndSensitive) {
  TempDir dir;
  auto a = Load(dir, kMinimal);
  auto b = Load(dir, kMinimal);
  EXPECT_EQ(io::ConfigHash(a), io::ConfigHash(b));
  b.batch_size = 7;
  EXPECT_NE(io::ConfigHash(a), io::ConfigHash(b));
}

}  // namespace
}  // namespace movierec
