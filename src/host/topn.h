// All-user top-N scoring, the one path every algorithm's recommendations go through: scores are
// dot products of a user vector and an item vector (factor models, content profiles, popularity
// and hybrid blends all reduce to that, see host/scoring_vectors.h), computed by blocked GEMM on
// user x item tiles with the per-row top-N selection done inside the tile, so the users x items
// score matrix never exists.
//
// CPU path (host/topn_cpu.cpp): the active users are cut into blocks of `user_block`; OpenMP
// threads (ctx.threads, dynamic schedule) take one block at a time. For each tile of
// `item_block` items one single-threaded cblas_sgemm writes the block's scores into a per-thread
// buffer (2 MiB by default, L2/L3-sized); each user row of the tile then goes through a
// vectorised pre-filter (only scores above the user's current N-th best pass), and the few
// survivors are checked against item_allowed and the user's rated items (a cursor along the
// sorted CSR row, no hashing) and offered to the user's kernels::TopKHeap, which lives across
// the block's item tiles. Memory beyond the output: per thread, user_block x item_block x 4
// bytes of scores plus user_block x n x 8 bytes of heaps.
#pragma once

#include <cstdint>
#include <vector>

#include "common/sparse.h"
#include "host/context.h"

namespace movierec {

struct ScoringProblem {
  const float* user_vectors = nullptr;  // users x dim, row-major (may be null when dim == 0)
  int64_t users = 0;
  const float* item_vectors = nullptr;  // items x dim, row-major (may be null when dim == 0)
  int64_t items = 0;                    // < 2^31 (item indexes are int32)
  int dim = 0;                          // >= 0; 0 gives every candidate the score 0
  // Items each user already rated, excluded from that user's list (rows = users, cols = items,
  // column indexes ascending within each row as RatingMatrix promises; only indptr and indices
  // are read); nullptr excludes nothing. A user who rated every item gets an empty list.
  const RatingMatrix* exclude = nullptr;
  // Per item, 0 = never recommend (e.g. a vacant index); nullptr allows all.
  const uint8_t* item_allowed = nullptr;
  // Per user, 0 = no list (e.g. a vacant index; its scores are not computed); nullptr scores
  // every user.
  const uint8_t* user_active = nullptr;
  int n = 10;  // list length, >= 1
};

// Row u holds user u's list: items[u*n + r], scores[u*n + r] for r < counts[u], best first;
// ties broken by the lower item index; NaN scores never selected (+-inf are ordinary scores).
// counts[u] = n unless fewer candidates exist (then every candidate is listed); 0 for inactive
// users. Past counts[u]: items -1, scores NaN. Offsets u*n are 64-bit.
struct TopNLists {
  int64_t users = 0;
  int n = 0;
  std::vector<int32_t> items;   // users x n, -1 past counts[u]
  std::vector<float> scores;    // users x n, NaN past counts[u]
  std::vector<int32_t> counts;  // users
};

// Tile sizes of the CPU path. The defaults are measured (bench/topn_bench, see topn_cpu.cpp); tests
// shrink them to reach every path on small problems. For a given tuning the result is bit-for-bit
// the same for every thread count. Across tunings the selection rule is the same, but sgemm may
// round a dot product differently in a differently shaped tile (its edge kernels sum in another
// order), so near-equal scores can swap; with exactly representable dot products (e.g. small
// integer vectors) the lists are identical for every tuning.
struct TopNTuning {
  static constexpr int64_t kDefaultUserBlock = 512;
  static constexpr int64_t kDefaultItemBlock = 1024;
  int64_t user_block = 0;  // users per tile; 0: kDefaultUserBlock
  int64_t item_block = 0;  // items per tile; 0: kDefaultItemBlock
  bool no_avx2 = false;    // use the SSE2 (or portable) pre-filter even where AVX2 exists
};

// Dispatches on the context: the CPU path (OpenBLAS sgemm per tile, OpenMP over user tiles,
// ctx.threads threads; BLAS runs single-threaded inside); the CUDA path arrives with the CUDA
// backend (until then a CUDA context throws Error). Bad input (n < 1, negative sizes, null
// vectors with dim > 0, items >= 2^31, an exclusion matrix of the wrong shape or with broken
// offsets) throws UsageError.
TopNLists ScoreTopN(const Context& ctx, const ScoringProblem& problem,
                    const TopNTuning& tuning = {});

}  // namespace movierec
