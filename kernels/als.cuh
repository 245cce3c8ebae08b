// CUDA kernels of the explicit-rating ALS trainer (src/cuda/als.cu drives them; its file comment
// has the algorithm, the launch shapes, the memory plan and the determinism argument, and
// host/cpu_als.h has the model, the objective and the loss). Row-major factors with stride kp;
// one side's ratings as CSR rows (64-bit offsets, 32-bit column indexes, float ratings); the
// per-row systems in double in a batch buffer of sys_stride doubles per row.
//   BuildNormalEquationsKernel<P>         the lower triangle and right-hand side of one row's
//                                         normal equations per block (P tiles per thread);
//   SolveNormalEquationsKernel<kShared>   one row's system per block: a square-root-free
//                                         Cholesky in double (in shared memory or in place), the
//                                         substitutions, failures recorded in IterationStats;
//   LossKernel, FinishLossKernel          the squared errors and the penalty, per-block partials
//                                         and their fixed-order sum;
//   ResetStatsKernel                      clears IterationStats before an iteration.
#pragma once

#include <cuda_runtime.h>

#include <cfloat>
#include <cstddef>
#include <cstdint>

namespace movierec::kernels::als {

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kBuildMaxThreads = 256;
constexpr int kLossThreads = 256;
constexpr int kSumThreads = 256;
// A failure key packs (row << kPivotBits) | pivot so that one atomicMin keeps the lowest row.
constexpr int kPivotBits = 20;

// --- device helpers -------------------------------------------------------------------------

__device__ __forceinline__ double WarpSum(double v) {
#pragma unroll
  for (int o = kWarp / 2; o > 0; o >>= 1) v += __shfl_xor_sync(kFullMask, v, o);
  return v;
}

// Sum over the block in a fixed order; the result is valid in thread 0. `red` holds 32 doubles;
// every thread of the block must call it.
__device__ __forceinline__ double BlockSum(double v, double* red) {
  v = WarpSum(v);
  const int lane = threadIdx.x & (kWarp - 1);
  const int warp = threadIdx.x / kWarp;
  const int warps = (blockDim.x + kWarp - 1) / kWarp;
  __syncthreads();  // earlier readers of `red` are done
  if (lane == 0) red[warp] = v;
  __syncthreads();
  double total = 0.0;
  if (threadIdx.x == 0) {
    for (int w = 0; w < warps; ++w) total += red[w];
  }
  return total;
}

// Lower-triangle tile q (row-major order over tile rows: (0,0), (1,0), (1,1), (2,0), ...).
__device__ __forceinline__ void TileCoords(int q, int& tr, int& tc) {
  int r = static_cast<int>((sqrtf(8.f * static_cast<float>(q) + 1.f) - 1.f) * 0.5f);
  while (r > 0 && r * (r + 1) / 2 > q) --r;
  while ((r + 1) * (r + 2) / 2 <= q) ++r;
  tr = r;
  tc = q - r * (r + 1) / 2;
}

// Per-half-step failure records (count and lowest key) and the loss totals of an iteration.
struct IterationStats {
  double sse;
  double penalty;
  unsigned long long fail_key[2];  // [users, items]: (row << kPivotBits) | pivot, or ~0
  unsigned int fail_count[2];
};

__global__ void ResetStatsKernel(IterationStats* s) {
  s->sse = 0.0;
  s->penalty = 0.0;
  s->fail_key[0] = s->fail_key[1] = ~0ull;
  s->fail_count[0] = s->fail_count[1] = 0u;
}

// --- build: the normal equations of one row per block ----------------------------------------

struct BuildArgs {
  const int64_t* indptr;
  const int32_t* indices;
  const float* values;
  const float* other;       // the other side's factors, stride kp
  const float* other_bias;  // the other side's biases, or null without biases
  int64_t row_begin;        // the batch's first row
  int64_t sys_stride;       // doubles per row in `sys`
  double* sys;              // batch systems: kq × ld lower triangle, then the right-hand side
  double lambda;
  float mu;
  int k;
  int kp;
  int k4;     // k rounded up to a multiple of 4
  int kg;     // k4 + 4: gathered row width [y, 1, t, 0, 0]
  int kq;     // unknowns per row
  int ld;     // leading dimension of the system
  int chunk;  // rows gathered per step
  int tiles;  // lower 4×4 tiles of the kg × kg product
};

template <int P>
__global__ void __launch_bounds__(kBuildMaxThreads)
    BuildNormalEquationsKernel(const BuildArgs a) {
  extern __shared__ __align__(16) unsigned char build_smem[];
  double* red = reinterpret_cast<double*>(build_smem);             // 32 doubles
  float* feat = reinterpret_cast<float*>(build_smem + 32 * sizeof(double));  // chunk × kg
  int32_t* s_item = reinterpret_cast<int32_t*>(feat + static_cast<size_t>(a.chunk) * a.kg);
  float* s_t = reinterpret_cast<float*>(s_item + a.chunk);

  const int64_t local = blockIdx.x;
  const int64_t row = a.row_begin + local;
  const int64_t begin = a.indptr[row];
  const int64_t n = a.indptr[row + 1] - begin;
  if (n == 0) return;  // the solve kernel zeroes the row (uniform exit)

  const int tid = threadIdx.x;
  const int nt = blockDim.x;
  const int quads = a.kg / 4;  // float4s per gathered row; the last one is [1, t, 0, 0]
  const bool biases = a.other_bias != nullptr;
  double* sys = a.sys + local * a.sys_stride;
  double* rhs = sys + static_cast<int64_t>(a.kq) * a.ld;
  const double shift = a.lambda * static_cast<double>(n);

  double my_t = 0.0;
  for (int pass = 0; pass < a.tiles; pass += nt * P) {
    int tr[P], tc[P];
    bool active[P];
#pragma unroll
    for (int p = 0; p < P; ++p) {
      const int q = pass + p * nt + tid;
      active[p] = q < a.tiles;
      TileCoords(active[p] ? q : 0, tr[p], tc[p]);
    }
    float acc[P][16];
#pragma unroll
    for (int p = 0; p < P; ++p) {
#pragma unroll
      for (int e = 0; e < 16; ++e) acc[p][e] = 0.f;
    }

    for (int64_t start = 0; start < n; start += a.chunk) {
      const int m = static_cast<int>(n - start < a.chunk ? n - start : a.chunk);
      for (int j = tid; j < m; j += nt) {
        const int64_t e = begin + start + j;
        const int32_t item = __ldg(a.indices + e);
        float t = __ldg(a.values + e) - a.mu;
        if (biases) t = t - __ldg(a.other_bias + item);
        s_item[j] = item;
        s_t[j] = t;
        if (pass == 0) my_t += static_cast<double>(t);
      }
      __syncthreads();
      for (int e = tid; e < m * quads; e += nt) {
        const int j = e / quads;
        const int q = e - j * quads;
        float4 v;
        if (q < quads - 1) {
          v = __ldg(reinterpret_cast<const float4*>(
              a.other + static_cast<int64_t>(s_item[j]) * a.kp + 4 * q));
        } else {
          v = make_float4(1.f, s_t[j], 0.f, 0.f);
        }
        *reinterpret_cast<float4*>(feat + j * a.kg + 4 * q) = v;
      }
      __syncthreads();

      float part[P][16];
#pragma unroll
      for (int p = 0; p < P; ++p) {
#pragma unroll
        for (int e = 0; e < 16; ++e) part[p][e] = 0.f;
      }
#pragma unroll 2
      for (int j = 0; j < m; ++j) {
        const float* g = feat + j * a.kg;
#pragma unroll
        for (int p = 0; p < P; ++p) {
          const float4 u4 = *reinterpret_cast<const float4*>(g + 4 * tr[p]);
          const float4 v4 = *reinterpret_cast<const float4*>(g + 4 * tc[p]);
          const float u[4] = {u4.x, u4.y, u4.z, u4.w};
          const float v[4] = {v4.x, v4.y, v4.z, v4.w};
#pragma unroll
          for (int r = 0; r < 4; ++r) {
#pragma unroll
            for (int c = 0; c < 4; ++c) part[p][r * 4 + c] = fmaf(u[r], v[c], part[p][r * 4 + c]);
          }
        }
      }
#pragma unroll
      for (int p = 0; p < P; ++p) {
#pragma unroll
        for (int e = 0; e < 16; ++e) acc[p][e] += part[p][e];
      }
      __syncthreads();  // the next chunk overwrites feat, s_item and s_t
    }

    // Scatter the tiles into the system: rows/columns < k are the factors, index k4 the constant
    // feature (the bias row), index k4 + 1 the target (the right-hand side).
#pragma unroll
    for (int p = 0; p < P; ++p) {
      if (!active[p]) continue;
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const int gi = 4 * tr[p] + r;
#pragma unroll
        for (int c = 0; c < 4; ++c) {
          const int gj = 4 * tc[p] + c;
          if (gj > gi || gj >= a.k) continue;  // upper half of a diagonal tile; padding; 1 and t
          const double s = static_cast<double>(acc[p][r * 4 + c]);
          if (gi < a.k) {
            sys[static_cast<int64_t>(gi) * a.ld + gj] = gi == gj ? s + shift : s;
          } else if (gi == a.k4) {
            if (biases) sys[static_cast<int64_t>(a.k) * a.ld + gj] = s;  // Σ y
          } else if (gi == a.k4 + 1) {
            rhs[gj] = s;  // Σ t y
          }
        }
      }
    }
  }

  const double sum_t = BlockSum(my_t, red);
  if (tid == 0 && biases) {
    const double nd = static_cast<double>(n);
    sys[static_cast<int64_t>(a.k) * a.ld + a.k] = nd + shift;
    rhs[a.k] = sum_t;
  }
}

// --- solve: one row's system per block --------------------------------------------------------

struct SolveArgs {
  const int64_t* indptr;
  int64_t row_begin;
  int64_t sys_stride;
  double* sys;
  float* x;     // this side's factors, stride kp
  float* bias;  // this side's biases, or null
  unsigned long long* fail_key;
  unsigned int* fail_count;
  int k;
  int kp;
  int kq;
  int ld;
};

template <bool kShared>
__global__ void __launch_bounds__(256) SolveNormalEquationsKernel(const SolveArgs a) {
  extern __shared__ double solve_smem[];
  const int64_t local = blockIdx.x;
  const int64_t row = a.row_begin + local;
  const int64_t n = a.indptr[row + 1] - a.indptr[row];
  const int tid = threadIdx.x;
  const int nt = blockDim.x;
  const int lane = tid & (kWarp - 1);
  const int warp = tid / kWarp;
  const int warps = nt / kWarp;
  const int kq = a.kq;
  const int ld = a.ld;
  float* xr = a.x + row * a.kp;

  if (n == 0) {
    for (int f = tid; f < a.kp; f += nt) xr[f] = 0.f;
    if (tid == 0 && a.bias != nullptr) a.bias[row] = 0.f;
    return;
  }

  double* g = a.sys + local * a.sys_stride;
  double* m;
  if constexpr (kShared) {
    m = solve_smem;
    const int total = kq * ld + kq;  // the matrix, then the right-hand side
    for (int e = tid; e < total; e += nt) m[e] = g[e];
    __syncthreads();
  } else {
    m = g;
  }
  double* v = m + static_cast<int64_t>(kq) * ld;

  // A = L̃ D⁻¹ L̃ᵀ, right-looking: column j stays unscaled (L̃[i][j] = A⁽ʲ⁾[i][j], L̃[j][j] = d_j).
  int failed_at = -1;
  for (int j = 0; j < kq; ++j) {
    const double d = m[static_cast<int64_t>(j) * ld + j];
    if (!(d > 0.0 && d <= DBL_MAX)) {
      failed_at = j;
      break;
    }
    const double inv = 1.0 / d;
    for (int i = j + 1 + warp; i < kq; i += warps) {
      double* ri = m + static_cast<int64_t>(i) * ld;
      const double w = ri[j] * inv;
      for (int c = j + 1 + lane; c <= i; c += kWarp) {
        ri[c] = fma(-w, m[static_cast<int64_t>(c) * ld + j], ri[c]);
      }
    }
    __syncthreads();
  }

  if (failed_at >= 0) {
    if (tid == 0) {
      atomicAdd(a.fail_count, 1u);
      atomicMin(a.fail_key, (static_cast<unsigned long long>(row) << kPivotBits) |
                                static_cast<unsigned long long>(failed_at));
    }
    for (int f = tid; f < a.kp; f += nt) xr[f] = 0.f;
    if (tid == 0 && a.bias != nullptr) a.bias[row] = 0.f;
    return;
  }

  if (warp == 0) {
    // Forward, L̃ u = b: u_c = v_c / d_c, then v_i −= L̃[i][c] u_c below; v ends as D u.
    for (int c = 0; c < kq; ++c) {
      const double uc = v[c] / m[static_cast<int64_t>(c) * ld + c];
      for (int i = c + 1 + lane; i < kq; i += kWarp) {
        v[i] = fma(-m[static_cast<int64_t>(i) * ld + c], uc, v[i]);
      }
      __syncwarp();
    }
    // Backward, L̃ᵀ x = D u: x_p = v_p / d_p, then v_i −= L̃[p][i] x_p above (row p contiguous).
    for (int p = kq - 1; p >= 0; --p) {
      const double* rp = m + static_cast<int64_t>(p) * ld;
      const double xp = v[p] / rp[p];
      __syncwarp();
      if (lane == 0) v[p] = xp;
      for (int i = lane; i < p; i += kWarp) v[i] = fma(-rp[i], xp, v[i]);
      __syncwarp();
    }
  }
  __syncthreads();
  for (int f = tid; f < a.kp; f += nt) xr[f] = f < a.k ? static_cast<float>(v[f]) : 0.f;
  if (tid == 0 && a.bias != nullptr) a.bias[row] = static_cast<float>(v[a.k]);
}

// --- loss ---------------------------------------------------------------------------------------

struct LossArgs {
  const int64_t* indptr;
  const int32_t* indices;  // null: penalty only
  const float* values;
  const float* x;       // this side's factors
  const float* x_bias;  // or null
  const float* y;       // the other side's factors (for the squared errors)
  const float* y_bias;  // or null
  int64_t rows;
  double* partial_sse;  // one per block
  double* partial_pen;
  float mu;
  int k;
  int k4;
  int kp;
};

__global__ void __launch_bounds__(kLossThreads, 1) LossKernel(const LossArgs a) {
  __shared__ double red[kWarp];
  const int lane = threadIdx.x & (kWarp - 1);
  const int warp = threadIdx.x / kWarp;
  const int64_t warps_per_block = kLossThreads / kWarp;
  double sse = 0.0, pen = 0.0;
  for (int64_t row = blockIdx.x * warps_per_block + warp; row < a.rows;
       row += static_cast<int64_t>(gridDim.x) * warps_per_block) {
    const int64_t begin = a.indptr[row];
    const int64_t end = a.indptr[row + 1];
    const float* xr = a.x + row * a.kp;
    double norm = 0.0;
    for (int f = lane; f < a.k; f += kWarp) {
      const double xv = xr[f];
      norm += xv * xv;
    }
    norm = WarpSum(norm);
    const double bx = a.x_bias != nullptr ? static_cast<double>(a.x_bias[row]) : 0.0;
    if (lane == 0) pen += static_cast<double>(end - begin) * (norm + bx * bx);
    if (a.indices == nullptr) continue;
    for (int64_t e = begin + lane; e < end; e += kWarp) {
      const int32_t item = __ldg(a.indices + e);
      const float* yr = a.y + static_cast<int64_t>(item) * a.kp;
      double dot = 0.0;
      for (int f = 0; f < a.k4; f += 4) {
        const float4 xv = __ldg(reinterpret_cast<const float4*>(xr + f));
        const float4 yv = __ldg(reinterpret_cast<const float4*>(yr + f));
        dot = fma(static_cast<double>(xv.x), static_cast<double>(yv.x), dot);
        dot = fma(static_cast<double>(xv.y), static_cast<double>(yv.y), dot);
        dot = fma(static_cast<double>(xv.z), static_cast<double>(yv.z), dot);
        dot = fma(static_cast<double>(xv.w), static_cast<double>(yv.w), dot);
      }
      const double by = a.y_bias != nullptr ? static_cast<double>(__ldg(a.y_bias + item)) : 0.0;
      const double err = static_cast<double>(__ldg(a.values + e)) -
                         static_cast<double>(a.mu) - bx - by - dot;
      sse = fma(err, err, sse);
    }
  }
  const double s = BlockSum(sse, red);
  const double p = BlockSum(pen, red);
  if (threadIdx.x == 0) {
    a.partial_sse[blockIdx.x] = s;
    a.partial_pen[blockIdx.x] = p;
  }
}

// stats->sse and stats->penalty from `count` partials each, in a fixed order.
__global__ void __launch_bounds__(kSumThreads)
    FinishLossKernel(const double* partial_sse, const double* partial_pen, int count,
                     IterationStats* stats) {
  __shared__ double red[kWarp];
  double s = 0.0, p = 0.0;
  for (int i = threadIdx.x; i < count; i += blockDim.x) {
    s += partial_sse[i];
    p += partial_pen[i];
  }
  s = BlockSum(s, red);
  p = BlockSum(p, red);
  if (threadIdx.x == 0) {
    stats->sse = s;
    stats->penalty = p;
  }
}

}  // namespace movierec::kernels::als
