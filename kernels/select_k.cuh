// Per-row top-k selection on the GPU over a dense tile of scores: one warp per row, a running
// best-k list per row that lives across tiles (items arrive tile by tile, in ascending index
// order), and the rank order of kernels/topk.h (higher score first, equal scores by the lower
// item index, NaN never selected, +-inf ordinary).
//
// Per row, per tile: the warp reads the row 256 scores at a time (each lane one float4 at
// 4*lane and one at 128 + 4*lane). Each score is first compared with the row's current k-th
// best entry, the threshold (everything that is not NaN passes while the list is not yet full);
// a warp vote skips the 256 scores at once when none passes, which on real data is almost
// always, so the kernel runs at the speed of reading the tile. The few that pass are checked
// against the item mask and appended to a per-warp candidate buffer in shared memory (ballot +
// popc prefix, 32 at a time). When the buffer could overflow with the next 32, when the list is
// not yet full but list + buffer would fill it (so a threshold exists as early as possible), and
// at the end of the tile, the warp flushes the buffer into the list:
//   1. the buffer, padded with sentinels (-inf, INT32_MAX) to a power of two P >= 32, is sorted
//      into rank order by a bitonic network (P/2 compare-exchanges per stage, one warp);
//   2. every entry's place in the merged order is its index in its own sorted array plus the
//      number of entries of the other array that rank before it (a binary search); entries whose
//      place is < k are written to the other half of a ping-pong pair of lists.
// All items of a row are distinct and the order is total, so the merged places are a permutation
// and the kept list is exactly the best k of everything offered so far, whatever the flush
// points: the result depends on the scores only, never on timing (deterministic). The
// threshold is the list's last entry, refreshed after each flush; between flushes it is stale
// (lower), so the filter passes a superset of what can enter and never loses an item.
//
// Where the lists live: capacity <= kSelectSharedCapacity (256): both halves of the ping-pong
// pair in shared memory (copied in from global memory at the start of the tile, out at the end),
// candidate buffer of 128. Larger capacities (the fallback): the lists stay in global memory (the
// row's list and a scratch row, ping-pong, the result copied back to the list when it ends in
// the scratch row), candidate buffer of 1024 so that a long list is merged less often; each
// flush then costs O(capacity) global memory traffic per row, so filling a list of k costs
// O(k^2 / 1024) per row: fine for hundreds or a few thousands, slow for lists of all items.
//
// Launch: SelectTopKRowsKernel<shared>, kSelectWarpsPerBlock warps (128 threads) per block, one
// warp per row, grid ceil(rows / 4), dynamic shared memory SelectSharedBytes(capacity) (at most
// 20 KiB for shared lists, 32 KiB for the fallback: under the 48 KiB default).
#pragma once

#include <cuda_runtime.h>
#include <math_constants.h>

#include <cstddef>
#include <cstdint>

#include "kernels/topk.h"

namespace movierec::kernels {

constexpr int kSelectWarpsPerBlock = 4;
constexpr int kSelectSharedCapacity = 256;   // longer lists live in global memory
constexpr int kSelectBufferShared = 128;     // candidate buffer, shared-list mode (power of 2)
constexpr int kSelectBufferGlobal = 1024;    // candidate buffer, global-list mode (power of 2)
constexpr int kSelectScoresPerStep = 256;    // scores a warp reads per step: 2 float4 per lane

struct SelectRowsParams {
  const float* scores;       // rows x stride (row-major), columns [0, cols) valid; 16-byte
                             // aligned rows (stride a multiple of 4, base 16-byte aligned)
  int64_t stride;            // floats between rows, a multiple of 4, >= cols
  int rows;
  int cols;
  int32_t first_item;        // item index of column 0
  const uint8_t* allowed;    // per item (absolute index), 0 = never; null: all
  int capacity;              // k >= 1: list length kept per row
  int buffer;                // candidate buffer entries: SelectBufferEntries(capacity)
  float* list_scores;        // rows x capacity: each row's running list, rank order
  int32_t* list_items;       // rows x capacity
  int* list_counts;          // rows: entries in each list (0 before the first tile)
  float* scratch_scores;     // rows x capacity, global-list mode only (else null)
  int32_t* scratch_items;
};

__host__ __device__ constexpr bool SelectListsInShared(int capacity) {
  return capacity <= kSelectSharedCapacity;
}

__host__ __device__ constexpr int SelectBufferEntries(int capacity) {
  return SelectListsInShared(capacity) ? kSelectBufferShared : kSelectBufferGlobal;
}

// 4-byte words of shared memory per warp: buffer (scores, items) and, in shared-list mode, two
// lists (scores, items each).
__host__ __device__ constexpr size_t SelectWordsPerWarp(int capacity) {
  return 2 * static_cast<size_t>(SelectBufferEntries(capacity)) +
         (SelectListsInShared(capacity) ? 4 * static_cast<size_t>(capacity) : 0);
}

__host__ __device__ constexpr size_t SelectSharedBytes(int capacity) {
  return kSelectWarpsPerBlock * SelectWordsPerWarp(capacity) * 4;
}

namespace select_k_detail {

constexpr unsigned kFullMask = 0xffffffffu;

__device__ __forceinline__ float Component(const float4& v, int k) {
  return k == 0 ? v.x : k == 1 ? v.y : k == 2 ? v.z : v.w;
}

// Whether (s, item) can enter a list whose threshold is (thr_s, thr_i) (full) or that has room.
__device__ __forceinline__ bool Passes(float s, int32_t item, bool full, float thr_s,
                                       int32_t thr_i) {
  return full ? RanksBefore(s, item, thr_s, thr_i) : (s == s);  // NaN fails both
}

// Number of entries of xs/xi[0, len) (sorted in rank order) that rank before (s, item).
__device__ __forceinline__ int CountBefore(const float* xs, const int32_t* xi, int len, float s,
                                           int32_t item) {
  int lo = 0;
  int hi = len;
  while (lo < hi) {
    const int mid = (lo + hi) >> 1;
    if (RanksBefore(xs[mid], xi[mid], s, item)) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// Sorts s/it[0, p) into rank order (best first) with a bitonic network run by the whole warp.
// p is a power of two >= 2. Ends with __syncwarp().
__device__ __forceinline__ void WarpBitonicSort(float* s, int32_t* it, int p, int lane) {
  for (int k = 2; k <= p; k <<= 1) {
    for (int j = k >> 1; j > 0; j >>= 1) {
      for (int q = lane; q < (p >> 1); q += 32) {
        // The q-th pair of this stage: lo has bit j clear, hi = lo + j.
        const int lo = ((q & ~(j - 1)) << 1) | (q & (j - 1));
        const int hi = lo + j;
        const float s_lo = s[lo];
        const float s_hi = s[hi];
        const int32_t i_lo = it[lo];
        const int32_t i_hi = it[hi];
        const bool best_first = (lo & k) == 0;  // this block's direction
        const bool exchange = best_first ? RanksBefore(s_hi, i_hi, s_lo, i_lo)
                                         : RanksBefore(s_lo, i_lo, s_hi, i_hi);
        if (exchange) {
          s[lo] = s_hi;
          s[hi] = s_lo;
          it[lo] = i_hi;
          it[hi] = i_lo;
        }
      }
      __syncwarp();
    }
  }
}

// Merges the buffer buf[0, c) (unsorted; room for at least max(32, c rounded up to a power of
// two) entries) into the list cur[0, len) (rank order), writing the best min(capacity, len + c)
// into nxt and swapping cur and nxt. Called by the whole warp after a __syncwarp() that orders
// the buffer's writes; ends with one.
__device__ __forceinline__ void FlushBuffer(float* buf_s, int32_t* buf_i, int c, float*& cur_s,
                                            int32_t*& cur_i, float*& nxt_s, int32_t*& nxt_i,
                                            int& len, int capacity, int lane) {
  int p = 32;
  while (p < c) p <<= 1;
  for (int f = c + lane; f < p; f += 32) {  // sentinels rank after every real entry
    buf_s[f] = -CUDART_INF_F;
    buf_i[f] = INT32_MAX;
  }
  __syncwarp();
  WarpBitonicSort(buf_s, buf_i, p, lane);
  for (int j = lane; j < len; j += 32) {
    const float s = cur_s[j];
    const int32_t item = cur_i[j];
    const int64_t place = static_cast<int64_t>(j) + CountBefore(buf_s, buf_i, c, s, item);
    if (place < capacity) {
      nxt_s[place] = s;
      nxt_i[place] = item;
    }
  }
  for (int f = lane; f < c; f += 32) {
    const float s = buf_s[f];
    const int32_t item = buf_i[f];
    const int64_t place = static_cast<int64_t>(f) + CountBefore(cur_s, cur_i, len, s, item);
    if (place < capacity) {
      nxt_s[place] = s;
      nxt_i[place] = item;
    }
  }
  __syncwarp();
  float* ts = cur_s;
  cur_s = nxt_s;
  nxt_s = ts;
  int32_t* ti = cur_i;
  cur_i = nxt_i;
  nxt_i = ti;
  const int64_t merged = static_cast<int64_t>(len) + c;
  len = merged < capacity ? static_cast<int>(merged) : capacity;
}

}  // namespace select_k_detail

// Offers row r's columns [0, cols) as items first_item + column to row r's running list. See the
// file comment. kSharedLists must equal SelectListsInShared(p.capacity).
template <bool kSharedLists>
__global__ void __launch_bounds__(kSelectWarpsPerBlock * 32)
    SelectTopKRowsKernel(const SelectRowsParams p) {
  using namespace select_k_detail;
  extern __shared__ __align__(16) unsigned char select_k_smem[];

  const int lane = static_cast<int>(threadIdx.x) & 31;
  const int warp = static_cast<int>(threadIdx.x) >> 5;
  const int row = static_cast<int>(blockIdx.x) * kSelectWarpsPerBlock + warp;
  if (row >= p.rows) return;  // the whole warp

  const int capacity = p.capacity;
  const int buffer = p.buffer;
  float* words = reinterpret_cast<float*>(select_k_smem) +
                 static_cast<size_t>(warp) * SelectWordsPerWarp(capacity);
  float* buf_s = words;
  int32_t* buf_i = reinterpret_cast<int32_t*>(words + buffer);

  float* list_s = p.list_scores + static_cast<int64_t>(row) * capacity;
  int32_t* list_i = p.list_items + static_cast<int64_t>(row) * capacity;
  int len = p.list_counts[row];

  float* cur_s;
  int32_t* cur_i;
  float* nxt_s;
  int32_t* nxt_i;
  if constexpr (kSharedLists) {
    cur_s = words + 2 * buffer;
    cur_i = reinterpret_cast<int32_t*>(words + 2 * buffer + capacity);
    nxt_s = words + 2 * buffer + 2 * capacity;
    nxt_i = reinterpret_cast<int32_t*>(words + 2 * buffer + 3 * capacity);
    for (int j = lane; j < len; j += 32) {
      cur_s[j] = list_s[j];
      cur_i[j] = list_i[j];
    }
    __syncwarp();
  } else {
    cur_s = list_s;
    cur_i = list_i;
    nxt_s = p.scratch_scores + static_cast<int64_t>(row) * capacity;
    nxt_i = p.scratch_items + static_cast<int64_t>(row) * capacity;
  }

  bool full = len >= capacity;
  float thr_s = full ? cur_s[capacity - 1] : 0.0f;
  int32_t thr_i = full ? cur_i[capacity - 1] : 0;
  int count = 0;  // entries in the candidate buffer (warp-uniform)

  const float* scores = p.scores + static_cast<int64_t>(row) * p.stride;
  const int cols = p.cols;
  const unsigned lanes_below = (1u << lane) - 1u;

  for (int c0 = 0; c0 < cols; c0 += kSelectScoresPerStep) {
    float4 v[2];
    bool any = false;
#pragma unroll
    for (int u = 0; u < 2; ++u) {
      const int j = c0 + 128 * u + 4 * lane;
      if (j < cols) {
        // j + 3 < stride: j and stride are multiples of 4 and j < cols <= stride.
        v[u] = __ldg(reinterpret_cast<const float4*>(scores + j));  // read-only here
      } else {
        v[u] = make_float4(CUDART_NAN_F, CUDART_NAN_F, CUDART_NAN_F, CUDART_NAN_F);
      }
#pragma unroll
      for (int k = 0; k < 4; ++k) {
        any |= (j + k < cols) && Passes(Component(v[u], k), p.first_item + j + k, full, thr_s,
                                        thr_i);
      }
    }
    if (!__any_sync(kFullMask, any)) continue;  // the common case: nothing beats the threshold

#pragma unroll
    for (int u = 0; u < 2; ++u) {
#pragma unroll
      for (int k = 0; k < 4; ++k) {
        const int j = c0 + 128 * u + 4 * lane + k;
        const float s = Component(v[u], k);
        const int32_t item = p.first_item + j;
        const bool take = j < cols && Passes(s, item, full, thr_s, thr_i) &&
                          (p.allowed == nullptr || p.allowed[item] != 0);
        const unsigned mask = __ballot_sync(kFullMask, take);
        if (mask == 0) continue;
        if (take) {
          const int slot = count + __popc(mask & lanes_below);
          buf_s[slot] = s;
          buf_i[slot] = item;
        }
        count += __popc(mask);
        // Flush when the next 32 might not fit, or as soon as the list can be filled (so the
        // threshold exists early).
        if (count > buffer - 32 || (!full && static_cast<int64_t>(len) + count >= capacity)) {
          __syncwarp();
          FlushBuffer(buf_s, buf_i, count, cur_s, cur_i, nxt_s, nxt_i, len, capacity, lane);
          count = 0;
          full = len >= capacity;
          if (full) {
            thr_s = cur_s[capacity - 1];
            thr_i = cur_i[capacity - 1];
          }
        }
      }
    }
  }
  if (count > 0) {
    __syncwarp();
    FlushBuffer(buf_s, buf_i, count, cur_s, cur_i, nxt_s, nxt_i, len, capacity, lane);
  }

  // The row's list back to global memory for the next tile (or the download).
  if (kSharedLists || cur_s != list_s) {
    for (int j = lane; j < len; j += 32) {
      list_s[j] = cur_s[j];
      list_i[j] = cur_i[j];
    }
  }
  if (lane == 0) p.list_counts[row] = len;
}

}  // namespace movierec::kernels
