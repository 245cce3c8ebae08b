// RAII device memory: DeviceBuffer<T> owns count elements (64-bit sizes) allocated with
// cudaMalloc and freed in the destructor; copies are explicit (Upload, Download), moves cheap.
// An allocation failure throws CudaError with out_of_memory set and the size asked for.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "cuda/cuda_check.h"

namespace movierec::cuda {

void* DeviceAlloc(size_t bytes, const char* what);  // throws CudaError
void DeviceFree(void* p) noexcept;

template <typename T>
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  DeviceBuffer(size_t count, const char* what) : count_(count) {
    if (count > 0) ptr_ = static_cast<T*>(DeviceAlloc(count * sizeof(T), what));
  }
  ~DeviceBuffer() { DeviceFree(ptr_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  DeviceBuffer(DeviceBuffer&& o) noexcept
      : ptr_(std::exchange(o.ptr_, nullptr)), count_(std::exchange(o.count_, 0)) {}
  DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
    if (this != &o) {
      DeviceFree(ptr_);
      ptr_ = std::exchange(o.ptr_, nullptr);
      count_ = std::exchange(o.count_, 0);
    }
    return *this;
  }

  T* data() { return ptr_; }
  const T* data() const { return ptr_; }
  size_t size() const { return count_; }
  size_t bytes() const { return count_ * sizeof(T); }

  // Copies count_ elements from host memory (asynchronous on `stream`; the host array must stay
  // alive until the stream reaches this point).
  void Upload(const T* host, cudaStream_t stream) {
    if (count_ > 0) MR_CUDA_CHECK(cudaMemcpyAsync(ptr_, host, bytes(), cudaMemcpyHostToDevice, stream));
  }
  void Download(T* host, cudaStream_t stream) const {
    if (count_ > 0) MR_CUDA_CHECK(cudaMemcpyAsync(host, ptr_, bytes(), cudaMemcpyDeviceToHost, stream));
  }
  void Zero(cudaStream_t stream) {
    if (count_ > 0) MR_CUDA_CHECK(cudaMemsetAsync(ptr_, 0, bytes(), stream));
  }

 private:
  T* ptr_ = nullptr;
  size_t count_ = 0;
};

// A buffer holding a copy of host data.
template <typename T>
DeviceBuffer<T> ToDevice(const T* host, size_t count, const char* what, cudaStream_t stream) {
  DeviceBuffer<T> b(count, what);
  b.Upload(host, stream);
  return b;
}

}  // namespace movierec::cuda
