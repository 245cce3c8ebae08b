// The plugin's one exported symbol, movierec_cuda_backend_v1 (backend_api.h): the table of
// operations, each wrapped so that no exception crosses the C boundary. Device discovery lives
// here too, so that counting devices is also the first moment the CUDA runtime is touched.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <stdexcept>
#include <string>

#include "cuda/backend_api.h"
#include "cuda/cuda_check.h"
#include "cuda/cuda_context.h"
#include "cuda/cuda_ops.h"

namespace movierec::cuda {
namespace {

void Copy(const std::string& text, char* out, size_t size) {
  if (out == nullptr || size == 0) return;
  std::snprintf(out, size, "%s", text.c_str());
}

// Devices 0..n-1 that this build has code for (compute capability >= MOVIEREC_CUDA_MIN_CC; the
// attribute query creates no context). Counting stops at the first older device, so ordinals
// stay CUDA's own; CUDA_VISIBLE_DEVICES can leave such a device out.
int DeviceCountC(char* reason, size_t reason_size) {
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) {
    // cudaErrorNoDevice and cudaErrorInsufficientDriver (no libcuda) land here: zero devices.
    Copy(std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err), reason, reason_size);
    cudaGetLastError();
    return 0;
  }
  if (n == 0) Copy("the CUDA driver reports no devices", reason, reason_size);
  for (int d = 0; d < n; ++d) {
    int major = 0, minor = 0;
    if (cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, d) != cudaSuccess ||
        cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, d) != cudaSuccess) {
      cudaGetLastError();
      major = minor = 0;
    }
    if (major * 10 + minor < MOVIEREC_CUDA_MIN_CC) {
      if (d == 0) {
        Copy("device 0, " + DescribeDevice(0) + ", is older than this build supports (sm_" +
                 std::to_string(MOVIEREC_CUDA_MIN_CC) +
                 " and newer; CMAKE_CUDA_ARCHITECTURES, or CUDA_VISIBLE_DEVICES to skip it)",
             reason, reason_size);
      }
      return d;
    }
  }
  return n;
}

void DescribeDeviceC(int device, char* out, size_t size) { Copy(DescribeDevice(device), out, size); }

template <typename Job, void (*Op)(const Job&)>
void Guarded(const Job* job, mr_status* status) {
  if (status == nullptr) return;
  status->ok = 0;
  status->out_of_memory = 0;
  status->message[0] = '\0';
  try {
    if (job == nullptr) throw std::invalid_argument("null job");
    Op(*job);
    status->ok = 1;
  } catch (const CudaError& e) {
    status->out_of_memory = e.out_of_memory() ? 1 : 0;
    Copy(e.what(), status->message, sizeof status->message);
  } catch (const std::bad_alloc&) {
    Copy("out of host memory in the CUDA backend", status->message, sizeof status->message);
  } catch (const std::exception& e) {
    Copy(e.what(), status->message, sizeof status->message);
  } catch (...) {
    Copy("unknown failure in the CUDA backend", status->message, sizeof status->message);
  }
}

const mr_cuda_backend kBackend = {
    MR_CUDA_ABI_VERSION,
    DeviceCountC,
    DescribeDeviceC,
    Guarded<mr_ials_job, TrainIals>,
    Guarded<mr_als_job, TrainAls>,
    Guarded<mr_svd_job, TrainSvd>,
    Guarded<mr_topn_job, ScoreTopN>,
};

}  // namespace
}  // namespace movierec::cuda

extern "C" __attribute__((visibility("default"))) const mr_cuda_backend* movierec_cuda_backend_v1() {
  return &movierec::cuda::kBackend;
}
