// All-user top-n on the GPU (the contract is host/topn.h's; mr_topn_job in backend_api.h).
//
// Algorithm. The item vectors and item_allowed are uploaded once. The active users are cut into
// batches of up to B users (in user order); per batch the users' vectors and their rows of the
// exclusion matrix (rebased to a batch-local CSR) are gathered on the host into pinned memory and
// uploaded. The items are cut into `tiles` equal tiles of T <= kMaxItemTile items, in ascending
// order; per tile:
//   1. cuBLAS sgemm writes the batch's scores for the tile, S[b][t] = dot(user b, item i0 + t),
//      into a B x stride row-major tile (stride = T rounded up to 32 floats). cuBLAS is
//      column-major: the row-major B x stride tile is the column-major stride x B matrix S^T,
//      and S^T = V_tile * U^T, where the row-major tile of item vectors (cols x dim, leading
//      dimension dim) read column-major is V_tile^T (dim x cols, lda = dim, so op = T) and the
//      row-major user block (B x dim) read column-major is U^T (dim x B, ldb = dim, op = N):
//        cublasSgemm(OP_T, OP_N, m = cols, n = rows, k = dim, 1, V + i0*dim, dim, U, dim, 0,
//                    tile, stride).
//      Plain FP32 (CUBLAS_DEFAULT_MATH, no TF32). dim == 0: the tile is zeroed instead (every
//      candidate scores 0).
//   2. kernels::MaskExcludedKernel (kernels/topn_mask.cuh) writes NaN over the batch's excluded
//      (already rated) items that fall in the tile (a warp per user row walks its exclusion row);
//      NaN is never selected.
//   3. kernels::SelectTopKRowsKernel (kernels/select_k.cuh) offers each row's tile scores to the
//      row's running best-k list (k = min(n, items)), which lives in device memory across the
//      batch's tiles: a warp per row, every score compared with the row's current k-th best
//      first (the whole warp skips 256 scores at once when none beats it); only the survivors
//      are checked against item_allowed and inserted, through a shared-memory candidate buffer
//      merged into the list (bitonic sort + merge by ranks). Lists of k <= 256 are merged in
//      shared memory; longer lists (the fallback) are merged in global memory (see that file).
// After the last tile the lists (rank order: score desc, item asc) and their lengths are
// downloaded, and the host copies each user's entries into the output rows (already filled with
// -1 / NaN / count 0 beforehand, which is also what inactive users keep).
//
// Memory plan: fixed = item vectors (items x dim x 4) + item_allowed; then, from the free memory
// that is left (CudaContext::PlanBatch: 90 % of free less 256 MiB), B = the largest batch up to
// kMaxBatchUsers whose per-user buffers (a tile row, stride x 4; the user vector, dim x 4; the
// running list, k x 8, twice for k > 256; the CSR offset and the count) plus the batch's
// exclusion indices (the largest batch's nnz x 4) fit. The users x items score matrix never
// exists: one B x stride tile at a time (at most 8192 x 16384 floats = 512 MiB).
//
// Overlap: two pinned host slots. While the GPU runs batch b, the host gathers batch b + 1's
// inputs into the other slot and then copies batch b - 1's results out; a batch's uploads,
// kernels and downloads are queued on the context's one stream (so the device buffers, single,
// are reused in stream order) and an event per slot says when its download has landed.
//
// Launch shapes: MaskExcludedKernel 256 threads (8 warps, one user row each), grid
// ceil(rows / 8); SelectTopKRowsKernel 128 threads (4 warps, one user row each), grid
// ceil(rows / 4), dynamic shared memory 4 x (2 x 128 + 4 x k) x 4 bytes for k <= 256 (20 KiB at
// most), 4 x 2 x 1024 x 4 = 32 KiB for longer lists.
//
// Determinism: the batch and tile boundaries depend only on the job (and, when the device is
// short of memory, on the free memory: B is then smaller); each row's list is built by one warp
// and is exactly the best k of its candidates under a total order, whatever the order of offers,
// so for the same device and the same tiling the output is bit-for-bit the same on every run.
// Compared with the CPU path, a dot product may round differently (another summation order),
// so near-equal scores may swap places or give way to one another.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cuda/cuda_check.h"
#include "cuda/cuda_context.h"
#include "cuda/cuda_ops.h"
#include "cuda/device_buffer.h"
#include "kernels/select_k.cuh"
#include "kernels/topn_mask.cuh"

namespace movierec::cuda {
namespace {

constexpr int64_t kMaxBatchUsers = 8192;  // users per batch (fewer when memory is short)
constexpr int64_t kMaxItemTile = 16384;   // items per score tile
constexpr int64_t kStrideAlign = 32;      // tile rows start 128-byte aligned

struct PinnedFree {
  void operator()(void* p) const noexcept { cudaFreeHost(p); }
};
template <typename T>
using Pinned = std::unique_ptr<T[], PinnedFree>;

template <typename T>
Pinned<T> AllocPinned(size_t count) {
  if (count == 0) return Pinned<T>();
  void* p = nullptr;
  MR_CUDA_CHECK(cudaMallocHost(&p, count * sizeof(T)));
  return Pinned<T>(static_cast<T*>(p));
}

class Event {
 public:
  Event() { MR_CUDA_CHECK(cudaEventCreateWithFlags(&event_, cudaEventDisableTiming)); }
  ~Event() {
    if (event_ != nullptr) cudaEventDestroy(event_);
  }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

// Declared after the buffers a stream may still be using: on the way out (an exception
// included) it waits for the stream first, so nothing is freed under a running copy or kernel.
class StreamDrain {
 public:
  explicit StreamDrain(cudaStream_t s) : stream_(s) {}
  ~StreamDrain() {
    if (cudaStreamSynchronize(stream_) != cudaSuccess) cudaGetLastError();
  }
  StreamDrain(const StreamDrain&) = delete;
  StreamDrain& operator=(const StreamDrain&) = delete;

 private:
  cudaStream_t stream_;
};

// One pinned host slot: a batch's inputs on the way in, its lists on the way out.
struct HostSlot {
  Pinned<float> users;      // B x dim
  Pinned<int64_t> ex_ptr;   // B + 1
  Pinned<int32_t> ex_idx;   // the largest batch's nnz
  Pinned<float> scores;     // B x k
  Pinned<int32_t> items;    // B x k
  Pinned<int32_t> counts;   // B
};

void Validate(const mr_topn_job& job) {
  if (job.n < 1) throw std::invalid_argument("top-n: n must be >= 1, got " + std::to_string(job.n));
  if (job.users < 0 || job.items < 0 || job.dim < 0) {
    throw std::invalid_argument("top-n: negative users, items or dim");
  }
  if (job.items > std::numeric_limits<int32_t>::max()) {
    throw std::invalid_argument("top-n: items must be < 2^31, got " + std::to_string(job.items));
  }
  if (job.users > 0 &&
      (job.out_items == nullptr || job.out_scores == nullptr || job.out_counts == nullptr)) {
    throw std::invalid_argument("top-n: null output arrays");
  }
  if (job.dim > 0 && ((job.users > 0 && job.user_vectors == nullptr) ||
                      (job.items > 0 && job.item_vectors == nullptr))) {
    throw std::invalid_argument("top-n: null factor vectors with dim > 0");
  }
  if (job.exclude_indptr != nullptr && job.users > 0) {
    const int64_t* ptr = job.exclude_indptr;
    if (ptr[0] < 0) throw std::invalid_argument("top-n: exclusion offsets start below 0");
    for (int64_t u = 0; u < job.users; ++u) {
      if (ptr[u + 1] < ptr[u]) {
        throw std::invalid_argument("top-n: exclusion offsets decrease at row " +
                                    std::to_string(u));
      }
    }
    if (ptr[job.users] > ptr[0] && job.exclude_indices == nullptr) {
      throw std::invalid_argument("top-n: null exclusion indices");
    }
  }
}

}  // namespace

void ScoreTopN(const mr_topn_job& job) {
  Validate(job);
  const int64_t users = job.users;
  const int64_t items = job.items;
  const int64_t dim = job.dim;
  const int n = job.n;

  // Every row starts empty: -1 / NaN / 0. Inactive users keep that.
  const size_t slots = static_cast<size_t>(users) * static_cast<size_t>(n);
  std::fill_n(job.out_items, slots, int32_t{-1});
  std::fill_n(job.out_scores, slots, std::numeric_limits<float>::quiet_NaN());
  std::fill_n(job.out_counts, static_cast<size_t>(users), int32_t{0});
  if (users == 0 || items == 0) return;

  std::vector<int64_t> active;  // empty: every user is active
  if (job.user_active != nullptr &&
      !std::all_of(job.user_active, job.user_active + users, [](uint8_t a) { return a != 0; })) {
    for (int64_t u = 0; u < users; ++u) {
      if (job.user_active[u] != 0) active.push_back(u);
    }
    if (active.empty()) return;
  }
  const int64_t n_active = active.empty() ? users : static_cast<int64_t>(active.size());
  auto user_of = [&](int64_t pos) { return active.empty() ? pos : active[pos]; };
  const bool exclude = job.exclude_indptr != nullptr;
  auto excluded_count = [&](int64_t u) {
    return exclude ? job.exclude_indptr[u + 1] - job.exclude_indptr[u] : int64_t{0};
  };

  const int capacity = static_cast<int>(std::min<int64_t>(n, items));  // list length per user
  const bool shared_lists = kernels::SelectListsInShared(capacity);
  const int buffer = kernels::SelectBufferEntries(capacity);

  const int64_t tiles = (items + kMaxItemTile - 1) / kMaxItemTile;
  const int64_t tile_items = (items + tiles - 1) / tiles;  // T
  const int64_t stride = (tile_items + kStrideAlign - 1) / kStrideAlign * kStrideAlign;

  ContextLease lease(job.device);
  CudaContext& ctx = lease.get();
  const cudaStream_t stream = ctx.stream();
  MR_CUBLAS_CHECK(cublasSetMathMode(ctx.cublas(), CUBLAS_DEFAULT_MATH));  // FP32, no TF32

  // Once: the item side.
  DeviceBuffer<float> d_item_vectors;
  if (dim > 0) {
    d_item_vectors = ToDevice(job.item_vectors, static_cast<size_t>(items * dim),
                              "the item vectors", stream);
  }
  DeviceBuffer<uint8_t> d_allowed;
  if (job.item_allowed != nullptr) {
    d_allowed = ToDevice(job.item_allowed, static_cast<size_t>(items), "the item mask", stream);
  }

  // The batch size: per-user buffers plus the largest batch's exclusion indices must fit.
  const size_t per_user = static_cast<size_t>(stride) * sizeof(float) +          // tile row
                          static_cast<size_t>(dim) * sizeof(float) +             // user vector
                          static_cast<size_t>(capacity) * 8 * (shared_lists ? 1 : 2) +  // lists
                          sizeof(int64_t) + sizeof(int32_t);                     // CSR, count
  auto max_batch_nnz = [&](int64_t batch) {
    int64_t most = 0;
    if (!exclude) return most;
    for (int64_t first = 0; first < n_active; first += batch) {
      const int64_t last = std::min(n_active, first + batch);
      int64_t nnz = 0;
      for (int64_t r = first; r < last; ++r) nnz += excluded_count(user_of(r));
      most = std::max(most, nnz);
    }
    return most;
  };
  int64_t batch = std::min(kMaxBatchUsers, n_active);
  int64_t batch_nnz = 0;
  for (;;) {
    batch_nnz = max_batch_nnz(batch);
    const size_t fixed = static_cast<size_t>(batch_nnz) * sizeof(int32_t) + sizeof(int64_t);
    if (batch > 1 && ctx.UsableBytes() < fixed + per_user) {
      batch = (batch + 1) / 2;  // this batch's exclusions alone do not fit: halve and retry
      continue;
    }
    const int64_t fit = ctx.PlanBatch(fixed, per_user, batch, "top-n scoring (one user batch)");
    if (fit >= batch) break;
    batch = fit;  // strictly smaller; its largest batch nnz is recomputed
  }
  const int64_t batches = (n_active + batch - 1) / batch;

  // Device buffers for one batch (reused in stream order).
  const auto ub = static_cast<size_t>(batch);
  const auto ucap = static_cast<size_t>(capacity);
  DeviceBuffer<float> d_users(ub * static_cast<size_t>(dim), "the batch's user vectors");
  DeviceBuffer<float> d_tile(ub * static_cast<size_t>(stride), "the score tile");
  DeviceBuffer<int64_t> d_ex_ptr(exclude ? ub + 1 : 0, "the batch's exclusion offsets");
  DeviceBuffer<int32_t> d_ex_idx(static_cast<size_t>(batch_nnz), "the batch's exclusions");
  DeviceBuffer<float> d_list_s(ub * ucap, "the running top-n scores");
  DeviceBuffer<int32_t> d_list_i(ub * ucap, "the running top-n items");
  DeviceBuffer<int> d_counts(ub, "the running top-n counts");
  DeviceBuffer<float> d_scratch_s(shared_lists ? 0 : ub * ucap, "the top-n merge scratch");
  DeviceBuffer<int32_t> d_scratch_i(shared_lists ? 0 : ub * ucap, "the top-n merge scratch");
  d_tile.Zero(stream);  // the padding columns are read (and ignored) by the select kernel

  HostSlot host[2];
  for (HostSlot& h : host) {
    h.users = AllocPinned<float>(ub * static_cast<size_t>(dim));
    if (exclude) {
      h.ex_ptr = AllocPinned<int64_t>(ub + 1);
      h.ex_idx = AllocPinned<int32_t>(static_cast<size_t>(batch_nnz));
    }
    h.scores = AllocPinned<float>(ub * ucap);
    h.items = AllocPinned<int32_t>(ub * ucap);
    h.counts = AllocPinned<int32_t>(ub);
  }
  Event done[2];
  StreamDrain drain(stream);  // destroyed first: waits for the stream before anything is freed

  const size_t select_smem = kernels::SelectSharedBytes(capacity);
  const float one = 1.0f;
  const float zero = 0.0f;

  // Copies batch b's downloaded lists (in host[b & 1]) into the outputs.
  auto scatter = [&](int64_t b) {
    const HostSlot& h = host[b & 1];
    const int64_t first = b * batch;
    const int64_t rows = std::min(batch, n_active - first);
    for (int64_t r = 0; r < rows; ++r) {
      const int32_t count = h.counts[r];
      if (count < 0 || count > capacity) {
        throw std::logic_error("top-n: the device returned a list of " + std::to_string(count) +
                               " entries (capacity " + std::to_string(capacity) + ")");
      }
      const int64_t u = user_of(first + r);
      const size_t src = static_cast<size_t>(r) * ucap;
      const size_t dst = static_cast<size_t>(u) * static_cast<size_t>(n);
      std::memcpy(job.out_items + dst, h.items.get() + src, static_cast<size_t>(count) * 4);
      std::memcpy(job.out_scores + dst, h.scores.get() + src, static_cast<size_t>(count) * 4);
      job.out_counts[u] = count;
    }
  };

  for (int64_t b = 0; b < batches; ++b) {
    HostSlot& h = host[b & 1];  // free: batch b - 2 was copied out during iteration b - 1
    const int64_t first = b * batch;
    const int64_t rows = std::min(batch, n_active - first);
    const int rows_i = static_cast<int>(rows);

    // Gather the batch's inputs.
    if (dim > 0) {
      for (int64_t r = 0; r < rows; ++r) {
        std::memcpy(h.users.get() + r * dim, job.user_vectors + user_of(first + r) * dim,
                    static_cast<size_t>(dim) * sizeof(float));
      }
      MR_CUDA_CHECK(cudaMemcpyAsync(d_users.data(), h.users.get(),
                                    static_cast<size_t>(rows * dim) * sizeof(float),
                                    cudaMemcpyHostToDevice, stream));
    }
    int64_t nnz = 0;
    if (exclude) {
      h.ex_ptr[0] = 0;
      for (int64_t r = 0; r < rows; ++r) {
        const int64_t u = user_of(first + r);
        const int64_t len = excluded_count(u);
        if (len > 0) {
          std::memcpy(h.ex_idx.get() + nnz, job.exclude_indices + job.exclude_indptr[u],
                      static_cast<size_t>(len) * sizeof(int32_t));
        }
        nnz += len;
        h.ex_ptr[r + 1] = nnz;
      }
      MR_CUDA_CHECK(cudaMemcpyAsync(d_ex_ptr.data(), h.ex_ptr.get(),
                                    static_cast<size_t>(rows + 1) * sizeof(int64_t),
                                    cudaMemcpyHostToDevice, stream));
      if (nnz > 0) {
        MR_CUDA_CHECK(cudaMemcpyAsync(d_ex_idx.data(), h.ex_idx.get(),
                                      static_cast<size_t>(nnz) * sizeof(int32_t),
                                      cudaMemcpyHostToDevice, stream));
      }
    }
    MR_CUDA_CHECK(cudaMemsetAsync(d_counts.data(), 0, static_cast<size_t>(rows) * sizeof(int),
                                  stream));

    for (int64_t i0 = 0; i0 < items; i0 += tile_items) {
      const int cols = static_cast<int>(std::min(tile_items, items - i0));
      if (dim > 0) {
        MR_CUBLAS_CHECK(cublasSgemm(ctx.cublas(), CUBLAS_OP_T, CUBLAS_OP_N, cols, rows_i,
                                    static_cast<int>(dim), &one,
                                    d_item_vectors.data() + i0 * dim, static_cast<int>(dim),
                                    d_users.data(), static_cast<int>(dim), &zero, d_tile.data(),
                                    static_cast<int>(stride)));
      } else {
        MR_CUDA_CHECK(cudaMemsetAsync(d_tile.data(), 0,
                                      static_cast<size_t>(rows * stride) * sizeof(float), stream));
      }
      if (nnz > 0) {
        const unsigned grid = static_cast<unsigned>((rows + kernels::kMaskWarpsPerBlock - 1) /
                                                    kernels::kMaskWarpsPerBlock);
        kernels::MaskExcludedKernel<<<grid, kernels::kMaskWarpsPerBlock * 32, 0, stream>>>(
            d_tile.data(), stride, rows_i, d_ex_ptr.data(), d_ex_idx.data(),
            static_cast<int32_t>(i0), cols);
        MR_CUDA_LAUNCH_CHECK();
      }
      kernels::SelectRowsParams p{};
      p.scores = d_tile.data();
      p.stride = stride;
      p.rows = rows_i;
      p.cols = cols;
      p.first_item = static_cast<int32_t>(i0);
      p.allowed = d_allowed.data();  // null when every item is allowed
      p.capacity = capacity;
      p.buffer = buffer;
      p.list_scores = d_list_s.data();
      p.list_items = d_list_i.data();
      p.list_counts = d_counts.data();
      p.scratch_scores = d_scratch_s.data();
      p.scratch_items = d_scratch_i.data();
      const unsigned grid = static_cast<unsigned>((rows + kernels::kSelectWarpsPerBlock - 1) /
                                                  kernels::kSelectWarpsPerBlock);
      if (shared_lists) {
        kernels::SelectTopKRowsKernel<true>
            <<<grid, kernels::kSelectWarpsPerBlock * 32, select_smem, stream>>>(p);
      } else {
        kernels::SelectTopKRowsKernel<false>
            <<<grid, kernels::kSelectWarpsPerBlock * 32, select_smem, stream>>>(p);
      }
      MR_CUDA_LAUNCH_CHECK();
    }

    const size_t list_bytes = static_cast<size_t>(rows) * ucap * 4;
    MR_CUDA_CHECK(cudaMemcpyAsync(h.scores.get(), d_list_s.data(), list_bytes,
                                  cudaMemcpyDeviceToHost, stream));
    MR_CUDA_CHECK(cudaMemcpyAsync(h.items.get(), d_list_i.data(), list_bytes,
                                  cudaMemcpyDeviceToHost, stream));
    MR_CUDA_CHECK(cudaMemcpyAsync(h.counts.get(), d_counts.data(),
                                  static_cast<size_t>(rows) * sizeof(int32_t),
                                  cudaMemcpyDeviceToHost, stream));
    MR_CUDA_CHECK(cudaEventRecord(done[b & 1].get(), stream));

    if (b > 0) {  // the previous batch, while this one runs
      MR_CUDA_CHECK(cudaEventSynchronize(done[(b - 1) & 1].get()));
      scatter(b - 1);
    }
  }
  MR_CUDA_CHECK(cudaEventSynchronize(done[(batches - 1) & 1].get()));
  scatter(batches - 1);
}

}  // namespace movierec::cuda
