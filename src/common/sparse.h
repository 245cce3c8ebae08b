// Sparse rating matrices shared by every layer: ETL builds them (src/etl/rating_matrix), the
// io layer saves and loads them beside the database (src/io/matrix_files), trainers read them.
// They live in common because src/io and src/host may not include src/etl (DESIGN.md §2).
//
// Rows are users, columns are items; both are dense indexes whose external ids travel with the
// matrix (row_ids / col_ids). Offsets are 64-bit (DESIGN.md §3: anything that can pass 2^31
// elements), per-entry indexes 32-bit (a dimension never passes 2^31).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <vector>

namespace movierec {

// The id stored for a dense index that no current id owns: a gap left by a deleted user or
// movie when indexes are kept stable across runs (see etl::AssignStableIndexes). Its row or
// column is empty. External ids are ratings-file ids, never this value.
inline constexpr int64_t kVacantId = std::numeric_limits<int64_t>::min();

// Ratings in compressed sparse row form (users × items), the order training sweeps users in
// and the order the files on disk use.
struct RatingMatrix {
  int64_t rows = 0;
  int64_t cols = 0;
  std::vector<int64_t> indptr;      // rows + 1 offsets; row r is [indptr[r], indptr[r + 1])
  std::vector<int32_t> indices;     // column (item) index per entry, ascending within a row
  std::vector<float> values;        // rating per entry
  std::vector<int64_t> timestamps;  // unix seconds per entry, same order as values
  std::vector<int64_t> row_ids;     // external user id per row (kVacantId for a gap)
  std::vector<int64_t> col_ids;     // external movie id per column (kVacantId for a gap)

  int64_t nnz() const { return static_cast<int64_t>(indices.size()); }
};

// The same ratings by column (items × users): what an item-side ALS sweep or an item-based
// model reads. Users ascend inside each column. Ids stay with the RatingMatrix it came from.
struct CscMatrix {
  int64_t rows = 0;              // users, as in the RatingMatrix
  int64_t cols = 0;              // items
  std::vector<int64_t> indptr;   // cols + 1 offsets; column c is [indptr[c], indptr[c + 1])
  std::vector<int32_t> indices;  // row (user) index per entry, ascending within a column
  std::vector<float> values;
  std::vector<int64_t> timestamps;

  int64_t nnz() const { return static_cast<int64_t>(indices.size()); }
};

// How ToCsc scatters; the defaults are measured (see sparse.cpp), tests shrink them to reach
// every path on small matrices. The result never depends on these.
struct CscTuning {
  int64_t bucket_cols = 0;                    // columns per bucket; 0: max(256, cols / 128)
  int64_t max_bucket_entries = 1 << 21;       // a bigger bucket is scattered straight to place
  int64_t min_entries_for_buckets = 1 << 18;  // smaller matrices: one straight scatter
};

// The CSC form of `m`, built on `workers` threads, identical for every worker count and to the
// sequential build (users ascend inside each column). Each thread counts the columns of its own
// range of rows; the counts become per-thread write offsets, so each thread writes its rows in
// order into its own slice of every column. Large matrices go in two passes: entries first to
// their bucket of columns (a few hundred write streams, cache- and TLB-friendly), then each
// bucket's region, a few MB, is ordered by column through a small scratch copy; this is about
// a third faster than scattering 25M entries straight into 27k columns.
// Expects a well-formed matrix (column indexes in [0, cols)): callers holding untrusted data
// validate it first, as io::LoadRatingMatrix does.
CscMatrix ToCsc(const RatingMatrix& m, int workers = 1, const CscTuning& tuning = {});

// Splits [0, rows) into at most `parts` consecutive ranges holding about the same number of
// entries (by indptr), so row-parallel loops balance heavy-tailed activity. Returns parts + 1
// cut points (fewer when there are fewer rows), first 0, last rows.
std::vector<int64_t> BalancedRowCuts(const std::vector<int64_t>& indptr, int parts);

// Runs fn(part, begin, end) for each consecutive range of `cuts` on its own thread (part 0 on
// the calling thread) and rethrows the first exception once all have finished.
void ForEachRange(const std::vector<int64_t>& cuts,
                  const std::function<void(int part, int64_t begin, int64_t end)>& fn);

// Asks the kernel to map [p, p + bytes) writable in one call (Linux MADV_POPULATE_WRITE; a
// no-op elsewhere or when refused). Contents are unchanged. Faulting fresh memory in 4 KiB at a
// time is the largest single cost of building a 25M-rating matrix (about 0.65 s per GB on the
// project's VM; populated in bulk about 0.4 s per GB).
void PrefaultForWrite(void* p, size_t bytes);

// v.resize(n) for a vector about to be overwritten: reserves, prefaults the new elements' pages,
// then resizes (value-initialising, now without page faults).
template <class T>
void ResizePrefaulted(std::vector<T>& v, size_t n) {
  if (n > v.capacity()) {
    v.reserve(n);
    PrefaultForWrite(v.data() + v.size(), (n - v.size()) * sizeof(T));
  }
  v.resize(n);
}

// Cut points splitting [0, n) into at most `parts` equal ranges (at least `min_per_part` items
// each, so small inputs stay on one thread).
std::vector<int64_t> EvenCuts(int64_t n, int parts, int64_t min_per_part = 1);

}  // namespace movierec
