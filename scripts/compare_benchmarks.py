#!/usr/bin/env python3
"""Times two builds' benchmark programs (before and after a change) side by side: the runs alternate
between the builds so that both see the same machine, and each benchmark's median over the rounds is
compared as the ratio after / before (below 1: faster). Shows that a refactoring did not slow a
filter down; it says nothing about the peers (scripts/benchmark_*.py race those).
Usage: /usr/bin/python3 scripts/compare_benchmarks.py BEFORE/bin/MultimodalFusionBenchmarks
          AFTER/bin/MultimodalFusionBenchmarks [--filter REGEX] [--rounds 3]
"""
import argparse
import json
import statistics
import subprocess
import tempfile

DEFAULT_FILTER = ("^(DWT(Decompose|Reconstruct)(2D|3D)/(haar|db4)/(512|128)|GLCM(Mean2D/256|Mean3D/128|All2D/256)|"
                  "TDFIFActivity<.>/(256|128)|WeightedFusionActivity<.. Backend::CPU>/(512|128)|FusionMetrics2D|"
                  "FusionMetrics3D|FusionSSIM|TDFIFFusion)")


def run(program, pattern):
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([program, "--benchmark_filter=" + pattern, "--benchmark_out=" + f.name,
                        "--benchmark_out_format=json", "--benchmark_min_time=0.2"], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return {b["run_name"]: b["real_time"] * {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
                for b in json.load(open(f.name))["benchmarks"] if b.get("run_type", "iteration") == "iteration"}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--filter", default=DEFAULT_FILTER)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times = {"before": {}, "after": {}}
    for _ in range(args.rounds):
        for side in ("before", "after"):
            for name, ms in run(getattr(args, side), args.filter).items():
                times[side].setdefault(name, []).append(ms)
    print("| benchmark | before (ms) | after (ms) | after / before |")
    print("|---|---:|---:|---:|")
    ratios = []
    for name in times["after"]:
        if name not in times["before"]:
            continue
        a, b = statistics.median(times["before"][name]), statistics.median(times["after"][name])
        ratios.append(b / a)
        print("| %s | %.3f | %.3f | %.2f |" % (name, a, b, b / a))
    print("\ngeometric mean of after / before: %.3f over %d benchmarks, median of %d alternating rounds" %
          (statistics.geometric_mean(ratios), len(ratios), args.rounds))


if __name__ == "__main__":
    main()
