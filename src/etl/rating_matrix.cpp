#include "etl/rating_matrix.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <utility>

#include "common/error.h"

namespace movierec::etl {
namespace {

constexpr int64_t kMaxIndex = std::numeric_limits<int32_t>::max();

// External id → dense index. A flat table when the ids are not too sparse (the common case:
// MovieLens ids run from 1 to a few times the count), which keeps the per-rating lookup of a
// 25M-row build a single load; a sorted vector with binary search otherwise.
class IdLookup {
 public:
  IdLookup(std::span<const int64_t> ids_in_index_order, const char* what) {
    if (static_cast<int64_t>(ids_in_index_order.size()) > kMaxIndex + 1) {
      throw Error(std::string("too many ") + what + "s for 32-bit indexes");
    }
    for (size_t i = 0; i < ids_in_index_order.size(); ++i) {
      if (ids_in_index_order[i] != kVacantId) {
        sorted_.emplace_back(ids_in_index_order[i], static_cast<int32_t>(i));
      }
    }
    std::sort(sorted_.begin(), sorted_.end());
    for (size_t i = 1; i < sorted_.size(); ++i) {
      if (sorted_[i].first == sorted_[i - 1].first) {
        throw Error(std::string(what) + " id " + std::to_string(sorted_[i].first) +
                    " holds two indexes (" + std::to_string(sorted_[i - 1].second) + " and " +
                    std::to_string(sorted_[i].second) + ")");
      }
    }
    if (sorted_.empty()) return;
    min_ = sorted_.front().first;
    const auto count = static_cast<uint64_t>(sorted_.size());
    const uint64_t span = static_cast<uint64_t>(sorted_.back().first) - static_cast<uint64_t>(min_);
    if (span < 8 * count + 4096) {
      dense_.assign(span + 1, -1);
      for (const auto& [id, idx] : sorted_) dense_[static_cast<uint64_t>(id - min_)] = idx;
      sorted_.clear();
      sorted_.shrink_to_fit();
    }
  }

  // -1 when absent.
  int32_t Find(int64_t id) const {
    if (!dense_.empty()) {
      const uint64_t off = static_cast<uint64_t>(id) - static_cast<uint64_t>(min_);
      return off < dense_.size() ? dense_[off] : -1;
    }
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::pair{id, int32_t{-1}});
    return it != sorted_.end() && it->first == id ? it->second : -1;
  }

 private:
  int64_t min_ = 0;
  std::vector<int32_t> dense_;
  std::vector<std::pair<int64_t, int32_t>> sorted_;
};

struct Run {
  int64_t start = 0;  // first rating of the user
  int64_t length = 0;
  int32_t row = 0;
};

// Sorts one row's entries by column when the ids' order and the indexes' order differ (stable
// indexes after deletions), and rejects a repeated column.
void SortRow(RatingMatrix& m, int64_t k0, int64_t k1, int64_t user_id) {
  const auto b = static_cast<size_t>(k0), e = static_cast<size_t>(k1);
  std::vector<size_t> order(e - b);
  std::iota(order.begin(), order.end(), b);
  std::sort(order.begin(), order.end(),
            [&](size_t x, size_t y) { return m.indices[x] < m.indices[y]; });
  std::vector<int32_t> idx(order.size());
  std::vector<float> val(order.size());
  std::vector<int64_t> ts(order.size());
  for (size_t j = 0; j < order.size(); ++j) {
    idx[j] = m.indices[order[j]];
    val[j] = m.values[order[j]];
    ts[j] = m.timestamps[order[j]];
    if (j > 0 && idx[j] == idx[j - 1]) {
      throw Error("duplicate rating: user " + std::to_string(user_id) + " rated movie " +
                  std::to_string(m.col_ids[static_cast<size_t>(idx[j])]) +
                  " twice (transform keeps one rating per pair)");
    }
  }
  std::copy(idx.begin(), idx.end(), m.indices.begin() + k0);
  std::copy(val.begin(), val.end(), m.values.begin() + k0);
  std::copy(ts.begin(), ts.end(), m.timestamps.begin() + k0);
}

}  // namespace

RatingMatrix BuildRatingMatrix(std::span<const Rating> ratings, std::vector<int64_t> row_ids,
                               std::vector<int64_t> col_ids, int workers) {
  RatingMatrix m;
  m.rows = static_cast<int64_t>(row_ids.size());
  m.cols = static_cast<int64_t>(col_ids.size());
  m.row_ids = std::move(row_ids);
  m.col_ids = std::move(col_ids);
  const IdLookup user_index(m.row_ids, "user");
  const IdLookup movie_index(m.col_ids, "movie");
  const auto n = static_cast<int64_t>(ratings.size());

  // 1. Find each user's run of ratings, chunks cut at user boundaries.
  std::vector<int64_t> chunk_cuts = EvenCuts(n, workers, 1 << 16);
  for (size_t i = 1; i + 1 < chunk_cuts.size(); ++i) {
    int64_t c = std::max(chunk_cuts[i], chunk_cuts[i - 1]);
    while (c < n && c > 0 &&
           ratings[static_cast<size_t>(c)].user_id == ratings[static_cast<size_t>(c) - 1].user_id)
      ++c;
    chunk_cuts[i] = c;
  }
  std::vector<std::vector<Run>> runs(chunk_cuts.size() - 1);
  ForEachRange(chunk_cuts, [&](int part, int64_t lo, int64_t hi) {
    auto& out = runs[static_cast<size_t>(part)];
    for (int64_t i = lo; i < hi;) {
      const Rating& first = ratings[static_cast<size_t>(i)];
      int64_t j = i + 1;
      while (j < hi && ratings[static_cast<size_t>(j)].user_id == first.user_id) ++j;
      const int32_t row = user_index.Find(first.user_id);
      if (row < 0) {
        throw Error("rating of user " + std::to_string(first.user_id) + " (source line " +
                    std::to_string(first.line) + ") names a user missing from the users table");
      }
      out.push_back(Run{i, j - i, row});
      i = j;
    }
  });

  // 2. Row offsets. A row met twice means the user's ratings were not contiguous.
  std::vector<int64_t> run_start(static_cast<size_t>(m.rows), -1);
  m.indptr.assign(static_cast<size_t>(m.rows) + 1, 0);
  for (const auto& chunk : runs) {
    for (const Run& r : chunk) {
      const auto row = static_cast<size_t>(r.row);
      if (run_start[row] >= 0) {
        throw Error("ratings of user " + std::to_string(m.row_ids[row]) +
                    " are not contiguous (expected ratings sorted by user_id, movie_id)");
      }
      run_start[row] = r.start;
      m.indptr[row + 1] = r.length;
    }
  }
  runs.clear();
  std::partial_sum(m.indptr.begin(), m.indptr.end(), m.indptr.begin());

  // 3. Copy the entries row by row, rows split across threads by entry count.
  ResizePrefaulted(m.indices, static_cast<size_t>(n));
  ResizePrefaulted(m.values, static_cast<size_t>(n));
  ResizePrefaulted(m.timestamps, static_cast<size_t>(n));
  ForEachRange(BalancedRowCuts(m.indptr, workers), [&](int, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t k0 = m.indptr[static_cast<size_t>(r)];
      const int64_t k1 = m.indptr[static_cast<size_t>(r) + 1];
      if (k0 == k1) continue;
      const Rating* src = ratings.data() + run_start[static_cast<size_t>(r)];
      bool ascending = true;
      int32_t prev = -1;
      for (int64_t k = k0; k < k1; ++k, ++src) {
        const int32_t col = movie_index.Find(src->movie_id);
        if (col < 0) {
          throw Error("rating of user " + std::to_string(src->user_id) + " for movie " +
                      std::to_string(src->movie_id) + " (source line " + std::to_string(src->line) +
                      ") names a movie missing from the movies table");
        }
        ascending = ascending && col > prev;
        prev = col;
        const auto kk = static_cast<size_t>(k);
        m.indices[kk] = col;
        m.values[kk] = src->rating;
        m.timestamps[kk] = src->timestamp;
      }
      if (!ascending) SortRow(m, k0, k1, m.row_ids[static_cast<size_t>(r)]);
    }
  });
  return m;
}

RatingMatrix BuildRatingMatrix(const Dataset& d, int workers) {
  int64_t rows = d.user_index_size;
  for (const User& u : d.users) {
    if (u.user_idx < 0) {
      throw Error("user " + std::to_string(u.user_id) + " has a negative user_idx");
    }
    rows = std::max<int64_t>(rows, int64_t{u.user_idx} + 1);
  }
  std::vector<int64_t> row_ids(static_cast<size_t>(rows), kVacantId);
  for (const User& u : d.users) {
    int64_t& slot = row_ids[static_cast<size_t>(u.user_idx)];
    if (slot != kVacantId) {
      throw Error("users " + std::to_string(slot) + " and " + std::to_string(u.user_id) +
                  " share user_idx " + std::to_string(u.user_idx));
    }
    slot = u.user_id;
  }
  std::vector<int64_t> col_ids;
  if (d.movie_idx.empty()) {
    col_ids.resize(d.movies.size());
    for (size_t i = 0; i < d.movies.size(); ++i) col_ids[i] = d.movies[i].movie_id;
  } else {
    if (d.movie_idx.size() != d.movies.size()) {
      throw Error("movie_idx holds " + std::to_string(d.movie_idx.size()) + " indexes for " +
                  std::to_string(d.movies.size()) + " movies");
    }
    std::vector<int64_t> ids(d.movies.size());
    for (size_t i = 0; i < d.movies.size(); ++i) ids[i] = d.movies[i].movie_id;
    col_ids = IdsInIndexOrder(ids, d.movie_idx, d.movie_index_size);
  }
  return BuildRatingMatrix(d.ratings, std::move(row_ids), std::move(col_ids), workers);
}

RatingMatrices BuildRatingMatrices(const Dataset& d, int workers) {
  RatingMatrices out;
  out.csr = BuildRatingMatrix(d, workers);
  out.csc = ToCsc(out.csr, workers);
  return out;
}

std::vector<int32_t> AssignStableIndexes(std::span<const int64_t> previous_ids_in_index_order,
                                         std::span<const int64_t> current_ids, bool compact) {
  // Sorted (id, position) pairs for both sides; duplicates are caller bugs with data in them,
  // so they get a message rather than an abort.
  auto sorted_pairs = [](std::span<const int64_t> ids, const char* side) {
    std::vector<std::pair<int64_t, int64_t>> v;
    v.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      if (ids[i] != kVacantId) v.emplace_back(ids[i], static_cast<int64_t>(i));
    }
    std::sort(v.begin(), v.end());
    for (size_t i = 1; i < v.size(); ++i) {
      if (v[i].first == v[i - 1].first) {
        throw Error(std::string("AssignStableIndexes: ") + side + " ids repeat id " +
                    std::to_string(v[i].first));
      }
    }
    return v;
  };
  const auto prev = sorted_pairs(previous_ids_in_index_order, "previous");
  const auto cur = sorted_pairs(current_ids, "current");
  if (cur.size() != current_ids.size()) {
    throw Error("AssignStableIndexes: current ids hold the vacant-id marker");
  }

  std::vector<int64_t> index(current_ids.size(), -1);
  std::vector<size_t> fresh;  // positions in current_ids of new ids, ascending by id
  for (size_t i = 0, j = 0; i < cur.size(); ++i) {
    while (j < prev.size() && prev[j].first < cur[i].first) ++j;
    const auto pos = static_cast<size_t>(cur[i].second);
    if (j < prev.size() && prev[j].first == cur[i].first) {
      index[pos] = prev[j].second;
    } else {
      fresh.push_back(pos);
    }
  }

  if (!compact) {
    int64_t next = static_cast<int64_t>(previous_ids_in_index_order.size());
    for (size_t pos : fresh) index[pos] = next++;
  } else {
    const auto n = static_cast<int64_t>(current_ids.size());
    std::vector<bool> taken(current_ids.size(), false);
    std::vector<std::pair<int64_t, size_t>> movers;  // (old index, position), index >= n
    for (size_t pos = 0; pos < index.size(); ++pos) {
      if (index[pos] < 0) continue;
      if (index[pos] < n) {
        taken[static_cast<size_t>(index[pos])] = true;
      } else {
        movers.emplace_back(index[pos], pos);
      }
    }
    std::sort(movers.begin(), movers.end(), std::greater<>());
    size_t hole = 0;
    auto next_hole = [&] {
      while (taken[hole]) ++hole;
      taken[hole] = true;
      return static_cast<int64_t>(hole);
    };
    for (const auto& mover : movers) index[mover.second] = next_hole();
    for (size_t pos : fresh) index[pos] = next_hole();
  }

  std::vector<int32_t> out(index.size());
  for (size_t i = 0; i < index.size(); ++i) {
    if (index[i] > kMaxIndex) throw Error("AssignStableIndexes: index passes 2^31 - 1");
    out[i] = static_cast<int32_t>(index[i]);
  }
  return out;
}

std::vector<int64_t> IdsInIndexOrder(std::span<const int64_t> ids,
                                     std::span<const int32_t> index_of_id, int64_t min_size) {
  MOVIEREC_ASSERT(ids.size() == index_of_id.size(), "one index per id");
  int64_t size = std::max<int64_t>(0, min_size);
  for (int32_t idx : index_of_id) size = std::max<int64_t>(size, int64_t{idx} + 1);
  std::vector<int64_t> out(static_cast<size_t>(size), kVacantId);
  for (size_t i = 0; i < ids.size(); ++i) {
    MOVIEREC_ASSERT(index_of_id[i] >= 0, "indexes are non-negative");
    int64_t& slot = out[static_cast<size_t>(index_of_id[i])];
    MOVIEREC_ASSERT(slot == kVacantId, "indexes are unique");
    slot = ids[i];
  }
  return out;
}

}  // namespace movierec::etl
