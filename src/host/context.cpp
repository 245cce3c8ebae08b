#include "host/context.h"

#include <spdlog/spdlog.h>

#include <charconv>

#include "common/error.h"
#include "host/cuda_backend.h"

namespace movierec {

std::string Context::Name() const {
  if (device == DeviceKind::kCuda) return "gpu:" + std::to_string(ordinal);
  return "cpu (" + std::to_string(threads) + " threads)";
}

Context ResolveContext(const std::string& spec, int threads) {
  Context ctx;
  ctx.threads = threads > 0 ? threads : 1;
  if (spec == "cpu") return ctx;
  if (spec == "auto") {
    if (cuda::DeviceCount() > 0) {
      ctx.device = DeviceKind::kCuda;
      spdlog::info("device auto: using CUDA device 0, {}", cuda::DeviceDescription(0));
    } else {
      spdlog::info("device auto: no CUDA device ({}); running on the CPU", cuda::NoDeviceReason());
    }
    return ctx;
  }
  std::string_view rest;
  if (spec.rfind("gpu", 0) == 0) {
    rest = std::string_view(spec).substr(3);
  } else if (spec.rfind("cuda", 0) == 0) {
    rest = std::string_view(spec).substr(4);
  } else {
    throw UsageError("unknown device '" + spec + "' (expected auto, cpu, gpu or gpu:N)");
  }
  int ordinal = 0;
  if (!rest.empty()) {
    if (rest[0] != ':') throw UsageError("unknown device '" + spec + "' (expected gpu or gpu:N)");
    auto [p, ec] = std::from_chars(rest.data() + 1, rest.data() + rest.size(), ordinal);
    if (ec != std::errc() || p != rest.data() + rest.size() || ordinal < 0) {
      throw UsageError("bad device ordinal in '" + spec + "'");
    }
  }
  int count = cuda::DeviceCount();
  if (count == 0) throw UsageError("no CUDA device available: " + cuda::NoDeviceReason());
  if (ordinal >= count) {
    throw UsageError("no CUDA device available: ordinal " + std::to_string(ordinal) +
                     " requested but only " + std::to_string(count) + " device(s) found");
  }
  ctx.device = DeviceKind::kCuda;
  ctx.ordinal = ordinal;
  return ctx;
}

}  // namespace movierec
