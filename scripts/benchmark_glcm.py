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
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("FUSION_BUILD_DIR", os.path.join(ROOT, "build"))
VENV = os.path.join(BUILD, "bench-venv")

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


def peer_python():
    python = os.path.join(VENV, "bin", "python")
    try:
        if not os.path.exists(python):
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True, capture_output=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "scipy", "scikit-image", "numpy"], check=True,
                       capture_output=True, timeout=900)
        return python
    except Exception as error:
        print("note: PyPI peers unavailable (%s); using Debian's" % error, file=sys.stderr)
        return "/usr/bin/python3"


def main():
    subprocess.run([os.path.join(ROOT, "scripts", "setup.sh")], check=True, stdout=subprocess.DEVNULL)
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([os.path.join(BUILD, "bin", "MultimodalFusionBenchmarks"),
                        "--benchmark_filter=^GLCM(Mean2D/256|Mean3D/128|All2D/256)$", "--benchmark_repetitions=3",
                        "--benchmark_report_aggregates_only=true", "--benchmark_out=" + f.name,
                        "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL)
        ours = {}
        for b in json.load(open(f.name))["benchmarks"]:
            if b.get("aggregate_name") == "median":
                name = b["run_name"]
                key = ("mean/" if "Mean" in name else "all/") + ("3D" if "3D" in name else "2D")
                ours[key] = b["real_time"]
    peer = json.loads(subprocess.run([peer_python(), "-c", PEERS], check=True, capture_output=True,
                                     text=True).stdout)
    print("GLCM texture, radius 2, 8 levels; peers: %s; ours: CPU backend, %d cores" % (peer["versions"],
                                                                                        os.cpu_count()))
    print("| what | image | peer | peer (ms) | ours (ms) | speed-up | target |")
    print("|---|---|---|---:|---:|---:|---:|")
    rows = [("GLCM mean", "mean/2D", "256 x 256", "uniform_filter", "1x"),
            ("GLCM mean", "mean/3D", "128^3", "uniform_filter", "1x"),
            ("all 10 features", "all/2D", "256 x 256", "scikit-image loop (scaled)", "300x")]
    for what, key, size, name, target in rows:
        print("| %s | %s | %s | %.2f | %.2f | %.1fx | %s |" % (what, size, name, peer[key], ours[key],
                                                              peer[key] / ours[key], target))


if __name__ == "__main__":
    main()
