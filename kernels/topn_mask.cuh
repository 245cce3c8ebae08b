// The exclusion mask of the GPU top-n (src/cuda/topn.cu launches it between the cuBLAS score
// tile and kernels::SelectTopKRowsKernel): NaN over each row's excluded (already rated) items
// in the tile, so that the select kernel never takes them.
#pragma once

#include <cuda_runtime.h>
#include <math_constants.h>

#include <cstdint>

namespace movierec::kernels {

constexpr int kMaskWarpsPerBlock = 8;

// Sets tile[row][item - first_item] = NaN for every excluded item of the row inside
// [first_item, first_item + cols). One warp per row; ptr is the batch-local CSR (rows + 1).
__global__ void __launch_bounds__(kMaskWarpsPerBlock * 32)
    MaskExcludedKernel(float* __restrict__ tile, int64_t stride, int rows,
                       const int64_t* __restrict__ ptr, const int32_t* __restrict__ indices,
                       int32_t first_item, int cols) {
  const int lane = static_cast<int>(threadIdx.x) & 31;
  const int row = static_cast<int>(blockIdx.x) * kMaskWarpsPerBlock +
                  (static_cast<int>(threadIdx.x) >> 5);
  if (row >= rows) return;
  const int64_t end = ptr[row + 1];
  float* out = tile + static_cast<int64_t>(row) * stride;
  for (int64_t e = ptr[row] + lane; e < end; e += 32) {
    const int64_t c = static_cast<int64_t>(indices[e]) - first_item;
    if (c >= 0 && c < cols) out[c] = CUDART_NAN_F;
  }
}

}  // namespace movierec::kernels
