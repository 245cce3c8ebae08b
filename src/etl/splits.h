// Train/test splits of a rating matrix for evaluation (issue "Sparse matrices for training").
//
// Every split is per user, so each user with at least two ratings is both trained on and
// tested, and is deterministic: the same matrix, spec and seed give the same split on every
// machine and for every worker count (each user draws from its own splitmix64 stream, seeded
// from the seed and the user's row index, never from a shared generator).
//
//   time:F       each user's latest share F of ratings (rounded, at least 1, never all: a user
//                with n >= 2 ratings keeps 1..n-1 in train, a user with one rating keeps it in
//                train) go to test. "Latest" orders by timestamp, ties by movie index, so every
//                test rating of a user is at or after every train rating of that user.
//   time:last=N  the latest min(N, n - 1) ratings of each user go to test.
//   random:F     the same counts as time:F, chosen uniformly at random per user.
//   kfold:K      every rating gets a fold 0..K-1: each user's ratings are shuffled and dealt
//                round-robin from a random starting fold, so a user's fold sizes differ by at
//                most one and users with fewer than K ratings do not all pile into fold 0.
//                Fold f's test set is the ratings of fold f (a user with one rating is then
//                absent from train in that fold: the folds must partition the data).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/sparse.h"

namespace movierec::etl {

struct SplitSpec {
  enum class Kind { kTime, kRandom, kKFold };
  Kind kind = Kind::kTime;
  double fraction = 0;  // time:F / random:F, in (0, 1)
  int64_t last_n = 0;   // time:last=N (> 0 selects it over fraction)
  int folds = 0;        // kfold:K, 2..255
};

// Parses "time:0.2", "time:last=5", "random:0.2", "kfold:5". Throws movierec::UsageError
// saying what is wrong and what is accepted.
SplitSpec ParseSplitSpec(std::string_view text);
// The canonical text of a spec (ParseSplitSpec(FormatSplitSpec(s)) == s).
std::string FormatSplitSpec(const SplitSpec& spec);

// How many of a user's `count` ratings a time or random holdout sends to test.
int64_t HoldoutCount(const SplitSpec& spec, int64_t count);

// Which part each rating belongs to, one byte per entry of the matrix in CSR order. Holdouts use
// 0 = train, 1 = test (one train/test pair); k-fold stores the fold id (K pairs).
struct SplitAssignment {
  std::vector<uint8_t> part;
  int pairs = 1;  // train/test pairs this describes: 1 for holdouts, K for k-fold
  bool kfold = false;
  // The part value of pair `fold`'s test set.
  uint8_t TestPart(int fold) const { return kfold ? static_cast<uint8_t>(fold) : uint8_t{1}; }
};

// Assigns every rating of `m` a part; `workers` threads, same result for any count.
SplitAssignment AssignSplit(const RatingMatrix& m, const SplitSpec& spec, uint64_t seed,
                            int workers = 1);

// Train and test have the full matrix's shape and id maps; together they hold every rating of
// it exactly once.
struct TrainTest {
  RatingMatrix train;
  RatingMatrix test;
};

// Pair `fold` (0 for holdouts, 0..K-1 for k-fold) of an assignment. Throws movierec::Error when
// the assignment does not belong to `m` or the fold is out of range.
TrainTest MaterializeSplit(const RatingMatrix& m, const SplitAssignment& a, int fold = 0,
                           int workers = 1);

// AssignSplit + MaterializeSplit in one call.
TrainTest SplitRatings(const RatingMatrix& m, const SplitSpec& spec, uint64_t seed, int fold = 0,
                       int workers = 1);

}  // namespace movierec::etl
