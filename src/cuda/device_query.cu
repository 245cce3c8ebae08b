#include <cuda_runtime.h>

#include <cstdio>
#include <string>

#include "cuda/device_query.h"

namespace movierec::cuda {
namespace {

struct Probe {
  int count = 0;
  std::string reason;
};

const Probe& GetProbe() {
  static const Probe probe = [] {
    Probe p;
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
      // cudaErrorNoDevice and cudaErrorInsufficientDriver (no libcuda) land here: zero devices.
      p.reason = std::string(cudaGetErrorName(err)) + ": " + cudaGetErrorString(err);
      cudaGetLastError();  // clear the sticky error so later calls start clean
      return p;
    }
    p.count = n;
    if (n == 0) p.reason = "the CUDA driver reports no devices";
    return p;
  }();
  return probe;
}

}  // namespace

bool BuiltWithCuda() { return true; }

int DeviceCount() { return GetProbe().count; }

std::string NoDeviceReason() { return GetProbe().reason; }

std::string DeviceDescription(int ordinal) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, ordinal) != cudaSuccess) return "unknown device";
  char mem[64];
  std::snprintf(mem, sizeof mem, "%.1f GiB",
                static_cast<double>(prop.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
  return std::string(prop.name) + " (sm_" + std::to_string(prop.major) +
         std::to_string(prop.minor) + ", " + mem + ")";
}

}  // namespace movierec::cuda
