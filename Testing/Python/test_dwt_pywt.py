#!/usr/bin/env python3
"""DWTDecomposeFilter / DWTReconstructFilter against PyWavelets (pywt.wavedecn / waverecn).

Runs dwtReferenceRunner on random arrays and compares every band and the reconstruction:
  - every wavelet of haar, db* and sym* (2D and 3D, odd sizes, symmetric and periodization, 2 levels);
  - one member of each family (haar, db4, sym5, coif3, bior3.5, rbio2.8, dmey) in every mode,
    even and odd sizes, 2D and 3D, levels 1-3;
  - long lines along x (the CPU's unit-stride polyphase passes: 256 samples and more when
    decomposing, 128 coefficients and more when reconstructing): four families in every mode;
  - float (CPU and emulated CUDA) and double (CPU).
Reference: pywt on the same values in float64. Error: max |ours - pywt| / max |pywt| per band
(reconstruction: relative to max |input|). Double: at most 1e-10. Float (float bands between axes
and levels; float sums on the CPU as in PyWavelets, compensated float dot products in the kernels): at most
1e-5, or 4 times PyWavelets' own float32 error where that is larger (ill-conditioned cases: smooth
or antireflect extension far past the signal, levels above dwt_max_level, where float rounding of
the intermediate bands is amplified for both). The reconstruction must reproduce the
input within the same tolerances, except for dmey, which is not a perfect-reconstruction filter
bank (PyWavelets' own round trip is off by ~0.5 %): there it must equal waverecn.
Exit 77 (skipped) when PyWavelets is absent.
Usage: test_dwt_pywt.py RUNNER [--quick]
"""
import itertools
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import pywt
except ImportError as error:  # pragma: no cover
    print("skipped: %s (install python3-pywt)" % error)
    sys.exit(77)

TOLERANCE = {"float": 1e-5, "double": 1e-10}
DTYPE = {"float": np.float32, "double": np.float64}


def band_key(name):
    return "".join("a" if c == "L" else "d" for c in name)


def band_names(dim):
    return ["".join("H" if (code >> d) & 1 else "L" for d in range(dim)) for code in range(1 << dim)]


def cases(quick):
    families = ["haar", "db4", "sym5", "coif3", "bior3.5", "rbio2.8", "dmey"]
    sizes = [(32, 24), (37, 29), (16, 12, 10), (15, 13, 9)]
    levels = [1, 3] if quick else [1, 2, 3]
    for w, mode, size, level in itertools.product(families, pywt.Modes.modes, sizes, levels):
        yield (w, mode, size, level, "double", "cpu")
        yield (w, mode, size, level, "float", "cpu")
        if level != 2:
            yield (w, mode, size, level, "float", "emulated")
    sweep = pywt.wavelist("haar") + pywt.wavelist("db") + pywt.wavelist("sym")
    for w in sweep:
        for mode, size in itertools.product(["symmetric", "periodization"], [(37, 29), (11, 9, 7)]):
            yield (w, mode, size, 2, "double", "cpu")
            yield (w, mode, size, 2, "float", "cpu")
    for w in (sweep[::9] if quick else sweep[::3]):
        yield (w, "symmetric", (21, 17), 2, "float", "emulated")
    for w, mode, size in itertools.product(["haar", "db4", "bior3.5", "dmey"], pywt.Modes.modes,
                                           [(517, 5), (300, 4, 3)]):
        yield (w, mode, size, 2, "double", "cpu")
        yield (w, mode, size, 2, "float", "cpu")


def main():
    runner = sys.argv[1]
    quick = "--quick" in sys.argv
    rng = np.random.default_rng(20261122)
    all_cases = list(cases(quick))
    failures = []
    worst = {"float": 0.0, "double": 0.0}
    with tempfile.TemporaryDirectory() as folder:
        manifest = os.path.join(folder, "manifest.txt")
        inputs = {}
        with open(manifest, "w") as m:
            for i, (w, mode, size, level, dtype, backend) in enumerate(all_cases):
                x = rng.standard_normal(size).astype(DTYPE[dtype]) * 10 + 3
                inputs[i] = x
                # ITK buffer: axis 0 fastest = Fortran order of an array whose axis 0 is x.
                x.ravel(order="F").tofile(os.path.join(folder, "%d.raw" % i))
                m.write("%d %d %s %s %s %s %d %s\n" % (i, len(size), " ".join(map(str, size)), dtype, w, mode,
                                                        level, backend))
        run = subprocess.run([runner, folder, manifest], capture_output=True, text=True)
        if run.returncode != 0:
            print(run.stdout, run.stderr)
            return 1
        for i, (w, mode, size, level, dtype, backend) in enumerate(all_cases):
            x = inputs[i]
            dim = len(size)
            ref = pywt.wavedecn(x.astype(np.float64), w, mode=mode, level=level)
            allowed = {}
            if dtype == "float":
                # PyWavelets' own float32 error per band, the bound for float arithmetic.
                ref32 = pywt.wavedecn(x, w, mode=mode, level=level)
                allowed["approximation"] = np.max(np.abs(ref32[0] - ref[0])) / max(np.max(np.abs(ref[0])), 1e-300)
                for l in range(1, level + 1):
                    for name in band_names(dim)[1:]:
                        a, b = ref[level - l + 1][band_key(name)], ref32[level - l + 1][band_key(name)]
                        allowed["%d_%s" % (l, name)] = np.max(np.abs(a - b)) / max(np.max(np.abs(a)), 1e-300)
                rec32 = pywt.waverecn(ref32, w, mode=mode)[tuple(slice(0, s) for s in size)]
                rec64 = pywt.waverecn(ref, w, mode=mode)[tuple(slice(0, s) for s in size)]
                allowed["reconstruction vs waverecn"] = np.max(np.abs(rec32 - rec64)) / np.max(np.abs(x))
                allowed["reconstruction vs input"] = np.max(np.abs(rec32 - x)) / np.max(np.abs(x))
            label = "%s %s %s level %d %s %s" % (w, mode, size, level, dtype, backend)

            def load(name, shape):
                data = np.fromfile(os.path.join(folder, "%d_%s.raw" % (i, name)), dtype=DTYPE[dtype])
                if data.size != int(np.prod(shape)):
                    failures.append("%s: band %s has %d values, pywt %s" % (label, name, data.size, shape))
                    return None
                return data.reshape(shape, order="F").astype(np.float64)

            def compare(name, ours, theirs, scale):
                if ours is None:
                    return
                error = np.max(np.abs(ours - theirs)) / max(scale, 1e-300)
                bound = max(TOLERANCE[dtype], 4 * allowed.get(name, 0.0))
                worst[dtype] = max(worst[dtype], error / bound * TOLERANCE[dtype])
                if not error <= bound:
                    failures.append("%s: %s relative error %.3g" % (label, name, error))

            approx = ref[0]
            compare("approximation", load("%d_%s" % (level, "L" * dim), approx.shape), approx, np.max(np.abs(approx)))
            for l in range(1, level + 1):
                details = ref[level - l + 1]  # wavedecn: coarsest level first
                for name in band_names(dim)[1:]:
                    theirs = details[band_key(name)]
                    compare("%d_%s" % (l, name), load("%d_%s" % (l, name), theirs.shape), theirs,
                            np.max(np.abs(theirs)))
            rec = pywt.waverecn(ref, w, mode=mode)[tuple(slice(0, s) for s in size)]
            ours = load("reconstruction", size)
            compare("reconstruction vs waverecn", ours, rec, np.max(np.abs(x)))
            if w != "dmey":
                compare("reconstruction vs input", ours, x.astype(np.float64), np.max(np.abs(x)))
    print("%d cases; worst error in units of the tolerance x 1e-5 (float) / 1e-10 (double): float %.3g, "
          "double %.3g" % (len(all_cases), worst["float"], worst["double"]))
    for f in sorted(failures, key=lambda f: "double" not in f)[:40]:
        print("FAIL", f)
    if failures:
        print("%d failures" % len(failures))
        return 1
    print("all bands and reconstructions equal PyWavelets %s within tolerance" % pywt.__version__)
    return 0


if __name__ == "__main__":
    sys.exit(main())
