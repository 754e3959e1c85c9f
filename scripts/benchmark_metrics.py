#!/usr/bin/env python3
"""FusionMetricsCalculator's speed, in one run, on this machine.

- The whole standard preset (every metric but FMI: EN ... Nabf, Q_Y, Q_CB, Q_CV and the per-source
  values) of a triple (two sources and their mean) at 256 x 256 and 128^3; the cddfuse preset at
  256 x 256. Targets (issue 6): the whole set at 256 x 256 under 10 ms.
- SSIM alone (Wang: 11^D Gaussian, sigma 1.5, L = 255, population covariance) against
  scikit-image's structural_similarity(gaussian_weights=True, sigma=1.5,
  use_sample_covariance=False, data_range=255) at 256 x 256 and 128^3. Target: 3D at least 10x.
Ours: the Google Benchmark program (CPU backend, both cores, median of 3). Peer: scikit-image from
PyPI in build/bench-venv (Debian's if PyPI cannot be reached), best of 3.
Usage: /usr/bin/python3 scripts/benchmark_metrics.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmark_common import ours, peer  # noqa: E402

PEERS = r"""
import json, timeit
import numpy as np
import skimage
from skimage.metrics import structural_similarity
out = {"versions": "scikit-image %s" % skimage.__version__}
rng = np.random.default_rng(0)
for shape in [(256, 256), (128, 128, 128)]:
    a, b = rng.uniform(0, 255, shape), rng.uniform(0, 255, shape)
    run = lambda: structural_similarity(a, b, gaussian_weights=True, sigma=1.5, use_sample_covariance=False,
                                        data_range=255)
    n = 20 if len(shape) == 2 else 1
    out["ssim/%dD" % len(shape)] = min(timeit.repeat(run, number=n, repeat=3)) / n * 1e3
print(json.dumps(out))
"""


def main():
    mine = ours("^Fusion(Metrics2D/(standard|cddfuse)/256|Metrics3D/standard/128|SSIM<[23]>/(256|128))$")
    peer_times = peer(["scikit-image", "numpy"], PEERS)
    print("Fusion metrics; peer: %s; ours: CPU backend, %d cores" % (peer_times["versions"], os.cpu_count()))
    print("| what | image | ours (ms) | peer (ms) | speed-up | target |")
    print("|---|---|---:|---:|---:|---|")
    for name, size, key, target in [("whole standard preset (no FMI)", "256 x 256", "FusionMetrics2D/standard/256",
                                     "< 10 ms"),
                                    ("whole standard preset (no FMI)", "128^3", "FusionMetrics3D/standard/128", ""),
                                    ("cddfuse preset", "256 x 256", "FusionMetrics2D/cddfuse/256", "")]:
        print("| %s | %s | %.2f | | | %s |" % (name, size, mine[key], target))
    for size, key, peer_key, target in [("256 x 256", "FusionSSIM<2>/256", "ssim/2D", ""),
                                        ("128^3", "FusionSSIM<3>/128", "ssim/3D", ">= 10x")]:
        print("| SSIM alone vs structural_similarity | %s | %.2f | %.2f | %.1fx | %s |" %
              (size, mine[key], peer_times[peer_key], peer_times[peer_key] / mine[key], target))


if __name__ == "__main__":
    main()
