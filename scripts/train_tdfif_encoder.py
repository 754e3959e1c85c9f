#!/usr/bin/env python3
"""Trains the TDFIF encoder (docs/methods.md section 2) and exports it to ONNX.

Encoder: conv 3x3 1->64, ReLU, conv 3x3 64->64, ReLU (stride 1, zero padding 1).
Decoder (DenseFuse-style, used only for training): conv 3x3 64->64->32->16->1, ReLU except the last.
Loss: MSE(O, I) + lambda (1 - SSIM(O, I)), SSIM with an 11x11 Gaussian (sigma 1.5) on [0, 1] images.
Data: grey slices the project may use, read at training time, each min-max normalised to [0, 1]:
  - the project's phantoms (mmfusion phantom, when the build is present: FUSION_BUILD_DIR or build/);
  - scikit-image's bundled sample images (camera, moon, coins, ..., the brain MRI slices);
  - the real 3D volumes of ../shared/data/real (axial slices of the MNI templates and the AANLIB
    stacks) when present. The 2D real pairs are kept out: they are the evaluation set of the fusion.
Random 64x64 crops with flips; Adam; fixed seed; CPU, two threads (Debian's python3-torch).
Writes Models/tdfif/encoder.onnx, Models/tdfif/training.json (configuration, data, losses) and
Models/tdfif/loss.png.
Needs python3-torch, python3-skimage, python3-matplotlib (the curve); python3-nibabel for the
NIfTI volumes of ../shared/data/real (skipped without it).
Usage: /usr/bin/python3 scripts/train_tdfif_encoder.py [--steps N] [--out FOLDER]
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REAL = os.path.join(ROOT, "..", "shared", "data", "real")

CONFIG = {"seed": 20261122, "steps": 8000, "batch": 8, "crop": 64, "lr": 1e-3, "lr_final": 1e-4,
          "ssim_lambda": 100.0, "threads": 2, "opset": 13}


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 3, padding=1)
        self.conv2 = nn.Conv2d(64, 64, 3, padding=1)

    def forward(self, x):
        return F.relu(self.conv2(F.relu(self.conv1(x))))


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.convs = nn.ModuleList([nn.Conv2d(a, b, 3, padding=1) for a, b in [(64, 64), (64, 32), (32, 16), (16, 1)]])

    def forward(self, x):
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i + 1 < len(self.convs):
                x = F.relu(x)
        return x


def gaussian_window(size=11, sigma=1.5):
    g = np.exp(-((np.arange(size) - size // 2) ** 2) / (2 * sigma * sigma))
    g /= g.sum()
    return torch.tensor(np.outer(g, g), dtype=torch.float32)[None, None]


def ssim(x, y, window):
    c1, c2 = 0.01 ** 2, 0.03 ** 2
    mx, my = F.conv2d(x, window), F.conv2d(y, window)
    sxx = F.conv2d(x * x, window) - mx * mx
    syy = F.conv2d(y * y, window) - my * my
    sxy = F.conv2d(x * y, window) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return s.mean()


def read_mha(path):
    """A MetaImage as an array [z][y][x], colour averaged to grey (Testing/Python/metaimage.py)."""
    sys.path.insert(0, os.path.join(ROOT, "Testing", "Python"))
    import metaimage
    array, header = metaimage.read(path)
    return array.mean(axis=-1) if header.get("ElementNumberOfChannels", "1") != "1" else array


def slices_of(volume, step=2):
    return [volume[z] for z in range(0, volume.shape[0], step)]


def load_images():
    images, sources = [], []

    def add(image, source):
        image = np.asarray(image, dtype=np.float64)
        if image.ndim != 2 or min(image.shape) < CONFIG["crop"] or np.ptp(image) <= 0:
            return
        images.append(((image - image.min()) / np.ptp(image)).astype(np.float32))
        sources.append(source)

    from skimage import color, data
    for name in ["camera", "moon", "coins", "text", "brick", "grass", "gravel", "cell", "page", "clock", "horse",
                 "astronaut", "chelsea", "coffee", "rocket", "hubble_deep_field", "immunohistochemistry"]:
        try:
            image = getattr(data, name)()
        except Exception:  # an image this scikit-image lacks or cannot fetch
            continue
        if image.ndim == 3:
            image = color.rgb2gray(image[..., :3])
        add(image, "skimage:" + name)
    try:
        for i, s in enumerate(data.brain()):
            add(s, "skimage:brain[%d]" % i)
    except Exception:
        pass

    build = os.environ.get("FUSION_BUILD_DIR", os.path.join(ROOT, "build"))
    mmfusion = os.path.join(build, "bin", "mmfusion")
    if os.path.exists(mmfusion):
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run([mmfusion, "phantom", "-o", folder, "--dim", "both", "--format", "mha"], check=True,
                           capture_output=True)
            for path in sorted(glob.glob(os.path.join(folder, "*.mha"))):
                array = read_mha(path)
                name = "phantom:" + os.path.basename(path)
                if array.ndim == 2:
                    add(array, name)
                else:
                    for k, s in enumerate(slices_of(array, 4)):
                        add(s, "%s[%d]" % (name, k))

    if os.path.isdir(REAL):
        try:
            import nibabel
        except ImportError:
            nibabel = None
        for path in sorted(glob.glob(os.path.join(REAL, "3d", "*", "*"))):
            if path.endswith(".nii.gz") and nibabel is not None:
                volume = np.asarray(nibabel.load(path).get_fdata()).transpose(2, 1, 0)  # [z][y][x]
            elif path.endswith(".mha"):
                volume = read_mha(path)
            else:
                continue
            name = "real:" + os.path.relpath(path, REAL)
            for k, s in enumerate(slices_of(volume, 2)):
                if np.count_nonzero(s) > 0.2 * s.size:
                    add(s, "%s[%d]" % (name, k))
    return images, sources


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=CONFIG["steps"])
    parser.add_argument("--out", default=os.path.join(ROOT, "Models", "tdfif"))
    args = parser.parse_args()
    CONFIG["steps"] = args.steps
    torch.manual_seed(CONFIG["seed"])
    torch.set_num_threads(CONFIG["threads"])
    rng = np.random.default_rng(CONFIG["seed"])
    images, sources = load_images()
    print("%d training slices" % len(images), file=sys.stderr)
    encoder, decoder = Encoder(), Decoder()
    parameters = list(encoder.parameters()) + list(decoder.parameters())
    optimiser = torch.optim.Adam(parameters, lr=CONFIG["lr"])
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimiser, CONFIG["steps"], eta_min=CONFIG["lr_final"])
    window = gaussian_window()
    c = CONFIG["crop"]
    losses, started = [], time.time()
    for step in range(CONFIG["steps"]):
        batch = np.empty((CONFIG["batch"], 1, c, c), np.float32)
        for b in range(CONFIG["batch"]):
            image = images[rng.integers(len(images))]
            y, x = rng.integers(image.shape[0] - c + 1), rng.integers(image.shape[1] - c + 1)
            crop = image[y:y + c, x:x + c]
            if rng.random() < 0.5:
                crop = crop[:, ::-1]
            if rng.random() < 0.5:
                crop = crop[::-1, :]
            batch[b, 0] = crop
        x = torch.from_numpy(batch)
        out = decoder(encoder(x))
        mse = F.mse_loss(out, x)
        structural = 1.0 - ssim(out, x, window)
        loss = mse + CONFIG["ssim_lambda"] * structural
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        losses.append([float(loss), float(mse), float(structural)])
        if step % 100 == 0 or step + 1 == CONFIG["steps"]:
            print("step %5d  loss %.5f  mse %.6f  1-ssim %.5f  (%.0f s)" % (step, *losses[-1], time.time() - started),
                  file=sys.stderr)
    seconds = time.time() - started

    os.makedirs(args.out, exist_ok=True)
    encoder.eval()
    torch.onnx.export(encoder, torch.zeros(1, 1, 64, 64), os.path.join(args.out, "encoder.onnx"),
                      input_names=["image"], output_names=["features"], opset_version=CONFIG["opset"],
                      dynamic_axes={"image": {0: "batch", 2: "height", 3: "width"},
                                    "features": {0: "batch", 2: "height", 3: "width"}})
    tail = np.array(losses[-100:])
    record = {"config": CONFIG, "torch": torch.__version__, "training_seconds": round(seconds, 1),
              "final_loss_mean_of_last_100": {"loss": tail[:, 0].mean(), "mse": tail[:, 1].mean(),
                                              "one_minus_ssim": tail[:, 2].mean()},
              "slices": len(images), "sources": sources,
              "losses_every_10_steps": [[round(v, 6) for v in l] for l in losses[::10]]}
    with open(os.path.join(args.out, "training.json"), "w") as f:
        json.dump(record, f, indent=1, default=float)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    figure, axes = plt.subplots(1, 2, figsize=(9, 3.2))
    steps = np.arange(len(losses))
    k = min(25, len(losses))  # running mean over k steps
    smooth = lambda v: np.convolve(v, np.ones(k) / k, mode="valid")  # noqa: E731
    axes[0].plot(steps[k - 1:], smooth(np.array(losses)[:, 1]))
    axes[0].set_title("MSE (%d-step mean)" % k)
    axes[1].plot(steps[k - 1:], smooth(np.array(losses)[:, 2]))
    axes[1].set_title("1 - SSIM (%d-step mean)" % k)
    for a in axes:
        a.set_xlabel("step")
        a.set_yscale("log")
    figure.suptitle("TDFIF encoder + decoder reconstruction training")
    figure.tight_layout()
    figure.savefig(os.path.join(args.out, "loss.png"), dpi=80)
    print("wrote %s (%.0f s of training)" % (args.out, seconds), file=sys.stderr)


if __name__ == "__main__":
    main()
