// Internal: the vector building blocks of the CPU ALS hot loops, written once over a native
// vector type (GCC vector extensions) and compiled three times, once per instruction set:
//   kAvx512 — V = 16 floats / 8 doubles (zmm), in functions marked MOVIEREC_TARGET_AVX512;
//   kAvx2   — V = 8 floats / 4 doubles (ymm), MOVIEREC_TARGET_AVX2 (AVX2 + FMA);
//   kBaseline — V = 4 floats / 2 doubles (xmm, SSE2), no attribute.
// The project builds without -march, so each trainer entry point has one wrapper per
// instruction set and picks one at run time (DetectIsa). Everything here is always_inline and
// takes the instruction set of the wrapper it lands in. A vector type wider than the target's
// registers must never appear in a wrapper: GCC then builds its broadcasts element by element
// through memory (the iALS user half-sweep ran 9× slower that way on AVX2).
//
// Results can differ between the three instruction sets in the last bits (lane counts change
// the summation order); on one machine they never depend on the thread count.
//
// Factor rows are padded to kp, a multiple of 16 floats (cpu_factor_common.h), so a row is a
// whole number of vectors on every instruction set. Only the trainers' .cpp files include this.
#pragma once

#include <cstdint>
#include <cstring>

// Vector types never cross a call boundary (everything is inlined into one wrapper), so GCC's
// notes that passing them by value would change the ABI do not apply.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wpsabi"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(MOVIEREC_NO_ISA_DISPATCH)
#define MOVIEREC_ISA_DISPATCH 1
#define MOVIEREC_TARGET_AVX512 __attribute__((target("arch=x86-64-v4")))
#define MOVIEREC_TARGET_AVX2 __attribute__((target("arch=x86-64-v3")))
#else
#define MOVIEREC_ISA_DISPATCH 0
#define MOVIEREC_TARGET_AVX512
#define MOVIEREC_TARGET_AVX2
#endif

#define MOVIEREC_SIMD_INLINE inline __attribute__((always_inline))

namespace movierec::cpu_factor::simd {

enum class Isa { kBaseline, kAvx2, kAvx512 };

// The instruction set the trainers use: the best this CPU runs (DetectedIsa: x86-64-v4 / v3 /
// baseline, detected once), lowered by the environment variable MOVIEREC_CPU_ISA=avx2|baseline
// (for comparisons) or by SetIsaForTesting, and never higher than the CPU runs.
Isa ActiveIsa();
Isa DetectedIsa();
const char* IsaName(Isa isa);
// Tests: run later trainings on `isa` (clamped to DetectedIsa; pass DetectedIsa() to restore).
// Not meant to change while a training runs.
void SetIsaForTesting(Isa isa);

typedef float F16 __attribute__((vector_size(64)));
typedef float F8 __attribute__((vector_size(32)));
typedef float F4 __attribute__((vector_size(16)));
typedef double D8 __attribute__((vector_size(64)));
typedef double D4 __attribute__((vector_size(32)));
typedef double D2 __attribute__((vector_size(16)));

// Float and double vector types of one instruction set.
struct Avx512 {
  using F = F16;
  using D = D8;
};
struct Avx2 {
  using F = F8;
  using D = D4;
};
struct Baseline {
  using F = F4;
  using D = D2;
};

template <class V>
inline constexpr int kWidth = static_cast<int>(sizeof(V) / sizeof(V{}[0]));

template <class V, class T>
MOVIEREC_SIMD_INLINE V Load(const T* p) {
  V v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

template <class V, class T>
MOVIEREC_SIMD_INLINE void Store(T* p, const V& v) {
  std::memcpy(p, &v, sizeof(v));
}

template <class V, class T>
MOVIEREC_SIMD_INLINE V Splat(T s) {
  return V{} + s;
}

// Sum of the lanes in a fixed tree order: halves added until four lanes remain, then
// (l0 + l2) + (l1 + l3).
MOVIEREC_SIMD_INLINE float HSum(const F4& b) { return (b[0] + b[2]) + (b[1] + b[3]); }
MOVIEREC_SIMD_INLINE float HSum(const F8& a) {
  return HSum(
      F4(__builtin_shufflevector(a, a, 0, 1, 2, 3) + __builtin_shufflevector(a, a, 4, 5, 6, 7)));
}
MOVIEREC_SIMD_INLINE float HSum(const F16& v) {
  return HSum(F8(__builtin_shufflevector(v, v, 0, 1, 2, 3, 4, 5, 6, 7) +
                 __builtin_shufflevector(v, v, 8, 9, 10, 11, 12, 13, 14, 15)));
}

// Dot product of two N-vector rows held in registers (two accumulators, even and odd vectors).
template <int N, class V>
MOVIEREC_SIMD_INLINE float Dot(const V* a, const V* b) {
  if constexpr (N == 1) {
    return HSum(a[0] * b[0]);
  } else {
    V s0 = a[0] * b[0];
    V s1 = a[1] * b[1];
    for (int c = 2; c + 1 < N; c += 2) {
      s0 += a[c] * b[c];
      s1 += a[c + 1] * b[c + 1];
    }
    if constexpr (N % 2 == 1) s0 += a[N - 1] * b[N - 1];
    return HSum(s0 + s1);
  }
}

// out = G v for the symmetric kp × kp row-major G (kp = N · width), as Σ_r v[r] · G[r, :].
template <int N, class V>
MOVIEREC_SIMD_INLINE void SymMatVec(const float* __restrict__ g, const float* __restrict__ v,
                                    V* out) {
  constexpr int kW = kWidth<V>;
  constexpr int kp = N * kW;
  V acc[N];
  for (int c = 0; c < N; ++c) acc[c] = V{};
  for (int r = 0; r < kp; ++r) {
    const V s = Splat<V>(v[r]);
    const float* row = g + static_cast<int64_t>(r) * kp;
    for (int c = 0; c < N; ++c) acc[c] += s * Load<V>(row + kW * c);
  }
  for (int c = 0; c < N; ++c) out[c] = acc[c];
}

// a(r, c) += Σ_j s_j[r] t_j[c] on the 16-column blocks on or below the diagonal of the kp × kp
// row-major a (kp a multiple of 16); s and t are n × kp row-major. Tiles of R rows × 16 columns
// (8 vector accumulators on every instruction set) stay in registers for the whole sweep over
// j: 16 / width vector loads and R broadcasts per j.
template <class V>
MOVIEREC_SIMD_INLINE void GramTiles(const float* __restrict__ s, const float* __restrict__ t,
                                    int64_t n, int kp, float* __restrict__ a) {
  constexpr int kW = kWidth<V>;
  constexpr int kCols = 16 / kW;  // vectors per 16 columns
  constexpr int kRows = 8 / kCols;
  for (int c0 = 0; c0 < kp; c0 += 16) {
    for (int r0 = c0; r0 < kp; r0 += kRows) {
      V acc[kRows][kCols];
      for (int i = 0; i < kRows; ++i) {
        for (int q = 0; q < kCols; ++q) acc[i][q] = V{};
      }
      const float* sp = s + r0;
      const float* tp = t + c0;
      for (int64_t j = 0; j < n; ++j) {
        V tv[kCols];
        for (int q = 0; q < kCols; ++q) tv[q] = Load<V>(tp + j * kp + kW * q);
        const float* sj = sp + j * kp;
        for (int i = 0; i < kRows; ++i) {
          const V si = Splat<V>(sj[i]);
          for (int q = 0; q < kCols; ++q) acc[i][q] += si * tv[q];
        }
      }
      for (int i = 0; i < kRows; ++i) {
        float* dst = a + static_cast<int64_t>(r0 + i) * kp + c0;
        for (int q = 0; q < kCols; ++q) {
          Store(dst + kW * q, Load<V>(dst + kW * q) + acc[i][q]);
        }
      }
    }
  }
}

// Solves A x = b for a symmetric positive definite k × k matrix by a blocked right-looking
// Cholesky factorisation in double (VD: the double vector type). A is row-major with leading
// dimension ld, a multiple of 8 (>= k); its LOWER triangle is read and every element of rows
// 0..k-1 (ld columns) must be a finite number: the strict upper triangle and the padding
// columns are used as scratch. b (k entries) becomes x. `panel`: 9 · ld scratch doubles.
// Returns false on a pivot that is not a positive finite number (a and b are then partly
// overwritten).
//
// Columns go in panels of 8 (one 64-byte block of a row): each panel column is scaled by its
// pivot's reciprocal and applied to the panel's block of every row below, then the trailing
// lower triangle takes the panel's rank-8 update, each 8-double block of a row loaded and
// stored once. kernels/cholesky.h computes the same factor element by element
// (Cholesky–Banachiewicz), where each element waits on a dot product and a division of the
// element before it: 27 µs per k = 65 system on the project's EPYC, this 9 µs (AVX-512 or AVX2).
template <class VD>
MOVIEREC_SIMD_INLINE bool CholeskySolveBlocked(double* __restrict__ a, int k, int ld,
                                               double* __restrict__ b, double* __restrict__ panel) {
  constexpr int kW = kWidth<VD>;
  constexpr int kBlk = 8 / kW;                                    // vectors per 8 doubles
  double* __restrict__ q = panel + 8 * static_cast<int64_t>(ld);  // 8 doubles
  for (int j0 = 0; j0 < k; j0 += 8) {
    const int jend = j0 + 8 < k ? j0 + 8 : k;
    for (int j = j0; j < jend; ++j) {
      double* row_j = a + static_cast<int64_t>(j) * ld;
      const double d = row_j[j];
      if (!(d > 0.0 && d <= 1.7976931348623157e308)) return false;
      const double l = __builtin_sqrt(d);
      row_j[j] = l;
      const double inv = 1.0 / l;
      for (int i = j + 1; i < k; ++i) a[static_cast<int64_t>(i) * ld + j] *= inv;
      // Column j within the panel (zero on and left of the diagonal) ...
      for (int t = 0; t < 8; ++t) {
        const int c = j0 + t;
        q[t] = (c > j && c < k) ? a[static_cast<int64_t>(c) * ld + j] : 0.0;
      }
      VD qv[kBlk];
      for (int u = 0; u < kBlk; ++u) qv[u] = Load<VD>(q + kW * u);
      // ... updates the panel block of every row below.
      for (int i = j + 1; i < k; ++i) {
        double* blk = a + static_cast<int64_t>(i) * ld + j0;
        const VD s = Splat<VD>(blk[j - j0]);
        for (int u = 0; u < kBlk; ++u) Store(blk + kW * u, Load<VD>(blk + kW * u) - s * qv[u]);
      }
    }
    if (jend == k) break;
    // Rank-8 update of the trailing triangle: rows and columns from j1 = j0 + 8 (a multiple of
    // 8). panel[t·ld + c] = L[c][j0 + t], zero past k.
    const int j1 = j0 + 8;
    for (int t = 0; t < 8; ++t) {
      double* pt = panel + static_cast<int64_t>(t) * ld;
      for (int c = j1; c < k; ++c) pt[c] = a[static_cast<int64_t>(c) * ld + j0 + t];
      for (int c = k; c < ld; ++c) pt[c] = 0.0;
    }
    for (int i = j1; i < k; ++i) {
      double* __restrict__ row_i = a + static_cast<int64_t>(i) * ld;
      VD s[8];
      for (int t = 0; t < 8; ++t) s[t] = Splat<VD>(row_i[j0 + t]);
      for (int c = j1; c <= i; c += 8) {
        for (int u = 0; u < kBlk; ++u) {
          VD acc = Load<VD>(row_i + c + kW * u);
          for (int t = 0; t < 8; ++t) {
            acc -= s[t] * Load<VD>(panel + static_cast<int64_t>(t) * ld + c + kW * u);
          }
          Store(row_i + c + kW * u, acc);
        }
      }
    }
  }
  // L y = b (rows of L are contiguous), then Lᵀ x = y by columns (axpys on rows of L).
  for (int i = 0; i < k; ++i) {
    const double* row_i = a + static_cast<int64_t>(i) * ld;
    double s = b[i];
    for (int c = 0; c < i; ++c) s -= row_i[c] * b[c];
    b[i] = s / row_i[i];
  }
  for (int i = k - 1; i >= 0; --i) {
    const double* row_i = a + static_cast<int64_t>(i) * ld;
    const double xi = b[i] / row_i[i];
    b[i] = xi;
    for (int c = 0; c < i; ++c) b[c] -= xi * row_i[c];
  }
  return true;
}

}  // namespace movierec::cpu_factor::simd

#pragma GCC diagnostic pop
