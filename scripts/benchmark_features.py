#!/usr/bin/env python3
"""ConvFeatureFilter beside PyTorch, in one run, on this machine.

The TDFIF encoder (conv 3x3 1->64, ReLU, conv 3x3 64->64, ReLU) and its channel mean (the
activity map) on 256 x 256 and 512 x 512 noise, and slice by slice on a 128^3 volume.
Ours: the Google Benchmark program (CPU backend, both cores, median of 3). Peer: PyTorch CPU with
2 threads, from PyPI in build/bench-venv (Debian's python3-torch if PyPI cannot be reached), the
same network in eval mode under torch.no_grad(), the volume as a batch of 128 slices.
Usage: /usr/bin/python3 scripts/benchmark_features.py
"""
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("FUSION_BUILD_DIR", os.path.join(ROOT, "build"))
VENV = os.path.join(BUILD, "bench-venv")

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


def peer_python():
    python = os.path.join(VENV, "bin", "python")
    try:
        if not os.path.exists(python):
            subprocess.run([sys.executable, "-m", "venv", VENV], check=True, capture_output=True)
        subprocess.run([python, "-m", "pip", "install", "-q", "torch"], check=True, capture_output=True, timeout=3600)
        return python
    except Exception as error:
        print("note: PyPI torch unavailable (%s); using Debian's" % error, file=sys.stderr)
        return "/usr/bin/python3"


def main():
    subprocess.run([os.path.join(ROOT, "scripts", "setup.sh")], check=True, stdout=subprocess.DEVNULL)
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([os.path.join(BUILD, "bin", "MultimodalFusionBenchmarks"),
                        "--benchmark_filter=^TDFIFActivity", "--benchmark_repetitions=3",
                        "--benchmark_report_aggregates_only=true", "--benchmark_out=" + f.name,
                        "--benchmark_out_format=json"], check=True, stdout=subprocess.DEVNULL)
        ours = {}
        for b in json.load(open(f.name))["benchmarks"]:
            if b.get("aggregate_name") == "median":
                _, size = b["run_name"].split("/")
                ours[("3D/" if "<3>" in b["run_name"] else "2D/") + size] = b["real_time"]
    peer = json.loads(subprocess.run([peer_python(), "-c", PEER], check=True, capture_output=True,
                                     text=True).stdout)
    print("TDFIF encoder + channel mean; peer: %s, 2 threads; ours: CPU backend, %d cores" %
          (peer["version"], os.cpu_count()))
    print("| image | PyTorch (ms) | ours (ms) | speed-up | target |")
    print("|---|---:|---:|---:|---:|")
    for key, label in [("2D/256", "256 x 256"), ("2D/512", "512 x 512"), ("3D/128", "128^3, slice by slice")]:
        print("| %s | %.1f | %.1f | %.2fx | 2x |" % (label, peer[key], ours[key], peer[key] / ours[key]))


if __name__ == "__main__":
    main()
