// host/topn: ScoreTopN on the CPU against a brute-force reference (the whole score matrix, then
// a sort with the tie rule) on random problems full of ties, with rated items excluded, items
// disallowed, users inactive, lists longer than the candidates, every thread count and odd tile
// sizes; plus NaN/inf scores, degenerate shapes and bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "common/sparse.h"
#include "host/context.h"
#include "host/cuda_backend.h"
#include "host/topn.h"

namespace movierec {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// A scoring problem that owns its data.
struct OwnedProblem {
  int64_t users = 0;
  int64_t items = 0;
  int dim = 0;
  int n = 10;
  std::vector<float> u, v;
  bool has_exclude = false;
  RatingMatrix exclude;
  std::vector<uint8_t> item_allowed;  // empty: all allowed
  std::vector<uint8_t> user_active;   // empty: all active

  ScoringProblem View() const {
    ScoringProblem p;
    p.user_vectors = u.empty() ? nullptr : u.data();
    p.users = users;
    p.item_vectors = v.empty() ? nullptr : v.data();
    p.items = items;
    p.dim = dim;
    p.exclude = has_exclude ? &exclude : nullptr;
    p.item_allowed = item_allowed.empty() ? nullptr : item_allowed.data();
    p.user_active = user_active.empty() ? nullptr : user_active.data();
    p.n = n;
    return p;
  }
};

Context Cpu(int threads) {
  Context ctx;
  ctx.threads = threads;
  return ctx;
}

// Rated items per user: rows with probability `p_empty` empty, `p_full` complete (the user
// rated everything), otherwise a random subset of density `density`; indices ascending.
RatingMatrix RandomExclusion(std::mt19937_64& rng, int64_t users, int64_t items, double density,
                             double p_empty, double p_full) {
  RatingMatrix m;
  m.rows = users;
  m.cols = items;
  m.indptr.push_back(0);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  for (int64_t u = 0; u < users; ++u) {
    const double kind = unit(rng);
    for (int64_t i = 0; i < items; ++i) {
      const bool rated = kind < p_empty            ? false
                         : kind < p_empty + p_full ? true
                                                   : unit(rng) < density;
      if (rated) {
        m.indices.push_back(static_cast<int32_t>(i));
        m.values.push_back(3.0f);
      }
    }
    m.indptr.push_back(static_cast<int64_t>(m.indices.size()));
  }
  return m;
}

// Integer-valued vectors in [-range, range]: every dot product is exact in float whatever the
// summation order, so results must match the reference bit for bit, and ties abound.
std::vector<float> IntVectors(std::mt19937_64& rng, int64_t rows, int dim, int range) {
  std::uniform_int_distribution<int> d(-range, range);
  std::vector<float> out(static_cast<size_t>(rows * dim));
  for (float& x : out) x = static_cast<float>(d(rng));
  return out;
}

std::vector<float> RealVectors(std::mt19937_64& rng, int64_t rows, int dim) {
  std::normal_distribution<float> d(0.0f, 1.0f);
  std::vector<float> out(static_cast<size_t>(rows * dim));
  for (float& x : out) x = d(rng);
  return out;
}

// The brute force: every score (float, summed in index order), candidates filtered, sorted by
// (score desc, item asc), truncated to n.
TopNLists Reference(const OwnedProblem& p) {
  TopNLists out;
  out.users = p.users;
  out.n = p.n;
  out.items.assign(static_cast<size_t>(p.users * p.n), -1);
  out.scores.assign(static_cast<size_t>(p.users * p.n), kNaN);
  out.counts.assign(static_cast<size_t>(p.users), 0);
  for (int64_t u = 0; u < p.users; ++u) {
    if (!p.user_active.empty() && p.user_active[u] == 0) continue;
    std::vector<bool> rated(static_cast<size_t>(p.items), false);
    if (p.has_exclude) {
      for (int64_t e = p.exclude.indptr[u]; e < p.exclude.indptr[u + 1]; ++e) {
        rated[p.exclude.indices[e]] = true;
      }
    }
    std::vector<std::pair<float, int32_t>> cand;
    for (int64_t i = 0; i < p.items; ++i) {
      if (rated[i] || (!p.item_allowed.empty() && p.item_allowed[i] == 0)) continue;
      float s = 0.0f;
      for (int k = 0; k < p.dim; ++k) s += p.u[u * p.dim + k] * p.v[i * p.dim + k];
      if (std::isnan(s)) continue;
      cand.emplace_back(s, static_cast<int32_t>(i));
    }
    std::sort(cand.begin(), cand.end(), [](const auto& a, const auto& b) {
      return a.first > b.first || (a.first == b.first && a.second < b.second);
    });
    const int count = static_cast<int>(std::min<size_t>(cand.size(), static_cast<size_t>(p.n)));
    for (int r = 0; r < count; ++r) {
      out.items[u * p.n + r] = cand[r].second;
      out.scores[u * p.n + r] = cand[r].first;
    }
    out.counts[u] = count;
  }
  return out;
}

// Bit-for-bit equality (NaN past the counts on both sides).
void ExpectSameLists(const TopNLists& got, const TopNLists& want, const std::string& what) {
  ASSERT_EQ(got.users, want.users) << what;
  ASSERT_EQ(got.n, want.n) << what;
  ASSERT_EQ(got.counts, want.counts) << what;
  ASSERT_EQ(got.items, want.items) << what;
  ASSERT_EQ(got.scores.size(), want.scores.size()) << what;
  for (size_t i = 0; i < got.scores.size(); ++i) {
    if (std::isnan(want.scores[i])) {
      ASSERT_TRUE(std::isnan(got.scores[i])) << what << " slot " << i;
    } else {
      ASSERT_EQ(got.scores[i], want.scores[i]) << what << " slot " << i;
    }
  }
}

struct Shape {
  int64_t users;
  int64_t items;
  int dim;
  int n;
};

TEST(TopN, MatchesBruteForceWithTiesExclusionsAndMasks) {
  const Shape shapes[] = {{1, 1, 1, 1},      {5, 7, 3, 3},     {37, 53, 4, 5},   {64, 129, 8, 10},
                          {130, 300, 17, 7}, {200, 41, 2, 50}, {50, 1000, 5, 20}};
  const std::vector<TopNTuning> tunings = {{0, 0},   {1, 1},     {3, 5},         {7, 13},
                                           {64, 33}, {17, 4096}, {5, 100, true}, {0, 0, true}};
  std::mt19937_64 rng(20240611);
  int case_no = 0;
  for (const Shape& s : shapes) {
    for (int variant = 0; variant < 4; ++variant, ++case_no) {
      OwnedProblem p;
      p.users = s.users;
      p.items = s.items;
      p.dim = s.dim;
      p.n = s.n;
      p.u = IntVectors(rng, p.users, p.dim, 2);
      p.v = IntVectors(rng, p.items, p.dim, 2);
      if (variant >= 1) {
        p.has_exclude = true;
        p.exclude = RandomExclusion(rng, p.users, p.items, 0.3, 0.2, 0.1);
      }
      if (variant >= 2) {
        p.item_allowed.resize(static_cast<size_t>(p.items));
        for (auto& a : p.item_allowed) a = rng() % 5 != 0;
      }
      if (variant >= 3) {
        p.user_active.resize(static_cast<size_t>(p.users));
        for (auto& a : p.user_active) a = rng() % 4 != 0;
      }
      const TopNLists want = Reference(p);
      for (const TopNTuning& t : tunings) {
        for (int threads : {1, 2, 3}) {
          const std::string what = "case " + std::to_string(case_no) + " users " +
                                   std::to_string(s.users) + " items " + std::to_string(s.items) +
                                   " tile " + std::to_string(t.user_block) + "x" +
                                   std::to_string(t.item_block) + (t.no_avx2 ? " sse2" : "") +
                                   " threads " + std::to_string(threads);
          ExpectSameLists(ScoreTopN(Cpu(threads), p.View(), t), want, what);
          if (HasFatalFailure()) return;
        }
      }
    }
  }
}

TEST(TopN, AllTiedScoresListLowestItemsFirst) {
  OwnedProblem p;
  p.users = 9;
  p.items = 100;
  p.dim = 2;
  p.n = 6;
  p.u.assign(static_cast<size_t>(p.users * p.dim), 1.0f);
  p.v.assign(static_cast<size_t>(p.items * p.dim), 0.5f);
  std::mt19937_64 rng(3);
  p.has_exclude = true;
  p.exclude = RandomExclusion(rng, p.users, p.items, 0.5, 0, 0);
  for (TopNTuning t : {TopNTuning{}, TopNTuning{2, 3}}) {
    const TopNLists got = ScoreTopN(Cpu(2), p.View(), t);
    for (int64_t u = 0; u < p.users; ++u) {
      // The first six unrated items, in index order.
      std::vector<int32_t> want;
      int64_t e = p.exclude.indptr[u];
      for (int32_t i = 0; i < p.items && want.size() < 6; ++i) {
        if (e < p.exclude.indptr[u + 1] && p.exclude.indices[e] == i) {
          ++e;
        } else {
          want.push_back(i);
        }
      }
      ASSERT_EQ(got.counts[u], 6);
      EXPECT_EQ(std::vector<int32_t>(got.items.begin() + u * 6, got.items.begin() + u * 6 + 6),
                want);
      for (int r = 0; r < 6; ++r) EXPECT_EQ(got.scores[u * 6 + r], 1.0f);
    }
  }
}

TEST(TopN, IdenticalForEveryThreadCount) {
  std::mt19937_64 rng(99);
  OwnedProblem p;
  p.users = 301;
  p.items = 777;
  p.dim = 24;
  p.n = 12;
  p.u = RealVectors(rng, p.users, p.dim);
  p.v = RealVectors(rng, p.items, p.dim);
  p.has_exclude = true;
  p.exclude = RandomExclusion(rng, p.users, p.items, 0.1, 0.1, 0.01);
  for (bool some_inactive : {false, true}) {
    if (some_inactive) {  // the block's user vectors are then gathered into a thread's buffer
      p.user_active.resize(static_cast<size_t>(p.users));
      for (auto& a : p.user_active) a = rng() % 3 != 0;
    }
    for (const TopNTuning& t : {TopNTuning{}, TopNTuning{5, 37}, TopNTuning{64, 256}}) {
      const TopNLists one = ScoreTopN(Cpu(1), p.View(), t);
      for (int threads : {2, 3, 4, 8}) {
        ExpectSameLists(
            ScoreTopN(Cpu(threads), p.View(), t), one,
            "threads " + std::to_string(threads) + (some_inactive ? ", some users inactive" : ""));
      }
    }
  }
}

// Real-valued scores: sgemm's rounding differs from the reference's in the last bits, so check
// the properties instead: valid, distinct, candidates only, sorted by the returned scores with
// the tie rule, scores close to the exact ones, and nothing better left out.
TEST(TopN, RealValuedScoresSelectTheBest) {
  std::mt19937_64 rng(7);
  OwnedProblem p;
  p.users = 150;
  p.items = 2500;
  p.dim = 32;
  p.n = 10;
  p.u = RealVectors(rng, p.users, p.dim);
  p.v = RealVectors(rng, p.items, p.dim);
  p.has_exclude = true;
  p.exclude = RandomExclusion(rng, p.users, p.items, 0.05, 0.1, 0.0);
  const TopNLists want = Reference(p);
  for (const TopNTuning& t :
       {TopNTuning{}, TopNTuning{16, 300}, TopNTuning{7, 1001}, TopNTuning{0, 0, true}}) {
    const TopNLists got = ScoreTopN(Cpu(2), p.View(), t);
    ASSERT_EQ(got.counts, want.counts);
    for (int64_t u = 0; u < p.users; ++u) {
      const int c = got.counts[u];
      for (int r = 0; r < c; ++r) {
        const int64_t slot = u * p.n + r;
        const int32_t item = got.items[slot];
        ASSERT_GE(item, 0);
        ASSERT_LT(item, p.items);
        EXPECT_FALSE(std::binary_search(p.exclude.indices.begin() + p.exclude.indptr[u],
                                        p.exclude.indices.begin() + p.exclude.indptr[u + 1], item));
        double exact = 0;
        for (int k = 0; k < p.dim; ++k) {
          exact += static_cast<double>(p.u[u * p.dim + k]) * p.v[item * p.dim + k];
        }
        EXPECT_NEAR(got.scores[slot], exact, 1e-4);
        EXPECT_NEAR(got.scores[slot], want.scores[slot], 1e-4);  // nothing better left out
        if (r > 0) {
          const float prev = got.scores[slot - 1];
          EXPECT_TRUE(prev > got.scores[slot] ||
                      (prev == got.scores[slot] && got.items[slot - 1] < item));
        }
      }
    }
  }
}

TEST(TopN, ListLongerThanTheCandidatesListsThemAll) {
  std::mt19937_64 rng(5);
  OwnedProblem p;
  p.users = 40;
  p.items = 23;
  p.dim = 3;
  p.n = 64;
  p.u = IntVectors(rng, p.users, p.dim, 3);
  p.v = IntVectors(rng, p.items, p.dim, 3);
  p.has_exclude = true;
  p.exclude = RandomExclusion(rng, p.users, p.items, 0.4, 0.2, 0.2);
  p.item_allowed.assign(static_cast<size_t>(p.items), 1);
  p.item_allowed[4] = p.item_allowed[22] = 0;
  const TopNLists got = ScoreTopN(Cpu(2), p.View(), {4, 5});
  ExpectSameLists(got, Reference(p), "n > items");
  for (int64_t u = 0; u < p.users; ++u) {
    int64_t candidates = 0;
    for (int32_t i = 0; i < p.items; ++i) {
      candidates += p.item_allowed[i] != 0 &&
                    !std::binary_search(p.exclude.indices.begin() + p.exclude.indptr[u],
                                        p.exclude.indices.begin() + p.exclude.indptr[u + 1], i);
    }
    EXPECT_EQ(got.counts[u], candidates);
    for (int r = got.counts[u]; r < p.n; ++r) {
      EXPECT_EQ(got.items[u * p.n + r], -1);
      EXPECT_TRUE(std::isnan(got.scores[u * p.n + r]));
    }
  }
}

TEST(TopN, UserWhoRatedEverythingGetsAnEmptyList) {
  OwnedProblem p;
  p.users = 3;
  p.items = 5;
  p.dim = 2;
  p.n = 2;
  p.u = {1, 0, 0, 1, 1, 1};
  p.v = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  p.has_exclude = true;
  p.exclude.rows = 3;
  p.exclude.cols = 5;
  p.exclude.indptr = {0, 0, 5, 6};  // user 0 none, user 1 everything, user 2 item 4
  p.exclude.indices = {0, 1, 2, 3, 4, 4};
  const TopNLists got = ScoreTopN(Cpu(1), p.View());
  EXPECT_EQ(got.counts, (std::vector<int32_t>{2, 0, 2}));
  EXPECT_EQ(got.items, (std::vector<int32_t>{4, 3, -1, -1, 3, 2}));
  EXPECT_EQ(got.scores[0], 9.0f);
  EXPECT_EQ(got.scores[1], 7.0f);
  EXPECT_EQ(got.scores[4], 15.0f);
}

TEST(TopN, NaNScoresAreNeverSelectedAndInfinitiesAreOrdinary) {
  OwnedProblem p;
  p.users = 4;
  p.items = 6;
  p.dim = 2;
  p.n = 6;
  // Items: 0 NaN vector, 1 (inf, 0), 2..5 ordinary.
  p.v = {kNaN, 1, kInf, 0, 1, 1, 2, 0, 0, 2, -1, -1};
  // Users: 0 (1, 1): item 1 scores +inf; 1 (-1, 0): item 1 -inf; 2 (0, 1): item 1 0*inf = NaN;
  // 3 all NaN: nothing.
  p.u = {1, 1, -1, 0, 0, 1, kNaN, kNaN};
  const TopNLists want = Reference(p);
  for (TopNTuning t : {TopNTuning{}, TopNTuning{1, 1}, TopNTuning{3, 4}, TopNTuning{2, 5, true}}) {
    for (int threads : {1, 2}) {
      const TopNLists got = ScoreTopN(Cpu(threads), p.View(), t);
      ExpectSameLists(got, want, "nan/inf");
      EXPECT_EQ(got.counts, (std::vector<int32_t>{5, 5, 4, 0}));
      EXPECT_EQ(got.items[0], 1);  // +inf first
      EXPECT_EQ(got.scores[0], kInf);
      EXPECT_EQ(got.items[6 + 4], 1);  // -inf last, still listed
      EXPECT_EQ(got.scores[6 + 4], -kInf);
      for (int r = 0; r < 6; ++r) EXPECT_NE(got.items[r], 0);  // the NaN item never
    }
  }
}

TEST(TopN, ZeroDimScoresEveryCandidateZero) {
  std::mt19937_64 rng(11);
  OwnedProblem p;
  p.users = 20;
  p.items = 30;
  p.dim = 0;
  p.n = 4;
  p.has_exclude = true;
  p.exclude = RandomExclusion(rng, p.users, p.items, 0.5, 0.2, 0.1);
  p.item_allowed.assign(static_cast<size_t>(p.items), 1);
  p.item_allowed[0] = 0;
  const TopNLists want = Reference(p);
  ExpectSameLists(ScoreTopN(Cpu(2), p.View()), want, "dim 0");
  ExpectSameLists(ScoreTopN(Cpu(3), p.View(), {3, 7}), want, "dim 0, small tiles");
  for (int64_t u = 0; u < p.users; ++u) {
    for (int r = 0; r < want.counts[u]; ++r) EXPECT_EQ(want.scores[u * p.n + r], 0.0f);
  }
}

TEST(TopN, EmptyShapes) {
  OwnedProblem p;
  p.dim = 4;
  p.n = 3;
  p.users = 0;
  p.items = 10;
  p.v.assign(40, 1.0f);
  TopNLists got = ScoreTopN(Cpu(2), p.View());
  EXPECT_EQ(got.users, 0);
  EXPECT_EQ(got.n, 3);
  EXPECT_TRUE(got.items.empty() && got.scores.empty() && got.counts.empty());

  p.users = 5;
  p.items = 0;
  p.u.assign(20, 1.0f);
  p.v.clear();
  got = ScoreTopN(Cpu(2), p.View());
  EXPECT_EQ(got.counts, std::vector<int32_t>(5, 0));
  EXPECT_EQ(got.items, std::vector<int32_t>(15, -1));

  // Every user inactive.
  p.items = 2;
  p.v.assign(8, 1.0f);
  p.user_active.assign(5, 0);
  got = ScoreTopN(Cpu(2), p.View());
  EXPECT_EQ(got.counts, std::vector<int32_t>(5, 0));
}

TEST(TopN, CsrWithEmptyRowsAndEmptyMatrix) {
  std::mt19937_64 rng(13);
  OwnedProblem p;
  p.users = 33;
  p.items = 70;
  p.dim = 3;
  p.n = 5;
  p.u = IntVectors(rng, p.users, p.dim, 1);
  p.v = IntVectors(rng, p.items, p.dim, 1);
  p.has_exclude = true;
  p.exclude = RandomExclusion(rng, p.users, p.items, 0.2, 0.7, 0.0);  // mostly empty rows
  ExpectSameLists(ScoreTopN(Cpu(2), p.View(), {4, 16}), Reference(p), "mostly empty rows");
  p.exclude = RandomExclusion(rng, p.users, p.items, 0.0, 1.0, 0.0);  // no entries at all
  EXPECT_EQ(p.exclude.nnz(), 0);
  ExpectSameLists(ScoreTopN(Cpu(2), p.View(), {4, 16}), Reference(p), "empty matrix");
}

TEST(TopN, RejectsBadInput) {
  OwnedProblem p;
  p.users = 2;
  p.items = 3;
  p.dim = 1;
  p.u = {1, 2};
  p.v = {1, 2, 3};
  auto expect_usage = [](const ScoringProblem& sp, const std::string& needle) {
    try {
      ScoreTopN(Cpu(1), sp);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_EQ(e.exit_code(), kExitUsage);
    }
  };
  ScoringProblem sp = p.View();
  sp.n = 0;
  expect_usage(sp, "at least 1");
  sp.n = -3;
  expect_usage(sp, "at least 1");
  sp = p.View();
  sp.users = -1;
  expect_usage(sp, "negative size");
  sp = p.View();
  sp.dim = -1;
  expect_usage(sp, "negative size");
  sp = p.View();
  sp.item_vectors = nullptr;
  expect_usage(sp, "item_vectors is null");
  sp = p.View();
  sp.user_vectors = nullptr;
  expect_usage(sp, "user_vectors is null");
  sp = p.View();
  sp.items = int64_t{1} << 31;
  expect_usage(sp, "32-bit");

  RatingMatrix ex;
  ex.rows = 2;
  ex.cols = 4;
  ex.indptr = {0, 0, 0};
  sp = p.View();
  sp.exclude = &ex;
  expect_usage(sp, "exclusion matrix is 2 x 4");
  ex.cols = 3;
  ex.indptr = {0, 0};
  expect_usage(sp, "row offsets");
  ex.indptr = {0, 1, 0};
  ex.indices = {1};
  expect_usage(sp, "decrease");
  ex.indptr = {0, 1, 2};
  expect_usage(sp, "past the column indexes");
  ex.indices = {1, 2};
  EXPECT_NO_THROW(ScoreTopN(Cpu(1), sp));

  // A CUDA context where no device answers (ResolveContext never makes one; forged here): a
  // clear error from the backend, never a crash.
  if (cuda::DeviceCount() == 0) {
    Context gpu;
    gpu.device = DeviceKind::kCuda;
    try {
      ScoreTopN(gpu, p.View());
      ADD_FAILURE() << "scoring on a device that does not exist should fail";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(cuda::BuiltWithCuda() ? "GPU" : "without CUDA"),
                std::string::npos)
          << e.what();
    }
  }
}

}  // namespace
}  // namespace movierec
