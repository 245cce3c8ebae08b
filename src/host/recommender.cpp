#include "host/recommender.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/error.h"
#include "common/model.h"
#include "common/sparse.h"
#include "host/content_model.h"
#include "host/scoring_vectors.h"
#include "host/trainer.h"
#include "io/model_store.h"
#include "io/recommendation_store.h"
#include "kernels/topk.h"

namespace movierec {
namespace {

using nlohmann::json;

const std::vector<std::string> kAlgorithms = {"als",     "ials",       "svd",
                                              "content", "popularity", "hybrid"};

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A stored model with what serving needs: its item scoring vectors and a map from movie ids to
// item indexes.
struct LoadedModel {
  io::ModelRecord record;
  FactorModel model;
  ScoringVectors vectors;  // item side used; user side ignored
  std::unordered_map<int64_t, int32_t> index_of;
};

LoadedModel LoadModel(const io::ModelRecord& rec) {
  if (rec.path.empty()) {
    throw Error("the " + rec.algorithm + " model " + std::to_string(rec.model_id) +
                " has no files");
  }
  LoadedModel m;
  m.record = rec;
  m.model = io::LoadFactorModel(rec.path);
  m.vectors = FactorScoringVectors(m.model);
  m.index_of.reserve(m.model.item_ids.size());
  for (size_t i = 0; i < m.model.item_ids.size(); ++i) {
    if (m.model.item_ids[i] != kVacantId) {
      m.index_of.emplace(m.model.item_ids[i], static_cast<int32_t>(i));
    }
  }
  return m;
}

LoadedModel LoadModelById(io::Database& db, int64_t model_id, const char* what) {
  auto rec = io::FindModel(db, model_id);
  if (!rec) {
    throw Error(std::string("the hybrid model's ") + what + " component (model " +
                std::to_string(model_id) + ") is missing; train the hybrid again");
  }
  return LoadModel(*rec);
}

// The user's ratings of movies the model knows: item indexes ascending, with their ratings.
struct KnownRatings {
  std::vector<int32_t> items;
  std::vector<float> ratings;
};

KnownRatings RatingsFor(const std::vector<std::pair<int64_t, float>>& rated,
                        const LoadedModel& m) {
  std::vector<std::pair<int32_t, float>> known;
  for (const auto& [movie, r] : rated) {
    auto it = m.index_of.find(movie);
    if (it != m.index_of.end()) known.emplace_back(it->second, r);
  }
  std::sort(known.begin(), known.end());
  KnownRatings out;
  for (const auto& [i, r] : known) {
    out.items.push_back(i);
    out.ratings.push_back(r);
  }
  return out;
}

// The user side of FactorScoringVectors for a factor vector x: [x, 1] when the model has item
// biases, else [x].
std::vector<float> FactorUserVector(const FactorModel& m, std::vector<float> x) {
  if (!m.item_bias.empty()) x.push_back(1.f);
  return x;
}

std::vector<float> CollaborativeVector(const LoadedModel& m, const KnownRatings& k) {
  const ModelsConfig cfg = io::ModelsConfigFromParams(m.model.algorithm, m.record.params_json);
  Context cpu;
  std::vector<float> x = MakeFactorTrainer(cpu, m.model.algorithm, cfg)
                             ->FoldInUser(m.model, k.items.data(), k.ratings.data(),
                                          static_cast<int64_t>(k.items.size()));
  return FactorUserVector(m.model, std::move(x));
}

std::vector<float> ContentVector(const LoadedModel& m, const KnownRatings& k) {
  const ModelsConfig cfg = io::ModelsConfigFromParams("content", m.record.params_json);
  ContentModel cm;
  cm.layout.dim = m.model.factors;
  cm.items = m.model.items;
  cm.item_vectors = m.model.item_factors;
  std::vector<float> p(static_cast<size_t>(m.model.factors));
  ContentUserProfile(cm, k.items.data(), k.ratings.data(), static_cast<int64_t>(k.items.size()),
                     cfg.content, p.data());
  return p;
}

std::vector<float> HybridVector(io::Database& db, const LoadedModel& m,
                                const std::vector<std::pair<int64_t, float>>& rated) {
  json params;
  try {
    params = json::parse(m.record.params_json);
    const ModelsConfig cfg = io::ModelsConfigFromParams("hybrid", m.record.params_json);
    const json& ids = params.at("components");
    const json& scales = params.at("scales");
    const LoadedModel c = LoadModelById(db, ids.at("collaborative").get<int64_t>(), "collaborative");
    const LoadedModel t = LoadModelById(db, ids.at("content").get<int64_t>(), "content");
    const KnownRatings kc = RatingsFor(rated, c);
    const KnownRatings kt = RatingsFor(rated, t);
    const HybridWeights w =
        HybridUserWeights(static_cast<int64_t>(kc.items.size()), cfg.hybrid);
    std::vector<float> out;
    auto append = [&](const std::vector<float>& v, double scale) {
      for (float x : v) out.push_back(static_cast<float>(x * scale));
    };
    const std::vector<float> cv = CollaborativeVector(c, kc);
    append(cv, w.collaborative * scales.at("collaborative").get<double>());
    append(ContentVector(t, kt), w.content * scales.at("content").get<double>());
    append({1.f}, w.popularity * scales.at("popularity").get<double>());
    if (static_cast<int>(out.size()) != m.vectors.dim) {
      throw Error("the hybrid model's components no longer match it (" +
                  std::to_string(out.size()) + " vs " + std::to_string(m.vectors.dim) +
                  " dimensions); train the hybrid again");
    }
    return out;
  } catch (const json::exception& e) {
    throw Error("the hybrid model " + std::to_string(m.record.model_id) +
                " does not name its components: " + e.what());
  }
}

// The best n items for a user vector, rated items and vacant indexes excluded.
std::vector<RecommendedMovie> TopFor(const LoadedModel& m, const std::vector<float>& user,
                                     const KnownRatings& rated, int n) {
  const ScoringVectors& v = m.vectors;
  std::vector<float> scores(static_cast<size_t>(n));
  std::vector<int32_t> items(static_cast<size_t>(n));
  kernels::TopKHeap heap(scores.data(), items.data(), n);
  size_t next_rated = 0;
  for (int64_t i = 0; i < v.items; ++i) {
    while (next_rated < rated.items.size() && rated.items[next_rated] < i) ++next_rated;
    if (next_rated < rated.items.size() && rated.items[next_rated] == i) continue;
    if (m.model.item_ids[static_cast<size_t>(i)] == kVacantId) continue;
    const float* row = v.ItemRow(i);
    float s = 0;
    for (int d = 0; d < v.dim; ++d) s += user[static_cast<size_t>(d)] * row[d];
    heap.Offer(s, static_cast<int32_t>(i));
  }
  const int count = heap.SortDescending();
  std::vector<RecommendedMovie> out;
  for (int r = 0; r < count; ++r) {
    RecommendedMovie x;
    x.rank = r + 1;
    x.movie_id = m.model.item_ids[static_cast<size_t>(items[static_cast<size_t>(r)])];
    x.score = scores[static_cast<size_t>(r)];
    out.push_back(x);
  }
  return out;
}

// For each answer, the liked movie (rated at least the user's mean) whose item vector is most
// like the answer's, by cosine.
void Explain(const LoadedModel& m, const KnownRatings& k, std::vector<RecommendedMovie>& movies) {
  if (k.items.empty() || m.vectors.dim < 2) return;
  double mean = 0;
  for (float r : k.ratings) mean += r;
  mean /= static_cast<double>(k.ratings.size());
  const ScoringVectors& v = m.vectors;
  auto norm = [&](const float* a) {
    double s = 0;
    for (int d = 0; d < v.dim; ++d) s += double(a[d]) * a[d];
    return std::sqrt(s);
  };
  for (auto& movie : movies) {
    auto it = m.index_of.find(movie.movie_id);
    if (it == m.index_of.end()) continue;
    const float* a = v.ItemRow(it->second);
    const double na = norm(a);
    double best = -2;
    for (size_t j = 0; j < k.items.size(); ++j) {
      if (k.ratings[j] < mean) continue;
      const float* b = v.ItemRow(k.items[j]);
      double dot = 0;
      for (int d = 0; d < v.dim; ++d) dot += double(a[d]) * b[d];
      const double cos = dot / std::max(1e-12, na * norm(b));
      if (cos > best) {
        best = cos;
        movie.because_movie_id = m.model.item_ids[static_cast<size_t>(k.items[j])];
      }
    }
  }
}

std::string Payload(const RecommendAnswer& a) {
  json list = json::array();
  for (const auto& m : a.movies) list.push_back({m.movie_id, m.score});
  return json{{"served_by", a.served_by}, {"movies", list}}.dump();
}

bool FromPayload(const std::string& text, RecommendAnswer& a) {
  try {
    const json j = json::parse(text);
    a.served_by = j.at("served_by").get<std::string>();
    int rank = 0;
    for (const auto& m : j.at("movies")) {
      RecommendedMovie x;
      x.rank = ++rank;
      x.movie_id = m.at(0).get<int64_t>();
      x.score = m.at(1).get<double>();
      a.movies.push_back(x);
    }
    return true;
  } catch (const json::exception&) {
    return false;  // a damaged entry is recomputed (and replaced)
  }
}

}  // namespace

RecommendAnswer Recommend(io::Database& db, const RecommendRequest& req) {
  if (req.n <= 0) throw UsageError("the number of recommendations must be positive");
  RecommendAnswer a;
  a.user_id = req.user_id;
  a.algorithm = req.algorithm == "collaborative" ? req.collaborative : req.algorithm;
  if (std::find(kAlgorithms.begin(), kAlgorithms.end(), a.algorithm) == kAlgorithms.end()) {
    throw UsageError("unknown algorithm '" + req.algorithm +
                     "'; expected collaborative, content, hybrid, popularity, als, ials or svd");
  }
  // The fast path first: a full precomputed list answers without any other query.
  std::vector<io::Recommendation> pre;
  try {
    pre = io::ReadRecommendations(db, req.user_id, a.algorithm, req.n);
  } catch (const Error&) {
    // No such table (a database that never saw the pipeline): said clearly just below.
  }
  if (static_cast<int>(pre.size()) >= req.n && !req.explain) {
    a.source = "precomputed";
    a.served_by = a.algorithm;
    a.model_id = pre.front().model_id;
    for (const auto& p : pre) a.movies.push_back({p.rank, p.movie_id, p.score, std::nullopt});
    return a;
  }
  if (db.QueryInt("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'user'") ==
          0 ||
      db.QueryInt("SELECT EXISTS (SELECT 1 FROM user)") == 0) {
    throw Error("the database " + db.path() +
                " holds no ratings; load data with `movierec pipeline` first");
  }
  {
    io::Statement s = db.Prepare("SELECT 1 FROM user WHERE user_id = ?");
    s.Bind(1, req.user_id);
    if (!s.Step()) {
      throw UsageError("unknown user " + std::to_string(req.user_id) +
                       ": no ratings of this user were loaded");
    }
  }

  const auto rec = io::LatestModel(db, a.algorithm);
  if (!rec) {
    throw Error("no " + a.algorithm + " model in " + db.path() +
                "; train one with `movierec pipeline` (models.algorithms and the train stage)");
  }
  a.model_id = rec->model_id;
  if (!req.explain) {
    if (auto cached = io::CacheLookup(db, req.user_id, a.algorithm, a.model_id, req.n)) {
      if (FromPayload(*cached, a)) {
        a.source = "cache";
        return a;
      }
      a.movies.clear();
    }
  }

  std::vector<std::pair<int64_t, float>> rated;
  {
    io::Statement s = db.Prepare("SELECT movie_id, rating FROM user_rating WHERE user_id = ?");
    s.Bind(1, req.user_id);
    while (s.Step()) rated.emplace_back(s.ColumnInt(0), static_cast<float>(s.ColumnDouble(1)));
  }
  LoadedModel model = LoadModel(*rec);
  KnownRatings known = RatingsFor(rated, model);
  a.served_by = a.algorithm;
  if (known.items.empty() && a.algorithm != "popularity") {
    // Nothing the model knows about this user: the popularity list, as for a new user.
    auto pop = io::LatestModel(db, "popularity");
    if (!pop) {
      throw Error("user " + std::to_string(req.user_id) + " rated no movie the " + a.algorithm +
                  " model knows, and there is no popularity model to fall back on");
    }
    model = LoadModel(*pop);
    known = RatingsFor(rated, model);
    a.served_by = "popularity";
  }
  std::vector<float> user;
  if (a.served_by == "popularity") {
    user = {1.f};
  } else if (IsFactorAlgorithm(a.algorithm)) {
    user = CollaborativeVector(model, known);
  } else if (a.algorithm == "content") {
    user = ContentVector(model, known);
  } else {
    user = HybridVector(db, model, rated);
  }
  if (static_cast<int>(pre.size()) >= req.n) {
    a.source = "precomputed";
    for (const auto& p : pre) a.movies.push_back({p.rank, p.movie_id, p.score, std::nullopt});
  } else {
    a.movies = TopFor(model, user, known, req.n);
    a.source = "computed";
    io::CacheStore(db, req.user_id, a.algorithm, a.model_id, req.n, Payload(a), UnixNow());
  }
  if (req.explain) Explain(model, known, a.movies);
  return a;
}

}  // namespace movierec
