// Walker/Vose alias tables: O(n) build, O(1) weighted sampling. Used for item popularity
// (per taste cluster and global), each user's mixture over clusters, and careers of persons.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "gen/rng.h"

namespace movierec::gen {

class AliasTable {
 public:
  AliasTable() = default;
  // Weights must be finite, non-negative, with a positive sum. Sample() returns values[i]
  // with probability weights[i] / sum (values default to the indexes 0..n-1).
  explicit AliasTable(std::span<const double> weights, std::span<const uint32_t> values = {}) {
    Build(weights, values);
  }
  void Build(std::span<const double> weights, std::span<const uint32_t> values = {});

  uint32_t size() const { return static_cast<uint32_t>(entries_.size()); }
  bool empty() const { return entries_.empty(); }

  // One random word and one 16-byte entry per draw: the high bits pick the column, the low
  // 32 bits toss the column's coin.
  uint32_t Sample(Rng& rng) const {
    uint64_t r = rng.Next();
    const Entry& e = entries_[MulHi64(r, entries_.size())];
    // Branch-free: the coin is a fair toss, so a branch would mispredict half the time.
    uint32_t keep = 0u - static_cast<uint32_t>(static_cast<uint32_t>(r) < e.threshold);
    return (e.value & keep) | (e.alias & ~keep);
  }

 private:
  struct Entry {
    uint32_t threshold;  // keep `value` when the 32-bit coin is below this
    uint32_t value;
    uint32_t alias;
    uint32_t unused;
  };
  std::vector<Entry> entries_;
  std::vector<uint32_t> small_, large_;  // scratch kept across rebuilds
  std::vector<double> scaled_;
};

}  // namespace movierec::gen
