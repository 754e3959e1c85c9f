#!/usr/bin/env python3
"""The speed of `mmfusion fuse`, in one run, on this machine (the targets of issues 7 and 16):
- the default fusion (TDFIF-Net) and the TDFIF rule of a 256 x 256 pair in-process
  (TDFIFFusionFilter, the Google Benchmark program, CPU backend, both cores, median of 3): target
  at most 100 ms;
- the whole CLI run of the default method on a real 256 x 256 MRI-PET pair (reading the PNGs,
  colour, writing): target at most 300 ms (best of 5 wall-clock runs);
- the 91 x 109 x 91 MNI pair (T1 + PET, NIfTI) through the CLI, default method: target at most 5 s;
- every other method on the 256 x 256 pair through the CLI, for comparison.
The real pairs come from ../shared/data/real (rows skipped without it).
Usage: /usr/bin/python3 scripts/benchmark_fusion.py
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmark_common import BUILD, ROOT, ours  # noqa: E402

REAL = os.path.join(ROOT, "..", "shared", "data", "real")


def cli(arguments, repeat=5):
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([os.path.join(BUILD, "bin", "mmfusion"), "fuse", *arguments, "--quiet"], check=True)
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def main():
    mine = ours("^TDFIF(Net)?Fusion<2>/256$")
    print("| what | time (ms) | target |")
    print("|---|---:|---|")
    print("| TDFIF-Net fusion (the default) 256 x 256, in-process | %.1f | <= 100 ms |" % mine["TDFIFNetFusion<2>/256"])
    print("| TDFIF rule fusion 256 x 256, in-process | %.1f | |" % mine["TDFIFFusion<2>/256"])
    mri, pet = (os.path.join(REAL, "2d", "mri_pet", "cddfuse_12_%s.png" % m) for m in ("mri", "pet"))
    t1, petv = (os.path.join(REAL, "3d", "mni_templates", f) for f in ("spm12_OldNorm_T1.nii.gz", "spm12_OldNorm_PET.nii.gz"))
    if not os.path.exists(mri):
        print("(no real data: the CLI rows are skipped)")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "f.png")
        print("| `mmfusion fuse` MRI + colour PET 256 x 256, default (tdfif-net), whole run | %.1f | <= 300 ms |"
              % cli([mri, pet, "-o", out]))
        print("| `mmfusion fuse` MNI T1 + PET 91 x 109 x 91, default (tdfif-net), whole run | %.1f | <= 5000 ms |"
              % cli([t1, petv, "-o", os.path.join(tmp, "f.nii.gz")], repeat=3))
        for method in ("tdfif", "dwt-cnn", "average", "max", "dwt", "laplacian", "pca"):
            print("| `mmfusion fuse` MRI + colour PET 256 x 256, %s, whole run | %.1f | |"
                  % (method, cli([mri, pet, "-o", out, "--method", method])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
