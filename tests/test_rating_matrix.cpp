// Sparse rating matrices (src/etl/rating_matrix, src/common/sparse): CSR and CSC against a
// naive reference on random data, parallel builds identical to sequential ones, bad input
// rejected with a message, and dense indexes that stay stable across runs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <random>
#include <set>
#include <tuple>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "common/sparse.h"
#include "etl/rating_matrix.h"

namespace movierec {
namespace {

static_assert(std::is_same_v<decltype(RatingMatrix::indptr)::value_type, int64_t>,
              "CSR offsets must be 64-bit");
static_assert(std::is_same_v<decltype(CscMatrix::indptr)::value_type, int64_t>,
              "CSC offsets must be 64-bit");

// A transformed-looking dataset: sparse increasing user and movie ids, every user with at least
// one rating, some movies with none, timestamps with ties.
Dataset RandomDataset(uint64_t seed, int users, int movies, int max_per_user) {
  std::mt19937_64 rng(seed);
  Dataset d;
  int64_t movie_id = 0;
  for (int i = 0; i < movies; ++i) {
    movie_id += 1 + static_cast<int64_t>(rng() % 4);
    Movie m;
    m.movie_id = movie_id;
    d.movies.push_back(m);
  }
  int32_t user_id = 0;
  for (int u = 0; u < users; ++u) {
    user_id += 1 + static_cast<int32_t>(rng() % 3);
    const int count = 1 + static_cast<int>(rng() % static_cast<uint64_t>(max_per_user));
    std::set<size_t> picked;
    // Skew towards low movie positions so the tail of the catalogue stays unrated.
    while (static_cast<int>(picked.size()) < std::min(count, movies)) {
      const size_t a = rng() % static_cast<size_t>(movies), b = rng() % static_cast<size_t>(movies);
      picked.insert(std::min(a, b));
    }
    for (size_t p : picked) {
      Rating r;
      r.user_id = user_id;
      r.movie_id = static_cast<int32_t>(d.movies[p].movie_id);
      r.rating = 0.5f * static_cast<float>(1 + rng() % 10);
      r.timestamp = 1000000 + static_cast<int64_t>(rng() % 50);  // many ties
      r.line = static_cast<int64_t>(d.ratings.size()) + 2;
      d.ratings.push_back(r);
    }
    User usr;
    usr.user_id = user_id;
    usr.user_idx = u;
    usr.rating_count = static_cast<int64_t>(picked.size());
    d.users.push_back(usr);
  }
  return d;
}

struct Entry {
  int32_t other;  // column for CSR, row for CSC
  float value;
  int64_t ts;
  bool operator==(const Entry& o) const {
    return other == o.other && value == o.value && ts == o.ts;
  }
};

// The obvious construction with maps, one lookup per rating.
std::vector<std::vector<Entry>> NaiveRows(const Dataset& d) {
  std::map<int64_t, int32_t> user_row, movie_col;
  for (const auto& u : d.users) user_row[u.user_id] = u.user_idx;
  for (size_t i = 0; i < d.movies.size(); ++i) {
    movie_col[d.movies[i].movie_id] = static_cast<int32_t>(i);
  }
  std::vector<std::vector<Entry>> rows(d.users.size());
  for (const auto& r : d.ratings) {
    rows[static_cast<size_t>(user_row.at(r.user_id))].push_back(
        {movie_col.at(r.movie_id), r.rating, r.timestamp});
  }
  for (auto& row : rows) {
    std::sort(row.begin(), row.end(),
              [](const Entry& a, const Entry& b) { return a.other < b.other; });
  }
  return rows;
}

std::vector<std::vector<Entry>> NaiveCols(const std::vector<std::vector<Entry>>& rows,
                                          size_t cols) {
  std::vector<std::vector<Entry>> out(cols);
  for (size_t r = 0; r < rows.size(); ++r) {
    for (const Entry& e : rows[r]) {
      out[static_cast<size_t>(e.other)].push_back({static_cast<int32_t>(r), e.value, e.ts});
    }
  }
  return out;
}

template <class M>
std::vector<std::vector<Entry>> Unpack(const M& m) {
  std::vector<std::vector<Entry>> out(m.indptr.size() - 1);
  for (size_t i = 0; i + 1 < m.indptr.size(); ++i) {
    for (auto k = static_cast<size_t>(m.indptr[i]); k < static_cast<size_t>(m.indptr[i + 1]); ++k) {
      out[i].push_back({m.indices[k], m.values[k], m.timestamps[k]});
    }
  }
  return out;
}

template <class T>
bool SameBits(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() &&
         (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

template <class M>
void ExpectBitIdentical(const M& a, const M& b) {
  EXPECT_EQ(a.rows, b.rows);
  EXPECT_EQ(a.cols, b.cols);
  EXPECT_TRUE(SameBits(a.indptr, b.indptr));
  EXPECT_TRUE(SameBits(a.indices, b.indices));
  EXPECT_TRUE(SameBits(a.values, b.values));
  EXPECT_TRUE(SameBits(a.timestamps, b.timestamps));
}

TEST(RatingMatrix, CsrAndCscMatchNaiveReferenceOnRandomData) {
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const int users = 1 + static_cast<int>(seed * 7 % 40);
    const int movies = 1 + static_cast<int>(seed * 13 % 70);
    const Dataset d = RandomDataset(seed, users, movies, 1 + static_cast<int>(seed % 25));
    const int workers = 1 + static_cast<int>(seed % 6);
    const etl::RatingMatrices m = etl::BuildRatingMatrices(d, workers);

    ASSERT_EQ(m.csr.rows, users);
    ASSERT_EQ(m.csr.cols, movies);
    EXPECT_EQ(m.csr.nnz(), static_cast<int64_t>(d.ratings.size()));
    ASSERT_EQ(m.csr.indptr.size(), static_cast<size_t>(users) + 1);
    const auto rows = NaiveRows(d);
    EXPECT_EQ(Unpack(m.csr), rows);
    ASSERT_EQ(m.csc.indptr.size(), static_cast<size_t>(movies) + 1);
    EXPECT_EQ(Unpack(m.csc), NaiveCols(rows, static_cast<size_t>(movies)));
    EXPECT_EQ(m.csc.nnz(), m.csr.nnz());

    for (size_t i = 0; i < d.users.size(); ++i) EXPECT_EQ(m.csr.row_ids[i], d.users[i].user_id);
    for (size_t i = 0; i < d.movies.size(); ++i) EXPECT_EQ(m.csr.col_ids[i], d.movies[i].movie_id);
  }
}

TEST(RatingMatrix, SomeItemsEmptyInTheRandomData) {
  // The generator is meant to leave unrated movies; make sure the CSC test above saw them.
  const Dataset d = RandomDataset(5, 20, 200, 10);
  const etl::RatingMatrices m = etl::BuildRatingMatrices(d, 3);
  int empty = 0;
  for (int64_t c = 0; c < m.csc.cols; ++c) empty += m.csc.indptr[c] == m.csc.indptr[c + 1];
  EXPECT_GT(empty, 0);
}

TEST(RatingMatrix, ParallelBuildIsBitIdenticalToSequential) {
  // Big enough for ToCsc's default two-pass scatter (>= 2^18 entries, many buckets).
  const Dataset d = RandomDataset(99, 5000, 20000, 120);
  ASSERT_GE(d.ratings.size(), size_t{1} << 18);
  const etl::RatingMatrices seq = etl::BuildRatingMatrices(d, 1);
  for (int workers : {2, 3, 4, 7, 16, 64}) {
    SCOPED_TRACE("workers " + std::to_string(workers));
    const etl::RatingMatrices par = etl::BuildRatingMatrices(d, workers);
    ExpectBitIdentical(par.csr, seq.csr);
    ExpectBitIdentical(par.csc, seq.csc);
    EXPECT_EQ(par.csr.row_ids, seq.csr.row_ids);
    EXPECT_EQ(par.csr.col_ids, seq.csr.col_ids);
  }
  // And the sequential CSC against the reference, on data big enough to matter.
  EXPECT_EQ(Unpack(seq.csc), NaiveCols(NaiveRows(d), d.movies.size()));
}

TEST(RatingMatrix, EveryCscScatterPathMatchesTheReference) {
  // Small tunings push small matrices down each path of ToCsc: one straight scatter, buckets
  // of one or a few columns, buckets too big for pass 2 (scattered straight), a mix of both.
  const std::vector<CscTuning> tunings = {
      {},                   // defaults: straight scatter at this size
      {1, 1 << 30, 0},      // one column per bucket
      {3, 1 << 30, 0},      // every bucket through pass 2
      {3, 25, 0},           // the busy buckets direct, the rest through pass 2
      {7, 0, 0},            // every bucket direct
      {100000, 1 << 30, 0}  // one bucket for all columns
  };
  for (uint64_t seed = 1; seed <= 25; ++seed) {
    const Dataset d = RandomDataset(seed, 30 + static_cast<int>(seed % 7) * 20,
                                    10 + static_cast<int>(seed * 17 % 90), 30);
    const RatingMatrix csr = etl::BuildRatingMatrix(d, 1);
    const auto reference = NaiveCols(NaiveRows(d), d.movies.size());
    const CscMatrix base = ToCsc(csr, 1);
    for (size_t t = 0; t < tunings.size(); ++t) {
      for (int workers : {1, 2, 3, 5}) {
        SCOPED_TRACE("seed " + std::to_string(seed) + " tuning " + std::to_string(t) + " workers " +
                     std::to_string(workers));
        const CscMatrix c = ToCsc(csr, workers, tunings[t]);
        ASSERT_EQ(Unpack(c), reference);
        ExpectBitIdentical(c, base);
      }
    }
  }
}

TEST(RatingMatrix, CscUsersAscendWithinEachColumn) {
  const etl::RatingMatrices m = etl::BuildRatingMatrices(RandomDataset(3, 500, 100, 60), 4);
  for (int64_t c = 0; c < m.csc.cols; ++c) {
    for (int64_t k = m.csc.indptr[c] + 1; k < m.csc.indptr[c + 1]; ++k) {
      ASSERT_LT(m.csc.indices[k - 1], m.csc.indices[k]);
    }
  }
}

TEST(RatingMatrix, EmptyInputs) {
  Dataset none;
  for (int workers : {1, 4}) {
    const etl::RatingMatrices m = etl::BuildRatingMatrices(none, workers);
    EXPECT_EQ(m.csr.rows, 0);
    EXPECT_EQ(m.csr.cols, 0);
    EXPECT_EQ(m.csr.indptr, std::vector<int64_t>{0});
    EXPECT_EQ(m.csc.indptr, std::vector<int64_t>{0});
  }
  Dataset movies_only;
  movies_only.movies.resize(3);
  for (size_t i = 0; i < 3; ++i) movies_only.movies[i].movie_id = static_cast<int64_t>(i) + 10;
  const etl::RatingMatrices m = etl::BuildRatingMatrices(movies_only, 2);
  EXPECT_EQ(m.csr.cols, 3);
  EXPECT_EQ(m.csc.indptr, (std::vector<int64_t>{0, 0, 0, 0}));
  EXPECT_EQ(m.csr.col_ids, (std::vector<int64_t>{10, 11, 12}));
}

TEST(RatingMatrix, ToCscHandlesMoreWorkersThanRows) {
  RatingMatrix m;
  m.rows = 2;
  m.cols = 3;
  m.indptr = {0, 2, 3};
  m.indices = {0, 2, 2};
  m.values = {1.f, 2.f, 3.f};
  m.timestamps = {10, 20, 30};
  const CscMatrix c = ToCsc(m, 32);
  EXPECT_EQ(c.indptr, (std::vector<int64_t>{0, 1, 1, 3}));
  EXPECT_EQ(c.indices, (std::vector<int32_t>{0, 0, 1}));
  EXPECT_EQ(c.values, (std::vector<float>{1.f, 2.f, 3.f}));
  EXPECT_EQ(c.timestamps, (std::vector<int64_t>{10, 20, 30}));
}

TEST(RatingMatrix, BalancedRowCutsCoverAllRowsInOrder) {
  const std::vector<int64_t> indptr = {0, 100, 100, 101, 102, 103, 400, 400, 401};
  for (int parts = 1; parts <= 12; ++parts) {
    const auto cuts = BalancedRowCuts(indptr, parts);
    ASSERT_GE(cuts.size(), 2u);
    EXPECT_EQ(cuts.front(), 0);
    EXPECT_EQ(cuts.back(), 8);
    EXPECT_LE(static_cast<int>(cuts.size()) - 1, parts);
    for (size_t i = 1; i < cuts.size(); ++i) EXPECT_LT(cuts[i - 1], cuts[i]);
  }
  EXPECT_EQ(BalancedRowCuts({0}, 4), (std::vector<int64_t>{0, 0}));
}

template <class Fn>
void ExpectErrorContaining(Fn fn, const std::string& text) {
  try {
    fn();
    ADD_FAILURE() << "expected an Error containing '" << text << "'";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

TEST(RatingMatrix, RejectsInconsistentTables) {
  for (int workers : {1, 3}) {
    Dataset d = RandomDataset(7, 30, 40, 8);
    Dataset unknown_movie = d;
    unknown_movie.ratings[5].movie_id = 999999;
    ExpectErrorContaining([&] { etl::BuildRatingMatrix(unknown_movie, workers); }, "movie 999999");

    Dataset unknown_user = d;
    unknown_user.users.erase(unknown_user.users.begin() + 3);
    ExpectErrorContaining([&] { etl::BuildRatingMatrix(unknown_user, workers); },
                          "missing from the users table");

    Dataset dup = d;
    size_t at = 0;
    while (dup.ratings[at].user_id != dup.ratings[at + 1].user_id) ++at;
    dup.ratings[at + 1].movie_id = dup.ratings[at].movie_id;
    ExpectErrorContaining([&] { etl::BuildRatingMatrix(dup, workers); }, "duplicate rating");

    Dataset split_user = d;
    split_user.ratings.push_back(split_user.ratings.front());
    split_user.ratings.back().movie_id = static_cast<int32_t>(split_user.movies.back().movie_id);
    ExpectErrorContaining([&] { etl::BuildRatingMatrix(split_user, workers); }, "not contiguous");

    Dataset shared_idx = d;
    shared_idx.users[2].user_idx = 1;
    ExpectErrorContaining([&] { etl::BuildRatingMatrix(shared_idx, workers); }, "share user_idx 1");
  }
}

TEST(RatingMatrix, GeneralBuilderFollowsGivenIndexesWithGaps) {
  // Indexes from a previous run: not monotone in the ids, with vacant slots. Rows and columns
  // must follow the indexes and each row must still be sorted by column index.
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Dataset d = RandomDataset(seed, 25, 30, 12);
    std::mt19937_64 rng(seed);
    std::vector<int64_t> user_ids, movie_ids;
    for (const auto& u : d.users) user_ids.push_back(u.user_id);
    for (const auto& m : d.movies) movie_ids.push_back(m.movie_id);
    auto scatter = [&](const std::vector<int64_t>& ids) {
      std::vector<int64_t> slots(ids.size() + 5, kVacantId);
      std::vector<size_t> pos(slots.size());
      for (size_t i = 0; i < pos.size(); ++i) pos[i] = i;
      std::shuffle(pos.begin(), pos.end(), rng);
      for (size_t i = 0; i < ids.size(); ++i) slots[pos[i]] = ids[i];
      return slots;
    };
    const std::vector<int64_t> row_ids = scatter(user_ids), col_ids = scatter(movie_ids);
    const RatingMatrix m =
        etl::BuildRatingMatrix(d.ratings, row_ids, col_ids, 1 + static_cast<int>(seed % 4));
    EXPECT_EQ(m.row_ids, row_ids);
    EXPECT_EQ(m.col_ids, col_ids);
    std::map<std::pair<int64_t, int64_t>, std::pair<float, int64_t>> want, got;
    for (const auto& r : d.ratings) want[{r.user_id, r.movie_id}] = {r.rating, r.timestamp};
    for (int64_t r = 0; r < m.rows; ++r) {
      if (row_ids[r] == kVacantId) {
        EXPECT_EQ(m.indptr[r], m.indptr[r + 1]);
      }
      for (int64_t k = m.indptr[r]; k < m.indptr[r + 1]; ++k) {
        if (k > m.indptr[r]) {
          EXPECT_LT(m.indices[k - 1], m.indices[k]);
        }
        got[{row_ids[r], col_ids[m.indices[k]]}] = {m.values[k], m.timestamps[k]};
      }
    }
    EXPECT_EQ(got, want);
  }
}

// --- stable indexes ---------------------------------------------------------------------------

TEST(RatingMatrix, StableIndexesFirstRunAreAscendingById) {
  const std::vector<int64_t> ids = {30, 10, 20};
  EXPECT_EQ(etl::AssignStableIndexes({}, ids), (std::vector<int32_t>{2, 0, 1}));
  EXPECT_EQ(etl::AssignStableIndexes({}, ids, true), (std::vector<int32_t>{2, 0, 1}));
}

TEST(RatingMatrix, StableIndexesKeepUnchangedIds) {
  const std::vector<int64_t> prev = {50, 10, 40, 20};
  const std::vector<int64_t> cur = {10, 20, 40, 50};
  EXPECT_EQ(etl::AssignStableIndexes(prev, cur), (std::vector<int32_t>{1, 3, 2, 0}));
  EXPECT_EQ(etl::AssignStableIndexes(prev, cur, true), (std::vector<int32_t>{1, 3, 2, 0}));
}

TEST(RatingMatrix, StableIndexesWithoutCompactionLeaveGapsAndNeverReuse) {
  // Index:        0   1   2   3   4
  const std::vector<int64_t> prev = {10, 20, 30, 40, kVacantId};
  // 20 and 40 deleted, 5 and 60 new.
  const std::vector<int64_t> cur = {60, 10, 30, 5};
  const auto idx = etl::AssignStableIndexes(prev, cur);
  EXPECT_EQ(idx, (std::vector<int32_t>{6, 0, 2, 5}));  // new after prev.size(), by ascending id
  EXPECT_EQ(etl::IdsInIndexOrder(cur, idx, static_cast<int64_t>(prev.size())),
            (std::vector<int64_t>{10, kVacantId, 30, kVacantId, kVacantId, 5, 60}));
}

TEST(RatingMatrix, StableIndexesCompactionMovesHighestIntoLowestHoles) {
  // Index:        0   1   2   3   4   5
  const std::vector<int64_t> prev = {10, 20, 30, 40, 50, 60};
  // 20 and 30 deleted (holes 1, 2); 70 new; n = 5 so 60 (index 5) must move.
  const std::vector<int64_t> cur = {10, 40, 50, 60, 70};
  const auto idx = etl::AssignStableIndexes(prev, cur, true);
  // 10, 40, 50 stay at 0, 3, 4; 60 (highest) fills hole 1; new id 70 fills hole 2.
  EXPECT_EQ(idx, (std::vector<int32_t>{0, 3, 4, 1, 2}));
}

TEST(RatingMatrix, StableIndexesRandomProperties) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    std::mt19937_64 rng(seed);
    std::vector<int64_t> prev;
    for (int i = 0; i < 40; ++i) prev.push_back(rng() % 5 == 0 ? kVacantId : 1000 + i);
    std::shuffle(prev.begin(), prev.end(), rng);
    std::vector<int64_t> cur;
    for (int64_t id : prev) {
      if (id != kVacantId && rng() % 3 != 0) cur.push_back(id);  // survivors
    }
    for (int i = 0; i < static_cast<int>(rng() % 15); ++i) cur.push_back(5000 + i);  // new
    std::shuffle(cur.begin(), cur.end(), rng);
    std::map<int64_t, int32_t> prev_index;
    for (size_t i = 0; i < prev.size(); ++i) {
      if (prev[i] != kVacantId) prev_index[prev[i]] = static_cast<int32_t>(i);
    }
    for (bool compact : {false, true}) {
      SCOPED_TRACE("seed " + std::to_string(seed) + (compact ? " compact" : ""));
      const auto idx = etl::AssignStableIndexes(prev, cur, compact);
      ASSERT_EQ(idx.size(), cur.size());
      EXPECT_EQ(std::set<int32_t>(idx.begin(), idx.end()).size(), idx.size()) << "unique";
      const auto n = static_cast<int32_t>(cur.size());
      for (size_t i = 0; i < cur.size(); ++i) {
        auto it = prev_index.find(cur[i]);
        if (it == prev_index.end()) {
          if (!compact) {
            EXPECT_GE(idx[i], static_cast<int32_t>(prev.size()));
          }
        } else if (!compact || it->second < n) {
          EXPECT_EQ(idx[i], it->second) << "a surviving id keeps its index";
        }
        if (compact) {
          EXPECT_LT(idx[i], n) << "compaction is dense";
        }
      }
    }
  }
}

TEST(RatingMatrix, StableIndexesRejectBadIds) {
  const std::vector<int64_t> dup = {1, 2, 1};
  const std::vector<int64_t> ok = {1, 2};
  ExpectErrorContaining([&] { etl::AssignStableIndexes(dup, ok); }, "repeat id 1");
  ExpectErrorContaining([&] { etl::AssignStableIndexes(ok, dup); }, "repeat id 1");
  const std::vector<int64_t> vacant = {1, kVacantId};
  ExpectErrorContaining([&] { etl::AssignStableIndexes(ok, vacant); }, "vacant");
}

}  // namespace
}  // namespace movierec
