// The one macro behind every function both backends share: compiled for host and device by
// nvcc, plain inline C++ elsewhere, so CPU tests exercise the arithmetic the GPU runs.
#pragma once

#if defined(__CUDACC__)
#define MOVIEREC_HD __host__ __device__ __forceinline__
#else
#define MOVIEREC_HD inline
#endif
