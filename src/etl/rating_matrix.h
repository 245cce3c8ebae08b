// Sparse rating matrices for training (issue "Sparse matrices for training"): the users × movies
// CSR built from the transformed ratings, its CSC twin, and dense indexes that stay put across
// runs. The structs themselves live in common/sparse.h so io and host can use them.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "common/dataset.h"
#include "common/sparse.h"

namespace movierec::etl {

// The users × movies matrix of a transformed dataset: row = User::user_idx (rows = largest
// user_idx + 1; indexes no user holds are empty rows with kVacantId), column = position in
// Dataset::movies. Throws movierec::Error when a rating names a user or movie the tables lack,
// a (user, movie) pair repeats, or a user's ratings are not contiguous.
RatingMatrix BuildRatingMatrix(const Dataset& d, int workers = 1);

// The general form: row_ids[r] / col_ids[c] is the external id at dense index r / c (kVacantId
// for a gap, e.g. from AssignStableIndexes), ratings grouped by user (each user's ratings
// contiguous; within a user any order, the row is sorted by column index). When the indexes are
// monotone in the ids and the ratings sorted by (user_id, movie_id), as transform leaves them,
// building is a parallel copy. Same errors as above.
RatingMatrix BuildRatingMatrix(std::span<const Rating> ratings, std::vector<int64_t> row_ids,
                               std::vector<int64_t> col_ids, int workers = 1);

struct RatingMatrices {
  RatingMatrix csr;
  CscMatrix csc;
};

// Both forms, each built on `workers` threads; identical for every worker count.
RatingMatrices BuildRatingMatrices(const Dataset& d, int workers = 1);

// Dense indexes that stay stable from run to run, so a model trained last run (factor row i =
// the id at index i) still lines up with this run's matrix: warm starts, incremental training
// and cached factors stay valid for every id that is still present.
//
//   previous_ids_in_index_order[i]: the id that held index i last run (kVacantId for a gap);
//   current_ids: this run's ids, any order, unique.
// Returns, for each current id, its index:
//   - an id present last run keeps its index;
//   - compact == false: new ids get fresh indexes from previous.size() upwards, in ascending id
//     order. Indexes of deleted ids are never handed to another id, so a new user can never
//     inherit a deleted user's factors; the matrix keeps an empty row per gap (harmless for
//     ALS/SGD: an empty row's factor is just never used; it costs rank * 4 bytes).
//   - compact == true: the result is dense, [0, current.size()): ids whose index is below
//     current.size() stay, the gaps below it are filled by the ids with the highest indexes
//     (highest first into the lowest gap: the fewest ids move), then by new ids ascending.
// Policy for callers: use compact == false for incremental runs and warm starts; compact when a
// model is trained from scratch anyway, or when gaps pass a noticeable share (say 10 %) of the
// dimension, and then discard or permute any cached factors for the ids that moved.
// Throws movierec::Error on duplicate ids, a kVacantId among current ids, or > 2^31 indexes.
std::vector<int32_t> AssignStableIndexes(std::span<const int64_t> previous_ids_in_index_order,
                                         std::span<const int64_t> current_ids,
                                         bool compact = false);

// The inverse map: the id at each index (kVacantId for gaps), at least `min_size` long. Pass
// min_size = previous.size() without compaction so trailing gaps stay reserved next run too.
std::vector<int64_t> IdsInIndexOrder(std::span<const int64_t> ids,
                                     std::span<const int32_t> index_of_id, int64_t min_size = 0);

}  // namespace movierec::etl
