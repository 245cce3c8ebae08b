// Internal helpers shared by the factor trainers (host/cpu_als.cpp, host/cpu_ials.cpp, and for
// padding, packing and progress lines host/cpu_svd.cpp and host/cuda_trainers.cpp): padded factor
// storage, seeded initialisation, the Gram matrix YᵀY, input checks and progress lines. Not part
// of the model API.
//
// Factor storage: a side's factors live in a rows × kp row-major float matrix, kp = k rounded up
// to a multiple of 16 (one 64-byte vector of floats), the padding columns held at zero. The hot
// loops then run on whole 16-float vectors; FactorModel gets the unpadded rows × k copy (a move
// when k is already a multiple of 16).
//
// Vector code: the hot loops (host/cpu_factor_simd.h) are compiled for AVX-512, AVX2 + FMA and
// the x86-64 baseline, as the project builds without -march, and the best the CPU supports
// runs. Results can differ between those in the last bits (reduction order, FMA contraction);
// on one machine they never depend on the thread count.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

#include "common/sparse.h"
#include "host/trainer.h"

namespace movierec::cpu_factor {

inline constexpr int kLanes = 16;  // floats per vector block (64 bytes)

// k rounded up to a multiple of kLanes.
inline int PaddedWidth(int k) { return (k + kLanes - 1) / kLanes * kLanes; }

// Worker threads for a Context (at least 1).
int Threads(const Context& ctx);

// Asks for transparent huge pages on the 2 MiB-aligned part of [p, p + bytes) (Linux
// MADV_HUGEPAGE; a no-op elsewhere or when refused). Call before the pages are first touched.
// The factor matrices are gathered at random, row by row: with 4 KiB pages the 35 MB of ML-20M
// user factors overflow the TLB and every gather also walks the page table.
void AdviseHugePages(void* p, size_t bytes);

// Seeded initialisation of a rows × kp padded factor matrix (resized here): row r's k values come
// from a splitmix64 stream keyed by (seed, stream, r) alone, so the result is the same for any
// thread count. The storage is advised onto huge pages. kUniform draws from [0, scale) (the
// `implicit` library's rand · 0.01), kNormal from N(0, scale²). Rows whose entry count (by
// `indptr`) is zero stay zero, as do the padding columns.
enum class InitKind { kUniform, kNormal };
void InitFactors(std::vector<float>& out, int64_t rows, int k, int kp, InitKind kind, double scale,
                 uint64_t seed, uint64_t stream, const std::vector<int64_t>& indptr, int threads);

// g = YᵀY (kp × kp row-major, both triangles) for the rows × kp padded matrix y. Rows are summed
// in fixed blocks whose partial Gram matrices are added in block order, so the result is
// identical for every thread count (a multi-threaded BLAS syrk does not promise that).
void Gramian(const float* y, int64_t rows, int kp, int threads, std::vector<float>& g);

// a(r, c) += Σ_j s_j[r] t_j[c] for the 16-column blocks on or below the diagonal of the kp × kp
// row-major `a` (every element with c < 16·(r / 16 + 1)); s and t are n × kp row-major. With s = t
// (or s = diag(w) t) this is the lower triangle of a (weighted) Gram matrix.
void AccumulateGram(const float* s, const float* t, int64_t n, int kp, float* a);

// Copies the strict lower triangle of the kp × kp row-major `a` onto the upper one.
void MirrorLower(float* a, int kp);

// Longest row of a compressed matrix (0 when empty).
int64_t MaxRowLength(const std::vector<int64_t>& indptr);

// Throws movierec::Error when csr / csc are not the same well-shaped matrix (sizes, offsets
// that start at 0, never decrease and end at nnz, indexes in range). O(nnz), a few ms at 20M.
void CheckTrainInput(const RatingMatrix& csr, const CscMatrix& csc, const char* algorithm);

// rows × k copy of a rows × kp padded matrix (moves when k == kp).
std::vector<float> Unpad(std::vector<float>&& padded, int64_t rows, int k, int kp);
// rows × kp copy of a rows × k matrix, padding columns zero.
std::vector<float> Pad(const float* x, int64_t rows, int k, int kp);

// The trained model from padded factor arrays: unpadded, shaped and carrying csr's id maps.
FactorModel PackModel(const char* algorithm, const RatingMatrix& csr, int k, int kp,
                      std::vector<float>&& x, std::vector<float>&& y);

// A fold-in's item factors: checks the model's item factors and the rated item indexes
// (movierec::Error naming `algorithm` otherwise) and returns the factors padded to
// PaddedWidth(model.factors), the copy kept in `storage` when padding was needed.
const float* FoldInItemFactors(const FactorModel& model, const int32_t* items, int64_t count,
                               const char* algorithm, std::vector<float>& storage);

// Logs "<algorithm> iteration i/n: loss …, train RMSE … (s)" (info when options.progress, debug
// otherwise) and calls options.on_iteration.
void ReportIteration(const char* algorithm, int iterations, bool with_rmse, const IterationLog& log,
                     const TrainOptions& options);

inline double SecondsSince(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace movierec::cpu_factor
