// kernels/topk.h: the heap against sort-then-truncate on inputs full of ties, NaNs and
// infinities, for every offer order, and merging partial heaps.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include "kernels/topk.h"

namespace movierec::kernels {
namespace {

using Entry = std::pair<float, int32_t>;

std::vector<Entry> Reference(const std::vector<Entry>& offers, int k) {
  std::vector<Entry> kept;
  for (const Entry& e : offers) {
    if (!std::isnan(e.first)) kept.push_back(e);
  }
  std::sort(kept.begin(), kept.end(), [](const Entry& a, const Entry& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  if (static_cast<int>(kept.size()) > k) kept.resize(std::max(k, 0));
  return kept;
}

std::vector<Entry> Select(const std::vector<Entry>& offers, int k) {
  std::vector<float> scores(std::max(k, 1));
  std::vector<int32_t> items(std::max(k, 1));
  TopKHeap heap(scores.data(), items.data(), k);
  for (const Entry& e : offers) heap.Offer(e.first, e.second);
  const int n = heap.SortDescending();
  std::vector<Entry> out;
  for (int i = 0; i < n; ++i) out.emplace_back(scores[i], items[i]);
  return out;
}

// Scores from a handful of values (many ties), with NaN, ±inf and ±0 mixed in; items distinct
// but not in score order.
std::vector<Entry> RandomOffers(std::mt19937& rng, int n) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const float values[] = {nan, -inf, -1.5f, -0.f, 0.f, 0.25f, 0.25f, 1.f, 2.f, inf};
  std::vector<int32_t> ids(n);
  for (int i = 0; i < n; ++i) ids[i] = 3 * i + 7;
  std::shuffle(ids.begin(), ids.end(), rng);
  std::vector<Entry> offers;
  for (int i = 0; i < n; ++i) offers.emplace_back(values[rng() % 10], ids[i]);
  return offers;
}

void ExpectSame(const std::vector<Entry>& got, const std::vector<Entry>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].second, want[i].second) << "rank " << i;
    EXPECT_EQ(got[i].first, want[i].first) << "rank " << i;
  }
}

TEST(KernelsTopK, EqualsSortThenTruncateForAnyOfferOrder) {
  std::mt19937 rng(1);
  for (int n : {0, 1, 2, 7, 64, 500}) {
    for (int k : {0, 1, 3, 10, 63, n, n + 5}) {
      auto offers = RandomOffers(rng, n);
      const auto want = Reference(offers, k);
      for (int order = 0; order < 4; ++order) {
        if (order == 1) std::reverse(offers.begin(), offers.end());
        if (order >= 2) std::shuffle(offers.begin(), offers.end(), rng);
        SCOPED_TRACE(::testing::Message() << "n=" << n << " k=" << k << " order=" << order);
        ExpectSame(Select(offers, k), want);
      }
    }
  }
}

TEST(KernelsTopK, TiesGoToTheLowerItemId) {
  const auto got = Select({{1.f, 9}, {1.f, 2}, {1.f, 5}, {0.5f, 1}, {1.f, 3}}, 3);
  ExpectSame(got, {{1.f, 2}, {1.f, 3}, {1.f, 5}});
}

TEST(KernelsTopK, NanIsNeverSelected) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ExpectSame(Select({{nan, 0}, {-1.f, 1}, {nan, 2}}, 3), {{-1.f, 1}});
  EXPECT_TRUE(Select({{nan, 0}, {nan, 1}}, 2).empty());
}

TEST(KernelsTopK, MergingPartialHeapsGivesTheSameResult) {
  std::mt19937 rng(2);
  const int n = 300, k = 20, parts = 4;
  const auto offers = RandomOffers(rng, n);
  std::vector<float> final_scores(k);
  std::vector<int32_t> final_items(k);
  TopKHeap merged(final_scores.data(), final_items.data(), k);
  for (int part = 0; part < parts; ++part) {
    std::vector<float> s(k);
    std::vector<int32_t> it(k);
    TopKHeap local(s.data(), it.data(), k);
    for (int i = part; i < n; i += parts) local.Offer(offers[i].first, offers[i].second);
    for (int i = 0; i < local.size; ++i) merged.Offer(s[i], it[i]);
  }
  const int m = merged.SortDescending();
  std::vector<Entry> got;
  for (int i = 0; i < m; ++i) got.emplace_back(final_scores[i], final_items[i]);
  ExpectSame(got, Reference(offers, k));
}

TEST(KernelsTopK, WouldAcceptAgreesWithOffer) {
  std::mt19937 rng(3);
  const auto offers = RandomOffers(rng, 200);
  std::vector<float> s(8);
  std::vector<int32_t> it(8);
  TopKHeap heap(s.data(), it.data(), 8);
  for (const Entry& e : offers) {
    const bool would = heap.WouldAccept(e.first, e.second);
    const std::vector<float> before(s.begin(), s.begin() + heap.size);
    const std::vector<int32_t> before_items(it.begin(), it.begin() + heap.size);
    const int size_before = heap.size;
    heap.Offer(e.first, e.second);
    const bool changed = heap.size != size_before ||
                         !std::equal(before_items.begin(), before_items.end(), it.begin());
    EXPECT_EQ(would, changed);
  }
  EXPECT_TRUE(heap.Full());
}

TEST(KernelsTopK, ResetAndNonPositiveCapacity) {
  std::vector<float> s(4);
  std::vector<int32_t> it(4);
  TopKHeap heap(s.data(), it.data(), 4);
  heap.Offer(1.f, 1);
  heap.Offer(2.f, 2);
  EXPECT_EQ(heap.SortDescending(), 2);
  EXPECT_EQ(it[0], 2);
  heap.Reset();
  EXPECT_EQ(heap.size, 0);
  heap.Offer(0.f, 5);
  EXPECT_EQ(heap.SortDescending(), 1);
  EXPECT_EQ(it[0], 5);

  TopKHeap none(s.data(), it.data(), -3);
  EXPECT_EQ(none.capacity, 0);
  none.Offer(1.f, 1);
  EXPECT_FALSE(none.WouldAccept(1.f, 1));
  EXPECT_EQ(none.SortDescending(), 0);
}

}  // namespace
}  // namespace movierec::kernels
