#!/usr/bin/env bash
# Formats the C++ and CUDA sources of the tree with .clang-format (Debian's clang-format 14).
# --check: list the files that are not formatted and fail, changing nothing.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
command -v clang-format >/dev/null || { echo "format: clang-format is missing (apt-get install clang-format)" >&2; exit 1; }
mapfile -t files < <(git ls-files --cached --others --exclude-standard '*.h' '*.hxx' '*.cxx' '*.cuh' '*.cu' '*.inc' |
  grep -v '^Modules/Core/src/itkWaveletFilterBanks.inc' | grep -v '^build')
if [ "${1:-}" = --check ]; then
  bad=0
  for f in "${files[@]}"; do
    clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || { echo "$f"; bad=1; }
  done
  exit $bad
fi
clang-format -i "${files[@]}"
