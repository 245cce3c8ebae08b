// Models on disk and in SQLite, published recommendations and the answer cache.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/sparse.h"
#include "io/model_store.h"
#include "io/npy.h"
#include "io/recommendation_store.h"
#include "io/schema.h"
#include "test_support.h"

namespace movierec {
namespace {

using testing::TempDir;

FactorModel SmallModel() {
  FactorModel m;
  m.algorithm = "als";
  m.factors = 2;
  m.users = 3;
  m.items = 2;
  m.user_factors = {1, 2, 3, 4, 5, 6};
  m.item_factors = {0.5f, -1, 2, 0};
  m.user_bias = {0.1f, 0.2f, 0.3f};
  m.item_bias = {-0.5f, 0.5f};
  m.global_mean = 3.5f;
  m.user_ids = {10, kVacantId, 30};
  m.item_ids = {100, 200};
  return m;
}

TEST(ModelStore, SaveLoadRoundTripAndNumpyFiles) {
  TempDir dir;
  const std::string db_path = (dir / "m.db").string();
  io::Database db(db_path);
  io::EnsureSchema(db);
  ModelsConfig cfg;
  io::ModelRecord rec;
  rec.algorithm = "als";
  rec.params_json = io::ModelParamsJson("als", cfg);
  rec.created_at = 1700000000;
  rec.data_run_id = 4;
  rec.device = "cpu";
  rec.seconds = 1.5;
  const FactorModel m = SmallModel();
  const int64_t id = io::SaveModel(db, db_path, rec, &m);
  EXPECT_GT(id, 0);

  auto latest = io::LatestModel(db, "als");
  ASSERT_TRUE(latest);
  EXPECT_EQ(latest->model_id, id);
  EXPECT_EQ(latest->data_run_id, 4);
  EXPECT_EQ(nlohmann::json::parse(latest->params_json)["factors"], cfg.als.factors);
  EXPECT_EQ(latest->path, db_path + ".models/" + std::to_string(id) + "-als");
  EXPECT_FALSE(io::LatestModel(db, "svd"));

  // Plain numpy files: (users, factors) float32.
  const auto u = io::ReadNpy2D<float>(latest->path + "/user_factors.npy", 3, 2);
  EXPECT_EQ(u.data, m.user_factors);
  const FactorModel back = io::LoadFactorModel(latest->path);
  EXPECT_EQ(back.user_factors, m.user_factors);
  EXPECT_EQ(back.item_factors, m.item_factors);
  EXPECT_EQ(back.user_bias, m.user_bias);
  EXPECT_EQ(back.item_bias, m.item_bias);
  EXPECT_EQ(back.user_ids, m.user_ids);
  EXPECT_EQ(back.item_ids, m.item_ids);
  EXPECT_FLOAT_EQ(back.global_mean, 3.5f);
  EXPECT_FLOAT_EQ(back.Predict(2, 1), 3.5f + 0.3f + 0.5f + 5 * 2 + 6 * 0);

  // A model without biases saves no bias files.
  FactorModel plain = SmallModel();
  plain.user_bias.clear();
  plain.item_bias.clear();
  rec.algorithm = "ials";
  const int64_t id2 = io::SaveModel(db, db_path, rec, &plain);
  const std::string folder = db_path + ".models/" + std::to_string(id2) + "-ials";
  EXPECT_FALSE(std::filesystem::exists(folder + "/user_bias.npy"));
  EXPECT_TRUE(io::LoadFactorModel(folder).user_bias.empty());
}

TEST(ModelStore, ParamsRoundTripThroughJson) {
  ModelsConfig c;
  c.seed = 9;
  c.als.regularization = 0.3;
  c.ials.solver = "cholesky";
  c.ials.alpha = 40;
  c.svd.schedule = "serial";
  c.content.people_weight = 0.9;
  c.popularity.half_life_days = 30;
  c.collaborative = "svd";
  c.hybrid.warm_ratings = 50;
  for (const char* a : {"als", "ials", "svd", "content", "popularity", "hybrid"}) {
    const ModelsConfig back = io::ModelsConfigFromParams(a, io::ModelParamsJson(a, c));
    EXPECT_EQ(io::ModelParamsJson(a, back), io::ModelParamsJson(a, c)) << a;
  }
  EXPECT_EQ(io::ModelsConfigFromParams("ials", io::ModelParamsJson("ials", c)).ials.solver,
            "cholesky");
  EXPECT_THROW(io::ModelParamsJson("bpr", c), Error);
  EXPECT_THROW(io::ModelsConfigFromParams("ials", "{\"alpha\": \"high\"}"), Error);
}

TEST(ModelStore, InconsistentModelIsRefusedLeavingNoRow) {
  TempDir dir;
  const std::string db_path = (dir / "m.db").string();
  io::Database db(db_path);
  io::EnsureSchema(db);
  FactorModel bad = SmallModel();
  bad.item_factors.pop_back();
  io::ModelRecord rec;
  rec.algorithm = "als";
  EXPECT_THROW(io::SaveModel(db, db_path, rec, &bad), Error);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM models"), 0);
  EXPECT_THROW(io::LoadFactorModel((dir / "nothing").string()), Error);
}

TEST(RecommendationStore, PublishReplacesAnAlgorithmsListsAtomically) {
  TempDir dir;
  io::Database db((dir / "r.db").string());
  io::EnsureSchema(db);
  db.Exec("INSERT INTO movie (movie_id, movie_idx, title) VALUES (100, 0, 'A'), (200, 1, 'B'), "
          "(300, 2, 'C')");
  const std::vector<int64_t> users = {7, kVacantId, 9};
  const std::vector<int64_t> items = {100, 200, 300};
  const std::vector<int32_t> list_items = {2, 0, /*vacant*/ -1, -1, /*user 9*/ 1, -1};
  const std::vector<float> scores = {0.9f, 0.5f, 0, 0, 0.7f, 0};
  const std::vector<int32_t> counts = {2, 0, 1};
  io::RecommendationLists lists{"ials", 5, 2, list_items, scores, counts, users, items};
  EXPECT_EQ(io::PublishRecommendations(db, lists, 1700000000), 3);
  auto r = io::ReadRecommendations(db, 7, "ials", 10);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].rank, 1);
  EXPECT_EQ(r[0].movie_id, 300);
  EXPECT_NEAR(r[0].score, 0.9, 1e-6);
  EXPECT_EQ(r[0].model_id, 5);
  EXPECT_EQ(io::ReadRecommendations(db, 7, "ials", 1).size(), 1u);
  EXPECT_TRUE(io::ReadRecommendations(db, 7, "content", 10).empty());

  // A cached answer for the algorithm is dropped by the next publish.
  io::CacheStore(db, 42, "ials", 5, 10, "[1,2]", 1700000000);
  EXPECT_EQ(io::CacheLookup(db, 42, "ials", 5, 10), "[1,2]");
  EXPECT_EQ(io::CacheLookup(db, 42, "ials", 5, 10), "[1,2]");
  EXPECT_FALSE(io::CacheLookup(db, 42, "ials", 6, 10));
  EXPECT_EQ(db.QueryInt("SELECT hits FROM recommendation_cache_stats WHERE algorithm = 'ials'"), 2);
  EXPECT_EQ(db.QueryInt("SELECT misses FROM recommendation_cache_stats WHERE algorithm = 'ials'"),
            1);
  EXPECT_EQ(db.QueryInt("SELECT hits FROM recommendation_cache WHERE user_id = 42"), 2);

  const std::vector<int32_t> new_items = {1, -1, -1, -1, 0, 2};
  const std::vector<int32_t> new_counts = {1, 0, 2};
  io::RecommendationLists next{"ials", 6, 2, new_items, scores, new_counts, users, items};
  EXPECT_EQ(io::PublishRecommendations(db, next, 1700000001), 3);
  r = io::ReadRecommendations(db, 7, "ials", 10);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].movie_id, 200);
  EXPECT_EQ(db.QueryInt("SELECT COUNT(*) FROM recommendation_cache"), 0);

  // A list naming an index without a movie is refused and changes nothing.
  const std::vector<int32_t> broken = {5, -1, -1, -1, -1, -1};
  const std::vector<int32_t> broken_counts = {1, 0, 0};
  io::RecommendationLists bad{"ials", 7, 2, broken, scores, broken_counts, users, items};
  EXPECT_THROW(io::PublishRecommendations(db, bad, 1700000002), Error);
  EXPECT_EQ(io::ReadRecommendations(db, 7, "ials", 10)[0].movie_id, 200);
}

}  // namespace
}  // namespace movierec
