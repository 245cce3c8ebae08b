// The CUDA "als" trainer: explicit-rating ALS with weighted-λ regularisation and optional user
// and item biases, the GPU twin of host/cpu_als.cpp (the model, the objective and the loss are
// defined in host/cpu_als.h).
//
// Algorithm
//   Per iteration: the user half-step (every user solved against the item side), then the item
//   half-step (every item against the new user side), each row r with n ratings solving its
//   kq × kq system, kq = k + 1 with biases (unknowns z = [x_r, b_r], features f = [y_j, 1],
//   targets t = rating − μ − b_j) or kq = k without (z = x_r, f = y_j, t = rating − μ):
//     (Σ f fᵀ + λ n I) z = Σ t f,
//   the bias regularised like a factor coordinate, exactly as the CPU. The targets are formed in
//   float with the CPU's two subtractions (bitwise the CPU's t). Rows with no ratings get zero
//   factors and a zero bias. A half-step runs in batches of rows (memory plan below), two kernels
//   per batch:
//   1. build (one block per row): the row's other-side rows are gathered, `chunk` at a time, into
//      shared memory as g = [y_j (k rounded up to 4), 1, t_j, 0, 0] (kg = k4 + 4 floats), and
//      each thread accumulates 4×4 register tiles of Σ g gᵀ over the lower block triangle: that
//      one product holds Σ y yᵀ, Σ y (the bias row) and Σ t y (the right-hand side). Each tile
//      sums a chunk in float and adds the chunk's sum into a second float accumulator (error
//      ~(chunk + n / chunk)·ε rather than n·ε; the CPU sums in float too). Σ t is summed apart, in
//      double (the CPU's sum_t is double), n is the exact count. The system is written in double
//      to the batch buffer: the lower triangle with λ n added to the diagonal in double
//      (the CPU's shift) and n + λ n for the bias pivot, then the right-hand side.
//   2. solve (one block per row): the system is copied into shared memory (or, when it does not
//      fit, factored in place in the batch buffer) and factored in double by a right-looking
//      Cholesky in its square-root-free form A = L̃ D⁻¹ L̃ᵀ (L̃ = L·diag(√d), d the pivots): for
//      pivot j, every thread checks d_j (the same value for all, so the exit is uniform) and the
//      trailing lower triangle gets A[i][c] −= (A[i][j] / d_j)·A[c][j], a warp per row i, its lanes
//      over c; one __syncthreads per pivot. Warp 0 then runs the forward (L̃ u = b) and backward
//      (L̃ᵀ x = D u) substitutions, column-oriented, a lane per remaining entry. The pivots are
//      the standard Cholesky's, so the failure test is kernels/cholesky.h's (d not a positive
//      finite number). A failure is recorded per half-step (count and the lowest failing row with
//      its pivot, integer atomics), the row is zeroed, and after the iteration TrainAls throws
//      "... not positive definite ... raise models.als.regularization" (the CPU warns and keeps
//      the zero row instead; here a failure is an error, it needs λ = 0 or non-finite data).
//   Why not cuSOLVER's batched potrf/potrs: it would need the matrices in global memory plus a
//   pointer array and an info array per batch, and the float variant (Spotrf) would round the
//   solve to float where the CPU solves in double; why not kernels/cholesky.h in one thread: a
//   (k+1)³/3-FMA serial loop per row (~90k at k = 64) leaves a block idle. The block-parallel
//   double factorisation from shared memory costs ~kq syncs per row and matches the CPU's double
//   Cholesky to ~1e-15 relative (only the summation order differs).
//   After the iteration (only when job.progress is set, which is the only reader): one warp per
//   row over users (Σ (r − μ − b_u − b_i − x_u·y_i)² with the dot product in double, and
//   n_u (‖x_u‖² + b_u²)) and over items (n_i (‖y_i‖² + b_i²)), per-block partials in double, one
//   block summing them in a fixed order: loss = sse + λ·penalty, train_rmse = sqrt(sse / nnz),
//   the CPU's definitions (the CPU gets the same sse from the normal equations; a direct pass is
//   at least as accurate).
//
// Launch shapes
//   build   grid = rows of the batch; block = 32·ceil(T / (32 P)) threads (≤ 256) for the
//           T = R(R+1)/2 lower tiles, R = k4/4 + 1, with P = 1, 2 or 4 tiles per thread (T ≤ 256,
//           ≤ 512, else 4, i.e. k ≤ 84, ≤ 120, else; k = 64: T = 153, 160 threads, P = 1); more
//           tiles than threads × P (k > 172) take several passes over the row's ratings.
//           Shared memory 256 B + chunk·(kg·4 + 8) B, chunk = clamp(8192 / kg, 8, 64) rows
//           (≤ 33 KiB, no opt-in needed).
//   solve   grid = rows of the batch; block = 64 (kq ≤ 48), 128 (kq ≤ 128) or 256 threads;
//           dynamic shared memory (kq·ld + ld)·8 B, ld = kq rounded up to odd (conflict-free
//           column reads), when that fits the device's opt-in limit (kq ≤ 169 on H100, ≤ 143 on
//           A100), else none and the factorisation runs in place in the batch buffer (correct
//           but slower: global memory through L1).
//   loss    256 threads (a warp per row, grid-stride), min(ceil(rows / 8), 2048) blocks, once for
//           users and once for items; one block of 256 threads sums the partials.
//
// Memory plan (device): resident for the whole run: both compressed matrices ((rows + 1)·8 +
//   nnz·8 B each side), x and y ((users + items)·kp·4 B), the biases, the loss partials; y and
//   the item biases are uploaded once (x and the user biases are not: the first user half-step
//   writes every row before anything reads them), all four come back at the end. Per row
//   of a batch: one system of sys_stride = (kq·ld + ld) doubles rounded up to 4 (34 KiB at
//   k = 64), held in the context's workspace. The batch size comes from PlanBatch (the resident
//   bytes fixed, one system per row), capped at the larger side's row count, so at most a few
//   GiB at ML-20M and k = 64 (one batch per half-step on an 80 GB device); when not even one
//   row's system fits beside the resident data, PlanBatch throws the out-of-memory error naming
//   it. All offsets into factor rows and the batch buffer are 64-bit.
//
// Determinism: every sum has a fixed order (per thread in rating order, chunk sums in chunk
//   order, shuffle trees and block sums in lane and warp order, the loss partials in block
//   order), a row's system does not depend on the batch it lands in, and the only atomics count
//   failures (integers). Results are the same bits run after run on a given device and build,
//   whatever memory is free. They match the CPU within rounding, never bitwise (the Gram
//   summation order differs and nvcc contracts a*b+c into FMAs).
#include <cuda_runtime.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "cuda/backend_api.h"
#include "cuda/cuda_check.h"
#include "cuda/cuda_context.h"
#include "cuda/cuda_ops.h"
#include "cuda/device_buffer.h"
#include "cuda/job_checks.h"

namespace movierec::cuda {
namespace {

constexpr int kWarp = 32;
constexpr unsigned kFullMask = 0xffffffffu;
constexpr int kMaxFactors = 1024;
constexpr int kBuildMaxThreads = 256;
constexpr int kLossThreads = 256;
constexpr int kLossMaxBlocks = 2048;
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

// --- host -----------------------------------------------------------------------------------------

[[noreturn]] void Bad(const std::string& what) { BadJob("als", what); }


void CheckJob(const mr_als_job& job) {
  const mr_sparse& u = job.users;
  const mr_sparse& it = job.items;
  if (job.k < 1 || job.k > kMaxFactors) {
    Bad("k must be between 1 and " + std::to_string(kMaxFactors) + ", got " +
        std::to_string(job.k));
  }
  if (job.kp < job.k || job.kp % 16 != 0) {
    Bad("kp must be a multiple of 16 and at least k (k " + std::to_string(job.k) + ", kp " +
        std::to_string(job.kp) + ")");
  }
  if (job.iterations < 0) Bad("iterations must be >= 0, got " + std::to_string(job.iterations));
  if (!(job.regularization >= 0) || !std::isfinite(job.regularization)) {
    Bad("regularization must be a number >= 0");
  }
  if (!std::isfinite(job.global_mean)) Bad("global_mean must be finite");
  if (u.rows < 0 || u.cols < 0 || u.nnz < 0) Bad("negative matrix sizes");
  if (u.rows > INT32_MAX || u.cols > INT32_MAX) Bad("more than 2^31 users or items");
  if (it.rows != u.cols || it.cols != u.rows || it.nnz != u.nnz) {
    Bad("the item matrix (" + std::to_string(it.rows) + " x " + std::to_string(it.cols) + ", " +
        std::to_string(it.nnz) + " entries) is not the transpose of the rating matrix (" +
        std::to_string(u.rows) + " x " + std::to_string(u.cols) + ", " + std::to_string(u.nnz) +
        " entries)");
  }
  if (u.nnz > 0 && (u.indices == nullptr || u.values == nullptr || it.indices == nullptr ||
                    it.values == nullptr)) {
    Bad("the ratings have no indices or values");
  }
  CheckIndptr("als", u.indptr, u.rows, u.nnz, "the rating matrix's");
  CheckIndptr("als", it.indptr, it.rows, it.nnz, "the item matrix's");
  if ((u.rows > 0 && job.x == nullptr) || (it.rows > 0 && job.y == nullptr)) Bad("x or y is null");
  if (job.biases && ((u.rows > 0 && job.user_bias == nullptr) ||
                     (it.rows > 0 && job.item_bias == nullptr))) {
    Bad("a model with biases needs user_bias and item_bias");
  }
}

// One compressed side on the device.
struct DeviceSide {
  DeviceBuffer<int64_t> indptr;
  DeviceBuffer<int32_t> indices;
  DeviceBuffer<float> values;
  int64_t rows = 0;
};

DeviceSide Upload(const mr_sparse& s, const char* what_indptr, const char* what_indices,
                  const char* what_values, cudaStream_t stream) {
  DeviceSide d;
  d.rows = s.rows;
  d.indptr = ToDevice(s.indptr, static_cast<size_t>(s.rows) + 1, what_indptr, stream);
  d.indices = ToDevice(s.indices, static_cast<size_t>(s.nnz), what_indices, stream);
  d.values = ToDevice(s.values, static_cast<size_t>(s.nnz), what_values, stream);
  return d;
}

// The fixed shapes of one job.
struct Plan {
  int k = 0, kp = 0, k4 = 0, kg = 0, kq = 0, ld = 0;
  int64_t sys_stride = 0;  // doubles per row
  int chunk = 0;
  int tiles = 0;
  int build_p = 1;
  int build_threads = 0;
  size_t build_smem = 0;
  int solve_threads = 0;
  bool solve_shared = false;
  size_t solve_smem = 0;
  int64_t batch = 0;
};

Plan MakePlan(const mr_als_job& job, const cudaDeviceProp& props) {
  Plan p;
  p.k = job.k;
  p.kp = job.kp;
  p.k4 = (job.k + 3) / 4 * 4;
  p.kg = p.k4 + 4;
  p.kq = job.biases ? job.k + 1 : job.k;
  p.ld = p.kq | 1;
  p.sys_stride = (static_cast<int64_t>(p.kq) * p.ld + p.ld + 3) / 4 * 4;
  p.chunk = std::clamp(8192 / p.kg, 8, 64);
  const int tile_rows = p.k4 / 4 + 1;
  p.tiles = tile_rows * (tile_rows + 1) / 2;
  p.build_p = p.tiles <= kBuildMaxThreads ? 1 : (p.tiles <= 2 * kBuildMaxThreads ? 2 : 4);
  const int per_thread = (p.tiles + p.build_p - 1) / p.build_p;
  p.build_threads = std::min(kBuildMaxThreads, (per_thread + kWarp - 1) / kWarp * kWarp);
  p.build_smem = 32 * sizeof(double) +
                 static_cast<size_t>(p.chunk) * (static_cast<size_t>(p.kg) * sizeof(float) +
                                                 sizeof(int32_t) + sizeof(float));
  p.solve_threads = p.kq <= 48 ? 64 : (p.kq <= 128 ? 128 : 256);
  const size_t shared_bytes =
      (static_cast<size_t>(p.kq) * p.ld + static_cast<size_t>(p.ld)) * sizeof(double);
  p.solve_shared = shared_bytes <= props.sharedMemPerBlockOptin;
  p.solve_smem = p.solve_shared ? shared_bytes : 0;
  return p;
}

void LaunchBuild(const Plan& plan, const BuildArgs& args, int64_t rows, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(rows));
  switch (plan.build_p) {
    case 1:
      BuildNormalEquationsKernel<1><<<grid, plan.build_threads, plan.build_smem, stream>>>(args);
      break;
    case 2:
      BuildNormalEquationsKernel<2><<<grid, plan.build_threads, plan.build_smem, stream>>>(args);
      break;
    default:
      BuildNormalEquationsKernel<4><<<grid, plan.build_threads, plan.build_smem, stream>>>(args);
      break;
  }
  MR_CUDA_LAUNCH_CHECK();
}

void LaunchSolve(const Plan& plan, const SolveArgs& args, int64_t rows, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(rows));
  if (plan.solve_shared) {
    SolveNormalEquationsKernel<true><<<grid, plan.solve_threads, plan.solve_smem, stream>>>(args);
  } else {
    SolveNormalEquationsKernel<false><<<grid, plan.solve_threads, 0, stream>>>(args);
  }
  MR_CUDA_LAUNCH_CHECK();
}

// Solves every row of `side` against (other, other_bias) into (own, own_bias); failures are
// recorded in stats slot `slot`.
void HalfStep(const Plan& plan, const DeviceSide& side, const float* other,
              const float* other_bias, float* own, float* own_bias, float mu, double lambda,
              double* sys, IterationStats* stats, int slot, cudaStream_t stream) {
  BuildArgs b{};
  b.indptr = side.indptr.data();
  b.indices = side.indices.data();
  b.values = side.values.data();
  b.other = other;
  b.other_bias = other_bias;
  b.sys_stride = plan.sys_stride;
  b.sys = sys;
  b.lambda = lambda;
  b.mu = mu;
  b.k = plan.k;
  b.kp = plan.kp;
  b.k4 = plan.k4;
  b.kg = plan.kg;
  b.kq = plan.kq;
  b.ld = plan.ld;
  b.chunk = plan.chunk;
  b.tiles = plan.tiles;

  SolveArgs s{};
  s.indptr = side.indptr.data();
  s.sys_stride = plan.sys_stride;
  s.sys = sys;
  s.x = own;
  s.bias = own_bias;
  s.fail_key = &stats->fail_key[slot];
  s.fail_count = &stats->fail_count[slot];
  s.k = plan.k;
  s.kp = plan.kp;
  s.kq = plan.kq;
  s.ld = plan.ld;

  for (int64_t first = 0; first < side.rows; first += plan.batch) {
    const int64_t rows = std::min(plan.batch, side.rows - first);
    b.row_begin = first;
    s.row_begin = first;
    LaunchBuild(plan, b, rows, stream);
    LaunchSolve(plan, s, rows, stream);
  }
}

int LossBlocks(int64_t rows) {
  const int64_t warps_per_block = kLossThreads / kWarp;
  return static_cast<int>(
      std::min<int64_t>((rows + warps_per_block - 1) / warps_per_block, kLossMaxBlocks));
}

[[noreturn]] void NotPositiveDefinite(const IterationStats& st, int slot, const Plan& plan,
                                      int iteration, double lambda) {
  const char* what = slot == 0 ? "user" : "item";
  const unsigned long long key = st.fail_key[slot];
  const unsigned long long row = key >> kPivotBits;
  const unsigned long long pivot = key & ((1ull << kPivotBits) - 1);
  throw std::runtime_error(
      "als (cuda): the normal equations of " + std::to_string(st.fail_count[slot]) + " " + what +
      (st.fail_count[slot] == 1 ? "" : "s") + " are not positive definite in iteration " +
      std::to_string(iteration) + " (first: " + what + " row " + std::to_string(row) +
      ", pivot " + std::to_string(pivot + 1) + " of " + std::to_string(plan.kq) +
      "; regularization " + std::to_string(lambda) +
      "); raise models.als.regularization or check the ratings for non-finite values");
}

}  // namespace

void TrainAls(const mr_als_job& job) {
  CheckJob(job);
  if (job.iterations == 0) return;  // the factors and biases go back as they came

  const int64_t users = job.users.rows;
  const int64_t items = job.items.rows;
  const int64_t nnz = job.users.nnz;
  const int kp = job.kp;
  const bool biases = job.biases != 0;
  const double lambda = static_cast<double>(job.regularization);

  ContextLease lease(job.device);
  CudaContext& ctx = lease.get();
  const cudaStream_t stream = ctx.stream();
  Plan plan = MakePlan(job, ctx.props());
  if (plan.solve_shared && plan.solve_smem > 48 * 1024) {
    MR_CUDA_CHECK(cudaFuncSetAttribute(SolveNormalEquationsKernel<true>,
                                       cudaFuncAttributeMaxDynamicSharedMemorySize,
                                       static_cast<int>(plan.solve_smem)));
  }

  const int loss_blocks_u = LossBlocks(users);
  const int loss_blocks_i = LossBlocks(items);
  const int partial_count = loss_blocks_u + loss_blocks_i;
  const size_t resident =
      static_cast<size_t>(users + items + 2) * sizeof(int64_t) +
      static_cast<size_t>(nnz) * 2 * (sizeof(int32_t) + sizeof(float)) +
      static_cast<size_t>(users + items) * static_cast<size_t>(kp) * sizeof(float) +
      (biases ? static_cast<size_t>(users + items) * sizeof(float) : 0) +
      (2 * static_cast<size_t>(partial_count)) * sizeof(double) + sizeof(IterationStats);
  const int64_t max_rows = std::min<int64_t>(std::max<int64_t>(users, items), INT32_MAX);
  plan.batch = ctx.PlanBatch(resident, static_cast<size_t>(plan.sys_stride) * sizeof(double),
                             max_rows, "als training (the ratings, factors and biases resident, "
                                       "plus one row's normal equations)");

  const DeviceSide d_users = Upload(job.users, "als user offsets", "als user ratings (items)",
                                    "als user ratings (values)", stream);
  const DeviceSide d_items = Upload(job.items, "als item offsets", "als item ratings (users)",
                                    "als item ratings (values)", stream);
  // x and the user biases are written in full by the first user half-step before anything reads
  // them; only y and the item biases go up.
  DeviceBuffer<float> d_x(static_cast<size_t>(users) * static_cast<size_t>(kp), "als user factors");
  DeviceBuffer<float> d_y =
      ToDevice(job.y, static_cast<size_t>(items) * static_cast<size_t>(kp), "als item factors", stream);
  DeviceBuffer<float> d_bu, d_bi;
  if (biases) {
    d_bu = DeviceBuffer<float>(static_cast<size_t>(users), "als user biases");
    d_bi = ToDevice(job.item_bias, static_cast<size_t>(items), "als item biases", stream);
  }
  DeviceBuffer<double> d_partials(2 * static_cast<size_t>(partial_count), "als loss partials");
  DeviceBuffer<IterationStats> d_stats(1, "als iteration statistics");
  double* const sys = static_cast<double*>(ctx.Workspace(
      static_cast<size_t>(plan.batch) * static_cast<size_t>(plan.sys_stride) * sizeof(double)));

  float* const bu = biases ? d_bu.data() : nullptr;
  float* const bi = biases ? d_bi.data() : nullptr;
  IterationStats* const stats = d_stats.data();
  double* const partial_sse = d_partials.data();
  double* const partial_pen = d_partials.data() + partial_count;

  for (int iteration = 1; iteration <= job.iterations; ++iteration) {
    const double t0 = NowSeconds();
    ResetStatsKernel<<<1, 1, 0, stream>>>(stats);
    MR_CUDA_LAUNCH_CHECK();
    HalfStep(plan, d_users, d_y.data(), bi, d_x.data(), bu, job.global_mean, lambda, sys, stats,
             0, stream);
    HalfStep(plan, d_items, d_x.data(), bu, d_y.data(), bi, job.global_mean, lambda, sys, stats,
             1, stream);

    if (job.progress != nullptr) {
      LossArgs la{};
      la.mu = job.global_mean;
      la.k = plan.k;
      la.k4 = plan.k4;
      la.kp = kp;
      if (loss_blocks_u > 0) {
        la.indptr = d_users.indptr.data();
        la.indices = d_users.indices.data();
        la.values = d_users.values.data();
        la.x = d_x.data();
        la.x_bias = bu;
        la.y = d_y.data();
        la.y_bias = bi;
        la.rows = users;
        la.partial_sse = partial_sse;
        la.partial_pen = partial_pen;
        LossKernel<<<loss_blocks_u, kLossThreads, 0, stream>>>(la);
        MR_CUDA_LAUNCH_CHECK();
      }
      if (loss_blocks_i > 0) {
        la.indptr = d_items.indptr.data();
        la.indices = nullptr;  // penalty only: the squared errors came from the user pass
        la.values = nullptr;
        la.x = d_y.data();
        la.x_bias = bi;
        la.y = nullptr;
        la.y_bias = nullptr;
        la.rows = items;
        la.partial_sse = partial_sse + loss_blocks_u;
        la.partial_pen = partial_pen + loss_blocks_u;
        LossKernel<<<loss_blocks_i, kLossThreads, 0, stream>>>(la);
        MR_CUDA_LAUNCH_CHECK();
      }
      FinishLossKernel<<<1, kSumThreads, 0, stream>>>(partial_sse, partial_pen, partial_count,
                                                      stats);
      MR_CUDA_LAUNCH_CHECK();
    }

    IterationStats st{};
    MR_CUDA_CHECK(cudaMemcpyAsync(&st, stats, sizeof st, cudaMemcpyDeviceToHost, stream));
    ctx.Synchronize();
    if (st.fail_count[0] > 0) NotPositiveDefinite(st, 0, plan, iteration, lambda);
    if (st.fail_count[1] > 0) NotPositiveDefinite(st, 1, plan, iteration, lambda);

    if (job.progress != nullptr) {
      mr_iteration it{};
      it.iteration = iteration;
      it.loss = st.sse + lambda * st.penalty;
      it.train_rmse = nnz > 0 ? std::sqrt(st.sse / static_cast<double>(nnz)) : 0.0;
      it.seconds = SecondsSince(t0);
      job.progress(job.progress_user, &it);
    }
  }

  d_x.Download(job.x, stream);
  d_y.Download(job.y, stream);
  if (biases) {
    d_bu.Download(job.user_bias, stream);
    d_bi.Download(job.item_bias, stream);
  }
  ctx.Synchronize();
}

}  // namespace movierec::cuda
