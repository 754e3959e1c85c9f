#!/usr/bin/env python3
"""Every fusion method of `mmfusion fuse`, and the published fusion networks of ../shared/peers
(IFCNN-MAX, MATR, GeSeNet, MUFusion, with their published weights, run by their runners with
Debian's PyTorch on the same images in the same run), on the real 2D pairs of ../shared/data/real
(MRI-CT, MRI-PET, MRI-SPECT), scored as the CDDFuse paper scores its outputs: the fused image
written as an 8-bit PNG (colour for PET/SPECT), then `mmfusion metrics A B F --preset cddfuse`
(images read as grey, BT.601 luma), plus the standard preset. Prints Markdown tables of the means
per modality pair next to the published CDDFuse* row (docs/metrics.md section 5), then for each of
our methods the number of the eight columns (EN, SD, SF, MI, SCD, VIF, Qabf, SSIM; higher is
better in all) where its mean beats CDDFuse*, the `max` rule and each network. Then every method
on the real volumes (the MNI templates and the AANLIB slice stacks of pairs.csv, colour PET stacks
included), written as MetaImage and scored with the standard preset (volumetric SSIM and
histograms, slice-wise gradient metrics; the networks are 2D-only and no published 3D row exists).
Usage: /usr/bin/python3 scripts/quality_table.py [--real ../shared/data/real] [--build build]
         [--peers ../shared/peers] [--methods a,b] [--no-peers] [--no-volumes]
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
METHODS = ["tdfif-net", "tdfif", "dwt-cnn", "average", "max", "dwt", "laplacian", "pca"]
COLUMNS = ["EN", "SD", "SF", "MI", "SCD", "VIF", "Qabf", "SSIM"]
CDDFUSE_STAR = {  # docs/metrics.md section 5, CDDFuse trained for medical fusion
    "MRI-CT": [4.88, 79.17, 38.14, 2.61, 1.41, 0.61, 0.68, 1.34],
    "MRI-PET": [4.23, 70.73, 29.57, 2.03, 1.69, 0.71, 0.71, 1.49],
    "MRI-SPECT": [3.90, 58.31, 20.87, 2.49, 1.35, 0.97, 0.78, 1.48],
}
# The networks of ../shared/peers: runner module, weights, load() keyword arguments.
PEERS = [("IFCNN-MAX", "ifcnn", "IFCNN-MAX.pth", {}), ("MATR", "matr", "MATR_model_10.pth", {}),
         ("GeSeNet", "gesenet", "GeSeNet.pth", {}),
         ("MUFusion", "mufusion", "MUFusion_harvard.model", {"double": False})]  # float32 (README of the peers)
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
    parser.add_argument("--peers", default=os.path.join(ROOT, "..", "shared", "peers"))
    parser.add_argument("--no-peers", action="store_true", help="only our methods")
    args = parser.parse_args()
    methods = args.methods.split(",")
    peers = []
    if not args.no_peers and os.path.isdir(args.peers):
        sys.path.insert(0, args.peers)
        import importlib
        for name, module, weights, options in PEERS:
            runner = importlib.import_module(module)
            peers.append((name, runner, runner.load(os.path.join(args.peers, weights), **options)))
    elif not args.no_peers:
        print("no peers at %s: our methods only" % args.peers)
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
    seconds = {}  # peer -> seconds per pair
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
            for name, runner, model in peers:
                fused = os.path.join(tmp, "peer.png")
                started = time.time()
                runner.fuse(model, a, b, fused)
                seconds.setdefault(name, []).append(time.time() - started)
                for preset in ("cddfuse", "standard"):
                    scores.setdefault((row["pair"], name, preset), []).append(
                        metrics(mmfusion, a, b, fused, preset, tmp))
    mean = lambda values: sum(values) / len(values) if values else float("nan")  # noqa: E731
    rows_of = methods + [name for name, _, _ in peers]
    for pair in CDDFUSE_STAR:
        n = sum(1 for r in pairs if r["pair"] == pair)
        means = {m: [mean([r[c] for r in scores[(pair, m, "cddfuse")] if r.get(c) is not None]) for c in COLUMNS]
                 for m in rows_of}
        means["CDDFuse*"] = CDDFUSE_STAR[pair]
        print("\n%s (%d pairs), `cddfuse` preset; means" % (pair, n))
        print("| method | " + " | ".join(COLUMNS) + " |")
        print("|---|" + "---:|" * len(COLUMNS))
        print("| CDDFuse* (published) | " + " | ".join("%.2f" % v for v in CDDFUSE_STAR[pair]) + " |")
        for m in rows_of:
            print("| %s | " % m + " | ".join("%.2f" % v for v in means[m]) + " |")
        against = ["CDDFuse*"] + (["max"] if "max" in methods else []) + [name for name, _, _ in peers]
        print("\n%s: columns of 8 where the method's mean beats the reference's" % pair)
        print("| method | " + " | ".join(against) + " |")
        print("|---|" + "---:|" * len(against))
        for m in methods:
            wins = [sum(1 for v, ref in zip(means[m], means[other]) if v > ref) for other in against]
            print("| %s | " % m + " | ".join("%d/8" % w for w in wins) + " |")
        print("\n%s, `standard` preset (MI in bits)" % pair)
        print("| method | " + " | ".join(STANDARD) + " |")
        print("|---|" + "---:|" * len(STANDARD))
        for m in rows_of:
            runs = scores[(pair, m, "standard")]
            print("| %s | " % m + " | ".join("%.3f" % mean([r[c] for r in runs if r.get(c) is not None])
                                             for c in STANDARD) + " |")
    if seconds:
        print("\nnetworks, CPU seconds per pair (Debian's PyTorch, loaded once): " +
              ", ".join("%s %.2f" % (name, mean(v)) for name, v in seconds.items()))
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
