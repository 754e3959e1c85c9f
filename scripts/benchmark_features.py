#!/usr/bin/env python3
"""ConvFeatureFilter beside PyTorch, in one run, on this machine.

The TDFIF encoder (conv 3x3 1->64, ReLU, conv 3x3 64->64, ReLU) and its channel mean (the
activity map) on 256 x 256 and 512 x 512 noise, and slice by slice on a 128^3 volume.
Ours: the Google Benchmark program (CPU backend, both cores, median of 3). Peer: PyTorch CPU with
2 threads, from PyPI in build/bench-venv (Debian's python3-torch if PyPI cannot be reached), the
same network in eval mode under torch.no_grad(), the volume as a batch of 128 slices.
Usage: /usr/bin/python3 scripts/benchmark_features.py
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmark_common import ours, peer  # noqa: E402

PEER = r"""
import json, timeit
import torch, torch.nn as nn
torch.set_num_threads(2)
class TDFIF(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 3, padding=1)
        self.conv2 = nn.Conv2d(64, 64, 3, padding=1)
    def forward(self, x):
        return torch.relu(self.conv2(torch.relu(self.conv1(x)))).mean(1)
net = TDFIF().eval()
out = {"version": "PyTorch %s" % torch.__version__}
with torch.no_grad():
    for key, shape, n in [("2D/256", (1, 1, 256, 256), 10), ("2D/512", (1, 1, 512, 512), 5),
                          ("3D/128", (128, 1, 128, 128), 2)]:
        x = torch.rand(shape)
        net(x)
        out[key] = min(timeit.repeat(lambda: net(x), number=n, repeat=3)) / n * 1e3
print(json.dumps(out))
"""


def main():
    runs = ours("^TDFIFActivity")
    mine = {("3D/" if "<3>" in name else "2D/") + name.split("/")[1]: t for name, t in runs.items()}
    theirs = peer(["torch"], PEER)
    print("TDFIF encoder + channel mean; peer: %s, 2 threads; ours: CPU backend, %d cores" %
          (theirs["version"], os.cpu_count()))
    print("| image | PyTorch (ms) | ours (ms) | speed-up | target |")
    print("|---|---:|---:|---:|---:|")
    for key, label in [("2D/256", "256 x 256"), ("2D/512", "512 x 512"), ("3D/128", "128^3, slice by slice")]:
        print("| %s | %.1f | %.1f | %.2fx | 2x |" % (label, theirs[key], mine[key], theirs[key] / mine[key]))


if __name__ == "__main__":
    main()
