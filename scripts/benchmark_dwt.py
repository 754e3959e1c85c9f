#!/usr/bin/env python3
"""DWTDecomposeFilter / DWTReconstructFilter against PyWavelets, in one run, on this machine.

One level, symmetric mode, float32 images: 2D 512 x 512 and 3D 128^3, haar and db4, decomposition
(pywt.wavedecn) and reconstruction (pywt.waverecn). Ours: the Google Benchmark program (the ITK
filters, CPU backend, all cores, median of 5). PyWavelets: the current release from PyPI in a
virtual environment under build/ (Debian's python3-pywt if PyPI cannot be reached), best of 5.
Prints a Markdown table with the ratio PyWavelets time / our time.

Usage: /usr/bin/python3 scripts/benchmark_dwt.py   (builds the project first)
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("FUSION_BUILD_DIR", os.path.join(ROOT, "build"))
VENV = os.path.join(BUILD, "bench-venv")

PYWT_TIMER = r"""
import json, sys, timeit
import numpy as np, pywt
out = {"version": pywt.__version__}
for shape in [(512, 512), (128, 128, 128)]:
    rng = np.random.default_rng(0)
    x = rng.random(shape).astype(np.float32)
    for w in ["haar", "db4"]:
        c = pywt.wavedecn(x, w, mode="symmetric", level=1)
        n = 20 if len(shape) == 2 else 3
        dec = min(timeit.repeat(lambda: pywt.wavedecn(x, w, mode="symmetric", level=1), number=n, repeat=5)) / n
        rec = min(timeit.repeat(lambda: pywt.waverecn(c, w, mode="symmetric"), number=n, repeat=5)) / n
        out["%dD/%s/decompose" % (len(shape), w)] = dec * 1e3
        out["%dD/%s/reconstruct" % (len(shape), w)] = rec * 1e3
print(json.dumps(out))
"""


def pywt_python():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        try:
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True, capture_output=True)
            subprocess.run([python, "-m", "pip", "install", "-q", "pywavelets", "numpy"], check=True,
                           capture_output=True, timeout=600)
        except Exception as error:  # offline: Debian's PyWavelets
            print("note: no PyPI PyWavelets (%s); using Debian's python3-pywt" % error, file=sys.stderr)
            return "/usr/bin/python3"
    return python


def main():
    subprocess.run([os.path.join(ROOT, "scripts", "setup.sh")], check=True, stdout=subprocess.DEVNULL)
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([os.path.join(BUILD, "bin", "MultimodalFusionBenchmarks"),
                        "--benchmark_filter=^DWT(Decompose|Reconstruct)[23]D/.*/(512|128)$",
                        "--benchmark_repetitions=5", "--benchmark_report_aggregates_only=true",
                        "--benchmark_out=" + f.name, "--benchmark_out_format=json"],
                       check=True, stdout=subprocess.DEVNULL)
        ours = {}
        for b in json.load(open(f.name))["benchmarks"]:
            if b.get("aggregate_name") == "median":
                kind, wavelet, _ = b["run_name"].split("/")
                dim = kind[-2:]
                step = "decompose" if "Decompose" in kind else "reconstruct"
                ours["%s/%s/%s" % (dim, wavelet, step)] = b["real_time"]
    python = pywt_python()
    peer = json.loads(subprocess.run([python, "-c", PYWT_TIMER], check=True, capture_output=True,
                                     text=True).stdout)
    print("DWT, one level, symmetric, float32; PyWavelets %s; ours: CPU backend, %d cores" %
          (peer["version"], os.cpu_count()))
    print("| image | wavelet | step | PyWavelets (ms) | ours (ms) | speed-up |")
    print("|---|---|---|---:|---:|---:|")
    for key in sorted(ours):
        dim, wavelet, step = key.split("/")
        size = "512 x 512" if dim == "2D" else "128^3"
        print("| %s %s | %s | %s | %.2f | %.2f | %.1fx |" % (dim, size, wavelet, step, peer[key], ours[key],
                                                           peer[key] / ours[key]))


if __name__ == "__main__":
    main()
