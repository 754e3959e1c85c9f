#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan; Testing/Fuzz) into build-fuzz/ and runs each
# for SECONDS (default 600) over its seed corpus; new inputs go to build-fuzz/corpus-TARGET,
# crashes to build-fuzz/findings/. Usage: scripts/fuzz.sh [SECONDS] [TARGET ...]
# Targets: file_checks dwt_description arguments onnx (default: all). Put a crash's input into
# Testing/Fuzz/corpus/TARGET/ to keep it as a regression test.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seconds="${1:-600}"
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(file_checks dwt_description arguments onnx)
FUSION_SKIP_BUILD=1 "$root/scripts/setup.sh" # the Debian packages (clang included)
build="$root/build-fuzz"
cmake -S "$root" -B "$build" -DFUSION_FUZZ=ON -DFUSION_USE_CUDA=OFF -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DFUSION_BUILD_BENCHMARKS=OFF > "$build.log" 2>&1 \
  || { cat "$build.log" >&2; exit 1; }
cmake --build "$build" --parallel "$(nproc)"
mkdir -p "$build/findings"
status=0
for t in "${targets[@]}"; do
  mkdir -p "$build/corpus-$t"
  echo "fuzz.sh: $t for $seconds s" >&2
  "$build/bin/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/findings/$t-" "$build/corpus-$t" "$root/Testing/Fuzz/corpus/$t" || status=1
done
exit $status
