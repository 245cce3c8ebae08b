// ScoreTopN on a CUDA context: the problem goes to the plugin's score_topn (src/cuda/topn.cu),
// which tiles users and items to fit the device's free memory and never holds the whole
// users x items score matrix.
#include <cstdint>
#include <limits>
#include <vector>

#include "host/cuda_backend.h"
#include "host/topn.h"

namespace movierec {

TopNLists ScoreTopNCuda(const Context& ctx, const ScoringProblem& p) {
  TopNLists out;
  out.users = p.users;
  out.n = p.n;
  out.items.assign(static_cast<size_t>(p.users) * p.n, -1);
  out.scores.assign(static_cast<size_t>(p.users) * p.n, std::numeric_limits<float>::quiet_NaN());
  out.counts.assign(static_cast<size_t>(p.users), 0);
  if (p.users == 0) return out;
  mr_topn_job job{};
  job.device = ctx.ordinal;
  job.user_vectors = p.user_vectors;
  job.users = p.users;
  job.item_vectors = p.item_vectors;
  job.items = p.items;
  job.dim = p.dim;
  if (p.exclude != nullptr) {
    job.exclude_indptr = p.exclude->indptr.data();
    job.exclude_indices = p.exclude->indices.data();
  }
  job.item_allowed = p.item_allowed;
  job.user_active = p.user_active;
  job.n = p.n;
  job.out_items = out.items.data();
  job.out_scores = out.scores.data();
  job.out_counts = out.counts.data();
  mr_status status{};
  cuda::Backend().score_topn(&job, &status);
  cuda::ThrowIfFailed(status, "top-N scoring");
  return out;
}

}  // namespace movierec
