// Train/test splits (src/etl/splits): spec parsing, and the properties each split promises
// (partition of the data, per-user counts, time order, determinism by seed, fold balance).
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "common/error.h"
#include "common/sparse.h"
#include "etl/splits.h"

namespace movierec {
namespace {

using etl::SplitSpec;

// A random matrix with heavy-tailed user activity (1 to ~80 ratings, many users with 1 or 2),
// timestamps with ties, and unrated columns.
RatingMatrix RandomMatrix(uint64_t seed, int64_t rows = 300, int64_t cols = 120) {
  std::mt19937_64 rng(seed);
  RatingMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.indptr = {0};
  for (int64_t r = 0; r < rows; ++r) {
    const int64_t count = std::min<int64_t>(
        cols - 10, 1 + static_cast<int64_t>(rng() % 3 == 0 ? rng() % 80 : rng() % 3));
    std::set<int32_t> picked;
    while (static_cast<int64_t>(picked.size()) < count) {
      picked.insert(static_cast<int32_t>(rng() % static_cast<uint64_t>(cols - 10)));
    }
    for (int32_t c : picked) {
      m.indices.push_back(c);
      m.values.push_back(0.5f * static_cast<float>(1 + rng() % 10));
      m.timestamps.push_back(static_cast<int64_t>(rng() % 20));
    }
    m.indptr.push_back(static_cast<int64_t>(m.indices.size()));
    m.row_ids.push_back(100 + r * 3);
  }
  for (int64_t c = 0; c < cols; ++c) m.col_ids.push_back(7 * c + 1);
  return m;
}

using Key = std::tuple<int64_t, int32_t, float, int64_t>;  // row, col, value, timestamp

std::multiset<Key> Entries(const RatingMatrix& m) {
  std::multiset<Key> out;
  for (int64_t r = 0; r < m.rows; ++r) {
    for (int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k) {
      out.emplace(r, m.indices[k], m.values[k], m.timestamps[k]);
    }
  }
  return out;
}

int64_t RowCount(const RatingMatrix& m, int64_t r) { return m.indptr[r + 1] - m.indptr[r]; }

// Train and test have the full matrix's shape and ids, are disjoint, and add up to it.
void ExpectPartition(const RatingMatrix& full, const etl::TrainTest& s) {
  for (const RatingMatrix* part : {&s.train, &s.test}) {
    EXPECT_EQ(part->rows, full.rows);
    EXPECT_EQ(part->cols, full.cols);
    EXPECT_EQ(part->row_ids, full.row_ids);
    EXPECT_EQ(part->col_ids, full.col_ids);
    ASSERT_EQ(part->indptr.size(), full.indptr.size());
    for (int64_t r = 0; r < part->rows; ++r) {  // still a valid CSR: ascending columns
      for (int64_t k = part->indptr[r] + 1; k < part->indptr[r + 1]; ++k) {
        ASSERT_LT(part->indices[k - 1], part->indices[k]);
      }
    }
  }
  EXPECT_EQ(s.train.nnz() + s.test.nnz(), full.nnz());
  std::multiset<Key> both = Entries(s.train);
  const std::multiset<Key> test = Entries(s.test);
  both.insert(test.begin(), test.end());
  EXPECT_EQ(both, Entries(full));
}

// --- spec strings -------------------------------------------------------------------------

TEST(Splits, ParsesSpecs) {
  SplitSpec t = etl::ParseSplitSpec("time:0.2");
  EXPECT_EQ(t.kind, SplitSpec::Kind::kTime);
  EXPECT_DOUBLE_EQ(t.fraction, 0.2);
  EXPECT_EQ(t.last_n, 0);
  SplitSpec l = etl::ParseSplitSpec("time:last=5");
  EXPECT_EQ(l.kind, SplitSpec::Kind::kTime);
  EXPECT_EQ(l.last_n, 5);
  SplitSpec r = etl::ParseSplitSpec("random:0.25");
  EXPECT_EQ(r.kind, SplitSpec::Kind::kRandom);
  EXPECT_DOUBLE_EQ(r.fraction, 0.25);
  SplitSpec k = etl::ParseSplitSpec("kfold:5");
  EXPECT_EQ(k.kind, SplitSpec::Kind::kKFold);
  EXPECT_EQ(k.folds, 5);
  for (const char* s : {"time:0.2", "time:last=5", "random:0.25", "kfold:5", "time:0.125"}) {
    EXPECT_EQ(etl::FormatSplitSpec(etl::ParseSplitSpec(s)), s);
  }
}

TEST(Splits, BadSpecsAreUsageErrors) {
  for (const char* s : {"",
                        "time",
                        "time:",
                        "time:0",
                        "time:1",
                        "time:1.5",
                        "time:-0.1",
                        "time:abc",
                        "time:0.2x",
                        " time:0.2",
                        "time:last=0",
                        "time:last=",
                        "time:last=-3",
                        "time:last=2.5",
                        "random:nan",
                        "random:inf",
                        "random:",
                        "kfold:1",
                        "kfold:0",
                        "kfold:256",
                        "kfold:2.5",
                        "kfold:",
                        "bogus:3",
                        "TIME:0.2",
                        "time=0.2"}) {
    SCOPED_TRACE(std::string("spec '") + s + "'");
    try {
      etl::ParseSplitSpec(s);
      ADD_FAILURE() << "accepted";
    } catch (const UsageError& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find(std::string("'") + s + "'"), std::string::npos) << msg;
      EXPECT_NE(msg.find("expected time:FRACTION"), std::string::npos) << msg;
      EXPECT_EQ(e.exit_code(), kExitUsage);
    }
  }
}

TEST(Splits, HoldoutCounts) {
  const SplitSpec f = etl::ParseSplitSpec("time:0.2");
  EXPECT_EQ(etl::HoldoutCount(f, 0), 0);
  EXPECT_EQ(etl::HoldoutCount(f, 1), 0);  // never a user's only rating
  EXPECT_EQ(etl::HoldoutCount(f, 2), 1);  // at least one
  EXPECT_EQ(etl::HoldoutCount(f, 10), 2);
  EXPECT_EQ(etl::HoldoutCount(f, 12), 2);  // 2.4 rounds to 2
  EXPECT_EQ(etl::HoldoutCount(f, 13), 3);  // 2.6 rounds to 3
  const SplitSpec big = etl::ParseSplitSpec("random:0.99");
  EXPECT_EQ(etl::HoldoutCount(big, 3), 2);  // at least one stays in train
  const SplitSpec last = etl::ParseSplitSpec("time:last=5");
  EXPECT_EQ(etl::HoldoutCount(last, 1), 0);
  EXPECT_EQ(etl::HoldoutCount(last, 3), 2);
  EXPECT_EQ(etl::HoldoutCount(last, 6), 5);
  EXPECT_EQ(etl::HoldoutCount(last, 100), 5);
}

// --- time split ----------------------------------------------------------------------------

TEST(Splits, TimeSplitHoldsOutEachUsersLatestRatings) {
  for (const char* text : {"time:0.2", "time:0.5", "time:last=1", "time:last=5"}) {
    const SplitSpec spec = etl::ParseSplitSpec(text);
    for (uint64_t seed = 1; seed <= 15; ++seed) {
      SCOPED_TRACE(std::string(text) + " seed " + std::to_string(seed));
      const RatingMatrix m = RandomMatrix(seed);
      const etl::TrainTest s = etl::SplitRatings(m, spec, seed, 0, 1 + static_cast<int>(seed % 4));
      ExpectPartition(m, s);
      for (int64_t r = 0; r < m.rows; ++r) {
        ASSERT_EQ(RowCount(s.test, r), etl::HoldoutCount(spec, RowCount(m, r))) << "row " << r;
        // Every test rating at or after every train rating; on equal time, by movie index.
        for (int64_t a = s.train.indptr[r]; a < s.train.indptr[r + 1]; ++a) {
          for (int64_t b = s.test.indptr[r]; b < s.test.indptr[r + 1]; ++b) {
            ASSERT_LE(s.train.timestamps[a], s.test.timestamps[b]);
            if (s.train.timestamps[a] == s.test.timestamps[b]) {
              ASSERT_LT(s.train.indices[a], s.test.indices[b]);
            }
          }
        }
      }
    }
  }
}

TEST(Splits, TimeSplitIgnoresTheSeed) {
  const RatingMatrix m = RandomMatrix(4);
  const SplitSpec spec = etl::ParseSplitSpec("time:0.3");
  EXPECT_EQ(etl::AssignSplit(m, spec, 1).part, etl::AssignSplit(m, spec, 2).part);
}

TEST(Splits, FractionRespectedOverall) {
  const RatingMatrix m = RandomMatrix(8, 2000, 200);
  for (const char* text : {"time:0.2", "random:0.2"}) {
    const etl::TrainTest s = etl::SplitRatings(m, etl::ParseSplitSpec(text), 8);
    int64_t expected = 0;
    for (int64_t r = 0; r < m.rows; ++r) {
      expected += etl::HoldoutCount(etl::ParseSplitSpec(text), RowCount(m, r));
    }
    EXPECT_EQ(s.test.nnz(), expected) << text;
    // Users with many ratings put close to 20 % into test (the rounding aside).
    const double share = static_cast<double>(s.test.nnz()) / static_cast<double>(m.nnz());
    EXPECT_GT(share, 0.15) << text;
    EXPECT_LT(share, 0.3) << text;
  }
}

// --- random split --------------------------------------------------------------------------

TEST(Splits, RandomSplitIsAPerUserSampleFixedBySeed) {
  const SplitSpec spec = etl::ParseSplitSpec("random:0.3");
  for (uint64_t seed = 1; seed <= 15; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const RatingMatrix m = RandomMatrix(seed);
    const etl::TrainTest s = etl::SplitRatings(m, spec, seed);
    ExpectPartition(m, s);
    for (int64_t r = 0; r < m.rows; ++r) {
      ASSERT_EQ(RowCount(s.test, r), etl::HoldoutCount(spec, RowCount(m, r)));
    }
    const auto a = etl::AssignSplit(m, spec, seed, 1);
    for (int workers : {2, 3, 8}) {
      EXPECT_EQ(etl::AssignSplit(m, spec, seed, workers).part, a.part) << "workers " << workers;
    }
    EXPECT_NE(etl::AssignSplit(m, spec, seed + 1000).part, a.part) << "another seed";
  }
}

TEST(Splits, RandomSplitIsNotTheTimeSplit) {
  // Over many users the random sample should include some non-latest ratings.
  const RatingMatrix m = RandomMatrix(11, 1000, 200);
  EXPECT_NE(etl::AssignSplit(m, etl::ParseSplitSpec("random:0.2"), 3).part,
            etl::AssignSplit(m, etl::ParseSplitSpec("time:0.2"), 3).part);
}

// --- k-fold --------------------------------------------------------------------------------

TEST(Splits, KFoldPartitionsTheDataWithBalancedFoldsPerUser) {
  for (int k : {2, 3, 5, 10}) {
    const SplitSpec spec = etl::ParseSplitSpec("kfold:" + std::to_string(k));
    for (uint64_t seed = 1; seed <= 8; ++seed) {
      SCOPED_TRACE("k " + std::to_string(k) + " seed " + std::to_string(seed));
      const RatingMatrix m = RandomMatrix(seed);
      const etl::SplitAssignment a = etl::AssignSplit(m, spec, seed, 3);
      EXPECT_TRUE(a.kfold);
      EXPECT_EQ(a.pairs, k);
      ASSERT_EQ(static_cast<int64_t>(a.part.size()), m.nnz());
      for (int64_t r = 0; r < m.rows; ++r) {
        std::vector<int64_t> per_fold(static_cast<size_t>(k), 0);
        for (int64_t e = m.indptr[r]; e < m.indptr[r + 1]; ++e) {
          ASSERT_LT(a.part[e], k);
          ++per_fold[a.part[e]];
        }
        const auto [lo, hi] = std::minmax_element(per_fold.begin(), per_fold.end());
        ASSERT_LE(*hi - *lo, 1) << "row " << r;
      }
      // The test sets of all folds partition the data; each train is the rest.
      std::multiset<Key> all_tests;
      for (int f = 0; f < k; ++f) {
        const etl::TrainTest s = etl::MaterializeSplit(m, a, f, 2);
        ExpectPartition(m, s);
        const auto t = Entries(s.test);
        all_tests.insert(t.begin(), t.end());
      }
      EXPECT_EQ(all_tests, Entries(m));
      EXPECT_EQ(etl::AssignSplit(m, spec, seed, 1).part, a.part) << "worker count";
      EXPECT_NE(etl::AssignSplit(m, spec, seed + 1).part, a.part) << "another seed";
    }
  }
}

TEST(Splits, KFoldSpreadsSmallUsersOverAllFolds) {
  // 2000 one-rating users: dealing every user from fold 0 would put all of them there.
  RatingMatrix m;
  m.rows = 2000;
  m.cols = 1;
  m.indptr = {0};
  for (int64_t r = 0; r < m.rows; ++r) {
    m.indices.push_back(0);
    m.values.push_back(3.f);
    m.timestamps.push_back(r);
    m.indptr.push_back(r + 1);
    m.row_ids.push_back(r + 1);
  }
  m.col_ids = {1};
  const etl::SplitAssignment a = etl::AssignSplit(m, etl::ParseSplitSpec("kfold:5"), 42);
  std::vector<int> per_fold(5, 0);
  for (uint8_t p : a.part) ++per_fold[p];
  for (int n : per_fold) {
    EXPECT_GT(n, 300);
    EXPECT_LT(n, 500);
  }
}

TEST(Splits, MaterializeRejectsForeignAssignmentsAndBadFolds) {
  const RatingMatrix m = RandomMatrix(2);
  const etl::SplitAssignment holdout = etl::AssignSplit(m, etl::ParseSplitSpec("random:0.2"), 1);
  EXPECT_THROW(etl::MaterializeSplit(m, holdout, 1), Error);
  EXPECT_THROW(etl::MaterializeSplit(RandomMatrix(3), holdout, 0), Error);
  const etl::SplitAssignment folds = etl::AssignSplit(m, etl::ParseSplitSpec("kfold:4"), 1);
  EXPECT_NO_THROW(etl::MaterializeSplit(m, folds, 3));
  EXPECT_THROW(etl::MaterializeSplit(m, folds, 4), Error);
  EXPECT_THROW(etl::MaterializeSplit(m, folds, -1), Error);
}

TEST(Splits, EmptyMatrix) {
  RatingMatrix m;
  m.indptr = {0};
  for (const char* text : {"time:0.2", "random:0.2", "kfold:3"}) {
    const etl::TrainTest s = etl::SplitRatings(m, etl::ParseSplitSpec(text), 1, 0, 4);
    EXPECT_EQ(s.train.nnz(), 0);
    EXPECT_EQ(s.test.nnz(), 0);
    EXPECT_EQ(s.train.indptr, std::vector<int64_t>{0});
  }
}

}  // namespace
}  // namespace movierec
