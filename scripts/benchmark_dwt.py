#!/usr/bin/env python3
"""DWTDecomposeFilter / DWTReconstructFilter against PyWavelets, in one run, on this machine.

One level, symmetric mode, float32 images: 2D 512 x 512 and 3D 128^3, haar and db4, decomposition
(pywt.wavedecn) and reconstruction (pywt.waverecn). Ours: the Google Benchmark program (the ITK
filters, CPU backend, all cores, median of 5). PyWavelets: the current release from PyPI in a
virtual environment under build/ (Debian's python3-pywt if PyPI cannot be reached), best of 5.
Prints a Markdown table with the ratio PyWavelets time / our time.

Usage: /usr/bin/python3 scripts/benchmark_dwt.py   (builds the project first)
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmark_common import ours, peer  # noqa: E402

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


def main():
    mine = {}
    for name, t in ours("^DWT(Decompose|Reconstruct)[23]D/.*/(512|128)$", repetitions=5).items():
        kind, wavelet, _ = name.split("/")
        step = "decompose" if "Decompose" in kind else "reconstruct"
        mine["%s/%s/%s" % (kind[-2:], wavelet, step)] = t
    theirs = peer(["pywavelets", "numpy"], PYWT_TIMER)
    print("DWT, one level, symmetric, float32; PyWavelets %s; ours: CPU backend, %d cores" %
          (theirs["version"], os.cpu_count()))
    print("| image | wavelet | step | PyWavelets (ms) | ours (ms) | speed-up |")
    print("|---|---|---|---:|---:|---:|")
    for key in sorted(mine):
        dim, wavelet, step = key.split("/")
        size = "512 x 512" if dim == "2D" else "128^3"
        print("| %s %s | %s | %s | %.2f | %.2f | %.1fx |" % (dim, size, wavelet, step, theirs[key], mine[key],
                                                           theirs[key] / mine[key]))


if __name__ == "__main__":
    main()
