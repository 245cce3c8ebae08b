#!/usr/bin/env bash
# On a GPU machine: unpacks .gpu-bundle/bundle.tar.xz (scripts/gpu_bundle.sh), runs the GPU test
# suite and the GPU benchmark, and writes the logs to $OUT (or ./gpu-out). Needs only the
# machine's CUDA driver and toolkit libraries; no build there.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${OUT:-gpu-out}"
mkdir -p "$out"
root="$(mktemp -d)"
tar -C "$root" -xJf .gpu-bundle/bundle.tar.xz || exit 1
cuda_lib="$(dirname "$(readlink -f "$(command -v nvcc 2>/dev/null || echo /usr/local/cuda/bin/nvcc)")")/../lib64"
export LD_LIBRARY_PATH="$root/lib:$cuda_lib:/usr/local/cuda/lib64${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export MOVIEREC_CUDA_PLUGIN="$root/bin/libmovierec_cuda.so" MOVIEREC_BINARY="$root/bin/movierec"
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
jobs="$(nproc)"
{
  echo "commit $(cat "$root/commit"), $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1
  echo "$(nproc) cores: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
} | tee "$out/machine.txt"
echo "=== GPU suite"
(cd "$root" && "$root/bin/movierec_gpu_tests" --gtest_output="xml:$out/gpu_tests.xml") \
  >"$out/gpu_tests.log" 2>&1
suite=$?
grep -E "^\[ *(OK|FAILED|SKIPPED|PASSED) |Failure|Expected|Which is|error" "$out/gpu_tests.log" | head -200
echo "=== benchmark (bash scripts/bench.sh gpu's runs)"
{
  "$root/bin/als_bench" --device gpu --threads "$jobs" --factors 128 --iterations 5 \
    --algorithms ials,als,svd
  "$root/bin/als_bench" --device gpu --threads "$jobs" --factors 64 --iterations 5 --algorithms ials
  "$root/bin/topn_bench" --device gpu --threads "$jobs" --repeat 5
  echo "--- the CPU beside it ($jobs threads)"
  "$root/bin/als_bench" --threads "$jobs" --factors 128 --iterations 2 --algorithms ials
  "$root/bin/topn_bench" --threads "$jobs" --repeat 1 --skip-sgemm
} 2>&1 | tee "$out/gpu_bench.log"
echo "GPU suite exit status: $suite"
exit "$suite"
