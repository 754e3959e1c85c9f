#!/usr/bin/env python3
"""Every fusion method of `mmfusion fuse` on the real 2D pairs of ../shared/data/real (MRI-CT,
MRI-PET, MRI-SPECT), scored as the CDDFuse paper scores its outputs: the fused image written as an
8-bit PNG (colour for PET/SPECT), then `mmfusion metrics A B F --preset cddfuse` (images read as
grey, BT.601 luma), plus the standard preset. Prints Markdown tables of the means per modality
pair, next to the published CDDFuse* row (docs/metrics.md section 5), and the count of the eight
columns (EN, SD, SF, MI, SCD, VIF, Qabf, SSIM) where a method beats CDDFuse*. Then every method on
the real volumes (the MNI templates and the AANLIB slice stacks of pairs.csv, colour PET stacks
included), written as MetaImage and scored with the standard preset (volumetric SSIM and
histograms, slice-wise gradient metrics; no published 3D row to compare with).
Usage: /usr/bin/python3 scripts/quality_table.py [--real ../shared/data/real] [--build build]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ["tdfif", "dwt-cnn", "average", "max", "dwt", "laplacian", "pca"]
COLUMNS = ["EN", "SD", "SF", "MI", "SCD", "VIF", "Qabf", "SSIM"]
CDDFUSE_STAR = {  # docs/metrics.md section 5, CDDFuse trained for medical fusion
    "MRI-CT": [4.88, 79.17, 38.14, 2.61, 1.41, 0.61, 0.68, 1.34],
    "MRI-PET": [4.23, 70.73, 29.57, 2.03, 1.69, 0.71, 0.71, 1.49],
    "MRI-SPECT": [3.90, 58.31, 20.87, 2.49, 1.35, 0.97, 0.78, 1.48],
}
STANDARD = ["EN", "SD", "SF", "MI", "Q_MI", "SCD", "SSIM", "VIF", "Qabf", "Nabf", "Q_Y", "Q_CB"]


def metrics(mmfusion, a, b, fused, preset, folder):
    out = os.path.join(folder, "m.json")
    subprocess.run([mmfusion, "metrics", a, b, fused, "--preset", preset, "--json", out], check=True,
                   capture_output=True)
    return json.load(open(out))["metrics"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--real", default=os.path.join(ROOT, "..", "shared", "data", "real"))
    parser.add_argument("--build", default=os.environ.get("FUSION_BUILD_DIR", os.path.join(ROOT, "build")))
    parser.add_argument("--methods", default=",".join(METHODS), help="comma-separated (default: all)")
    parser.add_argument("--fuse-options", default="", help="extra options of mmfusion fuse, e.g. '--weight-power 2'")
    parser.add_argument("--no-volumes", action="store_true", help="only the 2D pairs")
    args = parser.parse_args()
    methods = args.methods.split(",")
    mmfusion = os.path.join(args.build, "bin", "mmfusion")
    table = os.path.join(args.real, "pairs.csv")
    if not os.path.exists(table):
        print("no real data at %s" % args.real)
        return 1
    rows = list(csv.DictReader(open(table)))
    pairs = [r for r in rows if r["dim"] == "2D"]
    volumes = [] if args.no_volumes else [r for r in rows if r["dim"] != "2D"]
    scores = {}  # (pair, method, preset) -> list of dicts
    volume_scores = {}  # (volume row index, method) -> dict
    with tempfile.TemporaryDirectory() as tmp:
        for index, row in enumerate(volumes):
            a, b = os.path.join(args.real, row["a"]), os.path.join(args.real, row["b"])
            for method in methods:
                fused = os.path.join(tmp, "fused.mha")
                subprocess.run([mmfusion, "fuse", a, b, "-o", fused, "--method", method, "--quiet",
                                *args.fuse_options.split()], check=True)
                volume_scores[(index, method)] = metrics(mmfusion, a, b, fused, "standard", tmp)
        for row in pairs:
            a, b = os.path.join(args.real, row["a"]), os.path.join(args.real, row["b"])
            for method in methods:
                fused = os.path.join(tmp, "fused.png")
                subprocess.run([mmfusion, "fuse", a, b, "-o", fused, "--method", method, "--quiet",
                                *args.fuse_options.split()], check=True)
                for preset in ("cddfuse", "standard"):
                    scores.setdefault((row["pair"], method, preset), []).append(
                        metrics(mmfusion, a, b, fused, preset, tmp))
    mean = lambda values: sum(values) / len(values) if values else float("nan")  # noqa: E731
    for pair in CDDFUSE_STAR:
        n = sum(1 for r in pairs if r["pair"] == pair)
        print("\n%s (%d pairs), `cddfuse` preset; last column: columns beating CDDFuse*" % (pair, n))
        print("| method | " + " | ".join(COLUMNS) + " | wins |")
        print("|---|" + "---:|" * (len(COLUMNS) + 1))
        print("| CDDFuse* (published) | " + " | ".join("%.2f" % v for v in CDDFUSE_STAR[pair]) + " | |")
        for method in methods:
            runs = scores[(pair, method, "cddfuse")]
            values = [mean([r[c] for r in runs if r.get(c) is not None]) for c in COLUMNS]
            wins = sum(1 for v, ref in zip(values, CDDFUSE_STAR[pair]) if v > ref)
            print("| %s | " % method + " | ".join("%.2f" % v for v in values) + " | %d/8 |" % wins)
        print("\n%s, `standard` preset (MI in bits)" % pair)
        print("| method | " + " | ".join(STANDARD) + " |")
        print("|---|" + "---:|" * len(STANDARD))
        for method in methods:
            runs = scores[(pair, method, "standard")]
            print("| %s | " % method + " | ".join("%.3f" % mean([r[c] for r in runs if r.get(c) is not None])
                                                  for c in STANDARD) + " |")
    for index, row in enumerate(volumes):
        print("\n%s %s: %s and %s, `standard` preset" % (row["dim"], row["pair"], os.path.basename(row["a"]),
                                                        os.path.basename(row["b"])))
        print("| method | " + " | ".join(STANDARD) + " |")
        print("|---|" + "---:|" * len(STANDARD))
        for method in methods:
            r = volume_scores[(index, method)]
            print("| %s | " % method + " | ".join("%.3f" % r[c] if r.get(c) is not None else "-" for c in STANDARD) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
