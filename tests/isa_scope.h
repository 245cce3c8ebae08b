// Runs a test body on each instruction set the CPU trainers can use (host/cpu_factor_simd.h).
#pragma once

#include <vector>

#include "host/cpu_factor_simd.h"

namespace movierec::testing {

using cpu_factor::simd::Isa;

// The instruction sets this CPU runs, for tests that run on each.
inline std::vector<Isa> CpuIsas() {
  std::vector<Isa> out = {Isa::kBaseline};
  if (cpu_factor::simd::DetectedIsa() >= Isa::kAvx2) out.push_back(Isa::kAvx2);
  if (cpu_factor::simd::DetectedIsa() >= Isa::kAvx512) out.push_back(Isa::kAvx512);
  return out;
}

// Runs the trainers on one instruction set for its lifetime.
class IsaScope {
 public:
  explicit IsaScope(Isa isa) { cpu_factor::simd::SetIsaForTesting(isa); }
  ~IsaScope() { cpu_factor::simd::SetIsaForTesting(cpu_factor::simd::DetectedIsa()); }
  IsaScope(const IsaScope&) = delete;
  IsaScope& operator=(const IsaScope&) = delete;
};

}  // namespace movierec::testing
