#include "host/cpu_features.h"

#if defined(__x86_64__) && defined(__has_include)
#if __has_include(<sys/platform/x86.h>)
#include <sys/platform/x86.h>
#define MOVIEREC_GLIBC_X86_FEATURES 1
#endif
#endif

namespace movierec::cpu {

#if defined(MOVIEREC_GLIBC_X86_FEATURES)
// CPU_FEATURE_ACTIVE is true only when the CPU has the feature and the OS enabled its state.
bool HasX86_64_V3() {
  return CPU_FEATURE_ACTIVE(AVX) && CPU_FEATURE_ACTIVE(AVX2) && CPU_FEATURE_ACTIVE(FMA) &&
         CPU_FEATURE_ACTIVE(F16C) && CPU_FEATURE_ACTIVE(BMI1) && CPU_FEATURE_ACTIVE(BMI2) &&
         CPU_FEATURE_ACTIVE(LZCNT) && CPU_FEATURE_ACTIVE(MOVBE);
}

bool HasX86_64_V4() {
  return HasX86_64_V3() && CPU_FEATURE_ACTIVE(AVX512F) && CPU_FEATURE_ACTIVE(AVX512BW) &&
         CPU_FEATURE_ACTIVE(AVX512CD) && CPU_FEATURE_ACTIVE(AVX512DQ) &&
         CPU_FEATURE_ACTIVE(AVX512VL);
}
#elif defined(__x86_64__) && defined(__GNUC__)
// No glibc feature table (glibc < 2.33, another C library): GCC's own probe.
bool HasX86_64_V3() { return __builtin_cpu_supports("x86-64-v3"); }
bool HasX86_64_V4() { return __builtin_cpu_supports("x86-64-v4"); }
#else
bool HasX86_64_V3() { return false; }
bool HasX86_64_V4() { return false; }
#endif

}  // namespace movierec::cpu
