#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test.
#   scripts/test.sh            the CUDA build (when nvcc exists) with warnings as errors
#   scripts/test.sh --all      also the CPU-only build and the ASan+UBSan build (what CI runs)
# GPU tests (ctest label "gpu") skip, loudly, where no device is present.
set -euo pipefail
cd "$(dirname "$0")/.."
all=0
[ "${1:-}" = "--all" ] && all=1

bash scripts/install_deps.sh
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-Haswell}"
jobs="$(nproc 2>/dev/null || echo 2)"

run_suite() {
  local dir="$1"; shift
  echo "=== build $dir ($*)"
  bash scripts/build.sh "$dir" -DMOVIEREC_WERROR=ON -DMOVIEREC_BUILD_BENCH=OFF "$@"
  echo "=== test $dir"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs"
}

run_suite build -DMOVIEREC_CUDA=AUTO
if [ "$all" = 1 ]; then
  run_suite build-cpu -DMOVIEREC_CUDA=OFF
  BUILD_TYPE=RelWithDebInfo run_suite build-asan -DMOVIEREC_CUDA=OFF -DMOVIEREC_SANITIZE=ON
fi
