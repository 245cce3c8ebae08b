// Hyperparameters of every recommendation algorithm, as read from the config's `models:`
// section (io/config.cpp) and handed to the trainers (host/). Defaults are the config defaults.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace movierec {

// Explicit-rating ALS with weighted-λ regularisation (Zhou et al. 2008).
struct AlsParams {
  int factors = 64;
  int iterations = 15;
  double regularization = 0.05;  // λ, multiplied by each row's rating count
  bool biases = true;            // learn user and item biases beside the factors
  double init_std = 0.01;
};

// Implicit-feedback ALS (Hu, Koren, Volinsky 2008).
struct IalsParams {
  int factors = 64;
  int iterations = 15;
  double regularization = 0.01;
  double alpha = 1.0;                  // confidence 1 + alpha * r, or 1 + alpha * log(1 + r / eps)
  std::string confidence = "linear";   // linear | log
  double epsilon = 1.0;                // of the log scaling
  std::string solver = "cg";           // cg (Takács et al. 2011) | cholesky (exact)
  int cg_steps = 3;
  double init_std = 0.01;
};

// Biased matrix factorisation by SGD, with the semantics of Surprise's SVD.
struct SvdParams {
  int factors = 100;
  int epochs = 20;
  double lr = 0.005;
  double reg = 0.02;
  double init_mean = 0.0;
  double init_std = 0.1;
  bool biased = true;
  // blocks: LIBMF-style block scheduling, deterministic for any thread count;
  // serial: one thread, a fixed order every epoch (CSR order), no shuffling, as Surprise.
  std::string schedule = "blocks";
};

struct ContentParams {
  double genre_weight = 1.0;     // genre TF-IDF block
  double people_weight = 0.5;    // director and stars (IMDb enrichment, cast)
  double year_weight = 0.25;     // release decade
  double language_weight = 0.25;
  double min_rating = 3.5;       // ratings at or above this shape the user profile positively
};

struct PopularityParams {
  double prior_count = 0;       // Bayesian-average prior count C; 0 = median rating count
  double half_life_days = 0;    // recency weighting of the rating counts; 0 = none
};

struct HybridParams {
  double collaborative_weight = 0.7;
  double content_weight = 0.2;
  double popularity_weight = 0.1;
  // Users with fewer ratings than this get content + popularity only (cold start); between it
  // and warm_ratings the collaborative weight ramps up linearly.
  int cold_start_ratings = 5;
  int warm_ratings = 20;
};

struct ModelsConfig {
  // Trained by the `train` stage and scored by `score`, in this order.
  std::vector<std::string> algorithms = {"ials", "popularity", "content", "hybrid"};
  std::string collaborative = "ials";  // what recommend's "collaborative" and hybrid use
  int top_n = 10;                      // precomputed recommendations per user
  uint64_t seed = 42;
  AlsParams als;
  IalsParams ials;
  SvdParams svd;
  ContentParams content;
  PopularityParams popularity;
  HybridParams hybrid;
};

}  // namespace movierec
