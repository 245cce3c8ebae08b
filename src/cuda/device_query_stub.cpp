// CPU-only build: the same interface as device_query.cu, reporting no devices.
#include "cuda/device_query.h"

namespace movierec::cuda {

bool BuiltWithCuda() { return false; }
int DeviceCount() { return 0; }
std::string NoDeviceReason() { return "this binary was built without CUDA (MOVIEREC_CUDA=OFF)"; }
std::string DeviceDescription(int) { return "none"; }

}  // namespace movierec::cuda
