// CUDA kernels of implicit ALS (src/cuda/ials.cu drives them; host/cpu_ials.h has the model, the
// objective and the loss). Row-major factors with stride kp (a multiple of 16, padding zero);
// one side's ratings as CSR rows (64-bit offsets, 32-bit column indexes, confidence inputs v with
// c = 1 + alpha·v).
//
// RowSolveKernel — the CG row solve of kernels::CgSolveRow (Takács et al. 2011), as the CPU's
// fused CgRow runs it, without forming YᵀC_uY. One 256-thread block per row, persistent: the grid
// holds as many blocks as fit on the device at once and each takes the next row from a counter
// (one atomicAdd per row, none in the loops), in `order` (rows by decreasing length, so the long
// rows start first and do not trail). Per row:
//   - vectors: thread f < kp owns x[f], r[f], p[f], Ap[f] in registers; the vector a pass needs
//     (x or p) is also put in shared memory, where the warps read their slices of it;
//   - gather pass (GatherPass): the ratings are taken kTile at a time; a group of L lanes reads
//     one rating's factor row y_j as float4s (L = 32 at kp ≤ 128: a warp reads a 512-byte row
//     coalesced; L = 4/8/16 for kp ≤ 16/32/64, so a warp works on 8/4/2 ratings at once), each
//     group kUnroll ratings deep for memory-level parallelism, the next tile's column indexes
//     read while this tile's rows are in flight; y_j·v is reduced within the group
//     with xor shuffles, each lane accumulates weight·y_j into float4 registers; at the end the
//     groups of a warp are summed by shuffles and each warp writes its partial vector to shared
//     memory;
//   - G·v (MatVecPartial): G = YᵀY + λI (kp × kp, symmetric), in shared memory when kp ≤ 128
//     (64 KiB), else read through L1/L2 from global memory; thread t reads float4 columns of
//     rows of G (G[g][f] = G[f][g]) for one segment of g, partial sums to shared memory;
//   - each owner thread sums the segment and warp partials in a fixed order; dot products (r·r,
//     p·Ap) are block reductions (warp xor shuffles, then the 8 warp sums in warp order).
//   Residual: r = -G x + Σ_j (c_j - (c_j - 1)(y_j·x)) y_j; steps: Ap = G p + Σ_j (c_j - 1)(y_j·p)
//   y_j, then kernels::CgSolveRow's recurrences and stopping rule (‖r‖² < kCgResidualEpsilon
//   before or after a step, and, as the CPU's fused solver, a stop on p·Ap ≤ 0). steps = 0 leaves
//   x as it is (the Cholesky solver's loss launch). Rows with no ratings get x = 0.
//   Loss (row_loss not null): after the solve, one more pass with d_j = y_j·x and the row's term
//   xᵀGx + Σ_j ((c_j - 1) d_j² - 2 c_j d_j + c_j) in double, written to row_loss[row].
//
// BuildNormalKernel — the exact normal equations for the Cholesky solver, one block per row of a
// batch: A = G + Σ_j (c_j - 1) y_j y_jᵀ and b = Σ_j c_j y_j in double (kernels::
// BuildImplicitNormalEquations<double>'s arithmetic, ratings in the same order), both triangles of
// A stored (the lower one computed, mirrored), a zero diagonal (padding with λ = 0) set to 1 as the
// CPU does. 16 × 16 threads, each a 4 × 4 tile of a 64 × 64 block of A; ratings staged 32 at a time
// in shared memory.
//
// Determinism: every sum has a fixed order (lane, group, warp, segment orders are constants of
// the launch shape, which depends only on kp), and which block solves a row does not change the
// row's arithmetic, so results are bitwise reproducible on one device.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "kernels/cg.h"

namespace movierec::kernels::ials {

constexpr int kThreads = 256;  // per block; also the largest kp (one owner thread per element)
constexpr int kWarps = kThreads / 32;
constexpr int kUnroll = 4;                  // ratings per lane group per tile step
constexpr int kMatVecFloats = 4 * kThreads;  // shared floats for the G·v segment partials
constexpr int kMaxKp = kThreads;
constexpr int kSharedGMaxKp = 128;  // G in shared memory up to this kp (64 KiB)

struct RowSolveArgs {
  const int64_t* indptr;   // rows + 1
  const int32_t* indices;  // nnz, rows of `other`
  const float* v;          // nnz, confidence inputs
  const int32_t* order;    // rows, the order in which rows are taken
  int64_t rows;
  const float* other;  // the other side's factors, stride kp
  float* x;            // this side's factors, stride kp, solved in place
  const float* g;      // G = YᵀY + λI, kp × kp, both triangles
  int kp;
  int steps;  // CG steps; 0: x is not changed
  float alpha;
  int g_in_shared;                // copy G into shared memory (kp ≤ kSharedGMaxKp)
  double* row_loss;               // rows, or null: no loss
  unsigned long long* next_slot;  // zero at launch
};

// Dynamic shared memory of RowSolveKernel, in bytes.
inline size_t RowSolveSharedBytes(int kp, bool g_in_shared) {
  const size_t floats = (g_in_shared ? static_cast<size_t>(kp) * kp : 0) +
                        static_cast<size_t>(kp) * (3 + kWarps) + kMatVecFloats;
  return floats * sizeof(float);
}

namespace detail {

constexpr unsigned kFullMask = 0xffffffffu;

template <class T>
__device__ __forceinline__ T WarpSum(T v) {
#pragma unroll
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;  // the same value in every lane (each level adds a pair in both orders)
}

// Sum over the block of kWarpsIn warps, in a fixed order; every thread gets the sum. `scratch`
// holds kWarpsIn values; the trailing barrier lets the next call reuse it.
template <int kWarpsIn, class T>
__device__ __forceinline__ T BlockSum(T v, T* scratch) {
  v = WarpSum(v);
  if ((threadIdx.x & 31) == 0) scratch[threadIdx.x >> 5] = v;
  __syncthreads();
  T s = scratch[0];
#pragma unroll
  for (int w = 1; w < kWarpsIn; ++w) s += scratch[w];
  __syncthreads();
  return s;
}

__device__ __forceinline__ float Dot4(float4 a, float4 b, float acc) {
  acc = fmaf(a.x, b.x, acc);
  acc = fmaf(a.y, b.y, acc);
  acc = fmaf(a.z, b.z, acc);
  acc = fmaf(a.w, b.w, acc);
  return acc;
}

__device__ __forceinline__ void Axpy4(float w, float4 y, float4& acc) {
  acc.x = fmaf(w, y.x, acc.x);
  acc.y = fmaf(w, y.y, acc.y);
  acc.z = fmaf(w, y.z, acc.z);
  acc.w = fmaf(w, y.w, acc.w);
}

// The split of G·v over the block: thread t computes the float4 of outputs 4·(t mod cols) over
// one segment of the inner index (cols = kp/4 column groups; `active` segments of `seglen` rows).
struct MatVecShape {
  int cols, seglen, active;
  __device__ explicit MatVecShape(int kp) {
    cols = kp / 4;
    const int nseg = kThreads / cols;
    seglen = (kp + nseg - 1) / nseg;
    active = (kp + seglen - 1) / seglen;  // active · kp ≤ kMatVecFloats
  }
};

// mat_s[seg·kp + f] = Σ_{g in segment seg} G[g][f] v[g] (G symmetric: row g read contiguously).
__device__ __forceinline__ void MatVecPartial(const float* g, int kp, const MatVecShape& s,
                                              const float* vec_s, float* mat_s) {
  const int t = threadIdx.x;
  const int col = t % s.cols;
  const int seg = t / s.cols;
  if (seg >= s.active) return;
  const int r0 = seg * s.seglen;
  const int r1 = min(kp, r0 + s.seglen);
  float4 acc = make_float4(0.f, 0.f, 0.f, 0.f);
  for (int r = r0; r < r1; ++r) {
    const float4 gr = *reinterpret_cast<const float4*>(g + static_cast<int64_t>(r) * kp + 4 * col);
    Axpy4(vec_s[r], gr, acc);
  }
  *reinterpret_cast<float4*>(mat_s + seg * kp + 4 * col) = acc;
}

// (G·v)[f] from the segment partials, segments in order.
__device__ __forceinline__ float MatVecFinish(const float* mat_s, int kp, const MatVecShape& s,
                                              int f) {
  float sum = mat_s[f];
  for (int seg = 1; seg < s.active; ++seg) sum += mat_s[seg * kp + f];
  return sum;
}

// Σ_w warp_s[w·kp + f] added to `acc`, warps in order.
__device__ __forceinline__ float AddWarpPartials(const float* warp_s, int kp, int f, float acc) {
#pragma unroll
  for (int w = 0; w < kWarps; ++w) acc += warp_s[w * kp + f];
  return acc;
}

// Slot u of warp w's lane group grp in the tile at `base` holds rating
// base + (w·kUnroll + u)·kGroups + grp of the row.
template <int kGroups>
__device__ __forceinline__ int64_t RatingOf(int64_t base, int warp, int u, int grp) {
  return base + static_cast<int64_t>((warp * kUnroll + u) * kGroups + grp);
}

// One pass over a row's n ratings. Lane group of L lanes: chunk c of lane gl holds the floats
// [c·4L + 4·gl, +4) of a factor row. For each rating j (item, vj): dot = y_j·vec (the group's
// reduction, in every lane of the group), w = op(dot, vj, valid); with kAccumulate, Σ_j w·y_j
// over the block goes to warp_s[warp·kp + f] (every f < kp written). op must return 0 for an
// invalid (padding) slot.
template <int L, int C, bool kAccumulate, class Op>
__device__ __forceinline__ void GatherPass(const float* __restrict__ other, int kp,
                                           const int32_t* __restrict__ items,
                                           const float* __restrict__ v, int64_t n,
                                           const float* vec_s, float* warp_s, Op op) {
  constexpr int kGroups = 32 / L;
  constexpr int kTile = kWarps * kGroups * kUnroll;
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int grp = lane / L;
  const int gl = lane % L;

  int off[C];
  bool col_ok[C];
  float4 pv[C];
  float4 acc[C];
#pragma unroll
  for (int c = 0; c < C; ++c) {
    off[c] = c * 4 * L + 4 * gl;
    col_ok[c] = off[c] < kp;
    pv[c] = col_ok[c] ? *reinterpret_cast<const float4*>(vec_s + off[c])
                      : make_float4(0.f, 0.f, 0.f, 0.f);
    acc[c] = make_float4(0.f, 0.f, 0.f, 0.f);
  }

  // The next tile's column indexes are read while this tile's factor rows are in flight.
  int32_t item[kUnroll];
#pragma unroll
  for (int u = 0; u < kUnroll; ++u) {
    const int64_t j = RatingOf<kGroups>(0, warp, u, grp);
    item[u] = j < n ? __ldg(items + j) : 0;
  }
#pragma unroll 1
  for (int64_t base = 0; base < n; base += kTile) {
    float4 yv[kUnroll][C];
    float vj[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const int64_t j = RatingOf<kGroups>(base, warp, u, grp);
      const bool ok = j < n;
      const float* row = other + static_cast<int64_t>(item[u]) * kp;
#pragma unroll
      for (int c = 0; c < C; ++c) {
        yv[u][c] = (ok && col_ok[c]) ? __ldg(reinterpret_cast<const float4*>(row + off[c]))
                                     : make_float4(0.f, 0.f, 0.f, 0.f);
      }
      vj[u] = ok ? __ldg(v + j) : 0.f;
    }
    if (base + kTile < n) {
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const int64_t j = RatingOf<kGroups>(base + kTile, warp, u, grp);
        item[u] = j < n ? __ldg(items + j) : 0;
      }
    }
    float d[kUnroll];
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      d[u] = 0.f;
#pragma unroll
      for (int c = 0; c < C; ++c) d[u] = Dot4(yv[u][c], pv[c], d[u]);
    }
#pragma unroll
    for (int o = L / 2; o > 0; o >>= 1) {
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) d[u] += __shfl_xor_sync(kFullMask, d[u], o);
    }
#pragma unroll
    for (int u = 0; u < kUnroll; ++u) {
      const float w = op(d[u], vj[u], RatingOf<kGroups>(base, warp, u, grp) < n);
      if constexpr (kAccumulate) {
#pragma unroll
        for (int c = 0; c < C; ++c) Axpy4(w, yv[u][c], acc[c]);
      }
    }
  }

  if constexpr (kAccumulate) {
#pragma unroll
    for (int o = L; o < 32; o <<= 1) {
#pragma unroll
      for (int c = 0; c < C; ++c) {
        acc[c].x += __shfl_xor_sync(kFullMask, acc[c].x, o);
        acc[c].y += __shfl_xor_sync(kFullMask, acc[c].y, o);
        acc[c].z += __shfl_xor_sync(kFullMask, acc[c].z, o);
        acc[c].w += __shfl_xor_sync(kFullMask, acc[c].w, o);
      }
    }
    if (grp == 0) {
#pragma unroll
      for (int c = 0; c < C; ++c) {
        if (col_ok[c]) *reinterpret_cast<float4*>(warp_s + warp * kp + off[c]) = acc[c];
      }
    }
  }
}

}  // namespace detail

// Resident blocks per SM the row solve is compiled for at kp ≤ 128 (80 registers on sm_90, no
// spills; sm_80's shared memory holds only 2 blocks at kp = 128 anyway, and 80 registers spill
// there).
// The kp = 16 version (L = 4: eight ratings in flight per warp) needs a few more registers than
// 2 blocks allow on sm_80 (it spilled 4 bytes at 128), so there it is compiled for 1.
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 900
constexpr int kRowSolveMinBlocks = 2;
constexpr int kRowSolveMinBlocksNarrow = 1;
#else
constexpr int kRowSolveMinBlocks = 3;
constexpr int kRowSolveMinBlocksNarrow = 3;
#endif

// See the file comment. L lanes per rating and C float4 chunks per lane cover kp ≤ 4·L·C floats.
template <int L, int C>
__global__ void __launch_bounds__(kThreads, (C == 1 ? (L == 4 ? kRowSolveMinBlocksNarrow
                                                              : kRowSolveMinBlocks)
                                                    : 2))
    RowSolveKernel(const RowSolveArgs a) {
  using namespace detail;
  static_assert(L == 4 || L == 8 || L == 16 || L == 32, "lanes per rating");
  extern __shared__ float4 shared4[];
  __shared__ float sum_f[kWarps];
  __shared__ double sum_d[kWarps];
  __shared__ unsigned long long slot_s;

  float* shared = reinterpret_cast<float*>(shared4);
  const int kp = a.kp;
  const int t = threadIdx.x;
  const bool own = t < kp;
  const float alpha = a.alpha;
  const bool leader = (t & 31) % L == 0;  // the lane of its group that adds the loss terms

  const float* g = a.g;
  float* vec_s = shared;
  if (a.g_in_shared) {
    const int64_t n4 = static_cast<int64_t>(kp) * kp / 4;
    const float4* src = reinterpret_cast<const float4*>(a.g);
    for (int64_t i = t; i < n4; i += kThreads) shared4[i] = __ldg(src + i);
    g = shared;
    vec_s = shared + static_cast<int64_t>(kp) * kp;
  }
  float* x_s = vec_s + kp;
  float* r_s = x_s + kp;
  float* warp_s = r_s + kp;
  float* mat_s = warp_s + kWarps * kp;
  const MatVecShape shape(kp);

  for (;;) {
    if (t == 0) slot_s = atomicAdd(a.next_slot, 1ull);
    __syncthreads();  // also: G is in shared memory before the first row
    const unsigned long long slot = slot_s;
    __syncthreads();  // every thread has read slot_s before thread 0 writes it again
    if (slot >= static_cast<unsigned long long>(a.rows)) break;
    const int64_t row = a.order[slot];
    const int64_t begin = a.indptr[row];
    const int64_t n = a.indptr[row + 1] - begin;
    float* xr = a.x + row * kp;
    if (n == 0) {
      if (a.steps > 0 && own) xr[t] = 0.f;
      if (a.row_loss != nullptr && t == 0) a.row_loss[row] = 0.0;
      continue;
    }
    const int32_t* items = a.indices + begin;
    const float* vr = a.v + begin;
    // x and r live in shared memory (owner thread t < kp reads and writes element t), p in vec_s:
    // nothing of the vectors is held in registers across a gather pass.
    if (own) {
      const float x0 = xr[t];
      x_s[t] = x0;
      vec_s[t] = x0;
    }

    if (a.steps > 0) {
      // r = -G x + Σ_j (c_j - (c_j - 1)(y_j·x)) y_j; p = r.
      __syncthreads();
      MatVecPartial(g, kp, shape, vec_s, mat_s);
      GatherPass<L, C, true>(a.other, kp, items, vr, n, vec_s, warp_s,
                             [alpha](float dot, float vj, bool ok) {
                               return ok ? kernels::CgResidualWeight(alpha * vj, dot) : 0.f;
                             });
      __syncthreads();
      float rs_old;
      {
        const float rf =
            own ? AddWarpPartials(warp_s, kp, t, -MatVecFinish(mat_s, kp, shape, t)) : 0.f;
        if (own) {
          r_s[t] = rf;
          vec_s[t] = rf;
        }
        rs_old = BlockSum<kWarps>(rf * rf, sum_f);  // its barriers publish p
      }
      if (rs_old >= kernels::kCgResidualEpsilon) {
        for (int it = 0; it < a.steps; ++it) {
          // Ap = G p + Σ_j (c_j - 1)(y_j·p) y_j.
          MatVecPartial(g, kp, shape, vec_s, mat_s);
          GatherPass<L, C, true>(a.other, kp, items, vr, n, vec_s, warp_s,
                                 [alpha](float dot, float vj, bool ok) {
                                   return ok ? kernels::CgApplyWeight(alpha * vj, dot) : 0.f;
                                 });
          __syncthreads();
          const float pf = own ? vec_s[t] : 0.f;
          const float apf =
              own ? AddWarpPartials(warp_s, kp, t, MatVecFinish(mat_s, kp, shape, t)) : 0.f;
          const float pap = BlockSum<kWarps>(pf * apf, sum_f);
          if (!(pap > 0.f)) break;  // A is SPD: only rounding on a converged row gets here
          const float step = rs_old / pap;
          float rf = 0.f;
          if (own) {
            x_s[t] = fmaf(step, pf, x_s[t]);
            rf = fmaf(-step, apf, r_s[t]);
            r_s[t] = rf;
          }
          const float rs_new = BlockSum<kWarps>(rf * rf, sum_f);
          if (rs_new < kernels::kCgResidualEpsilon) break;
          if (own) vec_s[t] = fmaf(rs_new / rs_old, pf, rf);
          rs_old = rs_new;
          __syncthreads();  // p before the next pass reads it
        }
      }
      if (own) xr[t] = x_s[t];
    }

    if (a.row_loss != nullptr) {
      // xᵀGx (the all-pairs term and λ‖x‖²) + Σ_j ((c_j - 1) d_j² - 2 c_j d_j + c_j).
      if (own) vec_s[t] = x_s[t];
      __syncthreads();
      MatVecPartial(g, kp, shape, vec_s, mat_s);
      double observed = 0.0;
      GatherPass<L, C, false>(a.other, kp, items, vr, n, vec_s, warp_s,
                              [alpha, leader, &observed](float dot, float vj, bool ok) {
                                if (ok && leader) {
                                  const double cm1 =
                                      static_cast<double>(alpha) * static_cast<double>(vj);
                                  observed +=
                                      kernels::ImplicitObservedLoss(cm1, static_cast<double>(dot));
                                }
                                return 0.f;
                              });
      __syncthreads();
      double term = observed;
      if (own) {
        term += static_cast<double>(x_s[t]) *
                static_cast<double>(MatVecFinish(mat_s, kp, shape, t));
      }
      const double total = BlockSum<kWarps>(term, sum_d);
      if (t == 0) a.row_loss[row] = total;
    }
  }
}

// The exact normal equations of rows order[slot0 + b], b = blockIdx.x, all with ratings, into
// a + b·kp² (kp × kp, both triangles) and rhs + b·kp. See the file comment.
constexpr int kBuildTile = 64;   // A is built in 64 × 64 blocks
constexpr int kBuildChunk = 32;  // ratings staged in shared memory at a time

struct BuildArgs {
  const int64_t* indptr;
  const int32_t* indices;
  const float* v;
  const int32_t* order;
  int64_t slot0;
  const float* other;
  const float* g;
  int kp;
  float alpha;
  double* a;
  double* rhs;
};

__global__ void __launch_bounds__(kThreads, 2) BuildNormalKernel(const BuildArgs args) {
  constexpr int kQuads = kBuildTile / 4;  // float4 columns of a block
  __shared__ float4 yf_s[kBuildChunk][kQuads];
  __shared__ float4 yg_s[kBuildChunk][kQuads];
  __shared__ float conf_s[kBuildChunk];

  const int kp = args.kp;
  const int t = threadIdx.x;
  const int tx = t % kQuads;  // the thread's 4 columns g in a block
  const int ty = t / kQuads;  // its 4 rows f
  const int64_t b = blockIdx.x;
  const int64_t row = args.order[args.slot0 + b];
  const int64_t begin = args.indptr[row];
  const int64_t n = args.indptr[row + 1] - begin;
  const int32_t* items = args.indices + begin;
  const float* vr = args.v + begin;
  double* a = args.a + b * kp * kp;
  double* rhs = args.rhs + b * kp;
  const int blocks = (kp + kBuildTile - 1) / kBuildTile;

  for (int ti = 0; ti < blocks; ++ti) {
    for (int tj = 0; tj <= ti; ++tj) {
      const int f0 = ti * kBuildTile + 4 * ty;
      const int g0 = tj * kBuildTile + 4 * tx;
      const bool diag_block = ti == tj;
      double acc[4][4];
      double bacc[4] = {0.0, 0.0, 0.0, 0.0};
#pragma unroll
      for (int i = 0; i < 4; ++i) {
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const int f = f0 + i, gc = g0 + j;
          acc[i][j] = (f < kp && gc < kp)
                          ? static_cast<double>(args.g[static_cast<int64_t>(f) * kp + gc])
                          : 0.0;
        }
      }
      for (int64_t base = 0; base < n; base += kBuildChunk) {
        const int m = static_cast<int>(n - base < kBuildChunk ? n - base : kBuildChunk);
        __syncthreads();  // the previous chunk has been used
        for (int q = t; q < kBuildChunk * kQuads; q += kThreads) {
          const int e = q / kQuads;
          const int c4 = q % kQuads;
          float4 vf = make_float4(0.f, 0.f, 0.f, 0.f);
          float4 vg = vf;
          if (e < m) {
            const float* yrow = args.other + static_cast<int64_t>(items[base + e]) * kp;
            const int cf = ti * kBuildTile + 4 * c4;
            const int cg = tj * kBuildTile + 4 * c4;
            if (cf < kp) vf = __ldg(reinterpret_cast<const float4*>(yrow + cf));
            if (cg < kp) vg = __ldg(reinterpret_cast<const float4*>(yrow + cg));
          }
          yf_s[e][c4] = vf;
          yg_s[e][c4] = vg;
        }
        if (t < kBuildChunk) conf_s[t] = t < m ? 1.f + args.alpha * vr[base + t] : 1.f;
        __syncthreads();
#pragma unroll 1
        for (int e = 0; e < m; ++e) {
          const double cj = static_cast<double>(conf_s[e]);
          const double cm1 = cj - 1.0;
          const float4 yf = yf_s[e][ty];
          const float4 yg = yg_s[e][tx];
          const double yfv[4] = {yf.x, yf.y, yf.z, yf.w};
          const double ygv[4] = {yg.x, yg.y, yg.z, yg.w};
#pragma unroll
          for (int i = 0; i < 4; ++i) {
            const double w = cm1 * yfv[i];
#pragma unroll
            for (int j = 0; j < 4; ++j) acc[i][j] += w * ygv[j];
          }
          if (diag_block && ty == 0) {
#pragma unroll
            for (int j = 0; j < 4; ++j) bacc[j] += cj * ygv[j];
          }
        }
      }
      // The lower triangle (f ≥ g) as computed, mirrored onto the upper one.
#pragma unroll
      for (int i = 0; i < 4; ++i) {
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          const int f = f0 + i, gc = g0 + j;
          if (f < kp && gc < kp && f >= gc) {
            double val = acc[i][j];
            if (f == gc && val == 0.0) val = 1.0;  // padding with λ = 0: keeps x there 0
            a[static_cast<int64_t>(f) * kp + gc] = val;
            a[static_cast<int64_t>(gc) * kp + f] = val;
          }
        }
      }
      if (diag_block && ty == 0) {
#pragma unroll
        for (int j = 0; j < 4; ++j) {
          if (g0 + j < kp) rhs[g0 + j] = bacc[j];
        }
      }
    }
  }
}

// x[order[slot0 + b]] = the solution in rhs + b·kp, or 0 where the factorisation failed
// (info[b] != 0), as the CPU does. One block per row, kp ≤ blockDim.x.
__global__ void CholeskyFinishKernel(const int32_t* order, int64_t slot0, const double* rhs,
                                     const int* info, float* x, int kp) {
  const int64_t b = blockIdx.x;
  const int t = threadIdx.x;
  if (t >= kp) return;
  const int64_t row = order[slot0 + b];
  x[row * kp + t] = info[b] == 0 ? static_cast<float>(rhs[b * kp + t]) : 0.f;
}

// x[order[slot]] = 0 for slots [slot0, slot0 + gridDim.x): the rows with no ratings.
__global__ void ZeroRowsKernel(const int32_t* order, int64_t slot0, float* x, int kp) {
  const int t = threadIdx.x;
  if (t >= kp) return;
  x[static_cast<int64_t>(order[slot0 + blockIdx.x]) * kp + t] = 0.f;
}

// G from cuBLAS syrk (column-major lower = row-major upper triangle, diagonal included): copy
// the upper triangle onto the lower one and add λ to the diagonal. Reads only c > r, writes only
// c < r (and each diagonal element by its own thread).
__global__ void SymmetrizeAddDiagonalKernel(float* g, int kp, float lambda) {
  const int64_t e = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (e >= static_cast<int64_t>(kp) * kp) return;
  const int r = static_cast<int>(e / kp);
  const int c = static_cast<int>(e % kp);
  if (c < r) {
    g[e] = g[static_cast<int64_t>(c) * kp + r];
  } else if (c == r) {
    g[e] += lambda;
  }
}

// norms[r] = ‖x_r‖² in double, one warp per row (lanes over columns, then a xor reduction).
__global__ void RowNormsKernel(const float* x, int64_t rows, int kp, double* norms) {
  const int lane = threadIdx.x & 31;
  const int64_t warps = static_cast<int64_t>(gridDim.x) * (blockDim.x / 32);
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + (threadIdx.x >> 5);
       r < rows; r += warps) {
    const float* xr = x + r * kp;
    double s = 0.0;
    for (int f = lane; f < kp; f += 32) {
      const double e = xr[f];
      s += e * e;
    }
    s = detail::WarpSum(s);
    if (lane == 0) norms[r] = s;
  }
}

constexpr int kSumThreads = 1024;

// out[0] = Σ a[0, na) + scale · Σ b[0, nb), one block of kSumThreads threads, fixed order.
__global__ void __launch_bounds__(kSumThreads)
    LossSumKernel(const double* a, int64_t na, const double* b, int64_t nb, double scale,
                  double* out) {
  __shared__ double scratch[kSumThreads / 32];
  double sa = 0.0, sb = 0.0;
  for (int64_t i = threadIdx.x; i < na; i += kSumThreads) sa += a[i];
  for (int64_t i = threadIdx.x; i < nb; i += kSumThreads) sb += b[i];
  sa = detail::BlockSum<kSumThreads / 32>(sa, scratch);
  sb = detail::BlockSum<kSumThreads / 32>(sb, scratch);
  if (threadIdx.x == 0) out[0] = sa + scale * sb;
}

}  // namespace movierec::kernels::ials
