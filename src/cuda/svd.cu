// The CUDA "svd" trainer: SGD matrix factorisation with Surprise's update (kernels/sgd.h), the
// GPU twin of host/cpu_svd.cpp ("blocks" schedule), in the manner of cuMF_sgd (Xie, Tan, Fong &
// Liang, "CuMF_SGD: Parallelized Stochastic Gradient Descent for Matrix Factorization on GPUs",
// HPDC 2017): one warp per rating, the factors split across its lanes, a warp-shuffle dot
// product, and a block grid so that parallel warps never share a row (cuMF_sgd's wavefront
// scheme rather than its batch-Hogwild one). This file is the host side (job checks, the block
// grid, memory check, uploads, launches, progress); the kernels are in kernels/svd.cuh.
//
// Algorithm
//   Once, on the host: users and items are permuted by seeded shuffles (job.seed) and cut into G
//   ranges of about equal rating count, as the CPU does (an index goes to the range its ratings'
//   midpoint falls in). The ratings are regrouped by block (user range a, item range b) with a
//   counting sort; inside a block they go by the shuffled user order, each user's ratings by
//   item index. G = floor(sqrt(nnz / 16)), capped at 2048 and at the non-empty users and items:
//   about 16 ratings per block, because an epoch costs about G launch gaps plus, per sub-epoch,
//   the largest block's chain of dependent steps, and smaller blocks shorten the chains (G
//   depends only on the data, never on the device, so the schedule is the same on every GPU).
//   An epoch is G sub-epochs; sub-epoch s runs the G blocks (a, (a + d_s) mod G) of one
//   Latin-square diagonal, which share no user and no item, one warp per block; the diagonal
//   order d_0 .. d_{G-1} is a seeded permutation drawn per (seed, epoch). Every rating is visited
//   exactly once per epoch.
//   A warp walks its block's ratings in order; each step is kernels::SgdStep's: err from the
//   factors before the step (dot = qi·pu reduced by a xor butterfly, so every lane holds the same
//   bits), then bu, bi and both factor rows updated from their old values with lr / reg for all
//   four terms; unbiased: μ = 0 and the biases are neither read nor written. Lane l holds the
//   float4 chunks l, l + 32, .. of the kp columns; the zero padding stays zero. The next rating's
//   rows are loaded while the current step computes (its entry two steps ahead); a row the
//   current step writes (the next rating has the same user, or the same item) is forwarded from
//   registers instead, so the result is exactly the serial order's.
//   Loss, per epoch: Σ err² as each step computed it (double, per warp, added to its user
//   range's slot; the sub-epochs run in stream order) plus reg · (Σ_u n_u (bu² + ‖pu‖²) +
//   Σ_i n_i (bi² + ‖qi‖²)) over the end-of-epoch parameters (a warp per row, double, per-block
//   partials), both summed by one block in a fixed order. train_rmse = sqrt(Σ err² / nnz).
//   A non-finite loss stops training ("svd diverged in epoch N; lower models.svd.lr").
//   At the end p, q and the biases come back; rows and columns with no rating keep their start
//   (the host's cpu_svd_internal::PackSvd zeroes them, for both devices).
//
// Launch shapes
//   sweep       G blocks of one warp (32 threads) per sub-epoch, G sub-epochs per epoch; one warp
//               per block spreads the G latency-bound warps over all SMs. Templated on the float4
//               chunks per lane (1, 2, 4, 8: kp <= 128, 256, 512, 1024) so both rows and the
//               prefetched pair live in registers; kp > 1024 runs a loop version from memory.
//   reg term    256 threads (a warp per row, grid-stride), min(ceil(rows / 8), 1024) blocks, once
//               for users and once for items, one partial per block.
//   sum         1 block of 256 threads, a fixed-order strided sum and tree.
//
// Memory plan (device): the ratings by block as three arrays (user int32, item int32, rating
//   float: 12 B per rating), the block offsets ((G² + 1) × 8 B, at most 32 MiB), p and q
//   ((users + items) × kp × 4 B), the biases ((users + items) × 4 B when biased), both indptrs
//   ((users + items + 2) × 8 B) for the rating counts, G + 2048 + 2 doubles of partial sums.
//   Everything stays resident for the whole run (no batching: SGD needs every rating every
//   epoch); the total is checked against CudaContext::UsableBytes() first (a CudaError with
//   out_of_memory set and both sizes). The host builds the grid once, single-threaded, O(nnz +
//   G²), and holds the regrouped ratings (12 B per rating) while training.
//
// Determinism: no two warps of a sub-epoch touch the same row, every row's updates happen in a
//   fixed order, and every sum has a fixed order, so for a given input, seed and k the result is
//   the same bits run after run and on any GPU of the same build (no atomics, no Hogwild). It
//   matches the CPU trainer statistically (RMSE), never bitwise: the grids differ (the CPU caps G
//   at 32), the dot product's summation order differs, and nvcc contracts a*b+c into FMAs.
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>
#include <vector>

#include "common/splitmix.h"
#include "cuda/backend_api.h"
#include "cuda/cuda_check.h"
#include "cuda/cuda_context.h"
#include "cuda/cuda_ops.h"
#include "cuda/device_buffer.h"
#include "cuda/job_checks.h"
#include "kernels/svd.cuh"

namespace movierec::cuda {
namespace {

namespace sk = ::movierec::kernels::svd;

constexpr int kMaxGrid = 2048;
constexpr int64_t kMinBlockRatings = 16;
constexpr int kMaxRegBlocks = 1024;

// --- seeded streams (host) -----------------------------------------------------------------

// The CPU trainer's stream tags (host/cpu_svd.cpp): 1 and 2 are its init streams, which seed
// the p and q this job starts from (same seed), so the order streams must not reuse them.
enum class Stream : uint64_t { kUserOrder = 3, kItemOrder, kSchedule };

// One independent SplitMix64 stream per (seed, purpose, index), as on the CPU.
class Rng {
 public:
  Rng(uint64_t seed, Stream tag, uint64_t index)
      : gen_(StreamSeed(seed, static_cast<uint64_t>(tag), index)) {}
  uint64_t Below(uint64_t n) { return gen_.Below(n); }

 private:
  SplitMix64 gen_;
};

template <class T>
void SeededShuffle(std::vector<T>& v, Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.Below(i)]);
}

// --- checks (host) -------------------------------------------------------------------------

[[noreturn]] void Bad(const std::string& what) { BadJob("svd", what); }


void CheckJob(const mr_svd_job& job) {
  const mr_sparse& u = job.users;
  const mr_sparse& it = job.items;
  if (job.k < 1) Bad("k must be at least 1, got " + std::to_string(job.k));
  if (job.kp < job.k || job.kp % 16 != 0) {
    Bad("kp must be a multiple of 16 and at least k (k " + std::to_string(job.k) + ", kp " +
        std::to_string(job.kp) + ")");
  }
  if (job.epochs < 0) Bad("epochs must be >= 0, got " + std::to_string(job.epochs));
  if (!(job.lr > 0) || !std::isfinite(job.lr)) Bad("lr must be a positive number");
  if (!(job.reg >= 0) || !std::isfinite(job.reg)) Bad("reg must be a number >= 0");
  if (job.biased && !std::isfinite(job.global_mean)) Bad("global_mean must be finite");
  if (u.nnz <= 0) Bad("no ratings to train on");
  if (u.rows < 1 || u.cols < 1) Bad("the rating matrix has no rows or no columns");
  if (u.rows > INT32_MAX || u.cols > INT32_MAX) Bad("more than 2^31 users or items");
  if (u.indices == nullptr || u.values == nullptr) Bad("the ratings have no indices or values");
  if (it.rows != u.cols || it.nnz != u.nnz) {
    Bad("the item matrix (" + std::to_string(it.rows) + " rows, " + std::to_string(it.nnz) +
        " entries) is not the transpose of the rating matrix (" + std::to_string(u.cols) +
        " columns, " + std::to_string(u.nnz) + " entries)");
  }
  CheckIndptr("svd", u.indptr, u.rows, u.nnz, "the rating matrix's");
  CheckIndptr("svd", it.indptr, it.rows, it.nnz, "the item matrix's");
  if (job.p == nullptr || job.q == nullptr) Bad("p or q is null");
  if (job.biased && (job.user_bias == nullptr || job.item_bias == nullptr)) {
    Bad("a biased model needs user_bias and item_bias");
  }
}

// --- the block grid (host) -----------------------------------------------------------------

// Ratings regrouped by block: block (a, b) = user range a x item range b holds entries
// [offsets[a * g + b], offsets[a * g + b + 1]).
struct HostGrid {
  int g = 1;
  std::vector<int64_t> offsets;
  std::vector<int32_t> user;
  std::vector<int32_t> item;
  std::vector<float> rating;
};

int64_t NonEmpty(const int64_t* indptr, int64_t rows) {
  int64_t n = 0;
  for (int64_t r = 0; r < rows; ++r) n += indptr[r + 1] > indptr[r];
  return n;
}

// The range (0..g-1) of every index after a seeded shuffle: the shuffled sequence is cut into g
// consecutive ranges of about equal rating count, an index going to the range its ratings'
// midpoint falls in. `order` receives the shuffled sequence.
std::vector<int32_t> BalancedRanges(const int64_t* indptr, int64_t n, int g, Rng rng,
                                    std::vector<int32_t>& order) {
  order.resize(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  SeededShuffle(order, rng);
  const int64_t total = indptr[n];
  std::vector<int32_t> range(static_cast<size_t>(n));
  int64_t cum = 0;
  for (const int32_t x : order) {
    const int64_t cnt = indptr[x + 1] - indptr[x];
    const int64_t b = (2 * cum + cnt) * g / (2 * total);
    range[static_cast<size_t>(x)] = static_cast<int32_t>(std::min<int64_t>(b, g - 1));
    cum += cnt;
  }
  return range;
}

// Builds the grid and checks every rating (index in range, finite value) on the way.
HostGrid BuildGrid(const mr_svd_job& job) {
  const mr_sparse& csr = job.users;
  const int64_t nnz = csr.nnz;
  HostGrid grid;
  const auto by_size = static_cast<int64_t>(
      std::sqrt(static_cast<double>(nnz) / static_cast<double>(kMinBlockRatings)));
  grid.g = static_cast<int>(std::max<int64_t>(
      1, std::min<int64_t>({static_cast<int64_t>(kMaxGrid), by_size, NonEmpty(csr.indptr, csr.rows),
                            NonEmpty(job.items.indptr, csr.cols)})));
  const int g = grid.g;
  std::vector<int32_t> user_order, item_order;
  const std::vector<int32_t> ur =
      BalancedRanges(csr.indptr, csr.rows, g, Rng(job.seed, Stream::kUserOrder, 0), user_order);
  const std::vector<int32_t> ir = BalancedRanges(job.items.indptr, csr.cols, g,
                                                 Rng(job.seed, Stream::kItemOrder, 0), item_order);

  const size_t blocks = static_cast<size_t>(g) * static_cast<size_t>(g);
  std::vector<int64_t> cursor(blocks + 1, 0);
  for (int64_t u = 0; u < csr.rows; ++u) {
    const int64_t row_base = static_cast<int64_t>(ur[static_cast<size_t>(u)]) * g;
    for (int64_t j = csr.indptr[u]; j < csr.indptr[u + 1]; ++j) {
      const int32_t i = csr.indices[j];
      if (i < 0 || i >= csr.cols) {
        Bad("column index " + std::to_string(i) + " out of range [0, " + std::to_string(csr.cols) +
            ")");
      }
      if (!std::isfinite(csr.values[j])) Bad("a rating is not a finite number");
      ++cursor[static_cast<size_t>(row_base + ir[static_cast<size_t>(i)] + 1)];
    }
  }
  std::partial_sum(cursor.begin(), cursor.end(), cursor.begin());
  grid.offsets = cursor;
  grid.user.resize(static_cast<size_t>(nnz));
  grid.item.resize(static_cast<size_t>(nnz));
  grid.rating.resize(static_cast<size_t>(nnz));
  for (const int32_t u : user_order) {
    const int64_t row_base = static_cast<int64_t>(ur[static_cast<size_t>(u)]) * g;
    for (int64_t j = csr.indptr[u]; j < csr.indptr[u + 1]; ++j) {
      const int32_t i = csr.indices[j];
      const size_t block = static_cast<size_t>(row_base + ir[static_cast<size_t>(i)]);
      const auto at = static_cast<size_t>(cursor[block]++);
      grid.user[at] = u;
      grid.item[at] = i;
      grid.rating[at] = csr.values[j];
    }
  }
  return grid;
}

// --- launches ------------------------------------------------------------------------------

template <bool kBiased>
void LaunchSweep(int chunks, const sk::SweepArgs& a, int diagonal, cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>(a.g));
  const dim3 block(sk::kWarp);
  if (chunks <= 1) {
    sk::SweepKernel<1, kBiased><<<grid, block, 0, stream>>>(a, diagonal);
  } else if (chunks <= 2) {
    sk::SweepKernel<2, kBiased><<<grid, block, 0, stream>>>(a, diagonal);
  } else if (chunks <= 4) {
    sk::SweepKernel<4, kBiased><<<grid, block, 0, stream>>>(a, diagonal);
  } else if (chunks <= 8) {
    sk::SweepKernel<8, kBiased><<<grid, block, 0, stream>>>(a, diagonal);
  } else {
    sk::SweepKernelWide<kBiased><<<grid, block, 0, stream>>>(a, diagonal);
  }
  MR_CUDA_LAUNCH_CHECK();
}

std::string Mib(size_t bytes) { return std::to_string((bytes + (size_t{1} << 20) - 1) >> 20); }

int RegBlocks(int64_t rows) {
  const int64_t need = (rows + sk::kRegWarps - 1) / sk::kRegWarps;
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(need, kMaxRegBlocks)));
}

}  // namespace

void TrainSvd(const mr_svd_job& job) {
  CheckJob(job);
  const int64_t users = job.users.rows;
  const int64_t items = job.users.cols;
  const int64_t nnz = job.users.nnz;
  const int kp = job.kp;
  const bool biased = job.biased != 0;
  float* const host_bu = biased ? job.user_bias : nullptr;
  float* const host_bi = biased ? job.item_bias : nullptr;

  if (job.epochs > 0) {
    const HostGrid grid = BuildGrid(job);
    const int g = grid.g;

    ContextLease lease(job.device);
    CudaContext& ctx = lease.get();
    const cudaStream_t stream = ctx.stream();
    const int reg_blocks_u = RegBlocks(users);
    const int reg_blocks_i = RegBlocks(items);
    const size_t partial_count = static_cast<size_t>(reg_blocks_u + reg_blocks_i);
    const size_t need =
        static_cast<size_t>(nnz) * (2 * sizeof(int32_t) + sizeof(float)) +
        grid.offsets.size() * sizeof(int64_t) +
        static_cast<size_t>(users + items) * static_cast<size_t>(kp) * sizeof(float) +
        (biased ? static_cast<size_t>(users + items) * sizeof(float) : 0) +
        static_cast<size_t>(users + items + 2) * sizeof(int64_t) +
        (static_cast<size_t>(g) + partial_count + 2) * sizeof(double);
    const size_t usable = ctx.UsableBytes();
    if (need > usable) {
      throw CudaError("out of device memory: svd needs " + Mib(need) + " MiB on device " +
                          std::to_string(job.device) +
                          " (ratings by block, factors, biases) but only " + Mib(usable) +
                          " MiB are usable",
                      true);
    }

    DeviceBuffer<int32_t> d_user =
        ToDevice(grid.user.data(), grid.user.size(), "svd ratings (users)", stream);
    DeviceBuffer<int32_t> d_item =
        ToDevice(grid.item.data(), grid.item.size(), "svd ratings (items)", stream);
    DeviceBuffer<float> d_rating =
        ToDevice(grid.rating.data(), grid.rating.size(), "svd ratings (values)", stream);
    DeviceBuffer<int64_t> d_offsets =
        ToDevice(grid.offsets.data(), grid.offsets.size(), "svd block offsets", stream);
    DeviceBuffer<float> d_p = ToDevice(job.p, static_cast<size_t>(users) * static_cast<size_t>(kp),
                                       "svd user factors", stream);
    DeviceBuffer<float> d_q = ToDevice(job.q, static_cast<size_t>(items) * static_cast<size_t>(kp),
                                       "svd item factors", stream);
    DeviceBuffer<float> d_bu, d_bi;
    if (biased) {
      d_bu = ToDevice(host_bu, static_cast<size_t>(users), "svd user biases", stream);
      d_bi = ToDevice(host_bi, static_cast<size_t>(items), "svd item biases", stream);
    }
    DeviceBuffer<int64_t> d_uptr = ToDevice(job.users.indptr, static_cast<size_t>(users) + 1,
                                            "svd user rating counts", stream);
    DeviceBuffer<int64_t> d_iptr = ToDevice(job.items.indptr, static_cast<size_t>(items) + 1,
                                            "svd item rating counts", stream);
    DeviceBuffer<double> d_sse(static_cast<size_t>(g), "svd per-range squared errors");
    DeviceBuffer<double> d_partials(partial_count, "svd regularisation partials");
    DeviceBuffer<double> d_totals(2, "svd loss totals");

    sk::SweepArgs args{};
    args.user = d_user.data();
    args.item = d_item.data();
    args.rating = d_rating.data();
    args.offsets = d_offsets.data();
    args.p = reinterpret_cast<float4*>(d_p.data());
    args.q = reinterpret_cast<float4*>(d_q.data());
    args.bu = biased ? d_bu.data() : nullptr;
    args.bi = biased ? d_bi.data() : nullptr;
    args.sse = d_sse.data();
    args.stride4 = kp / 4;
    args.kp4 = kp / 4;
    args.g = g;
    args.mu = biased ? job.global_mean : 0.f;
    args.lr = job.lr;
    args.reg = job.reg;
    const int chunks = (args.kp4 + sk::kWarp - 1) / sk::kWarp;

    std::vector<int> diagonals(static_cast<size_t>(g));
    for (int epoch = 0; epoch < job.epochs; ++epoch) {
      const double t0 = NowSeconds();
      d_sse.Zero(stream);
      std::iota(diagonals.begin(), diagonals.end(), 0);
      Rng rng(job.seed, Stream::kSchedule, static_cast<uint64_t>(epoch));
      SeededShuffle(diagonals, rng);
      for (const int d : diagonals) {
        if (biased) {
          LaunchSweep<true>(chunks, args, d, stream);
        } else {
          LaunchSweep<false>(chunks, args, d, stream);
        }
      }
      sk::RegTermKernel<<<reg_blocks_u, sk::kRegThreads, 0, stream>>>(
          d_uptr.data(), d_p.data(), args.bu, users, kp, job.k, d_partials.data());
      MR_CUDA_LAUNCH_CHECK();
      sk::RegTermKernel<<<reg_blocks_i, sk::kRegThreads, 0, stream>>>(
          d_iptr.data(), d_q.data(), args.bi, items, kp, job.k, d_partials.data() + reg_blocks_u);
      MR_CUDA_LAUNCH_CHECK();
      sk::SumKernel<<<1, sk::kSumThreads, 0, stream>>>(d_sse.data(), g, d_totals.data());
      MR_CUDA_LAUNCH_CHECK();
      sk::SumKernel<<<1, sk::kSumThreads, 0, stream>>>(
          d_partials.data(), static_cast<int64_t>(partial_count), d_totals.data() + 1);
      MR_CUDA_LAUNCH_CHECK();
      double totals[2] = {0.0, 0.0};
      MR_CUDA_CHECK(
          cudaMemcpyAsync(totals, d_totals.data(), sizeof totals, cudaMemcpyDeviceToHost, stream));
      ctx.Synchronize();

      mr_iteration it{};
      it.iteration = epoch + 1;
      it.loss = totals[0] + static_cast<double>(job.reg) * totals[1];
      it.train_rmse = std::sqrt(totals[0] / static_cast<double>(nnz));
      it.seconds = SecondsSince(t0);
      if (!std::isfinite(it.loss)) {
        throw CudaError("svd diverged in epoch " + std::to_string(it.iteration) +
                            " (the loss is no longer a finite number); lower models.svd.lr (now " +
                            std::to_string(job.lr) + ")",
                        false);
      }
      if (job.progress != nullptr) job.progress(job.progress_user, &it);
    }

    d_p.Download(job.p, stream);
    d_q.Download(job.q, stream);
    if (biased) {
      d_bu.Download(host_bu, stream);
      d_bi.Download(host_bi, stream);
    }
    ctx.Synchronize();
  }
}

}  // namespace movierec::cuda
