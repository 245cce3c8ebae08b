// The compute context: which device runs training and scoring (DESIGN.md §3).
#pragma once

#include <string>

namespace movierec {

enum class DeviceKind { kCpu, kCuda };

struct Context {
  DeviceKind device = DeviceKind::kCpu;
  int ordinal = 0;  // CUDA device ordinal when device == kCuda
  int threads = 1;  // CPU worker threads

  bool IsCuda() const { return device == DeviceKind::kCuda; }
  std::string Name() const;
};

// Resolves "auto", "cpu", "gpu", "gpu:N" (also "cuda", "cuda:N").
// auto: CUDA when built with it and a device answers, else CPU with one log line.
// gpu with no usable device: UsageError "no CUDA device available: <reason>" (exit 2).
Context ResolveContext(const std::string& spec, int threads);

}  // namespace movierec
