// SplitMix64 (Steele, Lea & Flood 2014), the seeded streams behind every deterministic draw that
// must come out the same on every machine: one independent stream per (seed, purpose tag, index),
// so that adding draws to one stream never shifts another and no result depends on how work is
// split across threads. Header-only and free of dependencies, so the CUDA plugin's host code
// uses the same streams as the CPU trainers.
#pragma once

#include <cstdint>

namespace movierec {

// The SplitMix64 step's output function applied to z + γ: a bijection with good avalanche.
constexpr uint64_t Mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The starting state of stream (seed, tag, index).
constexpr uint64_t StreamSeed(uint64_t seed, uint64_t tag, uint64_t index) {
  return Mix64(Mix64(seed ^ Mix64(tag * 0x632be59bd9b4e019ULL)) + index);
}

// High 64 bits of a 64 x 64-bit product.
inline uint64_t MulHi64(uint64_t a, uint64_t b) {
#if defined(__SIZEOF_INT128__)
  __extension__ typedef unsigned __int128 U128;  // __extension__: -Wpedantic stays quiet
  return static_cast<uint64_t>((static_cast<U128>(a) * b) >> 64);
#else
  const uint64_t a_lo = a & 0xffffffffULL, a_hi = a >> 32;
  const uint64_t b_lo = b & 0xffffffffULL, b_hi = b >> 32;
  const uint64_t p0 = a_lo * b_lo, p1 = a_lo * b_hi, p2 = a_hi * b_lo, p3 = a_hi * b_hi;
  const uint64_t mid = (p0 >> 32) + (p1 & 0xffffffffULL) + (p2 & 0xffffffffULL);
  return p3 + (p1 >> 32) + (p2 >> 32) + (mid >> 32);
#endif
}

// The generator itself: Next() advances by γ and returns Mix64 of the old state.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t Next() {
    const uint64_t z = Mix64(state_);
    state_ += 0x9e3779b97f4a7c15ULL;
    return z;
  }
  // Uniform integer in [0, n) (Lemire's multiply-shift; the bias is below n / 2^64).
  uint64_t Below(uint64_t n) { return MulHi64(Next(), n); }

 private:
  uint64_t state_;
};

}  // namespace movierec
