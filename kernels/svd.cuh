// CUDA kernels of the "svd" SGD trainer (src/cuda/svd.cu builds the block grid and drives them;
// its file comment has the algorithm, the launch shapes, the memory plan and the determinism
// argument; the step itself is kernels/sgd.h's). Factors as float4 rows of stride4 chunks; the
// ratings regrouped by block (user range a, item range b) into user / item / rating arrays with
// g * g + 1 block offsets.
//   SweepKernel<kChunks, kBiased>   one sub-epoch (one Latin-square diagonal), a warp per block,
//                                   the rows in registers (kChunks float4 per lane, kp <= 1024);
//   SweepKernelWide<kBiased>        the same from memory, for kp > 1024;
//   RegTermKernel                   Σ n_r (b_r² + ‖x_r‖²) over one side, per-block partials;
//   SumKernel                       a fixed-order sum of partials in one block.
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "kernels/sgd.h"

namespace movierec::kernels::svd {

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kRegThreads = 256;
constexpr int kRegWarps = kRegThreads / kWarp;
constexpr int kSumThreads = 256;

struct SweepArgs {
  const int32_t* user;     // nnz, by block
  const int32_t* item;     // nnz
  const float* rating;     // nnz
  const int64_t* offsets;  // g * g + 1
  float4* p;               // users x stride4
  float4* q;               // items x stride4
  float* bu;               // users, null when unbiased
  float* bi;               // items
  double* sse;             // g: Σ err² per user range, this epoch
  int64_t stride4;         // kp / 4
  int kp4;                 // float4 chunks per row (= stride4)
  int g;
  float mu;
  float lr;
  float reg;
};

__device__ __forceinline__ float WarpSum(float v) {
#pragma unroll
  for (int o = kWarp / 2; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}

__device__ __forceinline__ double WarpSum(double v) {
#pragma unroll
  for (int o = kWarp / 2; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}

// qi·pu over one chunk, added to acc.
__device__ __forceinline__ float Dot4(const float4& q, const float4& p, float acc) {
  acc += q.x * p.x;
  acc += q.y * p.y;
  acc += q.z * p.z;
  acc += q.w * p.w;
  return acc;
}

// kernels::SgdStep's factor update on four columns (kernels::SgdFactorUpdate each).
__device__ __forceinline__ void Update4(float4& p, float4& q, float err, float lr, float reg) {
  kernels::SgdFactorUpdate(p.x, q.x, err, lr, lr, reg, reg);
  kernels::SgdFactorUpdate(p.y, q.y, err, lr, lr, reg, reg);
  kernels::SgdFactorUpdate(p.z, q.z, err, lr, lr, reg, reg);
  kernels::SgdFactorUpdate(p.w, q.w, err, lr, lr, reg, reg);
}

// Lane `lane` holds chunks lane, lane + 32, ..; chunks past the row are zero and never stored.
// p and q are written during the sweep, so these are plain (coherent) loads, never __ldg.
template <int kChunks>
__device__ __forceinline__ void LoadRow(const float4* row, int kp4, int lane,
                                        float4 (&v)[kChunks]) {
#pragma unroll
  for (int t = 0; t < kChunks; ++t) {
    const int c = lane + t * kWarp;
    v[t] = c < kp4 ? row[c] : make_float4(0.f, 0.f, 0.f, 0.f);
  }
}

template <int kChunks>
__device__ __forceinline__ void StoreRow(float4* row, int kp4, int lane,
                                         const float4 (&v)[kChunks]) {
#pragma unroll
  for (int t = 0; t < kChunks; ++t) {
    const int c = lane + t * kWarp;
    if (c < kp4) row[c] = v[t];
  }
}

// The block of user range `range` on diagonal `diagonal`: [*begin, *end).
__device__ __forceinline__ void BlockSpan(const SweepArgs& a, int range, int diagonal,
                                          int64_t* begin, int64_t* end) {
  const int64_t block = static_cast<int64_t>(range) * a.g + (range + diagonal) % a.g;
  *begin = a.offsets[block];
  *end = a.offsets[block + 1];
}

// One sub-epoch: block (blockIdx.x, (blockIdx.x + diagonal) mod g) by one warp, both rows of the
// current rating and the prefetched rows of the next one in registers.
//
// Memory ordering: a lane always holds the same chunks, so it reloads only factor values it
// stored itself (program order). Biases are stored by lane 0 and loaded by every lane; the
// __syncwarp() ending each step orders that store before any later load of the same bias.
template <int kChunks, bool kBiased>
__global__ void __launch_bounds__(kWarp) SweepKernel(const SweepArgs a, const int diagonal) {
  const int range = static_cast<int>(blockIdx.x);
  const int lane = static_cast<int>(threadIdx.x);
  int64_t j, end;
  BlockSpan(a, range, diagonal, &j, &end);
  if (j >= end) return;
  const int kp4 = a.kp4;
  const float lr = a.lr, reg = a.reg;

  // The current rating, with its rows.
  int u = __ldg(a.user + j);
  int i = __ldg(a.item + j);
  float r = __ldg(a.rating + j);
  float4 P[kChunks], Q[kChunks];
  LoadRow<kChunks>(a.p + u * a.stride4, kp4, lane, P);
  LoadRow<kChunks>(a.q + i * a.stride4, kp4, lane, Q);
  float bu = 0.f, bi = 0.f;
  if (kBiased) {
    bu = a.bu[u];
    bi = a.bi[i];
  }
  // The next rating's entry (its rows are loaded during the current step).
  int un = 0, in = 0;
  float rn = 0.f;
  if (j + 1 < end) {
    un = __ldg(a.user + j + 1);
    in = __ldg(a.item + j + 1);
    rn = __ldg(a.rating + j + 1);
  }

  double sse = 0.0;
  for (; j < end; ++j) {
    const bool more = j + 1 < end;
    const bool same_u = more && un == u;
    const bool same_i = more && in == i;
    // Prefetch: rows the current step does not write, and the entry after next.
    float4 Pn[kChunks], Qn[kChunks];
    float bun = 0.f, bin = 0.f;
    if (more && !same_u) {
      LoadRow<kChunks>(a.p + un * a.stride4, kp4, lane, Pn);
      if (kBiased) bun = a.bu[un];
    }
    if (more && !same_i) {
      LoadRow<kChunks>(a.q + in * a.stride4, kp4, lane, Qn);
      if (kBiased) bin = a.bi[in];
    }
    int u2 = 0, i2 = 0;
    float r2 = 0.f;
    if (j + 2 < end) {
      u2 = __ldg(a.user + j + 2);
      i2 = __ldg(a.item + j + 2);
      r2 = __ldg(a.rating + j + 2);
    }

    // kernels::SgdStep, the k columns split across the lanes.
    float dot = 0.f;
#pragma unroll
    for (int t = 0; t < kChunks; ++t) dot = Dot4(Q[t], P[t], dot);
    dot = WarpSum(dot);
    float err;
    if (kBiased) {
      err = r - (a.mu + bu + bi + dot);
      bu = kernels::SgdBiasUpdate(bu, err, lr, reg);
      bi = kernels::SgdBiasUpdate(bi, err, lr, reg);
    } else {
      err = r - dot;
    }
#pragma unroll
    for (int t = 0; t < kChunks; ++t) Update4(P[t], Q[t], err, lr, reg);
    StoreRow<kChunks>(a.p + u * a.stride4, kp4, lane, P);
    StoreRow<kChunks>(a.q + i * a.stride4, kp4, lane, Q);
    if (kBiased && lane == 0) {
      a.bu[u] = bu;
      a.bi[i] = bi;
    }
    sse += static_cast<double>(err) * static_cast<double>(err);
    __syncwarp();
    if (!more) break;

    // Advance; a row the step just wrote comes from registers, not from the stale prefetch.
    if (same_u) {
#pragma unroll
      for (int t = 0; t < kChunks; ++t) Pn[t] = P[t];
      bun = bu;
    }
    if (same_i) {
#pragma unroll
      for (int t = 0; t < kChunks; ++t) Qn[t] = Q[t];
      bin = bi;
    }
#pragma unroll
    for (int t = 0; t < kChunks; ++t) {
      P[t] = Pn[t];
      Q[t] = Qn[t];
    }
    bu = bun;
    bi = bin;
    u = un;
    i = in;
    r = rn;
    un = u2;
    in = i2;
    rn = r2;
  }
  if (lane == 0) a.sse[range] += sse;  // one warp per range and sub-epoch: no race
}

// The same step for rows wider than the register version holds (kp > 1024): straight from
// memory, a lane again always touching the same chunks.
template <bool kBiased>
__global__ void __launch_bounds__(kWarp) SweepKernelWide(const SweepArgs a, const int diagonal) {
  const int range = static_cast<int>(blockIdx.x);
  const int lane = static_cast<int>(threadIdx.x);
  int64_t j, end;
  BlockSpan(a, range, diagonal, &j, &end);
  if (j >= end) return;
  const int kp4 = a.kp4;
  const float lr = a.lr, reg = a.reg;
  double sse = 0.0;
  for (; j < end; ++j) {
    const int u = __ldg(a.user + j);
    const int i = __ldg(a.item + j);
    const float r = __ldg(a.rating + j);
    float4* pu = a.p + u * a.stride4;
    float4* qi = a.q + i * a.stride4;
    float dot = 0.f;
    for (int c = lane; c < kp4; c += kWarp) dot = Dot4(qi[c], pu[c], dot);
    dot = WarpSum(dot);
    float err;
    float bu = 0.f, bi = 0.f;
    if (kBiased) {
      bu = a.bu[u];
      bi = a.bi[i];
      err = r - (a.mu + bu + bi + dot);
      bu = kernels::SgdBiasUpdate(bu, err, lr, reg);
      bi = kernels::SgdBiasUpdate(bi, err, lr, reg);
    } else {
      err = r - dot;
    }
    for (int c = lane; c < kp4; c += kWarp) {
      float4 pv = pu[c];
      float4 qv = qi[c];
      Update4(pv, qv, err, lr, reg);
      pu[c] = pv;
      qi[c] = qv;
    }
    if (kBiased && lane == 0) {
      a.bu[u] = bu;
      a.bi[i] = bi;
    }
    sse += static_cast<double>(err) * static_cast<double>(err);
    __syncwarp();
  }
  if (lane == 0) a.sse[range] += sse;
}

// Σ_rows n_r (b_r² + ‖x_r‖²) over one side in double: a warp per row (grid-stride), one partial
// per block, summed in a fixed order.
__global__ void __launch_bounds__(kRegThreads)
    RegTermKernel(const int64_t* indptr, const float* x, const float* bias, int64_t rows,
                  int64_t stride, int k, double* partials) {
  __shared__ double warp_sums[kRegWarps];
  const int lane = static_cast<int>(threadIdx.x) % kWarp;
  const int warp = static_cast<int>(threadIdx.x) / kWarp;
  double acc = 0.0;
  for (int64_t r = static_cast<int64_t>(blockIdx.x) * kRegWarps + warp; r < rows;
       r += static_cast<int64_t>(gridDim.x) * kRegWarps) {
    const int64_t n = indptr[r + 1] - indptr[r];
    if (n == 0) continue;  // uniform across the warp
    const float* row = x + r * stride;
    double sq = 0.0;
    for (int f = lane; f < k; f += kWarp) {
      const double v = row[f];
      sq += v * v;
    }
    sq = WarpSum(sq);
    if (bias != nullptr) {
      const double b = bias[r];
      sq += b * b;
    }
    acc += static_cast<double>(n) * sq;
  }
  if (lane == 0) warp_sums[warp] = acc;
  __syncthreads();
  if (threadIdx.x == 0) {
    double total = 0.0;
    for (int w = 0; w < kRegWarps; ++w) total += warp_sums[w];
    partials[blockIdx.x] = total;
  }
}

// *out = Σ in[0..n), one block, fixed order.
__global__ void __launch_bounds__(kSumThreads) SumKernel(const double* in, int64_t n, double* out) {
  __shared__ double s[kSumThreads];
  double acc = 0.0;
  for (int64_t t = threadIdx.x; t < n; t += kSumThreads) acc += in[t];
  s[threadIdx.x] = acc;
  __syncthreads();
  for (int w = kSumThreads / 2; w > 0; w >>= 1) {
    if (static_cast<int>(threadIdx.x) < w) s[threadIdx.x] += s[threadIdx.x + w];
    __syncthreads();
  }
  if (threadIdx.x == 0) *out = s[0];
}

}  // namespace movierec::kernels::svd
