// The CUDA "als" trainer: explicit-rating ALS with weighted-λ regularisation and optional user
// and item biases, the GPU twin of host/cpu_als.cpp (the model, the objective and the loss are
// defined in host/cpu_als.h). This file is the host side (job checks, memory plan, uploads,
// launches, progress); the kernels are in kernels/als.cuh.
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
#include "kernels/als.cuh"

namespace movierec::cuda {
namespace {

namespace ak = ::movierec::kernels::als;

constexpr int kMaxFactors = 1024;
constexpr int kLossMaxBlocks = 2048;

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
  p.build_p = p.tiles <= ak::kBuildMaxThreads ? 1 : (p.tiles <= 2 * ak::kBuildMaxThreads ? 2 : 4);
  const int per_thread = (p.tiles + p.build_p - 1) / p.build_p;
  p.build_threads =
      std::min(ak::kBuildMaxThreads, (per_thread + ak::kWarp - 1) / ak::kWarp * ak::kWarp);
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

void LaunchBuild(const Plan& plan, const ak::BuildArgs& args, int64_t rows, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(rows));
  switch (plan.build_p) {
    case 1:
      ak::BuildNormalEquationsKernel<1>
          <<<grid, plan.build_threads, plan.build_smem, stream>>>(args);
      break;
    case 2:
      ak::BuildNormalEquationsKernel<2>
          <<<grid, plan.build_threads, plan.build_smem, stream>>>(args);
      break;
    default:
      ak::BuildNormalEquationsKernel<4>
          <<<grid, plan.build_threads, plan.build_smem, stream>>>(args);
      break;
  }
  MR_CUDA_LAUNCH_CHECK();
}

void LaunchSolve(const Plan& plan, const ak::SolveArgs& args, int64_t rows, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(rows));
  if (plan.solve_shared) {
    ak::SolveNormalEquationsKernel<true>
        <<<grid, plan.solve_threads, plan.solve_smem, stream>>>(args);
  } else {
    ak::SolveNormalEquationsKernel<false><<<grid, plan.solve_threads, 0, stream>>>(args);
  }
  MR_CUDA_LAUNCH_CHECK();
}

// Solves every row of `side` against (other, other_bias) into (own, own_bias); failures are
// recorded in stats slot `slot`.
void HalfStep(const Plan& plan, const DeviceSide& side, const float* other,
              const float* other_bias, float* own, float* own_bias, float mu, double lambda,
              double* sys, ak::IterationStats* stats, int slot, cudaStream_t stream) {
  ak::BuildArgs b{};
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

  ak::SolveArgs s{};
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
  const int64_t warps_per_block = ak::kLossThreads / ak::kWarp;
  return static_cast<int>(
      std::min<int64_t>((rows + warps_per_block - 1) / warps_per_block, kLossMaxBlocks));
}

[[noreturn]] void NotPositiveDefinite(const ak::IterationStats& st, int slot, const Plan& plan,
                                      int iteration, double lambda) {
  const char* what = slot == 0 ? "user" : "item";
  const unsigned long long key = st.fail_key[slot];
  const unsigned long long row = key >> ak::kPivotBits;
  const unsigned long long pivot = key & ((1ull << ak::kPivotBits) - 1);
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
    MR_CUDA_CHECK(cudaFuncSetAttribute(ak::SolveNormalEquationsKernel<true>,
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
      (2 * static_cast<size_t>(partial_count)) * sizeof(double) + sizeof(ak::IterationStats);
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
  DeviceBuffer<ak::IterationStats> d_stats(1, "als iteration statistics");
  double* const sys = static_cast<double*>(ctx.Workspace(
      static_cast<size_t>(plan.batch) * static_cast<size_t>(plan.sys_stride) * sizeof(double)));

  float* const bu = biases ? d_bu.data() : nullptr;
  float* const bi = biases ? d_bi.data() : nullptr;
  ak::IterationStats* const stats = d_stats.data();
  double* const partial_sse = d_partials.data();
  double* const partial_pen = d_partials.data() + partial_count;

  for (int iteration = 1; iteration <= job.iterations; ++iteration) {
    const double t0 = NowSeconds();
    ak::ResetStatsKernel<<<1, 1, 0, stream>>>(stats);
    MR_CUDA_LAUNCH_CHECK();
    HalfStep(plan, d_users, d_y.data(), bi, d_x.data(), bu, job.global_mean, lambda, sys, stats,
             0, stream);
    HalfStep(plan, d_items, d_x.data(), bu, d_y.data(), bi, job.global_mean, lambda, sys, stats,
             1, stream);

    if (job.progress != nullptr) {
      ak::LossArgs la{};
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
        ak::LossKernel<<<loss_blocks_u, ak::kLossThreads, 0, stream>>>(la);
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
        ak::LossKernel<<<loss_blocks_i, ak::kLossThreads, 0, stream>>>(la);
        MR_CUDA_LAUNCH_CHECK();
      }
      ak::FinishLossKernel<<<1, ak::kSumThreads, 0, stream>>>(partial_sse, partial_pen,
                                                              partial_count, stats);
      MR_CUDA_LAUNCH_CHECK();
    }

    ak::IterationStats st{};
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
