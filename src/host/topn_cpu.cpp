// The CPU top-N scorer: sgemm on user x item tiles, selection inside the tile (see topn.h).
//
// Per user block (up to user_block active users) and per item tile (up to item_block items, in
// ascending order), one single-threaded cblas_sgemm computes U_block . V_tile^T into the
// thread's tile buffer; then each user row of the tile is offered to the user's heap, which
// lives across the block's item tiles. Items reach a heap in ascending index order, so once the
// heap is full a score can enter only if it is strictly greater than the worst kept one (an
// equal score has a higher index and ranks after it): the vectorised pre-filter `s > worst` is
// exact, never a guess, and NaN fails it as it should. Only the few scores that pass it (about
// n ln(items / n) per user on random data) are then checked against the item mask and the
// user's rated items: the user's sorted CSR row is walked alongside, a cursor that only moves
// forward, so the tile is never written and a tile with no survivor never touches the CSR row.
// (Masking rated items in the tile first, a merge walk per row and tile, cost about 5 % of the run
// on the MovieLens-20M shape, mostly cache misses on the CSR row.)
//
// Threads: an OpenMP team of ctx.threads takes user blocks dynamically. Every thread sets its
// own nthreads ICV to 1 (task-local, nothing leaks out of the region), so the OpenMP build of
// OpenBLAS runs each call on the calling thread even when the team has one thread (with a team
// of one, omp_in_parallel() is false and OpenBLAS would otherwise fork its own threads: about
// 1.7x slower per call on the project's VM). A pthreads build of OpenBLAS is switched to one thread
// for the duration.
//
// Determinism: block boundaries depend only on the active users and the tuning, never on the
// thread that runs a block, and the heap's order is total, so the output is identical for
// every thread count.
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <vector>

#include "host/blas.h"
#include "host/cpu_features.h"
#include "host/topn.h"
#include "kernels/topk.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define MOVIEREC_TOPN_X86 1
#endif

namespace movierec {

TopNLists ScoreTopNCpu(const Context& ctx, const ScoringProblem& problem, const TopNTuning& tuning);

namespace {

// Default tile: TopNTuning::kDefaultUserBlock x kDefaultItemBlock = 512 x 1024, 2 MiB of scores
// per thread. On the MovieLens-20M shape (138k users x 27k items, dim 64, 2 threads, project
// VM) every tile from 256 x 1024 to 1024 x 1024 and 512 x 2048 was within the VM's noise
// (about 5 %); 128-user blocks lose ~5 % (each call repacks its item tile, a cost per user
// block), 1024 x 4096 (16 MiB per thread) ~20 %.
constexpr int64_t kMaxUserBlock = int64_t{1} << 20;
constexpr int64_t kMaxItemBlock = int64_t{1} << 30;

constexpr int64_t kPrefetchRows = 4;
constexpr size_t kAlignFloats = 16;  // 64 bytes

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Which items one user may be recommended: not masked by item_allowed, not rated. Asked in
// ascending item order, so the rated-items cursor only moves forward.
struct Candidates {
  const int32_t* next;  // the user's rated items not yet passed, ascending
  const int32_t* end;
  const uint8_t* allowed;  // per item, 0 = never; null: all

  bool Admits(int32_t item) {
    if (allowed != nullptr && allowed[item] == 0) return false;
    while (next != end && *next < item) ++next;  // sequential: the prefetcher keeps up
    return next == end || *next != item;
  }
};

// Once the heap is full: offers the scores that can still enter, `s > worst`, 16 at a time: a
// vector compare gives a 16-bit mask of the scores above the threshold (almost always 0), and
// only the set bits are visited, each rechecked against the threshold (which rises as offers
// enter) and then against the user's candidates. Three copies of the loop: AVX2 where the CPU
// has it, SSE2 on other x86-64, plain C++ elsewhere.
#define MOVIEREC_TOPN_OFFER_ABOVE(MASK_ABOVE_16)                     \
  float worst = heap.scores[0];                                      \
  for (; j + 16 <= len; j += 16) {                                   \
    const float* p = row + j;                                        \
    unsigned mask = (MASK_ABOVE_16);                                 \
    while (mask != 0) {                                              \
      const int k = __builtin_ctz(mask);                             \
      mask &= mask - 1;                                              \
      const int32_t item = first_item + static_cast<int32_t>(j + k); \
      if (p[k] > worst && cand.Admits(item)) {                       \
        heap.Offer(p[k], item);                                      \
        worst = heap.scores[0];                                      \
      }                                                              \
    }                                                                \
  }                                                                  \
  for (; j < len; ++j) {                                             \
    const int32_t item = first_item + static_cast<int32_t>(j);       \
    if (row[j] > worst && cand.Admits(item)) {                       \
      heap.Offer(row[j], item);                                      \
      worst = heap.scores[0];                                        \
    }                                                                \
  }

#if defined(MOVIEREC_TOPN_X86)
void OfferAboveSse2(const float* row, int64_t j, int64_t len, int32_t first_item,
                    kernels::TopKHeap& heap, Candidates& cand) {
  MOVIEREC_TOPN_OFFER_ABOVE([&] {
    const __m128 t = _mm_set1_ps(worst);
    return static_cast<unsigned>(_mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(p), t)) |
                                 _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(p + 4), t)) << 4 |
                                 _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(p + 8), t)) << 8 |
                                 _mm_movemask_ps(_mm_cmpgt_ps(_mm_loadu_ps(p + 12), t)) << 12);
  }())
}

__attribute__((target("avx2"))) void OfferAboveAvx2(const float* row, int64_t j, int64_t len,
                                                    int32_t first_item, kernels::TopKHeap& heap,
                                                    Candidates& cand) {
  MOVIEREC_TOPN_OFFER_ABOVE(static_cast<unsigned>(
      _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p), _mm256_set1_ps(worst), _CMP_GT_OQ)) |
      _mm256_movemask_ps(_mm256_cmp_ps(_mm256_loadu_ps(p + 8), _mm256_set1_ps(worst), _CMP_GT_OQ))
          << 8))
}
#else
void OfferAboveScalar(const float* row, int64_t j, int64_t len, int32_t first_item,
                      kernels::TopKHeap& heap, Candidates& cand) {
  MOVIEREC_TOPN_OFFER_ABOVE([&] {
    unsigned m = 0;
    for (int k = 0; k < 16; ++k) m |= static_cast<unsigned>(p[k] > worst) << k;
    return m;
  }())
}
#endif
#undef MOVIEREC_TOPN_OFFER_ABOVE

bool CpuHasAvx2() {
#if defined(MOVIEREC_TOPN_X86)
  return cpu::HasX86_64_V3();
#else
  return false;
#endif
}

// Offers row[j] as item first_item + j, j in [0, len), ascending, to the heap when the item is a
// candidate.
void OfferRow(const float* row, int64_t len, int32_t first_item, kernels::TopKHeap& heap,
              Candidates& cand, bool avx2) {
  int64_t j = 0;
  for (; j < len && !heap.Full(); ++j) {
    const int32_t item = first_item + static_cast<int32_t>(j);
    if (cand.Admits(item)) heap.Offer(row[j], item);
  }
  if (j == len || heap.capacity == 0) return;
#if defined(MOVIEREC_TOPN_X86)
  if (avx2) {
    OfferAboveAvx2(row, j, len, first_item, heap, cand);
  } else {
    OfferAboveSse2(row, j, len, first_item, heap, cand);
  }
#else
  (void)avx2;
  OfferAboveScalar(row, j, len, first_item, heap, cand);
#endif
}

// One thread's buffers, allocated before the parallel region (so allocation failures throw on
// the calling thread).
struct Workspace {
  std::vector<float> tile;               // user_block x item_block scores
  std::vector<float> user_rows_storage;  // user_block x dim + kAlignFloats
  float* user_rows = nullptr;       // gathered active users (when some aren't), 64-byte aligned
  std::vector<float> heap_scores;   // user_block x capacity
  std::vector<int32_t> heap_items;  // user_block x capacity
  std::vector<kernels::TopKHeap> heaps;
  std::vector<Candidates> candidates;  // per row of the block
};

struct Plan {
  const ScoringProblem* p;
  const std::vector<int64_t>* active;  // active user indexes; empty: every user
  int64_t n_active;
  int64_t user_block;
  int64_t item_block;
  bool avx2;
  TopNLists* out;
};

void ScoreBlock(const Plan& plan, int64_t block, Workspace& ws) {
  const ScoringProblem& p = *plan.p;
  const int64_t dim = p.dim;
  const int64_t first = block * plan.user_block;
  const int64_t rows = std::min(plan.user_block, plan.n_active - first);
  const bool all_active = plan.active->empty();
  auto user_of = [&](int64_t r) { return all_active ? first + r : (*plan.active)[first + r]; };

  const float* a = nullptr;
  if (dim > 0) {
    if (all_active) {
      a = p.user_vectors + first * dim;
    } else {
      for (int64_t r = 0; r < rows; ++r) {
        std::memcpy(ws.user_rows + r * dim, p.user_vectors + user_of(r) * dim,
                    static_cast<size_t>(dim) * sizeof(float));
      }
      a = ws.user_rows;
    }
  }
  const RatingMatrix* ex = p.exclude;
  for (int64_t r = 0; r < rows; ++r) {
    ws.heaps[r].Reset();
    Candidates& c = ws.candidates[r];
    c.allowed = p.item_allowed;
    c.next = c.end = nullptr;
    if (ex != nullptr) {
      const int64_t u = user_of(r);
      c.next = ex->indices.data() + ex->indptr[u];
      c.end = ex->indices.data() + ex->indptr[u + 1];
    }
  }

  float* tile = ws.tile.data();
  for (int64_t i0 = 0; i0 < p.items; i0 += plan.item_block) {
    const int64_t cols = std::min(plan.item_block, p.items - i0);
    if (dim > 0) {
      blas::Sgemm(blas::Transpose::kNo, blas::Transpose::kYes, static_cast<int>(rows),
                  static_cast<int>(cols), dim, 1.0f, a, dim, p.item_vectors + i0 * dim, dim, 0.0f,
                  tile, static_cast<int>(cols));
    }  // dim 0: the tile holds zeros from the start and is never written
    for (int64_t r = 0; r < rows; ++r) {
      // The rated-items cursor of a row a few ahead: its first survivor would otherwise wait on
      // a cache miss (the tile evicts the block's CSR rows between tiles).
      if (r + kPrefetchRows < rows) __builtin_prefetch(ws.candidates[r + kPrefetchRows].next);
      OfferRow(tile + r * cols, cols, static_cast<int32_t>(i0), ws.heaps[r], ws.candidates[r],
               plan.avx2);
    }
  }

  TopNLists& out = *plan.out;
  for (int64_t r = 0; r < rows; ++r) {
    kernels::TopKHeap& h = ws.heaps[r];
    const int count = h.SortDescending();
    const int64_t u = user_of(r);
    const int64_t base = u * p.n;
    std::copy(h.items, h.items + count, out.items.begin() + base);
    std::copy(h.scores, h.scores + count, out.scores.begin() + base);
    out.counts[u] = count;
  }
}

// A pthreads build of OpenBLAS would run every call of the team on its own thread pool: one
// thread for the duration of the scoring, restored afterwards. (The OpenMP build needs nothing:
// see the file comment. openblas_set_num_threads also resets the caller's OpenMP ICV there,
// which is why it is not called for that build.)
class PthreadsBlasSingleThreaded {
 public:
  PthreadsBlasSingleThreaded() {
    if (blas::Parallel() == 1) {
      saved_ = blas::Threads();
      blas::SetThreads(1);
    }
  }
  ~PthreadsBlasSingleThreaded() {
    if (saved_ > 0) blas::SetThreads(saved_);
  }
  PthreadsBlasSingleThreaded(const PthreadsBlasSingleThreaded&) = delete;
  PthreadsBlasSingleThreaded& operator=(const PthreadsBlasSingleThreaded&) = delete;

 private:
  int saved_ = 0;
};

}  // namespace

TopNLists ScoreTopNCpu(const Context& ctx, const ScoringProblem& p, const TopNTuning& tuning) {
  TopNLists out;
  out.users = p.users;
  out.n = p.n;
  const int64_t slots = p.users * p.n;
  out.items.assign(static_cast<size_t>(slots), -1);
  out.scores.assign(static_cast<size_t>(slots), kNaN);
  out.counts.assign(static_cast<size_t>(p.users), 0);
  if (p.users == 0 || p.items == 0) return out;

  std::vector<int64_t> active;  // stays empty when every user is active
  if (p.user_active != nullptr &&
      !std::all_of(p.user_active, p.user_active + p.users, [](uint8_t a) { return a != 0; })) {
    for (int64_t u = 0; u < p.users; ++u) {
      if (p.user_active[u] != 0) active.push_back(u);
    }
    if (active.empty()) return out;
  }
  const int64_t n_active = active.empty() ? p.users : static_cast<int64_t>(active.size());

  Plan plan{&p, &active, n_active, 0, 0, !tuning.no_avx2 && CpuHasAvx2(), &out};
  plan.user_block = std::clamp<int64_t>(
      tuning.user_block > 0 ? tuning.user_block : TopNTuning::kDefaultUserBlock, 1, kMaxUserBlock);
  plan.user_block = std::min(plan.user_block, n_active);
  plan.item_block = std::clamp<int64_t>(
      tuning.item_block > 0 ? tuning.item_block : TopNTuning::kDefaultItemBlock, 1, kMaxItemBlock);
  plan.item_block = std::min(plan.item_block, p.items);
  const int64_t blocks = (n_active + plan.user_block - 1) / plan.user_block;
  const int threads =
      static_cast<int>(std::clamp<int64_t>(ctx.threads, 1, std::max<int64_t>(1, blocks)));
  const int capacity = static_cast<int>(std::min<int64_t>(p.n, p.items));

  std::vector<Workspace> spaces(static_cast<size_t>(threads));
  for (Workspace& ws : spaces) {
    const auto ub = static_cast<size_t>(plan.user_block);
    ws.tile.resize(ub * static_cast<size_t>(plan.item_block));  // zeros: the dim-0 scores
    if (!active.empty()) {
      // Every thread's buffer at the same alignment, so a block's sgemm inputs look the same
      // whichever thread gathers them (the thread-count determinism must not hang on whether
      // a BLAS kernel's result depends on alignment).
      ws.user_rows_storage.resize(ub * static_cast<size_t>(p.dim) + kAlignFloats);
      void* raw = ws.user_rows_storage.data();
      size_t space = ws.user_rows_storage.size() * sizeof(float);
      ws.user_rows = static_cast<float*>(std::align(64, sizeof(float), raw, space));
    }
    ws.heap_scores.resize(ub * static_cast<size_t>(capacity));
    ws.heap_items.resize(ub * static_cast<size_t>(capacity));
    ws.heaps.reserve(ub);
    for (size_t r = 0; r < ub; ++r) {
      ws.heaps.emplace_back(ws.heap_scores.data() + r * capacity,
                            ws.heap_items.data() + r * capacity, capacity);
    }
    ws.candidates.resize(ub);
  }

  PthreadsBlasSingleThreaded single_blas;
#pragma omp parallel num_threads(threads)
  {
    omp_set_num_threads(1);  // this implicit task's ICV only: BLAS calls below stay serial
    Workspace& ws = spaces[static_cast<size_t>(omp_get_thread_num())];
#pragma omp for schedule(dynamic, 1)
    for (int64_t b = 0; b < blocks; ++b) ScoreBlock(plan, b, ws);
  }
  return out;
}

}  // namespace movierec
