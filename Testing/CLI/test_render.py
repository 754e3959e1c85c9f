#!/usr/bin/env python3
"""`mmfusion render` under Xvfb: the scene is where and what it should be.

Synthetic volumes with a known overlay hot spot (a cone of radius 6 voxels, so that the colour map
value is 0.5 at 3 voxels from its peak) on a known underlay, rendered at 10 window pixels per voxel.
For each view the pixel of a chosen voxel must have the blend the scene documents,
(1 - opacity) grey + opacity hot(v), where grey is the underlay windowed to its 1st..99th
percentile (computed here independently); at two opacities and at zero opacity (pure grey). The
same volumes stored with the x axis reversed (direction -1, origin at the far end) must render the
same pictures; a 2D pair renders in one view; the 2 x 2 layout has a non-blank 3D view; no display
gives a one-line error.
Exit 77 (skipped) without xvfb-run or when mmfusion was built without VTK.
Usage: test_render.py MMFUSION
"""
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Python"))
import metaimage  # noqa: E402

SCALE = 10
NX, NY, NZ = 40, 32, 24
PEAK = (28, 10, 15)  # voxel of the overlay's maximum (i, j, k)
RADIUS = 6.0


def volumes():
    z, y, x = np.indices((NZ, NY, NX)).astype(np.float64)
    under = 50 + 2.0 * x + 1.5 * y + np.sin(z) * 10  # every value distinct enough to check
    r = np.sqrt((x - PEAK[0]) ** 2 + (y - PEAK[1]) ** 2 + (z - PEAK[2]) ** 2)
    over = np.clip(1 - r / RADIUS, 0, None) * 100.0
    return under, over


def hot(v):
    return np.clip([3 * v, 3 * v - 1, 3 * v - 2], 0, 1)


def expected(under, over, voxel, opacity):
    values = np.sort(under.ravel())
    lo, hi = values[int(0.01 * (values.size - 1))], values[int(0.99 * (values.size - 1))]
    g = np.clip((under[voxel[::-1]] - lo) / (hi - lo), 0, 1)
    v = (over[voxel[::-1]] - over.min()) / (over.max() - over.min())
    a = opacity if v > 0.05 else 0.0
    return 255 * ((1 - a) * g + a * hot(v))


def read_png(path):
    from skimage import io
    return io.imread(path)[..., :3].astype(float)


def main():
    mmfusion = sys.argv[1]
    if not shutil.which("xvfb-run"):
        print("skipped: no xvfb-run (apt-get install xvfb)")
        return 77
    failures, checks = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        path = lambda name: os.path.join(tmp, name)  # noqa: E731
        under, over = volumes()
        metaimage.write(path("u.mha"), under, (1, 1, 1), (10, -5, 3), np.eye(3))
        metaimage.write(path("o.mha"), over, (1, 1, 1), (10, -5, 3), np.eye(3))
        flip = np.diag([-1.0, 1, 1])  # the same volumes, x stored reversed
        metaimage.write(path("ur.mha"), under[:, :, ::-1], (1, 1, 1), (10 + NX - 1, -5, 3), flip)
        metaimage.write(path("or.mha"), over[:, :, ::-1], (1, 1, 1), (10 + NX - 1, -5, 3), flip)

        def render(sources, name, *options, display=True):
            command = [mmfusion, "render", *[path(s) for s in sources], "-o", path(name), *options]
            run = subprocess.run((["xvfb-run", "-a"] if display else []) + command, capture_output=True, text=True,
                                 timeout=120, env=dict(os.environ, DISPLAY="") if not display else None)
            if display and "built without VTK" in run.stderr:
                sys.exit(print("skipped: mmfusion built without VTK") or 77)
            return run

        # view, window size, pixel (x, y from the top) of voxel (i, j, k)
        views = {
            "axial": ((NX, NY), lambda i, j, k: (i, j)),
            "coronal": ((NX, NZ), lambda i, j, k: (i, NZ - 1 - k)),
            "sagittal": ((NY, NZ), lambda i, j, k: (j, NZ - 1 - k)),
        }
        probes = [(PEAK[0] + 3, PEAK[1], PEAK[2]), (PEAK[0], PEAK[1] + 3, PEAK[2]), (PEAK[0], PEAK[1], PEAK[2] - 3),
                  (5, 25, PEAK[2]), (5, PEAK[1], 4), (PEAK[0], 4, 20)]
        for view, (size, project) in views.items():
            pictures = {}
            for opacity in (0.0, 0.35, 0.8):
                for stored in ("", "r"):
                    name = "%s_%s_%s.png" % (view, opacity, stored)
                    run = render(["u%s.mha" % stored, "o%s.mha" % stored], name, "--view", view, "--size",
                                 "%dx%d" % (size[0] * SCALE, size[1] * SCALE), "--opacity", str(opacity))
                    if run.returncode != 0:
                        failures.append("%s: %s" % (name, run.stderr.strip()))
                        continue
                    pictures[(opacity, stored)] = read_png(path(name))
                if (opacity, "") not in pictures:
                    continue
                picture = pictures[(opacity, "")]
                for voxel in probes:
                    if (view == "axial" and voxel[2] != PEAK[2]) or (view == "coronal" and voxel[1] != PEAK[1]) or \
                            (view == "sagittal" and voxel[0] != PEAK[0]):
                        continue  # not in this view's slice (through the peak)
                    x, y = project(*voxel)
                    got = picture[int((y + 0.5) * SCALE), int((x + 0.5) * SCALE)]
                    want = expected(under, over, voxel, opacity)
                    checks += 1
                    if np.max(np.abs(got - want)) > 2.5:
                        failures.append("%s, opacity %s, voxel %s at pixel (%d, %d): %s, expected %s" % (
                            view, opacity, voxel, x, y, got.round(), want.round()))
                if (opacity, "r") in pictures:
                    checks += 1
                    difference = np.abs(pictures[(opacity, "r")] - picture).max()
                    if difference > 2:
                        failures.append("%s, opacity %s: the x-reversed copy differs by %d" % (view, opacity, difference))

        # A 2D pair: one view (right = +x, down = +y).
        metaimage.write(path("u2.mha"), under[PEAK[2]], (1, 1), (0, 0), np.eye(2))
        metaimage.write(path("o2.mha"), over[PEAK[2]], (1, 1), (0, 0), np.eye(2))
        run = render(["u2.mha", "o2.mha"], "two.png", "--size", "%dx%d" % (NX * SCALE, NY * SCALE), "--opacity", "0.6")
        if run.returncode != 0:
            failures.append("2D: %s" % run.stderr.strip())
        else:
            picture = read_png(path("two.png"))
            for voxel in [(PEAK[0] + 3, PEAK[1], PEAK[2]), (5, 25, PEAK[2])]:
                got = picture[int((voxel[1] + 0.5) * SCALE), int((voxel[0] + 0.5) * SCALE)]
                k = PEAK[2]  # the 2D pair is that slice: its own window and range
                want = expected(under[k:k + 1], over[k:k + 1], (voxel[0], voxel[1], 0), 0.6)
                checks += 1
                if np.max(np.abs(got - want)) > 2.5:
                    failures.append("2D voxel %s: %s, expected %s" % (voxel, got.round(), want.round()))

        # The 2 x 2 layout: the 3D view (bottom right) shows the hot spot.
        run = render(["u.mha", "o.mha"], "all.png", "--size", "400x400")
        if run.returncode != 0:
            failures.append("all: %s" % run.stderr.strip())
        else:
            quadrant = read_png(path("all.png"))[200:, 200:]
            checks += 1
            if not (quadrant[..., 0] > 60).sum() > 50:
                failures.append("the 3D view is blank")
        # The overlay from --fused and from --method; a point outside the image is refused.
        for name, extra in [("fused.png", ["--fused", path("o.mha")]), ("method.png", ["--method", "max"])]:
            sources = ["u.mha"] if name == "fused.png" else ["u.mha", "o.mha"]
            run = render(sources, name, "--view", "axial", "--size", "%dx%d" % (NX * SCALE, NY * SCALE), *extra)
            checks += 1
            if run.returncode != 0 or not os.path.exists(path(name)):
                failures.append("%s: %d %s" % (name, run.returncode, run.stderr.strip()))
        run = render(["u.mha", "o.mha"], "outside.png", "--at", "900,0,0")
        checks += 1
        if run.returncode != 1 or "outside the image" not in run.stderr or os.path.exists(path("outside.png")):
            failures.append("--at outside: %d %r" % (run.returncode, run.stderr))
        # No display: one line, no picture.
        run = render(["u.mha", "o.mha"], "never.png", display=False)
        checks += 1
        if run.returncode != 1 or "xvfb-run" not in run.stderr or run.stderr.count("\n") != 1 or \
                os.path.exists(path("never.png")):
            failures.append("without a display: %d %r" % (run.returncode, run.stderr))
    for failure in failures:
        print(failure)
    print("%d checks, %d failures" % (checks, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
