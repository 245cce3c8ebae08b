// The tool's side of the CUDA backend: the plugin (libmovierec_cuda.so, src/cuda/) is opened on
// first use, so a process that stays on the CPU never loads the CUDA runtime, cuBLAS or cuSOLVER.
// Where the plugin is looked for, in order: $MOVIEREC_CUDA_PLUGIN; beside the executable; the
// build tree it was built in. A CPU-only build (MOVIEREC_CUDA=OFF) never looks.
#pragma once

#include <string>

#include "cuda/backend_api.h"

namespace movierec::cuda {

// True when this binary was built with the CUDA backend.
bool BuiltWithCuda();

// Number of usable devices; "no plugin", "no driver" and "no device" all give 0, never an
// exception. The first call opens the plugin.
int DeviceCount();

// Why DeviceCount() is 0 (no plugin, the CUDA error name, ...), or "".
std::string NoDeviceReason();

// "NVIDIA H100 80GB HBM3 (sm_90, 79.1 GiB)" for a valid ordinal; "none" without a plugin.
std::string DeviceDescription(int ordinal);

// The plugin's operations; throws movierec::Error when it cannot be opened.
const mr_cuda_backend& Backend();

// Throws movierec::Error "<what> on the GPU failed: <message>" unless status.ok.
void ThrowIfFailed(const mr_status& status, const std::string& what);

}  // namespace movierec::cuda
