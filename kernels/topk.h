// Per-row top-k selection: a fixed-capacity binary heap of (score, item) over caller-owned
// arrays, so one row's selection lives in registers/shared memory on the GPU or a small stack
// buffer on the CPU.
//
// Rank order (a strict total order on distinct items): higher score first; equal scores, lower
// item id first. -0.0 and +0.0 compare equal (ties broken by id); +inf and -inf are ordinary
// scores; NaN scores are never selected (Offer ignores them). Because the order is total, the
// kept set and its sorted output depend only on the multiset of offers, not on their order:
// selecting in parallel chunks and merging the heaps (offering one heap's contents to another)
// gives the same result as one sequential pass.
//
// Items offered to one heap must be distinct (the heap does not deduplicate).
//
// The heap's root is the WORST kept entry (a min-heap under the rank order), so a new offer is
// compared with one element and, when full, usually rejected at once.
#pragma once

#include <cstdint>

#include "kernels/host_device.h"

namespace movierec::kernels {

// True when (sa, ia) ranks strictly before (sb, ib). Neither score may be NaN.
MOVIEREC_HD bool RanksBefore(float sa, int32_t ia, float sb, int32_t ib) {
  return sa > sb || (sa == sb && ia < ib);
}

struct TopKHeap {
  float* scores;   // capacity entries, caller-owned
  int32_t* items;  // capacity entries, caller-owned
  int capacity;    // k; 0 keeps nothing
  int size;        // entries kept so far, <= capacity

  MOVIEREC_HD TopKHeap(float* score_buf, int32_t* item_buf, int k)
      : scores(score_buf), items(item_buf), capacity(k < 0 ? 0 : k), size(0) {}

  MOVIEREC_HD void Reset() { size = 0; }
  MOVIEREC_HD bool Full() const { return size >= capacity; }

  // Whether an offer of (score, item) would be kept now.
  MOVIEREC_HD bool WouldAccept(float score, int32_t item) const {
    if (!(score == score)) return false;  // NaN
    if (size < capacity) return true;
    return capacity > 0 && RanksBefore(score, item, scores[0], items[0]);
  }

  // Keeps (score, item) if it is among the best `capacity` offered so far.
  MOVIEREC_HD void Offer(float score, int32_t item) {
    if (!(score == score)) return;  // NaN
    if (size < capacity) {
      SiftUp(size++, score, item);
    } else if (capacity > 0 && RanksBefore(score, item, scores[0], items[0])) {
      SiftDown(0, size, score, item);
    }
  }

  // Sorts the kept entries in place into rank order (best at index 0) and returns their count.
  // Afterwards the arrays are no longer a heap: Reset() before offering again.
  MOVIEREC_HD int SortDescending() {
    // Heap sort: move the worst (root) to the end of the shrinking heap each time.
    for (int end = size - 1; end > 0; --end) {
      const float s = scores[end];
      const int32_t it = items[end];
      scores[end] = scores[0];
      items[end] = items[0];
      SiftDown(0, end, s, it);
    }
    return size;
  }

 private:
  // Places (s, it) at hole `pos`, moving each parent that ranks before the new entry (a parent
  // must be the worse of the two) down into the hole.
  MOVIEREC_HD void SiftUp(int pos, float s, int32_t it) {
    while (pos > 0) {
      const int parent = (pos - 1) >> 1;
      if (!RanksBefore(scores[parent], items[parent], s, it)) break;  // parent is worse: stop
      scores[pos] = scores[parent];
      items[pos] = items[parent];
      pos = parent;
    }
    scores[pos] = s;
    items[pos] = it;
  }

  // Places (s, it) at hole `pos` in the heap [0, n), moving the worse child up while it ranks
  // after the new entry.
  MOVIEREC_HD void SiftDown(int pos, int n, float s, int32_t it) {
    for (;;) {
      int child = 2 * pos + 1;
      if (child >= n) break;
      // The worse of the two children (the one that ranks after the other).
      if (child + 1 < n &&
          RanksBefore(scores[child], items[child], scores[child + 1], items[child + 1])) {
        ++child;
      }
      if (!RanksBefore(s, it, scores[child], items[child])) break;  // new entry is worse
      scores[pos] = scores[child];
      items[pos] = items[child];
      pos = child;
    }
    scores[pos] = s;
    items[pos] = it;
  }
};

}  // namespace movierec::kernels
