#!/usr/bin/env python3
"""Large volumes: wall time and peak memory of `mmfusion fuse` (the default method and the
maximum) on two N^3 float volumes, and of `mmfusion features` slice by slice, in one run.

The volumes are the head phantom's MRI and PET (`mmfusion phantom --size N`, N x N x 0.625 N)
stretched along z to N^3 by repeating slices, written as uncompressed NIfTI.

Usage: FUSION_BUILD_DIR=build /usr/bin/python3 scripts/benchmark_large.py [N ...]   (default 256)
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("FUSION_BUILD_DIR", os.path.join(ROOT, "build"))
MMFUSION = os.path.join(BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD), "bin", "mmfusion")


def read_nifti(path):
    with open(path, "rb") as f:
        data = f.read()
    dims = struct.unpack_from("<8h", data, 40)
    offset = int(struct.unpack_from("<f", data, 108)[0])
    shape = dims[1:1 + dims[0]][::-1]
    return data[:offset], np.frombuffer(data, np.float32, count=int(np.prod(shape)), offset=offset).reshape(shape)


def write_nifti(path, header, volume):
    h = bytearray(header)
    struct.pack_into("<8h", h, 40, 3, volume.shape[2], volume.shape[1], volume.shape[0], 1, 1, 1, 1)
    with open(path, "wb") as f:
        f.write(bytes(h) + np.ascontiguousarray(volume, np.float32).tobytes())


def timed(args):
    result = subprocess.run(["/usr/bin/time", "-f", "%e %M", MMFUSION] + args, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"mmfusion {' '.join(args)} failed: {result.stderr.strip()}")
    seconds, kilobytes = result.stderr.strip().split("\n")[-1].split()
    return float(seconds), int(kilobytes) / 1048576.0


def main():
    sizes = [int(a) for a in sys.argv[1:]] or [256]
    print(f"mmfusion: {MMFUSION}; {os.cpu_count()} cores")
    print("| volume | command | wall (s) | peak memory (GiB) |")
    print("| --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as work:
        for n in sizes:
            subprocess.run([MMFUSION, "phantom", "-o", work, "--size", str(n), "--dim", "3", "--format", "nii"],
                           check=True, capture_output=True)
            names = []
            for modality in ["mri", "pet"]:
                header, volume = read_nifti(os.path.join(work, f"{modality}_3d.nii"))
                z = (np.arange(n) * volume.shape[0]) // n
                name = os.path.join(work, f"{modality}_{n}.nii")
                write_nifti(name, header, volume[z])
                names.append(name)
            out = os.path.join(work, "out.nii")
            for label, args in [("fuse (tdfif-net, default)", ["fuse", *names, "-o", out, "--quiet"]),
                                ("fuse --method tdfif", ["fuse", *names, "-o", out, "--method", "tdfif", "--quiet"]),
                                ("fuse --method max", ["fuse", *names, "-o", out, "--method", "max", "--quiet"]),
                                ("features --slice-axis 2", ["features", names[0], "-o", out, "--slice-axis", "2",
                                                             "--quiet"])]:
                seconds, gib = timed(args)
                print(f"| {n}^3 | {label} | {seconds:.1f} | {gib:.2f} |", flush=True)
                os.remove(out)


if __name__ == "__main__":
    main()
