#!/usr/bin/env python3
"""The `cddfuse` preset of `mmfusion metrics` against an independent NumPy implementation of the
CDDFuse Evaluator's definitions (MMIF-CDDFuse utils/Evaluator.py as docs/metrics.md documents it), on the
real MRI-CT, MRI-PET and MRI-SPECT pairs of ../shared/data/real: EN, SD, SF, AG (mean), MI (nats,
a contingency table of the grey values, as sklearn's mutual_info_score), MSE, CC, PSNR (peak max F),
SCD, VIF (vifp_mscale with scipy.signal.convolve2d, NaN counts 1), Qabf (convolve2d 'same' Sobel,
the tie rule) and SSIM (scikit-image's structural_similarity(F, S) on float32 images, the
evaluator's own call). Images are read as the evaluator reads them: colour PNGs to grey with
round(0.299 R + 0.587 G + 0.114 B) in float32. Fused images: the rounded mean and the maximum of
each pair, written as 8-bit PNG. Tolerance 1e-4 relative (the issue's), every metric.
Exit 77 (skipped) when the real data or NumPy / SciPy / scikit-image is absent.
Usage: test_metrics_cddfuse.py MMFUSION REAL_DATA_FOLDER
"""
import csv
import json
import math
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from scipy.signal import convolve2d
    from skimage import io
    from skimage.metrics import structural_similarity
except ImportError as error:  # pragma: no cover
    print("skipped: %s (install python3-scipy python3-skimage)" % error)
    sys.exit(77)

TOLERANCE = 1e-4
PAIRS_PER_MODALITY = 3


def grey(path):
    image = io.imread(path).astype(np.float32)
    if image.ndim == 3:
        image = np.round(image[..., :3] @ np.array([0.299, 0.587, 0.114], np.float32))
    return image.astype(np.float32)


def entropy(x):
    h = np.bincount(np.uint8(np.round(x)).ravel()) / x.size
    return float(-np.sum(h * np.log2(h + (h == 0))))


def mutual_information_nats(x, y):
    _, xi = np.unique(x.ravel(), return_inverse=True)
    _, yi = np.unique(y.ravel(), return_inverse=True)
    table = np.zeros((xi.max() + 1, yi.max() + 1))
    np.add.at(table, (xi, yi), 1)
    p = table / table.sum()
    px, py = p.sum(axis=1, keepdims=True), p.sum(axis=0, keepdims=True)
    nz = p > 0
    return float((p[nz] * np.log(p[nz] / (px @ py)[nz])).sum())


def correlation(x, y):
    x, y = x - x.mean(), y - y.mean()
    return float((x * y).sum() / np.sqrt((x * x).sum() * (y * y).sum()))


def vif(ref, dist):
    num = den = 0.0
    for scale in range(1, 5):
        n = 2 ** (4 - scale + 1) + 1
        sd = n / 5.0
        m = (n - 1) / 2
        y, x = np.ogrid[-m:m + 1, -m:m + 1]
        h = np.exp(-(x * x + y * y) / (2 * sd * sd))
        h[h < np.finfo(h.dtype).eps * h.max()] = 0
        win = h / h.sum()
        if scale > 1:
            ref = convolve2d(ref, np.rot90(win, 2), mode="valid")[::2, ::2]
            dist = convolve2d(dist, np.rot90(win, 2), mode="valid")[::2, ::2]
        mu1, mu2 = convolve2d(ref, np.rot90(win, 2), mode="valid"), convolve2d(dist, np.rot90(win, 2), mode="valid")
        s1 = np.maximum(convolve2d(ref * ref, np.rot90(win, 2), mode="valid") - mu1 * mu1, 0)
        s2 = np.maximum(convolve2d(dist * dist, np.rot90(win, 2), mode="valid") - mu2 * mu2, 0)
        s12 = convolve2d(ref * dist, np.rot90(win, 2), mode="valid") - mu1 * mu2
        g = s12 / (s1 + 1e-10)
        sv = s2 - g * s12
        g[s1 < 1e-10], sv[s1 < 1e-10] = 0, s2[s1 < 1e-10]
        s1[s1 < 1e-10] = 0
        g[s2 < 1e-10], sv[s2 < 1e-10] = 0, 0
        sv[g < 0] = s2[g < 0]
        g[g < 0] = 0
        sv[sv <= 1e-10] = 1e-10
        num += np.sum(np.log10(1 + g * g * s1 / (sv + 2)))
        den += np.sum(np.log10(1 + s1 / 2))
    value = num / den
    return 1.0 if np.isnan(value) else float(value)


def qabf(f, a, b):
    h1 = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], float)
    h3 = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)

    def edges(x):
        sx, sy = convolve2d(x, h3, mode="same"), convolve2d(x, h1, mode="same")
        g = np.sqrt(sx * sx + sy * sy)
        angle = np.full_like(x, math.pi / 2)
        angle[sx != 0] = np.arctan(sy[sx != 0] / sx[sx != 0])
        return g, angle

    def q(aS, gS, aF, gF):
        G = np.zeros_like(gS)
        G[gS > gF] = gF[gS > gF] / gS[gS > gF]
        G[gS == gF] = gF[gS == gF]
        G[gS < gF] = gS[gS < gF] / gF[gS < gF]
        A = 1 - np.abs(aS - aF) / (math.pi / 2)
        return 0.9994 / (1 + np.exp(-15 * (G - 0.5))) * 0.9879 / (1 + np.exp(-22 * (A - 0.8)))

    (gA, aA), (gB, aB), (gF, aF) = edges(a), edges(b), edges(f)
    return float(np.sum(q(aA, gA, aF, gF) * gA + q(aB, gB, aF, gF) * gB) / np.sum(gA + gB))


def evaluator(f, a, b):
    """The CDDFuse Evaluator's definitions, on float32 images as it holds them (float64 maths)."""
    F, A, B = (x.astype(np.float64) for x in (f, a, b))
    mse = (np.mean((A - F) ** 2) + np.mean((B - F) ** 2)) / 2
    gx, gy = np.zeros_like(F), np.zeros_like(F)
    gx[:, 0], gx[:, -1], gx[:, 1:-1] = F[:, 1] - F[:, 0], F[:, -1] - F[:, -2], (F[:, 2:] - F[:, :-2]) / 2
    gy[0, :], gy[-1, :], gy[1:-1, :] = F[1, :] - F[0, :], F[-1, :] - F[-2, :], (F[2:, :] - F[:-2, :]) / 2
    return {
        "EN": entropy(F),
        "SD": float(np.std(F)),
        "SF": float(np.sqrt(np.mean((F[:, 1:] - F[:, :-1]) ** 2) + np.mean((F[1:, :] - F[:-1, :]) ** 2))),
        "AG": float(np.mean(np.sqrt((gx ** 2 + gy ** 2) / 2))),
        "MI": mutual_information_nats(F, A) + mutual_information_nats(F, B),
        "MSE": float(mse),
        "CC": (correlation(A, F) + correlation(B, F)) / 2,
        "PSNR": float(10 * np.log10(np.max(F) ** 2 / mse)),
        "SCD": correlation(A, F - B) + correlation(B, F - A),
        "VIF": vif(A, F) + vif(B, F),
        "Qabf": qabf(F, A, B),
        "SSIM": float(structural_similarity(f, a) + structural_similarity(f, b)),  # float32: data range 2
    }


def main():
    mmfusion, data = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
    table = os.path.join(data, "pairs.csv")
    if not os.path.exists(table):
        print("skipped: no real data at %s" % data)
        return 77
    chosen, seen = [], {}
    with open(table) as f:
        for row in csv.DictReader(f):
            if row["dim"] == "2D" and seen.get(row["pair"], 0) < PAIRS_PER_MODALITY:
                seen[row["pair"]] = seen.get(row["pair"], 0) + 1
                chosen.append((row["pair"], os.path.join(data, row["a"]), os.path.join(data, row["b"])))
    failures, compared, worst = [], 0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        for pair, path_a, path_b in chosen:
            a, b = grey(path_a), grey(path_b)
            for rule, fused in (("mean", np.round((a + b) / 2)), ("max", np.maximum(a, b))):
                fused_path = os.path.join(tmp, "fused.png")
                io.imsave(fused_path, fused.astype(np.uint8), check_contrast=False)
                f = grey(fused_path)
                out = os.path.join(tmp, "m.json")
                subprocess.run([mmfusion, "metrics", path_a, path_b, fused_path, "--preset", "cddfuse", "--json", out],
                               check=True, capture_output=True)
                ours = json.load(open(out))["metrics"]
                for name, value in evaluator(f, a, b).items():
                    compared += 1
                    mine = ours.get(name)
                    deviation = abs(mine - value) / max(abs(value), 1e-12) if mine is not None else math.inf
                    worst = max(worst, deviation)
                    if not deviation <= TOLERANCE:
                        failures.append("%s %s (%s) %s: ours %s, evaluator %.10g" %
                                        (pair, os.path.basename(path_a), rule, name, mine, value))
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("%d values of %d fused real pairs within %g relative (largest deviation %.2g)" %
          (compared, 2 * len(chosen), TOLERANCE, worst))
    return 0


if __name__ == "__main__":
    sys.exit(main())
