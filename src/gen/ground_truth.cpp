#include "gen/ground_truth.h"

#include <nlohmann/json.hpp>

#include "gen/text_out.h"
#include "io/npy.h"

namespace movierec::gen {

std::vector<std::string> WriteGroundTruthArrays(const std::string& dir, const ItemModel& items,
                                                const UserModel& users, const Catalog& catalog) {
  const std::string sub = std::string(kGroundTruthDir) + "/";
  const std::string base = dir + "/" + sub;
  const int64_t U = static_cast<int64_t>(users.bias.size());
  const int64_t M = static_cast<int64_t>(items.bias.size());
  const int64_t K = items.rank;
  std::vector<std::string> names;
  auto put = [&](const std::string& name) {
    names.push_back(sub + name);
    return base + name;
  };
  io::WriteNpy2D<float>(put("user_factors.npy"), users.factors, U, K);
  io::WriteNpy2D<float>(put("item_factors.npy"), items.factors, M, K);
  io::WriteNpy1D<float>(put("user_bias.npy"), users.bias);
  io::WriteNpy1D<float>(put("item_bias.npy"), items.bias);
  std::vector<int64_t> ids(U);
  for (int64_t u = 0; u < U; ++u) ids[u] = u + 1;
  io::WriteNpy1D<int64_t>(put("user_ids.npy"), ids);
  ids.resize(M);
  for (int64_t i = 0; i < M; ++i) ids[i] = catalog.movies[i].id;
  io::WriteNpy1D<int64_t>(put("movie_ids.npy"), ids);
  std::vector<int32_t> cluster(items.cluster.begin(), items.cluster.end());
  io::WriteNpy1D<int32_t>(put("item_cluster.npy"), cluster);
  return names;
}

void WriteTruthJson(const std::string& dir, const ModelParams& params, const TruthInfo& info) {
  nlohmann::ordered_json j;
  j["seed"] = info.seed;
  j["format"] = info.format;
  j["users"] = info.users;
  j["movies"] = info.movies;
  j["ratings"] = info.ratings;
  j["rank"] = params.rank;
  j["global_mean"] = params.global_mean;
  j["noise_std"] = params.noise_std;
  j["files"] = info.files;
  j["rating_scale"] = info.half_stars ? "half stars 0.5..5.0" : "whole stars 1..5";
  j["rating_formula"] =
      "clamp(round(global_mean + user_bias[u] + item_bias[i] + user_factors[u] . item_factors[i]"
      " + N(0, noise_std^2)), scale)";
  j["clusters"] = params.clusters;
  j["affinity_beta"] = params.affinity_beta;
  j["popularity_share"] = params.popularity_share;
  j["zipf_exponent"] = params.zipf_exponent;
  j["dirty_rate"] = info.dirty_rate;
  j["defects"] = info.defects;
  OutputFile out(dir + "/" + kGroundTruthDir + "/truth.json");
  out.Record(j.dump(2) + "\n");
  out.Close();
}

}  // namespace movierec::gen
