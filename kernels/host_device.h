// The one macro behind every function both backends share: compiled for host and device by
// nvcc, plain inline C++ elsewhere, so CPU tests exercise the arithmetic the GPU runs.
#pragma once

#if defined(__CUDACC__)
#define MOVIEREC_HD __host__ __device__ __forceinline__
#else
#define MOVIEREC_HD inline
#endif

// For the few innermost functions (dot products, the SGD step) that host code compiles once per
// instruction set: a caller marked __attribute__((target(...))) can inline them only when they
// are always_inline, and they then take its vector width.
#if defined(__CUDACC__)
#define MOVIEREC_HD_HOT MOVIEREC_HD
#elif defined(__GNUC__)
#define MOVIEREC_HD_HOT inline __attribute__((always_inline))
#else
#define MOVIEREC_HD_HOT inline
#endif
