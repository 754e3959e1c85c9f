#!/usr/bin/env bash
# Installs the Debian packages the project needs (only those missing; apt-get update first),
# then configures and builds into build/ (every target, or FUSION_BUILD_TARGETS). Safe to run
# again: it skips what is there.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${FUSION_BUILD_DIR:-$root/build}"

packages=(
  cmake make g++                # toolchain
  libinsighttoolkit5-dev        # ITK 5.2.1 with its IO modules
  libgdcm-tools                 # the DICOM tools ITK's CMake config refers to
  libgtest-dev                  # GoogleTest
  libbenchmark-dev              # Google Benchmark
  libonnx-dev libprotobuf-dev   # ONNX networks (ConvFeatureFilter)
  libopenblas-dev               # GEMM for the CPU convolutions
  libfftw3-dev                  # FFTs of the Q_CB / Q_CV fusion metrics
  libvtk9-dev xvfb              # the VTK bridge, .vti export and offscreen renders (Modules/Viewer; Xvfb for the tests)
  zlib1g-dev                    # the input checks (gzip and zlib streams)
  clang libclang-rt-14-dev      # libFuzzer with ASan/UBSan (Testing/Fuzz)
  python3-numpy python3-pywt    # reference libraries for the cross-checks in the tests
  python3-skimage
  python3-torch python3-torchvision python3-onnx
  python3-venv python3-dev      # the Python package's environment and headers (scripts/setup-python.sh)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

[ "${FUSION_SKIP_BUILD:-0}" = 1 ] && exit 0 # packages only (scripts/fuzz.sh)

# nvcc (the CUDA toolkit) is optional: with it the kernels are also compiled for sm_75..sm_90.
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
command -v nvcc >/dev/null 2>&1 || echo "setup: no nvcc on PATH; the kernels run in the CPU emulation only" >&2

mkdir -p "$build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release ${FUSION_CMAKE_OPTIONS:-} > "$build/configure.log" 2>&1 \
  || { cat "$build/configure.log" >&2; echo "setup: configuring failed (log: $build/configure.log)" >&2; exit 1; }
# FUSION_BUILD_TARGETS: build only these targets (the main job builds the library and mmfusion only).
targets=()
for t in ${FUSION_BUILD_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build" --parallel "$(nproc)" "${targets[@]}"
