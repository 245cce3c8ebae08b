// ScoreTopN: input checks shared by every backend, then the dispatch on the context.
#include "host/topn.h"

#include <cstdint>
#include <limits>
#include <string>

#include "common/error.h"

namespace movierec {

// host/topn_cpu.cpp and host/topn_cuda.cpp; both expect a problem that passed CheckProblem.
TopNLists ScoreTopNCpu(const Context& ctx, const ScoringProblem& problem, const TopNTuning& tuning);
TopNLists ScoreTopNCuda(const Context& ctx, const ScoringProblem& problem);

namespace {

void CheckProblem(const ScoringProblem& p) {
  if (p.n < 1) {
    throw UsageError("top-N scoring: the list length n must be at least 1 (got " +
                     std::to_string(p.n) + ")");
  }
  if (p.users < 0 || p.items < 0 || p.dim < 0) {
    throw UsageError("top-N scoring: negative size (users " + std::to_string(p.users) + ", items " +
                     std::to_string(p.items) + ", dim " + std::to_string(p.dim) + ")");
  }
  if (p.items > std::numeric_limits<int32_t>::max()) {
    throw UsageError("top-N scoring: " + std::to_string(p.items) +
                     " items is more than 32-bit item indexes can hold");
  }
  if (p.users > 0 && p.users > std::numeric_limits<int64_t>::max() / p.n) {
    throw UsageError("top-N scoring: users x n overflows");
  }
  if (p.dim > 0 && p.users > 0 && p.user_vectors == nullptr) {
    throw UsageError("top-N scoring: user_vectors is null but users x dim is not empty");
  }
  if (p.dim > 0 && p.items > 0 && p.item_vectors == nullptr) {
    throw UsageError("top-N scoring: item_vectors is null but items x dim is not empty");
  }
  if (p.exclude != nullptr) {
    const RatingMatrix& m = *p.exclude;
    if (m.rows != p.users || m.cols != p.items) {
      throw UsageError("top-N scoring: the exclusion matrix is " + std::to_string(m.rows) + " x " +
                       std::to_string(m.cols) + " but the problem is " + std::to_string(p.users) +
                       " users x " + std::to_string(p.items) + " items");
    }
    if (static_cast<int64_t>(m.indptr.size()) != m.rows + 1) {
      throw UsageError("top-N scoring: the exclusion matrix has " +
                       std::to_string(m.indptr.size()) + " row offsets for " +
                       std::to_string(m.rows) + " rows");
    }
    // Offsets must stay inside indices (the scorer reads them unchecked). Column indexes need no
    // check: the scorer only masks those inside the tile it is working on.
    int64_t prev = 0;
    for (const int64_t off : m.indptr) {
      if (off < prev) throw UsageError("top-N scoring: exclusion row offsets decrease");
      prev = off;
    }
    if (prev > m.nnz()) {
      throw UsageError("top-N scoring: exclusion row offsets point past the column indexes");
    }
  }
}

}  // namespace

TopNLists ScoreTopN(const Context& ctx, const ScoringProblem& problem, const TopNTuning& tuning) {
  CheckProblem(problem);
  if (ctx.IsCuda()) return ScoreTopNCuda(ctx, problem);
  return ScoreTopNCpu(ctx, problem, tuning);
}

}  // namespace movierec
