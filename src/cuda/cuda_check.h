// Status checks for the CUDA backend: every CUDA runtime, cuBLAS and cuSOLVER call goes through
// one of these macros, which throw CudaError carrying file:line, the call and the status name.
// plugin.cu turns the exception into an mr_status at the C boundary.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>
#include <cusolverDn.h>

#include <stdexcept>
#include <string>

namespace movierec::cuda {

class CudaError : public std::runtime_error {
 public:
  CudaError(const std::string& what, bool out_of_memory)
      : std::runtime_error(what), out_of_memory_(out_of_memory) {}
  bool out_of_memory() const { return out_of_memory_; }

 private:
  bool out_of_memory_;
};

const char* CublasStatusName(cublasStatus_t s);
const char* CusolverStatusName(cusolverStatus_t s);

[[noreturn]] void ThrowCuda(cudaError_t e, const char* call, const char* file, int line);
[[noreturn]] void ThrowCublas(cublasStatus_t s, const char* call, const char* file, int line);
[[noreturn]] void ThrowCusolver(cusolverStatus_t s, const char* call, const char* file, int line);

}  // namespace movierec::cuda

#define MR_CUDA_CHECK(call)                                                        \
  do {                                                                             \
    const cudaError_t mr_e_ = (call);                                              \
    if (mr_e_ != cudaSuccess) ::movierec::cuda::ThrowCuda(mr_e_, #call, __FILE__, __LINE__); \
  } while (0)

#define MR_CUBLAS_CHECK(call)                                                       \
  do {                                                                              \
    const cublasStatus_t mr_s_ = (call);                                            \
    if (mr_s_ != CUBLAS_STATUS_SUCCESS)                                             \
      ::movierec::cuda::ThrowCublas(mr_s_, #call, __FILE__, __LINE__);              \
  } while (0)

#define MR_CUSOLVER_CHECK(call)                                                     \
  do {                                                                              \
    const cusolverStatus_t mr_s_ = (call);                                          \
    if (mr_s_ != CUSOLVER_STATUS_SUCCESS)                                           \
      ::movierec::cuda::ThrowCusolver(mr_s_, #call, __FILE__, __LINE__);            \
  } while (0)

// After a kernel launch: launch-configuration errors surface here, not at the next call.
#define MR_CUDA_LAUNCH_CHECK() MR_CUDA_CHECK(cudaGetLastError())
