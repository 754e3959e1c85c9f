#!/usr/bin/env bash
# Builds the project (scripts/setup.sh) and runs every test: unit, regression, CLI, the emulated
# CUDA kernels, the nvcc compile gate, the ASan+UBSan and TSan builds of the kernels, and the
# Python package (installed into build/venv first).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
"$root/scripts/setup-python.sh" # the Python package, tested by ctest's python.package
ctest --test-dir "${FUSION_BUILD_DIR:-$root/build}" --output-on-failure --parallel "$(nproc)" --no-tests=error "$@"
