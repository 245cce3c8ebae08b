#!/usr/bin/env bash
# Packs what a GPU machine without this project's Debian packages needs to run the GPU test suite
# and the GPU benchmark: the Release binaries (the lean build needs only libc, libm and libgomp
# from the system), the CUDA plugin, and the shared libraries the tool opens at run time
# (OpenBLAS with its Fortran runtime, libgomp), into .gpu-bundle/ (ignored by git, ~9 MB xz).
# The CUDA libraries (cuBLAS, cuSOLVER) are the GPU machine's own, from its CUDA toolkit.
#
#   bash scripts/gpu_bundle.sh                 # here: build and pack
#   then, on the GPU machine (the device tool: carry [".gpu-bundle"]):
#   bash scripts/gpu_run.sh                    # GPU suite + bash scripts/bench.sh gpu's runs
set -euo pipefail
cd "$(dirname "$0")/.."
TARGETS="movierec movierec_gpu_tests als_bench topn_bench" bash scripts/build.sh build \
  -DMOVIEREC_CUDA=ON -DMOVIEREC_BUILD_TESTS=ON -DMOVIEREC_BUILD_BENCH=ON >/dev/null
stage="$(mktemp -d)"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib"
cp build/movierec build/libmovierec_cuda.so build/tests/movierec_gpu_tests \
  build/bench/als_bench build/bench/topn_bench "$stage/bin/"
strip --strip-unneeded "$stage"/bin/*
for lib in libopenblas.so.0 libgfortran.so.5 libquadmath.so.0 libgomp.so.1; do
  path="$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ {print $NF; exit}')"
  [ -n "$path" ] || { echo "gpu_bundle: $lib not found" >&2; exit 1; }
  cp -L "$path" "$stage/lib/"
done
git rev-parse --short HEAD > "$stage/commit" 2>/dev/null || echo unknown > "$stage/commit"
rm -rf .gpu-bundle && mkdir -p .gpu-bundle
tar -C "$stage" -cJf .gpu-bundle/bundle.tar.xz .
ls -la .gpu-bundle/bundle.tar.xz
