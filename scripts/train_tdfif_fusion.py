#!/usr/bin/env python3
"""Trains TDFIF-Net, the fusion network of `mmfusion fuse --method tdfif-net` (docs/methods.md),
and exports its trained part, the decoder, to ONNX.

The network, per pixel of N >= 2 sources I_k normalised to [0, 1]:
  1. features phi_k = E(I_k): the shipped TDFIF encoder (Models/tdfif/encoder.onnx), frozen;
  2. the texture guide: W_k = T_k^p / sum_j T_j^p (ratio rule, eps 1e-6), T_k the GLCM mean (radius
     2, 8 levels, 4 offsets, symmetric, averaged; reflect-101 borders) of the encoder's channel
     mean quantised over its own range: TDFIF's weights, p = 4, computed as the C++ filter does;
  3. the fusion stage: Phi = sum_k W_k phi_k (64 channels), and two images, the guided fusion
     F_w = sum_k W_k I_k and the brightest source F_max = max_k I_k;
  4. the decoder D (trained): X = [Phi, F_w, F_max] (66 channels) ->
     conv 3x3 66->32, ReLU, conv 3x3 32->16, ReLU, conv 3x3 16->1, plus a 1x1 convolution of X
     (the skip path, initialised to (F_w + F_max) / 2); the fused image is D(X) clipped to [0, 1].
The network is symmetric in the sources (any order, any N). Only D is trained; the C++ filter
computes steps 1-3 with the module's filters and runs D through ConvNetwork (Models/tdfif/decoder.onnx).

Loss, without ground truth, on what the fusion metrics measure (weights in CONFIG, chosen on the
dev pairs' scores; docs/methods.md):
  ssim  * (2 - SSIM(F, I_1) - SSIM(F, I_2))       structure of each source
  grad  * mean | |grad F| - g max_k |grad I_k| |   the stronger gradient (Sobel), gain g
  inten * mean | F - max_k I_k |                   the salient (bright) intensity
Data: registered pairs that are not the evaluation pairs: the MNI templates (T1 with PET, T1 with
CT, 91 x 109 slices) and the AANLIB slice stacks of ../shared/data/real (MRI-CT, MRI-SPECT, MRI-PET;
colour as BT.601 luma), without the stack slices that are, or neighbour, one of the 2D dev pairs
(matched by pixels); random 64 x 64 crops, flips, 90-degree turns and swapped source order.
CPU, two threads, fixed seed. Writes Models/tdfif/decoder.onnx, Models/tdfif/fusion-training.json
(configuration, data, loss curve) and Models/tdfif/fusion-loss.png.
Needs python3-torch, python3-onnx, python3-nibabel, python3-matplotlib (the curve).
Usage: /usr/bin/python3 scripts/train_tdfif_fusion.py [--steps N] [--out FOLDER] [--ssim W --grad W --grad-gain G --inten W]
"""
import argparse
import csv
import glob
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL = os.path.join(ROOT, "..", "shared", "data", "real")
sys.path.insert(0, os.path.join(ROOT, "Testing", "Python"))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import metaimage  # noqa: E402
from train_tdfif_encoder import gaussian_window, ssim  # noqa: E402  (the encoder's SSIM, same window)

CONFIG = {"seed": 20261207, "steps": 3000, "batch": 8, "crop": 64, "lr": 2e-3, "lr_final": 1e-4,
          "ssim": 1.0, "grad": 10.0, "grad_gain": 1.0, "inten": 4.0, "weight_power": 4.0, "glcm_levels": 8, "glcm_radius": 2,
          "epsilon": 1e-6, "threads": 2, "opset": 13}


def load_encoder(path):
    """The shipped encoder's two convolutions from its ONNX file, as a frozen torch module."""
    import onnx
    from onnx import numpy_helper
    model = onnx.load(path)
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    layers = []
    for n in convs:
        w = torch.from_numpy(weights[n.input[1]].copy())
        conv = nn.Conv2d(w.shape[1], w.shape[0], 3, padding=1)
        conv.weight.data.copy_(w)
        conv.bias.data.copy_(torch.from_numpy(weights[n.input[2]].copy()))
        layers += [conv, nn.ReLU()]
    encoder = nn.Sequential(*layers).eval()
    for p in encoder.parameters():
        p.requires_grad_(False)
    return encoder


def glcm_mean_kernel(radius, dims=2):
    """The GLCM mean of a window as a linear kernel over its quantised levels: 4 unit offsets,
    pairs inside the window, symmetric, features averaged over offsets (GLCMMeanTextureFilter)."""
    s = 2 * radius + 1
    offsets = [(0, 1), (1, 1), (1, 0), (1, -1)]  # (dy, dx): (1,0), (1,1), (0,1), (-1,1) in (x, y)
    kernel = np.zeros((s, s))
    for dy, dx in offsets:
        count = np.zeros((s, s))
        pairs = 0
        for y in range(s):
            for x in range(s):
                if 0 <= y + dy < s and 0 <= x + dx < s:
                    count[y, x] += 1
                    count[y + dy, x + dx] += 1
                    pairs += 1
        kernel += count / (2 * pairs)
    return torch.tensor(kernel / len(offsets), dtype=torch.float32)[None, None]


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(66, 32, 3, padding=1)
        self.conv2 = nn.Conv2d(32, 16, 3, padding=1)
        self.conv3 = nn.Conv2d(16, 1, 3, padding=1)
        self.skip = nn.Conv2d(66, 1, 1)
        nn.init.zeros_(self.conv3.weight)
        nn.init.zeros_(self.conv3.bias)
        with torch.no_grad():
            self.skip.weight.zero_()
            self.skip.bias.zero_()
            self.skip.weight[0, 64] = 0.5
            self.skip.weight[0, 65] = 0.5

    def forward(self, x):
        return self.conv3(F.relu(self.conv2(F.relu(self.conv1(x))))) + self.skip(x)


def load_decoder(path):
    """A Decoder with the weights of an exported decoder.onnx (each convolution found by its shape)."""
    import onnx
    from onnx import numpy_helper
    model = onnx.load(path)
    weights = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    for node in model.graph.node:  # the exporter shares equal initializers through Identity nodes
        if node.op_type == "Identity" and node.input[0] in weights:
            weights[node.output[0]] = weights[node.input[0]]
    decoder = Decoder().eval()
    modules = {m.weight.shape: m for m in (decoder.conv1, decoder.conv2, decoder.conv3, decoder.skip)}
    for node in (n for n in model.graph.node if n.op_type == "Conv"):
        w = torch.from_numpy(weights[node.input[1]].copy())
        modules[w.shape].weight.data.copy_(w)
        modules[w.shape].bias.data.copy_(torch.from_numpy(weights[node.input[2]].copy()))
    return decoder


class Guide:
    """Steps 1-3 of the network (no training): X = [Phi, F_w, F_max] from the sources."""

    def __init__(self, encoder):
        self.encoder = encoder
        self.kernel = glcm_mean_kernel(CONFIG["glcm_radius"])

    def texture(self, mean_map):
        levels = CONFIG["glcm_levels"]
        lo = mean_map.amin(dim=(2, 3), keepdim=True)
        hi = mean_map.amax(dim=(2, 3), keepdim=True)
        span = torch.where(hi > lo, hi - lo, torch.ones_like(hi))
        q = torch.clamp(torch.floor(levels * (mean_map - lo) / span), 0, levels - 1)
        q = torch.where(hi > lo, q, torch.zeros_like(q))
        r = CONFIG["glcm_radius"]
        return F.conv2d(F.pad(q, (r, r, r, r), mode="reflect"), self.kernel)

    @torch.no_grad()
    def weights(self, sources):
        """W_k for whole images (the guide is computed on whole slices, as in the filter)."""
        t = [self.texture(self.encoder(s).mean(dim=1, keepdim=True)) ** CONFIG["weight_power"] for s in sources]
        total = sum(t)
        eps = CONFIG["epsilon"]
        return [(tk + eps) / (total + len(t) * eps) for tk in t]

    @torch.no_grad()
    def inputs(self, sources, weights):
        features = [self.encoder(s) for s in sources]
        phi = sum(w * f for w, f in zip(weights, features))
        fw = sum(w * s for w, s in zip(weights, sources))
        fmax = torch.stack(sources).amax(dim=0)
        return torch.cat([phi, fw, fmax], dim=1)


SOBEL = torch.tensor([[[[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]]], [[[-1, -2, -1], [0, 0, 0], [1, 2, 1]]]],
                     dtype=torch.float32)


def gradient(x):
    g = F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), SOBEL)
    return torch.sqrt((g * g).sum(dim=1, keepdim=True) + 1e-8)


def losses(fused, a, b, window):
    structure = 2.0 - ssim(fused, a, window) - ssim(fused, b, window)
    grad = (gradient(fused) - CONFIG["grad_gain"] * torch.maximum(gradient(a), gradient(b))).abs().mean()
    inten = (fused - torch.maximum(a, b)).abs().mean()
    total = CONFIG["ssim"] * structure + CONFIG["grad"] * grad + CONFIG["inten"] * inten
    return total, structure, grad, inten


def luma(volume, colour):
    if not colour:
        return volume.astype(np.float64)
    return volume[..., 0] * 0.299 + volume[..., 1] * 0.587 + volume[..., 2] * 0.114


def normalised(image):
    image = np.asarray(image, dtype=np.float64)
    span = np.ptp(image)
    return ((image - image.min()) / span if span > 0 else image * 0).astype(np.float32)


def read_png_grey(path):
    from skimage import io
    image = io.imread(path).astype(np.float64)
    return luma(image, image.ndim == 3) if image.ndim == 3 else image


def load_pairs():
    """Registered training pairs (slices), without the 2D dev pairs' slices and their neighbours."""
    rows = list(csv.DictReader(open(os.path.join(REAL, "pairs.csv"))))
    dev = [read_png_grey(os.path.join(REAL, r[k])) for r in rows if r["dim"] == "2D" for k in ("a", "b")]
    pairs, names, excluded = [], [], []
    import nibabel
    for row in rows:
        if row["dim"] == "2D":
            continue
        volumes = []
        for key in ("a", "b"):
            path = os.path.join(REAL, row[key])
            if path.endswith(".nii.gz"):
                volumes.append(np.asarray(nibabel.load(path).get_fdata()).transpose(2, 1, 0))  # [z][y][x]
            else:
                array, header = metaimage.read(path)
                volumes.append(luma(array, header.get("ElementNumberOfChannels", "1") != "1"))
        a, b = volumes
        near = set()
        for z in range(a.shape[0]):
            for image in (a[z], b[z]):
                if any(d.shape == image.shape and np.abs(d - image).mean() < 2.0 for d in dev):
                    near.update({z - 1, z, z + 1})
        excluded += ["%s[%d]" % (row["a"], z) for z in sorted(near) if 0 <= z < a.shape[0]]
        step = 2 if a.shape[0] > 80 else 1
        for z in range(0, a.shape[0], step):
            if z in near or np.count_nonzero(a[z] > a[z].max() * 0.05) < 0.1 * a[z].size or np.ptp(b[z]) <= 0:
                continue
            pairs.append((normalised(a[z]), normalised(b[z])))
            names.append("%s + %s [%d]" % (row["a"], row["b"], z))
    return pairs, names, excluded


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=CONFIG["steps"])
    parser.add_argument("--out", default=os.path.join(ROOT, "Models", "tdfif"))
    for key in ("ssim", "grad", "grad_gain", "inten"):
        parser.add_argument("--" + key.replace("_", "-"), type=float, default=CONFIG[key])
    args = parser.parse_args()
    for key in ("steps", "ssim", "grad", "grad_gain", "inten"):
        CONFIG[key] = getattr(args, key)
    torch.manual_seed(CONFIG["seed"])
    torch.set_num_threads(CONFIG["threads"])
    rng = np.random.default_rng(CONFIG["seed"])
    started = time.time()
    pairs, names, excluded = load_pairs()
    encoder = load_encoder(os.path.join(ROOT, "Models", "tdfif", "encoder.onnx"))
    guide = Guide(encoder)
    # The texture weights of each whole training slice (the guide sees whole images).
    weights = []
    for a, b in pairs:
        w = guide.weights([torch.from_numpy(a)[None, None], torch.from_numpy(b)[None, None]])
        weights.append([wk[0, 0].numpy() for wk in w])
    print("%d training pairs (%d slices excluded as dev pairs or their neighbours), guides in %.0f s" %
          (len(pairs), len(excluded), time.time() - started), file=sys.stderr)

    decoder = Decoder()
    optimiser = torch.optim.Adam(decoder.parameters(), lr=CONFIG["lr"])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, CONFIG["steps"], eta_min=CONFIG["lr_final"])
    window = gaussian_window()
    c = CONFIG["crop"]
    curve, started = [], time.time()
    for step in range(CONFIG["steps"]):
        crops = np.empty((4, CONFIG["batch"], 1, c, c), np.float32)  # a, b, w_a, w_b
        for i in range(CONFIG["batch"]):
            k = rng.integers(len(pairs))
            stack = np.stack([pairs[k][0], pairs[k][1], weights[k][0], weights[k][1]])
            y, x = rng.integers(stack.shape[1] - c + 1), rng.integers(stack.shape[2] - c + 1)
            crop = stack[:, y:y + c, x:x + c]
            if rng.random() < 0.5:
                crop = crop[:, :, ::-1]
            crop = np.rot90(crop, k=int(rng.integers(4)), axes=(1, 2))
            if rng.random() < 0.5:
                crop = crop[[1, 0, 3, 2]]
            crops[:, i, 0] = crop
        a, b, wa, wb = (torch.from_numpy(np.ascontiguousarray(t)) for t in crops)
        x = guide.inputs([a, b], [wa, wb])
        fused = torch.clamp(decoder(x), 0.0, 1.0)
        loss, structure, grad, inten = losses(fused, a, b, window)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        curve.append([float(loss), float(structure), float(grad), float(inten)])
        if step % 100 == 0 or step + 1 == CONFIG["steps"]:
            print("step %5d  loss %.4f  2-ssim %.4f  grad %.5f  inten %.5f  (%.0f s)" %
                  (step, *curve[-1], time.time() - started), file=sys.stderr)
    seconds = time.time() - started

    os.makedirs(args.out, exist_ok=True)
    decoder.eval()
    torch.onnx.export(decoder, torch.zeros(1, 66, 64, 64), os.path.join(args.out, "decoder.onnx"),
                      input_names=["guided"], output_names=["fused"], opset_version=CONFIG["opset"],
                      dynamic_axes={"guided": {0: "batch", 2: "height", 3: "width"},
                                    "fused": {0: "batch", 2: "height", 3: "width"}})
    tail = np.array(curve[-100:])
    record = {"config": CONFIG, "torch": torch.__version__, "training_seconds": round(seconds, 1),
              "final_loss_mean_of_last_100": dict(zip(["loss", "two_minus_ssim", "grad", "inten"],
                                                      tail.mean(axis=0).tolist())),
              "pairs": len(pairs), "sources": names, "excluded_dev_slices": excluded,
              "losses_every_10_steps": [[round(v, 6) for v in l] for l in curve[::10]]}
    with open(os.path.join(args.out, "fusion-training.json"), "w") as f:
        json.dump(record, f, indent=1, default=float)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, 3, figsize=(11, 3.2))
    steps = np.arange(len(curve))
    k = min(25, len(curve))
    smooth = lambda v: np.convolve(v, np.ones(k) / k, mode="valid")  # noqa: E731
    for axis, column, title in zip(axes, (1, 2, 3), ("2 - SSIM(F,A) - SSIM(F,B)", "gradient L1", "intensity L1")):
        axis.plot(steps[k - 1:], smooth(np.array(curve)[:, column]))
        axis.set_title("%s (%d-step mean)" % (title, k), fontsize=9)
        axis.set_xlabel("step")
    figure.suptitle("TDFIF-Net decoder training (encoder frozen)")
    figure.tight_layout()
    figure.savefig(os.path.join(args.out, "fusion-loss.png"), dpi=80)
    print("wrote %s (%.0f s of training)" % (args.out, seconds), file=sys.stderr)


if __name__ == "__main__":
    main()
