// Internal: a 16-float vector type (GCC vector extensions) and the few operations the CPU ALS hot
// loops need. Everything here is always_inline, so it takes the instruction set of the
// MOVIEREC_TARGET_CLONES function it lands in (zmm on AVX-512, ymm pairs on AVX2, xmm
// quadruples on the baseline). Only the trainers' .cpp files include it.
#pragma once

#include <cstdint>
#include <cstring>

// The 64-byte vector type never crosses a call boundary (everything is inlined), so GCC's note
// that passing it by value would change the ABI without AVX-512 does not apply.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

namespace movierec::cpu_factor::simd {

typedef float V16 __attribute__((vector_size(64)));
typedef float V8 __attribute__((vector_size(32)));
typedef float V4 __attribute__((vector_size(16)));

#define MOVIEREC_SIMD_INLINE inline __attribute__((always_inline))

MOVIEREC_SIMD_INLINE V16 Load(const float* p) {
  V16 v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

MOVIEREC_SIMD_INLINE void Store(float* p, const V16& v) { std::memcpy(p, &v, sizeof(v)); }

MOVIEREC_SIMD_INLINE V16 Zero() { return V16{}; }

MOVIEREC_SIMD_INLINE V16 Splat(float s) { return V16{} + s; }

// Sum of the 16 lanes, in a fixed tree order.
MOVIEREC_SIMD_INLINE float HSum(const V16& v) {
  const V8 a = __builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
               __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15);
  const V4 b = __builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7);
  return (b[0] + b[2]) + (b[1] + b[3]);
}

// Dot product of two C-block vectors held in registers.
template <int C>
MOVIEREC_SIMD_INLINE float Dot(const V16* a, const V16* b) {
  if constexpr (C == 1) {
    return HSum(a[0] * b[0]);
  } else {
    V16 s0 = a[0] * b[0];
    V16 s1 = a[1] * b[1];
    for (int c = 2; c + 1 < C; c += 2) {
      s0 += a[c] * b[c];
      s1 += a[c + 1] * b[c + 1];
    }
    if constexpr (C % 2 == 1) s0 += a[C - 1] * b[C - 1];
    return HSum(s0 + s1);
  }
}

// out = G v for the symmetric kp × kp row-major G (kp = 16 C), as Σ_r v[r] · G[r, :].
template <int C>
MOVIEREC_SIMD_INLINE void SymMatVec(const float* __restrict__ g, const float* __restrict__ v,
                                    V16* out) {
  constexpr int kp = 16 * C;
  V16 acc[C];
  for (int c = 0; c < C; ++c) acc[c] = Zero();
  for (int r = 0; r < kp; ++r) {
    const V16 s = Splat(v[r]);
    const float* row = g + static_cast<int64_t>(r) * kp;
    for (int c = 0; c < C; ++c) acc[c] += s * Load(row + 16 * c);
  }
  for (int c = 0; c < C; ++c) out[c] = acc[c];
}

// a(r, c) += Σ_j s_j[r] t_j[c] on the 16-column blocks on or below the diagonal of the kp × kp
// row-major a (kp a multiple of 16); s and t are n × kp row-major. Tiles of 8 rows × 16 columns
// stay in registers for the whole sweep over j (one vector load and 8 broadcasts per j).
MOVIEREC_SIMD_INLINE void GramTiles(const float* __restrict__ s, const float* __restrict__ t,
                                    int64_t n, int kp, float* __restrict__ a) {
  constexpr int kRows = 8;
  for (int c0 = 0; c0 < kp; c0 += 16) {
    for (int r0 = c0; r0 < kp; r0 += kRows) {
      V16 acc[kRows];
      for (int i = 0; i < kRows; ++i) acc[i] = Zero();
      const float* sp = s + r0;
      const float* tp = t + c0;
      for (int64_t j = 0; j < n; ++j) {
        const V16 tv = Load(tp + j * kp);
        const float* sj = sp + j * kp;
        for (int i = 0; i < kRows; ++i) acc[i] += sj[i] * tv;
      }
      for (int i = 0; i < kRows; ++i) {
        float* dst = a + static_cast<int64_t>(r0 + i) * kp + c0;
        Store(dst, Load(dst) + acc[i]);
      }
    }
  }
}

}  // namespace movierec::cpu_factor::simd

#pragma GCC diagnostic pop
