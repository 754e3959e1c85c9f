#!/usr/bin/env bash
# The Python package: a virtual environment (build/venv, or FUSION_PYTHON_VENV) with the pinned
# packages of Wrapping/Python/requirements.txt, and `pip install .` of the repository into it
# (scikit-build-core builds the library and the pybind11 module against Debian's ITK, in
# build/python, incrementally). Needs the Debian packages of scripts/setup.sh (run first).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${FUSION_PYTHON_VENV:-$root/build/venv}"
if [ ! -x "$venv/bin/python" ]; then
  # Debian's reference libraries (python3-pywt, -skimage, -torch) stay visible for the cross-checks.
  /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$root/Wrapping/Python/requirements.txt"
if ! command -v nvcc >/dev/null 2>&1 && [ -x /usr/local/cuda/bin/nvcc ]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi
# No build isolation: the pinned scikit-build-core and pybind11 above build it.
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-build-isolation "$root" >&2
echo "setup-python: mmfusion installed in $venv" >&2
