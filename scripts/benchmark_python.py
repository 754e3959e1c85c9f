#!/usr/bin/env python3
"""The Python package's call overhead (issue 17's target: within 5 %): `mmfusion.fuse` from
Python against the same fusion's in-process C++ time, measured in one run on the same inputs.
The C++ times: for the 256 x 256 phantom pair (MRI + PET), the Google Benchmark program's
TDFIFNetFusion<2>/256 and TDFIFFusion<2>/256 (the same phantom, warm, in one process, as Python
runs); for the 91 x 109 x 91 MNI T1 + PET pair of ../shared/data/real, the filter's update time as
`mmfusion fuse` reports it (the same registry, filter and backend; reading and writing excluded).
Median of 7 runs each after a warm-up (Python: 15); CPU backend; both cores.
Usage: build/venv/bin/python scripts/benchmark_python.py   (after scripts/setup-python.sh)
"""
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import mmfusion

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from benchmark_common import BUILD, ROOT, ours  # noqa: E402
MNI = os.path.join(ROOT, "..", "shared", "data", "real", "3d", "mni_templates")
RUNS = 7


def cli_ms(a, b, method, folder):
    """The in-process update time `mmfusion fuse` reports, median of RUNS."""
    times = []
    for _ in range(RUNS + 1):
        out = subprocess.run([os.path.join(BUILD, "bin", "mmfusion"), "fuse", a, b, "-o",
                              os.path.join(folder, "f.mha"), "--method", method, "--backend", "cpu", "--type",
                              "float"], check=True, capture_output=True, text=True).stderr
        times.append(float(re.search(r"backend, ([0-9.]+) ms\)", out).group(1)))
    return statistics.median(times[1:])


def python_ms(a, b, method):
    mmfusion.fuse([a, b], method, backend="cpu")  # warm-up
    times = []
    for _ in range(15):
        start = time.perf_counter()
        mmfusion.fuse([a, b], method, backend="cpu")
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def main():
    print("| case | C++ in-process (ms) | Python `mmfusion.fuse` (ms) | overhead | target |")
    print("|---|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as folder:
        a, b = os.path.join(folder, "mri.mha"), os.path.join(folder, "pet.mha")
        mmfusion.phantom("mri", 2, 256).write(a, "float")
        mmfusion.phantom("pet", 2, 256).write(b, "float")
        cases = [("256 x 256 phantom, tdfif-net", a, b, "tdfif-net", "TDFIFNetFusion<2>/256"),
                 ("256 x 256 phantom, tdfif", a, b, "tdfif", "TDFIFFusion<2>/256")]
        t1, pet = os.path.join(MNI, "spm12_OldNorm_T1.nii.gz"), os.path.join(MNI, "spm12_OldNorm_PET.nii.gz")
        if os.path.exists(t1):
            cases += [("91 x 109 x 91 MNI T1 + PET, tdfif-net", t1, pet, "tdfif-net", None),
                      ("91 x 109 x 91 MNI T1 + PET, tdfif", t1, pet, "tdfif", None)]
        for label, x, y, method, benchmark in cases:
            in_python = python_ms(mmfusion.read(x), mmfusion.read(y), method)
            native = ours("^%s$" % benchmark, RUNS)[benchmark] if benchmark else cli_ms(x, y, method, folder)
            print("| %s | %.1f | %.1f | %+.1f %% | <= 5 %% |" % (label, native, in_python, 100.0 * (in_python / native - 1.0)),
                  flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
