#!/usr/bin/env python3
"""GLCMMeanTextureFilter beside its peers, in one run, on this machine.

- GLCM mean (radius 2, 8 levels, default offsets) against scipy.ndimage.uniform_filter (size 5) on
  the quantised image: 256 x 256 and 128^3.
- All ten features against a scikit-image per-window loop (graycomatrix + graycoprops on each
  window, 4 angles): 256 x 256. The loop is timed on 400 random windows and scaled to every pixel.
Ours: the Google Benchmark program (CPU backend, both cores, median of 3). Peers: SciPy and
scikit-image from PyPI in build/bench-venv (Debian's if PyPI cannot be reached).
Usage: /usr/bin/python3 scripts/benchmark_glcm.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmark_common import ours, peer  # noqa: E402

PEERS = r"""
import json, timeit
import numpy as np
import scipy, skimage
from scipy.ndimage import uniform_filter
from skimage.feature import graycomatrix, graycoprops
out = {"versions": "SciPy %s, scikit-image %s" % (scipy.__version__, skimage.__version__)}
rng = np.random.default_rng(0)
for shape in [(256, 256), (128, 128, 128)]:
    q = rng.integers(0, 8, shape).astype(np.float32)
    n = 20 if len(shape) == 2 else 2
    out["mean/%dD" % len(shape)] = min(timeit.repeat(lambda: uniform_filter(q, size=5, mode="mirror"), number=n,
                                                   repeat=3)) / n * 1e3
q = rng.integers(0, 8, (256, 256)).astype(np.uint8)
angles = [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]
ys, xs = rng.integers(2, 254, 400), rng.integers(2, 254, 400)
def loop():
    for y, x in zip(ys, xs):
        g = graycomatrix(q[y - 2:y + 3, x - 2:x + 3], [1], angles, levels=8, symmetric=True, normed=True)
        for p in ("contrast", "dissimilarity", "homogeneity", "ASM", "energy", "correlation"):
            graycoprops(g, p)
per_window = min(timeit.repeat(loop, number=1, repeat=3)) / 400
out["all/2D"] = per_window * 256 * 256 * 1e3
print(json.dumps(out))
"""


def main():
    mine = {}
    for name, t in ours("^GLCM(Mean2D/256|Mean3D/128|All2D/256)$").items():
        mine[("mean/" if "Mean" in name else "all/") + ("3D" if "3D" in name else "2D")] = t
    peer_times = peer(["scipy", "scikit-image", "numpy"], PEERS)
    print("GLCM texture, radius 2, 8 levels; peers: %s; ours: CPU backend, %d cores" % (peer_times["versions"],
                                                                                        os.cpu_count()))
    print("| what | image | peer | peer (ms) | ours (ms) | speed-up | target |")
    print("|---|---|---|---:|---:|---:|---:|")
    rows = [("GLCM mean", "mean/2D", "256 x 256", "uniform_filter", "1x"),
            ("GLCM mean", "mean/3D", "128^3", "uniform_filter", "1x"),
            ("all 10 features", "all/2D", "256 x 256", "scikit-image loop (scaled)", "300x")]
    for what, key, size, name, target in rows:
        print("| %s | %s | %s | %.2f | %.2f | %.1fx | %s |" % (what, size, name, peer_times[key], mine[key],
                                                              peer_times[key] / mine[key], target))


if __name__ == "__main__":
    main()
