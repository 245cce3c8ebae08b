// The CUDA context of a device: one stream, cuBLAS and cuSOLVER handles bound to that stream, and
// a reusable workspace, created once per process and device and leased by one job at a time
// (ContextLease). Plus memory planning from cudaMemGetInfo: how many rows (users, items) one
// batch may hold so that nothing runs out of memory, with a clear error when even one row
// cannot fit.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusolverDn.h>

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>

#include "cuda/device_buffer.h"

namespace movierec::cuda {

class CudaContext {
 public:
  explicit CudaContext(int device);  // throws CudaError (bad ordinal, no device)
  ~CudaContext();
  CudaContext(const CudaContext&) = delete;
  CudaContext& operator=(const CudaContext&) = delete;

  int device() const { return device_; }
  cudaStream_t stream() const { return stream_; }
  cublasHandle_t cublas() const { return cublas_; }
  cusolverDnHandle_t cusolver();  // created on first use (ALS only)
  const cudaDeviceProp& props() const { return props_; }

  // At least `bytes` of scratch device memory, reused across calls (grows until released).
  void* Workspace(size_t bytes);
  // Frees the workspace (the end of a job), so the next job plans with all free memory.
  void ReleaseWorkspace();

  // Device memory free now, less a safety margin (cuBLAS/cuSOLVER workspaces, fragmentation):
  // 90 % of the free bytes minus 256 MiB, never below zero.
  size_t UsableBytes() const;

  // How many units fit in a batch: (UsableBytes() - fixed_bytes) / bytes_per_unit, capped at
  // max_units. Throws CudaError (out_of_memory) naming `what` when not even one unit fits.
  int64_t PlanBatch(size_t fixed_bytes, size_t bytes_per_unit, int64_t max_units,
                    const char* what) const;

  void Synchronize() const;

 private:
  int device_;
  cudaDeviceProp props_{};
  cudaStream_t stream_ = nullptr;
  cublasHandle_t cublas_ = nullptr;
  cusolverDnHandle_t cusolver_ = nullptr;
  DeviceBuffer<unsigned char> workspace_;
};

// A job's hold on its device's context: the first lease of a device creates the context (kept
// until the process exits, never destroyed: tearing cuBLAS down after the CUDA runtime has shut
// down at exit is unsafe); one lease per device at a time (others wait). The destructor waits for
// the stream and releases the workspace. Throws CudaError for a bad ordinal or no device.
class ContextLease {
 public:
  explicit ContextLease(int device);
  ~ContextLease();
  ContextLease(const ContextLease&) = delete;
  ContextLease& operator=(const ContextLease&) = delete;
  CudaContext& get() { return *ctx_; }

 private:
  std::unique_lock<std::mutex> lock_;
  CudaContext* ctx_ = nullptr;
};

// The device description of backend_api.h's describe_device.
std::string DescribeDevice(int device);

// Wall-clock seconds since t0 (host steady clock); callers synchronise first.
double SecondsSince(double t0);
double NowSeconds();

}  // namespace movierec::cuda
