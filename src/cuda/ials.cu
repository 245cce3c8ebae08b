// Implicit ALS on the GPU (backend_api.h mr_ials_job; host/cpu_ials.h is the reference: the same
// model, objective, half-sweeps, CG algebra and loss).
//
// Algorithm. The two rating matrices (users × items CSR and its items × users twin) and both
// factor matrices are uploaded once. Each iteration is a user half-sweep then an item half-sweep;
// a half-sweep solving the rows of X against Y is:
//   1. G = YᵀY + λI (kp × kp): one cublasSsyrk. Y is row-major rows × kp with stride kp, which is
//      the column-major kp × rows matrix Yᵀ (ld = kp), so syrk(uplo = LOWER, trans = N, n = kp,
//      k = rows, A = Y, lda = kp) forms Yᵀ·(Yᵀ)ᵀ = YᵀY into the column-major lower triangle, i.e.
//      the row-major upper triangle (diagonal included); SymmetrizeAddDiagonalKernel copies it
//      onto the lower triangle and adds λ to all kp diagonal entries (padding included), as
//      cpu_factor::Gramian + the CPU's diagonal loop do. Padding columns of Y are zero, so G is
//      zero off the diagonal there.
//   2. cg_steps ≥ 1: RowSolveKernel (kernels/ials.cuh), the CG row solve of kernels::CgSolveRow
//      warm-started from the current x, cg_steps steps, never forming YᵀC_uY: per step one
//      coalesced gather pass over the row's ratings (Ap = G p + Σ (c−1)(y·p) y) and one G·p.
//      cg_steps = 0: the exact solve, in batches of rows (sized with PlanBatch): BuildNormalKernel
//      forms A = G + Σ (c−1) y yᵀ and b = Σ c y in double, cusolverDnDpotrfBatched +
//      cusolverDnDpotrsBatched solve them (double, uplo LOWER; A is stored with both triangles so
//      the row-/column-major question does not arise), CholeskyFinishKernel writes x (zero where
//      the factorisation failed, as the CPU does — the CPU also logs a warning, which this plugin
//      has no channel for). Rows with no ratings get x = 0 in both solvers.
// Loss (only when job.progress is set): during the item half-sweep's RowSolveKernel (or, for the
// Cholesky solver, a RowSolveKernel launch with no CG steps after the solve), each item row's
// y_iᵀ(XᵀX + λI)y_i + Σ_u ((c−1)d² − 2c·d + c) in double (d = x_u·y_i recomputed from the final
// y_i: one more gather pass) into row_loss; RowNormsKernel ‖x_u‖² in double; LossSumKernel sums
// both in a fixed order: Σ row_loss + λ Σ ‖x_u‖², the CPU's value. The CPU tracks each d through
// the CG steps instead of recomputing it, so the two agree to rounding, not bitwise.
//
// Launch shapes. RowSolveKernel: 256 threads (8 warps), persistent grid = SMs × resident blocks
// per SM (occupancy API), rows taken from a counter in decreasing-length order; L lanes per rating
// (kp ≤ 16: 4, ≤ 32: 8, ≤ 64: 16, else 32) and C float4s per lane (kp ≤ 128: 1, ≤ 256: 2);
// dynamic shared memory: G when kp ≤ 128 (kp² floats) + 11·kp + 1024 floats (73.5 KiB at
// kp = 128: 3 blocks per H100 SM, 2 on an A100; compiled for 3 on sm_90 — 80 registers — and 2 on
// sm_80). BuildNormalKernel: one 256-thread block per row of the batch. Small kernels: one block
// per row (≤ 256 threads) or grid-stride.
//
// Limits: kp ≤ 256 (one owner thread per vector element; std::invalid_argument beyond), rows of
// either side ≤ INT32_MAX (indexes are 32-bit), rows × kp and batch × kp² in 64-bit.
//
// Memory plan (checked with CudaContext::PlanBatch before allocating; a clear out-of-memory error
// when it cannot fit): both sides' indptr (8 B/row), indices + values (8 B/rating each side),
// X and Y (4·kp B/row), the row order (4 B/row), row loss / norms (8 B/row), G (4·kp² B); for
// the Cholesky solver a batch of rows × (8·kp² + 8·kp + 20) B (A, b, pointer arrays, infos),
// batch capped at kMaxCholeskyBatch rows.
//
// Determinism: every reduction of ours has a fixed order (see kernels/ials.cuh) and a row's
// arithmetic does not depend on which block runs it or on the grid size; cuBLAS syrk is
// bitwise reproducible on one GPU model and toolkit with atomics disallowed (the default, and set
// here). So the CG solver's factors and losses are bitwise reproducible run to run on one device
// and toolkit. The Cholesky solver is too as far as cuSOLVER's batched potrf/potrs are (they
// document no atomics; not verified here). Neither is bitwise equal to the CPU (different
// summation orders, FMA contraction): compare with a tolerance.
#include <algorithm>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda/cuda_check.h"
#include "cuda/cuda_context.h"
#include "cuda/cuda_ops.h"
#include "cuda/device_buffer.h"
#include "cuda/job_checks.h"
#include "kernels/ials.cuh"

namespace movierec::cuda {

namespace {

namespace ik = ::movierec::kernels::ials;

constexpr int64_t kMaxCholeskyBatch = 8192;

// One side's ratings on the device, plus the order in which its rows are solved.
struct DeviceSide {
  int64_t rows = 0;
  int64_t nonempty = 0;  // rows with ratings: the first `nonempty` entries of order
  DeviceBuffer<int64_t> indptr;
  DeviceBuffer<int32_t> indices;
  DeviceBuffer<float> v;
  DeviceBuffer<int32_t> order;
};

void Require(bool ok, const std::string& what) {
  if (!ok) BadJob("ials", what);
}

void CheckSparse(const mr_sparse& m, const char* name) {
  const std::string s = name;
  Require(m.rows >= 0 && m.cols >= 0 && m.nnz >= 0, s + ": negative shape");
  Require(m.rows <= INT32_MAX && m.cols <= INT32_MAX, s + ": more than 2^31 - 1 rows or columns");
  CheckIndptr("ials", m.indptr, m.rows, m.nnz, name);
  Require(m.nnz == 0 || (m.indices != nullptr && m.values != nullptr),
          s + ": null indices or values");
  for (int64_t e = 0; e < m.nnz; ++e) {
    Require(m.indices[e] >= 0 && m.indices[e] < m.cols, s + ": a column index is out of range");
  }
}

void CheckJob(const mr_ials_job& job) {
  Require(job.k >= 1, "k must be at least 1");
  Require(job.kp >= job.k && job.kp % 16 == 0, "kp must be a multiple of 16 and at least k");
  Require(job.kp <= ik::kMaxKp,
          "k up to " + std::to_string(ik::kMaxKp) + " is supported (kp = " +
              std::to_string(job.kp) + ")");
  Require(job.iterations >= 0, "iterations must not be negative");
  Require(job.cg_steps >= 0, "cg_steps must not be negative");
  Require(job.regularization >= 0.f, "regularization must be >= 0");
  Require(job.alpha >= 0.f, "alpha must be >= 0");
  CheckSparse(job.users, "users");
  CheckSparse(job.items, "items");
  Require(job.users.rows == job.items.cols && job.users.cols == job.items.rows &&
              job.users.nnz == job.items.nnz,
          "the users and items matrices do not hold the same entries");
  Require(job.users.rows == 0 || job.x != nullptr, "null x");
  Require(job.items.rows == 0 || job.y != nullptr, "null y");
}

// Rows by decreasing number of ratings (ties by index): long rows start first.
std::vector<int32_t> RowOrder(const mr_sparse& m, int64_t* nonempty) {
  std::vector<int32_t> order(static_cast<size_t>(m.rows));
  std::iota(order.begin(), order.end(), 0);
  const int64_t* p = m.indptr;
  std::stable_sort(order.begin(), order.end(), [p](int32_t a, int32_t b) {
    return p[a + 1] - p[a] > p[b + 1] - p[b];
  });
  int64_t count = 0;
  for (int64_t r = 0; r < m.rows; ++r) count += p[r + 1] > p[r] ? 1 : 0;
  *nonempty = count;
  return order;
}

DeviceSide Upload(const mr_sparse& m, const std::vector<int32_t>& order, int64_t nonempty,
                  cudaStream_t stream, const char* name) {
  DeviceSide s;
  s.rows = m.rows;
  s.nonempty = nonempty;
  const std::string n = name;
  s.indptr = ToDevice(m.indptr, static_cast<size_t>(m.rows) + 1, (n + " indptr").c_str(), stream);
  s.indices = ToDevice(m.indices, static_cast<size_t>(m.nnz), (n + " indices").c_str(), stream);
  s.v = ToDevice(m.values, static_cast<size_t>(m.nnz), (n + " values").c_str(), stream);
  s.order = ToDevice(order.data(), order.size(), (n + " row order").c_str(), stream);
  return s;
}

size_t SideBytes(const mr_sparse& m) {
  return (static_cast<size_t>(m.rows) + 1) * sizeof(int64_t) +
         static_cast<size_t>(m.nnz) * (sizeof(int32_t) + sizeof(float)) +
         static_cast<size_t>(m.rows) * sizeof(int32_t);
}

using RowKernel = void (*)(ik::RowSolveArgs);

RowKernel PickRowKernel(int kp) {
  if (kp <= 16) return ik::RowSolveKernel<4, 1>;
  if (kp <= 32) return ik::RowSolveKernel<8, 1>;
  if (kp <= 64) return ik::RowSolveKernel<16, 1>;
  if (kp <= 128) return ik::RowSolveKernel<32, 1>;
  return ik::RowSolveKernel<32, 2>;
}

// The row-solve kernel for kp with its launch shape.
struct RowLaunch {
  RowKernel kernel = nullptr;
  bool g_in_shared = false;
  size_t shared_bytes = 0;
  int grid = 0;
};

RowLaunch PlanRowLaunch(const CudaContext& ctx, int kp) {
  RowLaunch l;
  l.kernel = PickRowKernel(kp);
  l.g_in_shared = kp <= ik::kSharedGMaxKp &&
                  ik::RowSolveSharedBytes(kp, true) + 1024 <= ctx.props().sharedMemPerBlockOptin;
  l.shared_bytes = ik::RowSolveSharedBytes(kp, l.g_in_shared);
  MR_CUDA_CHECK(cudaFuncSetAttribute(l.kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                     static_cast<int>(l.shared_bytes)));
  // The gathers have no reuse for L1 to catch; shared memory decides how many blocks fit.
  MR_CUDA_CHECK(cudaFuncSetAttribute(l.kernel, cudaFuncAttributePreferredSharedMemoryCarveout,
                                     cudaSharedmemCarveoutMaxShared));
  int per_sm = 0;
  MR_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, l.kernel, ik::kThreads,
                                                              l.shared_bytes));
  if (per_sm < 1) {
    throw CudaError("ials: the row-solve kernel does not fit on device " +
                        std::to_string(ctx.device()) + " (kp = " + std::to_string(kp) + ", " +
                        std::to_string(l.shared_bytes) + " B shared memory)",
                    false);
  }
  l.grid = per_sm * ctx.props().multiProcessorCount;
  return l;
}

// g = YᵀY + λI for y (rows × kp, row-major): see the file comment for the syrk mapping.
void Gramian(const CudaContext& ctx, const float* y, int64_t rows, int kp, float lambda,
             float* g) {
  const cudaStream_t stream = ctx.stream();
  if (rows > 0) {
    const float one = 1.f, zero = 0.f;
    MR_CUBLAS_CHECK(cublasSsyrk(ctx.cublas(), CUBLAS_FILL_MODE_LOWER, CUBLAS_OP_N, kp,
                                static_cast<int>(rows), &one, y, kp, &zero, g, kp));
  } else {
    MR_CUDA_CHECK(cudaMemsetAsync(g, 0, static_cast<size_t>(kp) * kp * sizeof(float), stream));
  }
  const int64_t elems = static_cast<int64_t>(kp) * kp;
  const int threads = 256;
  ik::SymmetrizeAddDiagonalKernel<<<static_cast<unsigned>((elems + threads - 1) / threads),
                                    threads, 0, stream>>>(g, kp, lambda);
  MR_CUDA_LAUNCH_CHECK();
}

// Everything the half-sweeps share.
struct Solver {
  CudaContext* ctx = nullptr;
  int kp = 0;
  int steps = 0;
  float alpha = 0.f;
  float lambda = 0.f;
  RowLaunch launch;
  DeviceBuffer<float> g;
  DeviceBuffer<unsigned long long> counter;
  // Cholesky batches.
  int64_t batch = 0;
  DeviceBuffer<double> a;
  DeviceBuffer<double> rhs;
  DeviceBuffer<double*> a_ptrs;
  DeviceBuffer<double*> rhs_ptrs;
  DeviceBuffer<int> info;
  DeviceBuffer<int> solve_info;
  std::vector<double*> host_a_ptrs, host_rhs_ptrs;  // kept alive for the async uploads

  void RunRowKernel(const DeviceSide& side, const float* other, float* x, int cg_steps,
                    double* row_loss) {
    if (side.rows == 0) return;
    const cudaStream_t stream = ctx->stream();
    MR_CUDA_CHECK(cudaMemsetAsync(counter.data(), 0, sizeof(unsigned long long), stream));
    ik::RowSolveArgs args{};
    args.indptr = side.indptr.data();
    args.indices = side.indices.data();
    args.v = side.v.data();
    args.order = side.order.data();
    args.rows = side.rows;
    args.other = other;
    args.x = x;
    args.g = g.data();
    args.kp = kp;
    args.steps = cg_steps;
    args.alpha = alpha;
    args.g_in_shared = launch.g_in_shared ? 1 : 0;
    args.row_loss = row_loss;
    args.next_slot = counter.data();
    const int grid = static_cast<int>(std::min<int64_t>(launch.grid, side.rows));
    launch.kernel<<<grid, ik::kThreads, launch.shared_bytes, stream>>>(args);
    MR_CUDA_LAUNCH_CHECK();
  }

  void CholeskyRows(const DeviceSide& side, const float* other, float* x) {
    const cudaStream_t stream = ctx->stream();
    const int finish_threads = (kp + 31) / 32 * 32;
    for (int64_t slot0 = 0; slot0 < side.nonempty; slot0 += batch) {
      const int nb = static_cast<int>(std::min<int64_t>(batch, side.nonempty - slot0));
      ik::BuildArgs args{};
      args.indptr = side.indptr.data();
      args.indices = side.indices.data();
      args.v = side.v.data();
      args.order = side.order.data();
      args.slot0 = slot0;
      args.other = other;
      args.g = g.data();
      args.kp = kp;
      args.alpha = alpha;
      args.a = a.data();
      args.rhs = rhs.data();
      ik::BuildNormalKernel<<<nb, ik::kThreads, 0, stream>>>(args);
      MR_CUDA_LAUNCH_CHECK();
      cusolverDnHandle_t h = ctx->cusolver();
      MR_CUSOLVER_CHECK(cusolverDnDpotrfBatched(h, CUBLAS_FILL_MODE_LOWER, kp, a_ptrs.data(), kp,
                                                info.data(), nb));
      MR_CUSOLVER_CHECK(cusolverDnDpotrsBatched(h, CUBLAS_FILL_MODE_LOWER, kp, 1, a_ptrs.data(),
                                                kp, rhs_ptrs.data(), kp, solve_info.data(), nb));
      ik::CholeskyFinishKernel<<<nb, finish_threads, 0, stream>>>(side.order.data(), slot0,
                                                                  rhs.data(), info.data(), x, kp);
      MR_CUDA_LAUNCH_CHECK();
    }
    const int64_t empty = side.rows - side.nonempty;
    if (empty > 0) {
      ik::ZeroRowsKernel<<<static_cast<unsigned>(empty), finish_threads, 0, stream>>>(
          side.order.data(), side.nonempty, x, kp);
      MR_CUDA_LAUNCH_CHECK();
    }
  }

  // Solves every row of `side` (x, stride kp) against `other` (other_rows × kp). With row_loss,
  // also each row's loss term (see the file comment).
  void HalfSweep(const DeviceSide& side, const float* other, int64_t other_rows, float* x,
                 double* row_loss) {
    Gramian(*ctx, other, other_rows, kp, lambda, g.data());
    if (steps > 0) {
      RunRowKernel(side, other, x, steps, row_loss);
    } else {
      CholeskyRows(side, other, x);
      if (row_loss != nullptr) RunRowKernel(side, other, x, 0, row_loss);
    }
  }
};

}  // namespace

void TrainIals(const mr_ials_job& job) {
  CheckJob(job);
  const int kp = job.kp;
  const int64_t users = job.users.rows;
  const int64_t items = job.items.rows;
  const bool cholesky = job.cg_steps == 0;
  const bool want_loss = job.progress != nullptr;

  ContextLease lease(job.device);
  CudaContext& ctx = lease.get();
  const cudaStream_t stream = ctx.stream();

  int64_t user_nonempty = 0, item_nonempty = 0;
  const std::vector<int32_t> user_order = RowOrder(job.users, &user_nonempty);
  const std::vector<int32_t> item_order = RowOrder(job.items, &item_nonempty);

  // Memory plan, before any allocation.
  const size_t row_bytes = static_cast<size_t>(kp) * sizeof(float);
  const size_t fixed = SideBytes(job.users) + SideBytes(job.items) +
                       static_cast<size_t>(users + items) * row_bytes +
                       static_cast<size_t>(kp) * kp * sizeof(float) +
                       (want_loss ? static_cast<size_t>(users + items) * sizeof(double) : 0) +
                       4096;
  Solver s;
  s.ctx = &ctx;
  s.kp = kp;
  s.steps = job.cg_steps;
  s.alpha = job.alpha;
  s.lambda = job.regularization;
  if (cholesky) {
    const size_t per_row = static_cast<size_t>(kp) * kp * sizeof(double) +
                           static_cast<size_t>(kp) * sizeof(double) + 2 * sizeof(double*) +
                           2 * sizeof(int);
    const int64_t most = std::max<int64_t>(1, std::max(user_nonempty, item_nonempty));
    s.batch = ctx.PlanBatch(fixed, per_row, std::min(most, kMaxCholeskyBatch),
                            "ials (cholesky): the ratings, factors and a batch of normal equations");
  } else {
    ctx.PlanBatch(fixed, 0, 1, "ials: the ratings and factors");
  }

  const DeviceSide user_side = Upload(job.users, user_order, user_nonempty, stream, "users");
  const DeviceSide item_side = Upload(job.items, item_order, item_nonempty, stream, "items");
  DeviceBuffer<float> x = ToDevice(job.x, static_cast<size_t>(users) * kp, "user factors", stream);
  DeviceBuffer<float> y = ToDevice(job.y, static_cast<size_t>(items) * kp, "item factors", stream);
  s.g = DeviceBuffer<float>(static_cast<size_t>(kp) * kp, "the Gramian");
  s.counter = DeviceBuffer<unsigned long long>(1, "the row counter");
  DeviceBuffer<double> row_loss, norms, loss_d;
  if (want_loss) {
    row_loss = DeviceBuffer<double>(static_cast<size_t>(items), "item row losses");
    norms = DeviceBuffer<double>(static_cast<size_t>(users), "user factor norms");
    loss_d = DeviceBuffer<double>(1, "the loss");
  }
  if (cholesky) {
    const size_t nb = static_cast<size_t>(s.batch);
    s.a = DeviceBuffer<double>(nb * kp * kp, "ials normal equations (batch)");
    s.rhs = DeviceBuffer<double>(nb * kp, "ials right-hand sides (batch)");
    s.a_ptrs = DeviceBuffer<double*>(nb, "ials matrix pointers");
    s.rhs_ptrs = DeviceBuffer<double*>(nb, "ials right-hand side pointers");
    s.info = DeviceBuffer<int>(nb, "ials factorisation infos");
    s.solve_info = DeviceBuffer<int>(nb, "ials solve infos");
    s.host_a_ptrs.resize(nb);
    s.host_rhs_ptrs.resize(nb);
    for (size_t b = 0; b < nb; ++b) {
      s.host_a_ptrs[b] = s.a.data() + b * kp * kp;
      s.host_rhs_ptrs[b] = s.rhs.data() + b * kp;
    }
    s.a_ptrs.Upload(s.host_a_ptrs.data(), stream);
    s.rhs_ptrs.Upload(s.host_rhs_ptrs.data(), stream);
  } else {
    s.launch = PlanRowLaunch(ctx, kp);
  }
  if (cholesky && want_loss) s.launch = PlanRowLaunch(ctx, kp);

  MR_CUBLAS_CHECK(cublasSetPointerMode(ctx.cublas(), CUBLAS_POINTER_MODE_HOST));
  MR_CUBLAS_CHECK(cublasSetMathMode(ctx.cublas(), CUBLAS_DEFAULT_MATH));  // no TF32
  MR_CUBLAS_CHECK(cublasSetAtomicsMode(ctx.cublas(), CUBLAS_ATOMICS_NOT_ALLOWED));

  for (int it = 1; it <= job.iterations; ++it) {
    const double t0 = NowSeconds();
    s.HalfSweep(user_side, y.data(), items, x.data(), nullptr);
    s.HalfSweep(item_side, x.data(), users, y.data(), want_loss ? row_loss.data() : nullptr);
    if (!want_loss) continue;
    if (users > 0) {
      const int threads = 256;
      const int64_t blocks = std::min<int64_t>((users + threads / 32 - 1) / (threads / 32),
                                               int64_t{4} * ctx.props().multiProcessorCount * 8);
      ik::RowNormsKernel<<<static_cast<unsigned>(blocks), threads, 0, stream>>>(x.data(), users,
                                                                                kp, norms.data());
      MR_CUDA_LAUNCH_CHECK();
    }
    ik::LossSumKernel<<<1, ik::kSumThreads, 0, stream>>>(
        row_loss.data(), items, norms.data(), users,
        static_cast<double>(job.regularization), loss_d.data());
    MR_CUDA_LAUNCH_CHECK();
    double loss = 0.0;
    MR_CUDA_CHECK(cudaMemcpyAsync(&loss, loss_d.data(), sizeof(double), cudaMemcpyDeviceToHost,
                                  stream));
    ctx.Synchronize();
    mr_iteration log{};
    log.iteration = it;
    log.loss = loss;
    log.train_rmse = 0.0;
    log.seconds = SecondsSince(t0);
    job.progress(job.progress_user, &log);
  }

  x.Download(job.x, stream);
  y.Download(job.y, stream);
  ctx.Synchronize();
}

}  // namespace movierec::cuda
