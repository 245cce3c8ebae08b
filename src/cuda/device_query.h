// How many CUDA devices answer. Plain C++ header: the CPU-only build links a version that
// reports zero devices, so callers never need #ifdefs.
#pragma once

#include <string>

namespace movierec::cuda {

// True when this binary was built with the CUDA backend.
bool BuiltWithCuda();

// Number of usable devices; "no device" and "no driver" both give 0, never an exception.
int DeviceCount();

// Human-readable reason when DeviceCount() is 0 (e.g. the CUDA error name), or "".
std::string NoDeviceReason();

// "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)" for a valid ordinal.
std::string DeviceDescription(int ordinal);

}  // namespace movierec::cuda
