#!/usr/bin/env bash
# Installs the Debian packages movierec builds with. Idempotent: a no-op when all are present.
# The CUDA toolkit is expected under /usr/local/cuda (the build works without it, CPU-only).
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config
  libcli11-dev libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libfast-float-dev
  libsqlite3-dev sqlite3 zlib1g-dev
  libopenblas-openmp-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install_deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

echo "install_deps: installing ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
