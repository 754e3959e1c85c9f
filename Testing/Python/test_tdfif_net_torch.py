#!/usr/bin/env python3
"""TDFIF-Net (TDFIFFusionFilter with the built-in decoder) against PyTorch.

The runner fuses two images with the C++ filter and also writes its texture weights W_k; PyTorch
then rebuilds the rest of the network from the shipped files (Models/tdfif/encoder.onnx and
decoder.onnx, read by scripts/train_tdfif_fusion.py): the sources normalised to [0, 1], the
encoder's features phi_k, the decoder's input [sum_k W_k phi_k, sum_k W_k I_k, max_k I_k], the
decoder, the clip to [0, 1]. So the test covers the feature fusion, the decoder's input layout,
the slices and both networks on both backends (the texture weights are TDFIF's, checked against
scikit-image by the GLCM tests). 2D, and a volume slice by slice.
Error: max |ours - torch| (outputs in [0, 1]), at most 1e-4.
Exit 77 (skipped) when torch or onnx is absent.
Usage: test_tdfif_net_torch.py RUNNER
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx  # noqa: F401 (the loaders need it)
    import torch
except ImportError as error:  # pragma: no cover
    print("skipped: %s (install python3-torch python3-onnx)" % error)
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import train_tdfif_fusion as net  # noqa: E402

TOLERANCE = 1e-4
torch.set_num_threads(2)


def smooth_image(rng, shape):
    """Blobs and edges: a smoothed random field plus a few bright discs (a source-like image)."""
    from scipy import ndimage
    field = ndimage.gaussian_filter(rng.random(shape), 2.0)
    grid = np.indices(shape)
    for _ in range(4):
        centre = [rng.uniform(0, s) for s in shape]
        r2 = sum((g - c) ** 2 for g, c in zip(grid, centre))
        field += (r2 < rng.uniform(9, 60)) * rng.uniform(0.2, 0.6)
    return (field * 1000.0).astype(np.float32)


def reference(encoder, decoder, a, b, weights):
    """Fused slices [z][y][x] in PyTorch from the sources and the C++ weights."""
    def normalised(v):
        return (v - v.min()) / (v.max() - v.min())
    a, b = normalised(a.astype(np.float64)).astype(np.float32), normalised(b.astype(np.float64)).astype(np.float32)
    fused = []
    with torch.no_grad():
        for z in range(a.shape[0]):
            s = [torch.from_numpy(a[z].copy())[None, None], torch.from_numpy(b[z].copy())[None, None]]
            w = [torch.from_numpy(weights[k][z].copy())[None, None] for k in range(2)]
            fused.append(torch.clamp(decoder(net.Guide(encoder).inputs(s, w)), 0, 1)[0, 0].numpy())
    return np.stack(fused)


def main():
    runner = sys.argv[1]
    encoder = net.load_encoder(os.path.join(ROOT, "Models", "tdfif", "encoder.onnx"))
    decoder = net.load_decoder(os.path.join(ROOT, "Models", "tdfif", "decoder.onnx"))
    rng = np.random.default_rng(11)
    failures, lines = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for shape in [(1, 47, 61), (5, 29, 33)]:  # [z][y][x]; z 1: a 2D image
            a, b = smooth_image(rng, shape), smooth_image(rng, shape)
            a.tofile(os.path.join(tmp, "a.raw"))
            b.tofile(os.path.join(tmp, "b.raw"))
            for backend in ("cpu", "emulated"):
                out = os.path.join(tmp, "out.raw")
                subprocess.run([runner, os.path.join(tmp, "a.raw"), os.path.join(tmp, "b.raw"), str(shape[2]),
                                str(shape[1]), str(shape[0]), backend, out], check=True)
                result = np.fromfile(out, np.float32).reshape((3,) + shape)
                theirs = reference(encoder, decoder, a, b, result[1:])
                error = float(np.max(np.abs(result[0] - theirs)))
                label = "%s %s, %s" % ("2D" if shape[0] == 1 else "3D slice by slice", "x".join(map(str, shape[::-1])),
                                       backend)
                lines.append("%-40s max |ours - torch| %.2e, fused range %.3f..%.3f" %
                             (label, error, theirs.min(), theirs.max()))
                if not error <= TOLERANCE:
                    failures.append("%s: %.3g > %g" % (label, error, TOLERANCE))
                if not theirs.max() - theirs.min() > 0.5:  # a fusion, not a constant
                    failures.append("%s: the fused image spans only %.3f" % (label, theirs.max() - theirs.min()))
    print("\n".join(lines))
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("all %d comparisons within %g" % (len(lines), TOLERANCE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
