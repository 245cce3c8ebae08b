#include "gen/alias_table.h"

#include <cmath>

#include "common/error.h"

namespace movierec::gen {

void AliasTable::Build(std::span<const double> weights, std::span<const uint32_t> values) {
  const size_t n = weights.size();
  MOVIEREC_ASSERT(n > 0 && n < (1ULL << 32), "alias table size out of range");
  MOVIEREC_ASSERT(values.empty() || values.size() == n, "alias table values do not match");
  double total = 0;
  for (double w : weights) {
    MOVIEREC_ASSERT(w >= 0 && std::isfinite(w), "alias table weight must be finite and >= 0");
    total += w;
  }
  MOVIEREC_ASSERT(total > 0, "alias table weights sum to zero");

  auto value = [&](size_t i) { return values.empty() ? static_cast<uint32_t>(i) : values[i]; };
  entries_.resize(n);
  scaled_.resize(n);
  small_.clear();
  large_.clear();
  for (size_t i = 0; i < n; ++i) {
    scaled_[i] = weights[i] * static_cast<double>(n) / total;
    (scaled_[i] < 1.0 ? small_ : large_).push_back(static_cast<uint32_t>(i));
    entries_[i] = Entry{0xFFFFFFFFu, value(i), value(i), 0};
  }
  constexpr double kOne = 4294967296.0;  // 2^32
  while (!small_.empty() && !large_.empty()) {
    uint32_t s = small_.back();
    small_.pop_back();
    uint32_t l = large_.back();
    entries_[s].threshold = static_cast<uint32_t>(std::fmin(scaled_[s] * kOne, kOne - 1.0));
    entries_[s].alias = value(l);
    scaled_[l] = (scaled_[l] + scaled_[s]) - 1.0;
    if (scaled_[l] < 1.0) {
      large_.pop_back();
      small_.push_back(l);
    }
  }
  // Whatever is left has probability 1 up to rounding: value and alias are the same there.
}

}  // namespace movierec::gen
