#!/usr/bin/env bash
# Builds the project and prints the Google Benchmark table of the filters, per backend.
# Extra arguments go to the benchmark program (e.g. --benchmark_filter=WeightedFusion).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh" > /dev/null 2>&1 || "$root/scripts/setup.sh"
build="${FUSION_BUILD_DIR:-$root/build}"
json="$(mktemp)"
"$build/bin/MultimodalFusionBenchmarks" --benchmark_format=json --benchmark_out="$json" \
  --benchmark_out_format=json --benchmark_repetitions=3 --benchmark_report_aggregates_only=true "$@" > /dev/null
python3 - "$json" <<'PY'
import json, sys
data = json.load(open(sys.argv[1]))
ctx = data["context"]
print(f"{ctx.get('num_cpus')} CPUs at {ctx.get('mhz_per_cpu')} MHz, {ctx.get('host_name')}, {data['context']['date']}")
print("| benchmark | backend | median time (ms) | Mpixel/s |")
print("|---|---|---:|---:|")
for b in data["benchmarks"]:
    if b.get("aggregate_name") != "median":
        continue
    name = b["run_name"]
    ms = b["real_time"] if b["time_unit"] == "ms" else b["real_time"] / 1e6
    # items_per_second is per CPU second of the calling thread; convert to wall-clock seconds.
    items = b.get("items_per_second", 0) * b["cpu_time"]
    rate = items / b["real_time"] / 1e6
    print(f"| {name} | {b.get('label', '')} | {ms:.3f} | {rate:.1f} |")
PY
rm -f "$json"
