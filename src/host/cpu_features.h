// The instruction sets this CPU runs, as the C library already found them at start-up.
// glibc's <sys/platform/x86.h> reads its own table, so asking costs no CPUID; GCC's
// __builtin_cpu_supports would link libgcc's CPUID probe into every process start instead.
#pragma once

namespace movierec::cpu {

// x86-64-v3: AVX, AVX2, FMA, F16C, BMI1/2, LZCNT, MOVBE, with the OS saving the ymm state.
bool HasX86_64_V3();
// x86-64-v4: v3 plus AVX-512 F, BW, CD, DQ and VL, with the OS saving the zmm state.
bool HasX86_64_V4();

}  // namespace movierec::cpu
