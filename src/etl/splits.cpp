#include "etl/splits.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numeric>
#include <string>
#include <system_error>
#include <utility>

#include "common/error.h"

namespace movierec::etl {
namespace {

constexpr int kMaxFolds = 255;  // fold ids are stored in one byte per rating

[[noreturn]] void BadSpec(std::string_view text, const std::string& why) {
  throw UsageError("bad split spec '" + std::string(text) + "': " + why +
                   " (expected time:FRACTION, time:last=N, random:FRACTION or kfold:K, e.g. "
                   "time:0.2, time:last=5, random:0.2, kfold:5)");
}

template <class T>
bool ParseWhole(std::string_view s, T& out) {
  if (s.empty()) return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, out);
  return ec == std::errc() && ptr == end;
}

double ParseFraction(std::string_view text, std::string_view arg) {
  double f = 0;
  if (!ParseWhole(arg, f) || !std::isfinite(f)) {
    BadSpec(text, "'" + std::string(arg) + "' is not a number");
  }
  if (!(f > 0 && f < 1)) BadSpec(text, "the fraction must lie strictly between 0 and 1");
  return f;
}

// splitmix64 (Steele, Lea, Flood 2014): a tiny, well-mixed generator whose output depends only
// on its 64-bit state, so a user's stream is fixed by (seed, row) on every platform.
uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

class UserStream {
 public:
  UserStream(uint64_t seed, int64_t row)
      : state_(Mix64(seed ^ Mix64(static_cast<uint64_t>(row) + 0x632be59bd9b4e019ULL))) {}
  uint64_t Next() { return Mix64(state_ += 0x9e3779b97f4a7c15ULL); }
  // Uniform in [0, bound): plain modulo; its bias (< bound / 2^64) is far below anything a
  // split can show, and it keeps the arithmetic identical everywhere.
  uint64_t Below(uint64_t bound) { return Next() % bound; }

 private:
  uint64_t state_;
};

}  // namespace

SplitSpec ParseSplitSpec(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos) BadSpec(text, "no ':' after the split kind");
  const std::string_view kind = text.substr(0, colon);
  const std::string_view arg = text.substr(colon + 1);
  SplitSpec spec;
  if (kind == "time") {
    spec.kind = SplitSpec::Kind::kTime;
    if (arg.substr(0, 5) == "last=") {
      const std::string_view n = arg.substr(5);
      if (!ParseWhole(n, spec.last_n) || spec.last_n < 1) {
        BadSpec(text, "last=N needs a whole number N >= 1, not '" + std::string(n) + "'");
      }
    } else {
      spec.fraction = ParseFraction(text, arg);
    }
  } else if (kind == "random") {
    spec.kind = SplitSpec::Kind::kRandom;
    spec.fraction = ParseFraction(text, arg);
  } else if (kind == "kfold") {
    spec.kind = SplitSpec::Kind::kKFold;
    if (!ParseWhole(arg, spec.folds) || spec.folds < 2 || spec.folds > kMaxFolds) {
      BadSpec(text, "kfold:K needs a whole number K from 2 to " + std::to_string(kMaxFolds) +
                        ", not '" + std::string(arg) + "'");
    }
  } else {
    BadSpec(text, "unknown split kind '" + std::string(kind) + "'");
  }
  return spec;
}

std::string FormatSplitSpec(const SplitSpec& spec) {
  auto fraction = [](double f) {
    char buf[64];
    auto [ptr, ec] = std::to_chars(buf, buf + sizeof buf, f);  // shortest round-trip form
    return std::string(buf, ec == std::errc() ? ptr : buf);
  };
  switch (spec.kind) {
    case SplitSpec::Kind::kTime:
      return spec.last_n > 0 ? "time:last=" + std::to_string(spec.last_n)
                             : "time:" + fraction(spec.fraction);
    case SplitSpec::Kind::kRandom:
      return "random:" + fraction(spec.fraction);
    case SplitSpec::Kind::kKFold:
      return "kfold:" + std::to_string(spec.folds);
  }
  return "?";
}

int64_t HoldoutCount(const SplitSpec& spec, int64_t count) {
  if (count < 2) return 0;
  if (spec.kind == SplitSpec::Kind::kTime && spec.last_n > 0) {
    return std::min(spec.last_n, count - 1);
  }
  const auto h = static_cast<int64_t>(std::floor(spec.fraction * static_cast<double>(count) + 0.5));
  return std::clamp<int64_t>(h, 1, count - 1);
}

SplitAssignment AssignSplit(const RatingMatrix& m, const SplitSpec& spec, uint64_t seed,
                            int workers) {
  if (spec.kind == SplitSpec::Kind::kKFold && (spec.folds < 2 || spec.folds > kMaxFolds)) {
    throw UsageError("kfold split needs 2 to " + std::to_string(kMaxFolds) + " folds");
  }
  if (spec.kind != SplitSpec::Kind::kKFold && spec.last_n <= 0 &&
      !(spec.fraction > 0 && spec.fraction < 1)) {
    throw UsageError("holdout split needs a fraction strictly between 0 and 1 or last=N");
  }
  SplitAssignment a;
  a.kfold = spec.kind == SplitSpec::Kind::kKFold;
  a.pairs = a.kfold ? spec.folds : 1;
  ResizePrefaulted(a.part, static_cast<size_t>(m.nnz()));

  ForEachRange(BalancedRowCuts(m.indptr, workers), [&](int, int64_t r0, int64_t r1) {
    std::vector<int64_t> order;  // entry positions of the current user
    for (int64_t r = r0; r < r1; ++r) {
      const int64_t k0 = m.indptr[static_cast<size_t>(r)];
      const int64_t count = m.indptr[static_cast<size_t>(r) + 1] - k0;
      if (count == 0) continue;
      order.resize(static_cast<size_t>(count));
      std::iota(order.begin(), order.end(), k0);
      uint8_t* part = a.part.data();
      if (a.kfold) {
        UserStream rng(seed, r);
        for (int64_t i = count - 1; i > 0; --i) {
          std::swap(order[static_cast<size_t>(i)], order[rng.Below(static_cast<uint64_t>(i) + 1)]);
        }
        const auto k = static_cast<uint64_t>(spec.folds);
        const uint64_t start = rng.Below(k);
        for (int64_t i = 0; i < count; ++i) {
          part[order[static_cast<size_t>(i)]] =
              static_cast<uint8_t>((static_cast<uint64_t>(i) + start) % k);
        }
        continue;
      }
      const int64_t h = HoldoutCount(spec, count);
      if (h == 0) continue;
      if (spec.kind == SplitSpec::Kind::kTime) {
        // (timestamp, column) is a strict order within a row, so the latest h are well defined
        // and nth_element finds them in linear time.
        auto earlier = [&](int64_t x, int64_t y) {
          const int64_t tx = m.timestamps[static_cast<size_t>(x)];
          const int64_t ty = m.timestamps[static_cast<size_t>(y)];
          return tx != ty ? tx < ty
                          : m.indices[static_cast<size_t>(x)] < m.indices[static_cast<size_t>(y)];
        };
        std::nth_element(order.begin(), order.begin() + (count - h), order.end(), earlier);
        for (int64_t i = count - h; i < count; ++i) part[order[static_cast<size_t>(i)]] = 1;
      } else {
        UserStream rng(seed, r);
        for (int64_t i = 0; i < h; ++i) {  // partial Fisher-Yates: the first h are the sample
          const uint64_t j = static_cast<uint64_t>(i) + rng.Below(static_cast<uint64_t>(count - i));
          std::swap(order[static_cast<size_t>(i)], order[j]);
          part[order[static_cast<size_t>(i)]] = 1;
        }
      }
    }
  });
  return a;
}

TrainTest MaterializeSplit(const RatingMatrix& m, const SplitAssignment& a, int fold, int workers) {
  if (static_cast<int64_t>(a.part.size()) != m.nnz()) {
    throw Error("split assignment has " + std::to_string(a.part.size()) + " entries, the matrix " +
                std::to_string(m.nnz()));
  }
  if (fold < 0 || fold >= a.pairs) {
    throw Error("split fold " + std::to_string(fold) + " out of range (the split has " +
                std::to_string(a.pairs) + (a.pairs == 1 ? " pair)" : " pairs)"));
  }
  const uint8_t test_part = a.TestPart(fold);
  TrainTest out;
  for (RatingMatrix* part : {&out.train, &out.test}) {
    part->rows = m.rows;
    part->cols = m.cols;
    part->row_ids = m.row_ids;
    part->col_ids = m.col_ids;
    part->indptr.assign(static_cast<size_t>(m.rows) + 1, 0);
  }
  const std::vector<int64_t> cuts = BalancedRowCuts(m.indptr, workers);
  ForEachRange(cuts, [&](int, int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      int64_t test = 0;
      const int64_t k0 = m.indptr[static_cast<size_t>(r)];
      const int64_t k1 = m.indptr[static_cast<size_t>(r) + 1];
      for (int64_t k = k0; k < k1; ++k) test += a.part[static_cast<size_t>(k)] == test_part;
      out.test.indptr[static_cast<size_t>(r) + 1] = test;
      out.train.indptr[static_cast<size_t>(r) + 1] = k1 - k0 - test;
    }
  });
  for (RatingMatrix* part : {&out.train, &out.test}) {
    std::partial_sum(part->indptr.begin(), part->indptr.end(), part->indptr.begin());
    const auto nnz = static_cast<size_t>(part->indptr.back());
    ResizePrefaulted(part->indices, nnz);
    ResizePrefaulted(part->values, nnz);
    ResizePrefaulted(part->timestamps, nnz);
  }
  ForEachRange(cuts, [&](int, int64_t r0, int64_t r1) {
    auto train_k = static_cast<size_t>(out.train.indptr[static_cast<size_t>(r0)]);
    auto test_k = static_cast<size_t>(out.test.indptr[static_cast<size_t>(r0)]);
    const auto k1 = static_cast<size_t>(m.indptr[static_cast<size_t>(r1)]);
    for (auto k = static_cast<size_t>(m.indptr[static_cast<size_t>(r0)]); k < k1; ++k) {
      RatingMatrix& dst = a.part[k] == test_part ? out.test : out.train;
      size_t& at = a.part[k] == test_part ? test_k : train_k;
      dst.indices[at] = m.indices[k];
      dst.values[at] = m.values[k];
      dst.timestamps[at] = m.timestamps[k];
      ++at;
    }
  });
  return out;
}

TrainTest SplitRatings(const RatingMatrix& m, const SplitSpec& spec, uint64_t seed, int fold,
                       int workers) {
  return MaterializeSplit(m, AssignSplit(m, spec, seed, workers), fold, workers);
}

}  // namespace movierec::etl
