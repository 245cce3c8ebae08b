#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <cstdio>
#include <string>

#include "cuda/cuda_check.h"
#include "cuda/cuda_context.h"

namespace movierec::cuda {

const char* CublasStatusName(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
  }
  return "CUBLAS_STATUS_<unknown>";
}

const char* CusolverStatusName(cusolverStatus_t s) {
  switch (s) {
    case CUSOLVER_STATUS_SUCCESS: return "CUSOLVER_STATUS_SUCCESS";
    case CUSOLVER_STATUS_NOT_INITIALIZED: return "CUSOLVER_STATUS_NOT_INITIALIZED";
    case CUSOLVER_STATUS_ALLOC_FAILED: return "CUSOLVER_STATUS_ALLOC_FAILED";
    case CUSOLVER_STATUS_INVALID_VALUE: return "CUSOLVER_STATUS_INVALID_VALUE";
    case CUSOLVER_STATUS_ARCH_MISMATCH: return "CUSOLVER_STATUS_ARCH_MISMATCH";
    case CUSOLVER_STATUS_EXECUTION_FAILED: return "CUSOLVER_STATUS_EXECUTION_FAILED";
    case CUSOLVER_STATUS_INTERNAL_ERROR: return "CUSOLVER_STATUS_INTERNAL_ERROR";
    case CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED:
      return "CUSOLVER_STATUS_MATRIX_TYPE_NOT_SUPPORTED";
    case CUSOLVER_STATUS_NOT_SUPPORTED: return "CUSOLVER_STATUS_NOT_SUPPORTED";
    default: break;
  }
  return "CUSOLVER_STATUS_<other>";
}

namespace {

std::string Where(const char* call, const char* file, int line) {
  const char* base = file;
  for (const char* p = file; *p; ++p) {
    if (*p == '/') base = p + 1;
  }
  return std::string(" in ") + call + " (" + base + ":" + std::to_string(line) + ")";
}

}  // namespace

void ThrowCuda(cudaError_t e, const char* call, const char* file, int line) {
  cudaGetLastError();  // clear a non-sticky error so the next job starts clean
  throw CudaError(std::string(cudaGetErrorName(e)) + ": " + cudaGetErrorString(e) +
                      Where(call, file, line),
                  e == cudaErrorMemoryAllocation);
}

void ThrowCublas(cublasStatus_t s, const char* call, const char* file, int line) {
  throw CudaError(std::string(CublasStatusName(s)) + Where(call, file, line),
                  s == CUBLAS_STATUS_ALLOC_FAILED);
}

void ThrowCusolver(cusolverStatus_t s, const char* call, const char* file, int line) {
  throw CudaError(std::string(CusolverStatusName(s)) + Where(call, file, line),
                  s == CUSOLVER_STATUS_ALLOC_FAILED);
}

void* DeviceAlloc(size_t bytes, const char* what) {
  void* p = nullptr;
  const cudaError_t e = cudaMalloc(&p, bytes);
  if (e != cudaSuccess) {
    cudaGetLastError();
    size_t free_b = 0, total_b = 0;
    cudaMemGetInfo(&free_b, &total_b);
    char msg[512];
    std::snprintf(msg, sizeof msg,
                  "out of device memory: %s needs %.1f MiB, %.1f MiB of %.1f MiB free (%s)", what,
                  static_cast<double>(bytes) / 1048576.0, static_cast<double>(free_b) / 1048576.0,
                  static_cast<double>(total_b) / 1048576.0, cudaGetErrorName(e));
    throw CudaError(msg, true);
  }
  return p;
}

void DeviceFree(void* p) noexcept {
  if (p != nullptr) cudaFree(p);
}

CudaContext::CudaContext(int device) : device_(device) {
  int count = 0;
  MR_CUDA_CHECK(cudaGetDeviceCount(&count));
  if (device < 0 || device >= count) {
    throw CudaError("no CUDA device " + std::to_string(device) + " (" + std::to_string(count) +
                        " present)",
                    false);
  }
  MR_CUDA_CHECK(cudaSetDevice(device));
  MR_CUDA_CHECK(cudaGetDeviceProperties(&props_, device));
  MR_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
  try {
    MR_CUBLAS_CHECK(cublasCreate(&cublas_));
    MR_CUBLAS_CHECK(cublasSetStream(cublas_, stream_));
  } catch (...) {
    if (cublas_ != nullptr) cublasDestroy(cublas_);
    cudaStreamDestroy(stream_);
    throw;
  }
}

CudaContext::~CudaContext() {
  if (stream_ != nullptr) cudaStreamSynchronize(stream_);
  if (cusolver_ != nullptr) cusolverDnDestroy(cusolver_);
  if (cublas_ != nullptr) cublasDestroy(cublas_);
  workspace_ = DeviceBuffer<unsigned char>();
  if (stream_ != nullptr) cudaStreamDestroy(stream_);
}

cusolverDnHandle_t CudaContext::cusolver() {
  if (cusolver_ == nullptr) {
    MR_CUSOLVER_CHECK(cusolverDnCreate(&cusolver_));
    MR_CUSOLVER_CHECK(cusolverDnSetStream(cusolver_, stream_));
  }
  return cusolver_;
}

void* CudaContext::Workspace(size_t bytes) {
  if (workspace_.size() < bytes) {
    Synchronize();  // the old workspace may still be in use by queued work
    workspace_ = DeviceBuffer<unsigned char>();
    workspace_ = DeviceBuffer<unsigned char>(bytes, "the scratch workspace");
  }
  return workspace_.data();
}

void CudaContext::ReleaseWorkspace() {
  const cudaError_t e = cudaStreamSynchronize(stream_);
  workspace_ = DeviceBuffer<unsigned char>();  // freed even after a failed job
  if (e != cudaSuccess) ThrowCuda(e, "cudaStreamSynchronize", __FILE__, __LINE__);
}

namespace {

struct DeviceSlot {
  std::mutex job;  // held by the lease
  CudaContext* ctx = nullptr;
};

DeviceSlot& SlotFor(int device) {
  static std::mutex mu;
  static std::map<int, DeviceSlot>* slots = new std::map<int, DeviceSlot>();  // never destroyed
  std::lock_guard<std::mutex> lock(mu);
  return (*slots)[device];  // std::map never moves its elements
}

}  // namespace

ContextLease::ContextLease(int device) {
  DeviceSlot& slot = SlotFor(device);
  lock_ = std::unique_lock<std::mutex>(slot.job);
  if (slot.ctx == nullptr) slot.ctx = new CudaContext(device);  // a throw leaves it null
  ctx_ = slot.ctx;
  MR_CUDA_CHECK(cudaSetDevice(device));
}

ContextLease::~ContextLease() {
  try {
    ctx_->ReleaseWorkspace();
  } catch (...) {
    // The job's own error (if any) is already on its way; a failed sync here adds nothing.
  }
}

size_t CudaContext::UsableBytes() const {
  size_t free_b = 0, total_b = 0;
  MR_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
  const size_t margin = size_t{256} << 20;
  const size_t usable = free_b / 10 * 9;
  return usable > margin ? usable - margin : 0;
}

int64_t CudaContext::PlanBatch(size_t fixed_bytes, size_t bytes_per_unit, int64_t max_units,
                               const char* what) const {
  const size_t usable = UsableBytes();
  const size_t per = std::max<size_t>(bytes_per_unit, 1);
  if (usable < fixed_bytes + per) {
    char msg[512];
    std::snprintf(msg, sizeof msg,
                  "out of device memory: %s needs at least %.1f MiB (%.1f MiB fixed + %.3f MiB "
                  "per row) but only %.1f MiB are usable on device %d",
                  what, static_cast<double>(fixed_bytes + per) / 1048576.0,
                  static_cast<double>(fixed_bytes) / 1048576.0,
                  static_cast<double>(per) / 1048576.0, static_cast<double>(usable) / 1048576.0,
                  device_);
    throw CudaError(msg, true);
  }
  const int64_t fit = static_cast<int64_t>((usable - fixed_bytes) / per);
  return std::max<int64_t>(1, std::min(fit, std::max<int64_t>(max_units, 1)));
}

void CudaContext::Synchronize() const { MR_CUDA_CHECK(cudaStreamSynchronize(stream_)); }

std::string DescribeDevice(int device) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    cudaGetLastError();
    return "unknown device";
  }
  char mem[64];
  std::snprintf(mem, sizeof mem, "%.1f GiB",
                static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
         std::to_string(prop.minor) + ", " + mem + ")";
}

double NowSeconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double SecondsSince(double t0) { return NowSeconds() - t0; }

}  // namespace movierec::cuda
