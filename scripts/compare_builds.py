#!/usr/bin/env python3
"""Fuses the phantom (2D and 3D) and the real pairs of ../shared/data/real with every fusion method
through two builds of mmfusion (before and after a change) and compares the results voxel by
voxel: the largest absolute difference per method and input, and a verdict against a tolerance
(default 0: identical). With --metrics, it also scores each input's fused image with every metrics
preset (standard with FMI) on the CPU and the emulated kernels through both builds, and compares the
JSON values (17 digits) for equality: a metric that differs in its last bit counts.
Shows that a refactoring left the outputs as they were.
Usage: /usr/bin/python3 scripts/compare_builds.py BEFORE/bin/mmfusion AFTER/bin/mmfusion
          [--real ../shared/data/real] [--tolerance 0] [--volumes N] [--metrics]
"""
import json
import argparse
import csv
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Testing", "Python"))
import metaimage  # noqa: E402

METHODS = ["tdfif", "dwt-cnn", "dwt", "average", "max", "pca", "laplacian", "activity"]


def fuse(mmfusion, sources, method, out):
    run = subprocess.run([mmfusion, "fuse", *sources, "-o", out, "--method", method, "--quiet"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return None, run.stderr.strip()
    return metaimage.read(out)[0].astype(np.float64), None


PRESETS = [("standard", ["--fmi"]), ("cddfuse", []), ("vifb", []), ("seed", [])]


def metrics(mmfusion, sources, fused, preset, options, backend, out):
    run = subprocess.run([mmfusion, "metrics", *sources, fused, "--preset", preset, *options,
                          "--backend", backend, "--json", out], capture_output=True, text=True)
    if run.returncode != 0:
        return None, run.stderr.strip()
    with open(out) as f:
        return json.load(f)["metrics"], None


def compare_metrics(args, sources, fused, tmp):
    """The number of metric values (all presets, both backends) that differ between the builds, and
    how many were compared."""
    differ = compared = 0
    for preset, options in PRESETS:
        for backend in ("cpu", "emulated"):
            a, ea = metrics(args.before, sources, fused, preset, options, backend, os.path.join(tmp, "a.json"))
            b, eb = metrics(args.after, sources, fused, preset, options, backend, os.path.join(tmp, "b.json"))
            if ea or eb:
                differ += (ea is None) != (eb is None)
                print("  %s %s: before %s; after %s" % (preset, backend, ea or "ok", eb or "ok"))
                continue
            if list(a) != list(b):
                differ += 1
                print("  %s %s: names or order differ" % (preset, backend))
                continue
            for name in a:
                compared += 1
                same = a[name] == b[name] or (a[name] is None and b[name] is None)
                if not same:
                    differ += 1
                    print("  %s %s %s: %r vs %r" % (preset, backend, name, a[name], b[name]))
    return differ, compared


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("before")
    parser.add_argument("after")
    parser.add_argument("--real", default=os.path.join(ROOT, "..", "shared", "data", "real"))
    parser.add_argument("--tolerance", type=float, default=0.0)
    parser.add_argument("--volumes", type=int, default=2, help="real volumes to include (they are slow)")
    parser.add_argument("--metrics", action="store_true", help="also compare every preset's metrics")
    args = parser.parse_args()
    failures = metric_failures = metric_count = 0
    with tempfile.TemporaryDirectory() as tmp:
        phantom = os.path.join(tmp, "phantom")
        subprocess.run([args.after, "phantom", "-o", phantom, "--dim", "both", "--size", "64"],
                       check=True, capture_output=True)
        inputs = [("phantom 2D", [os.path.join(phantom, m + "_2d.nii.gz") for m in ("mri", "ct", "pet")]),
                  ("phantom 3D", [os.path.join(phantom, m + "_3d.nii.gz") for m in ("mri", "pet")])]
        table = os.path.join(args.real, "pairs.csv")
        if os.path.exists(table):
            rows = list(csv.DictReader(open(table)))
            inputs += [("%s %s" % (r["pair"], os.path.basename(r["a"])), [os.path.join(args.real, r["a"]),
                                                                          os.path.join(args.real, r["b"])])
                       for r in rows if r["dim"] == "2D"]
            inputs += [("%s %s" % (r["pair"], os.path.basename(r["a"])), [os.path.join(args.real, r["a"]),
                                                                          os.path.join(args.real, r["b"])])
                       for r in rows if r["dim"] != "2D"][:args.volumes]
        else:
            print("(no real data at %s: the phantom only)" % args.real)
        print("| input | " + " | ".join(METHODS) + " |")
        print("|---|" + "---|" * len(METHODS))
        for name, sources in inputs:
            cells = []
            for method in METHODS:
                a, ea = fuse(args.before, sources, method, os.path.join(tmp, "before.mha"))
                b, eb = fuse(args.after, sources, method, os.path.join(tmp, "after.mha"))
                if ea or eb:
                    same = (ea is None) == (eb is None)
                    cells.append("both fail" if same else "FAILS: %s" % (ea or eb))
                    failures += 0 if same else 1
                    continue
                difference = float(np.max(np.abs(a - b))) if a.shape == b.shape else float("inf")
                failures += difference > args.tolerance
                cells.append("%.3g" % difference + ("" if difference <= args.tolerance else " DIFFERS"))
            print("| %s | %s |" % (name, " | ".join(cells)))
            if args.metrics:
                fused = os.path.join(tmp, "scored.mha")
                if fuse(args.after, sources, "tdfif", fused)[1] is None:
                    differ, compared = compare_metrics(args, sources, fused, tmp)
                    metric_failures += differ
                    metric_count += compared
    print("\n%d results differ by more than %g" % (failures, args.tolerance))
    if args.metrics:
        print("%d of %d metric values differ" % (metric_failures, metric_count))
    return 1 if failures or metric_failures else 0


if __name__ == "__main__":
    sys.exit(main())
