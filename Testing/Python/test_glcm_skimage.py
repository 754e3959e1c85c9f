#!/usr/bin/env python3
"""GLCMMeanTextureFilter against scikit-image (graycomatrix / graycoprops) on interior pixels.

For each checked pixel, the (2r+1)^2 window of the quantised image (q = floor(L (x - min) /
(max - min)), clamped to L - 1, as the filter documents) goes to
skimage.feature.graycomatrix(window, [1], [0, pi/4, pi/2, 3pi/4], levels=L, symmetric, normed=True)
and graycoprops averages each property over the four angles (the filter's default
AverageFeatures): contrast, dissimilarity, homogeneity, ASM, energy, correlation must agree within
1e-5 (absolute, the features lie in [0, (L-1)^2]). Images: random, and a real MRI slice of
../shared/data/real when present. Exit 77 when scikit-image is absent.
Usage: test_glcm_skimage.py RUNNER [DATA_FOLDER]
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from skimage.feature import graycomatrix, graycoprops
except ImportError as error:  # pragma: no cover
    print("skipped: %s (install python3-skimage)" % error)
    sys.exit(77)

PROPS = {"contrast": 2, "dissimilarity": 3, "homogeneity": 4, "ASM": 5, "energy": 6, "correlation": 8}


def check(runner, image, radius, levels, symmetric, label, rng, folder):
    ny, nx = image.shape  # array [y][x]: axis 0 of ITK is x
    src = os.path.join(folder, "in.raw")
    out = os.path.join(folder, "out.raw")
    image.astype(np.float32).tofile(src)  # C order of [y][x] = ITK order (x fastest)
    subprocess.run([runner, src, str(nx), str(ny), str(radius), str(levels), str(int(symmetric)), "0", out],
                   check=True)
    ours = np.fromfile(out, dtype=np.float32).reshape(ny, nx, 10)
    lo, hi = float(image.min()), float(image.max())
    q = np.clip(np.floor(levels * (image.astype(np.float64) - lo) / (hi - lo)), 0, levels - 1).astype(np.uint8)
    angles = [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]
    worst = 0.0
    ys = rng.integers(radius, ny - radius, 150)
    xs = rng.integers(radius, nx - radius, 150)
    for y, x in zip(ys, xs):
        window = q[y - radius:y + radius + 1, x - radius:x + radius + 1]
        glcm = graycomatrix(window, [1], angles, levels=levels, symmetric=symmetric, normed=True)
        for prop, index in PROPS.items():
            theirs = graycoprops(glcm, prop)[0].mean()
            error = abs(float(ours[y, x, index]) - theirs)
            worst = max(worst, error)
            if not error <= 1e-5:
                print("FAIL %s: %s at (x=%d, y=%d): ours %.8g, scikit-image %.8g" % (label, prop, x, y,
                                                                                ours[y, x, index], theirs))
                return False, worst
    print("%s: 150 pixels x 6 features, worst |difference| %.2g" % (label, worst))
    return True, worst


def main():
    runner = sys.argv[1]
    data = sys.argv[2] if len(sys.argv) > 2 else ""
    rng = np.random.default_rng(11)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        image = rng.normal(100, 30, (61, 53))
        for radius, levels, symmetric in [(2, 8, True), (3, 16, True), (1, 4, False), (2, 8, False)]:
            good, _ = check(runner, image, radius, levels, symmetric,
                            "random r=%d L=%d symmetric=%s" % (radius, levels, symmetric), rng, folder)
            ok = ok and good
        real = os.path.join(data, "2d", "mri_ct", "cddfuse_11_mri.png")
        if data and os.path.exists(real):
            from skimage.io import imread
            mri = imread(real, as_gray=True).astype(np.float64)
            good, _ = check(runner, mri, 2, 8, True, "real MRI %s r=2 L=8" % os.path.basename(real), rng, folder)
            ok = ok and good
        else:
            print("real data absent: only random images checked")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
