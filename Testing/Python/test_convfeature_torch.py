#!/usr/bin/env python3
"""ConvFeatureFilter (through `mmfusion features`) against PyTorch, same weights, same input.

Networks (random weights from torch.manual_seed; batch-norm statistics randomised too), exported
with torch.onnx.export at test time:
  - the TDFIF encoder architecture, 2D; every channel and the mean / L1 / max reductions;
  - the built-in TDFIF encoder (mmfusion --model tdfif) against the shipped Models/tdfif/encoder.onnx;
  - torchvision VGG19 `features` up to relu4_1, with ImageNet channel normalisation;
  - torchvision AlexNet `features`;
  - torchvision DenseNet-121 up to the end of its first dense block;
  - a named intermediate tensor of the VGG19 graph (--output-tensor NAME);
  - a 3D network (Conv3d with stride, dilation and groups, BatchNorm3d, MaxPool3d, AvgPool3d,
    Concat, Add);
  - a 2D network slice by slice along each axis of a volume;
  - VGG19 and the 3D network in small tiles (the result must not depend on the tiling);
  - AlexNet, DenseNet (channel mean) and the 3D network again on the emulated CUDA kernels.
Error: max |ours - torch| / max |torch| per output, at most 1e-4. The output grid is checked too:
spacing times the network's stride, origin at the first output sample's centre.
Exit 77 (skipped) when torch, torchvision or onnx is absent.
Usage: test_convfeature_torch.py MMFUSION
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import onnx
    import torch
    import torch.nn as nn
    import torchvision
    from onnx import numpy_helper
except ImportError as error:  # pragma: no cover
    print("skipped: %s (install python3-torch python3-torchvision python3-onnx)" % error)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metaimage  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TOLERANCE = 1e-4
torch.set_num_threads(2)


class TDFIF(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 64, 3, padding=1)
        self.conv2 = nn.Conv2d(64, 64, 3, padding=1)

    def forward(self, x):
        return torch.relu(self.conv2(torch.relu(self.conv1(x))))


class Net3D(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Conv3d(1, 8, 3, padding=1)
        self.bn = nn.BatchNorm3d(8)
        self.pool = nn.MaxPool3d(2, ceil_mode=True)
        self.b = nn.Conv3d(8, 8, 3, padding=2, dilation=2, groups=2)
        self.c = nn.Conv3d(16, 16, (3, 1, 3), stride=(1, 2, 1), padding=(1, 0, 1))
        self.d = nn.Conv3d(16, 16, 1)
        self.avg = nn.AvgPool3d(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x):
        y = self.pool(torch.relu(self.bn(self.a(x))))
        z = torch.cat([y, torch.relu(self.b(y))], 1)
        w = self.c(z)
        return self.avg(w + self.d(w))


def randomise_batchnorm(model, seed):
    g = torch.Generator().manual_seed(seed)
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm2d, nn.BatchNorm3d)):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)


def export(model, shape, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(shape), path, input_names=["image"], output_names=["features"],
                      opset_version=13)


def run(mmfusion, args):
    result = subprocess.run([mmfusion, "features", *args, "--quiet"], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError("mmfusion features %s: %s" % (" ".join(args), result.stderr.strip()))


def relative_error(ours, theirs):
    return float(np.max(np.abs(ours - theirs)) / max(np.max(np.abs(theirs)), 1e-30))


def main():
    mmfusion = sys.argv[1]
    failures, lines = [], []

    def check(label, ours, theirs):
        if ours.shape != theirs.shape:
            failures.append("%s: shape %s, torch %s" % (label, ours.shape, theirs.shape))
            return
        e = relative_error(ours, theirs)
        lines.append("%-48s %.2e" % (label, e))
        if not e <= TOLERANCE:
            failures.append("%s: relative error %.3g > %g" % (label, e, TOLERANCE))

    def check_grid(label, header, spacing, origin):
        if not (np.allclose(header["spacing"], spacing) and np.allclose(header["origin"], origin)):
            failures.append("%s: grid spacing %s origin %s, expected %s %s" % (label, header["spacing"],
                                                                               header["origin"], spacing, origin))

    rng = np.random.default_rng(7)
    with tempfile.TemporaryDirectory() as tmp:
        path = lambda name: os.path.join(tmp, name)  # noqa: E731

        def features(model_file, image, extra=(), reduce="none"):
            out = path("out.mha")
            run(mmfusion, [image, "-o", out, "--model", model_file, "--raw", "--reduce", reduce, *extra])
            return metaimage.read(out)

        def torch_2d(model, x, channels=1):
            with torch.no_grad():
                return model(torch.from_numpy(np.repeat(x[None, None], channels, 1))).numpy()[0]

        # TDFIF architecture, every channel and the reductions (odd sizes, 2D).
        torch.manual_seed(1)
        tdfif = TDFIF().eval()
        export(tdfif, (1, 1, 16, 16), path("tdfif.onnx"))
        x = rng.random((37, 45)).astype(np.float32)
        metaimage.write(path("x2.mha"), x, spacing=[0.5, 2.0], origin=[10.0, -3.0])
        theirs = torch_2d(tdfif, x)
        ours, header = features(path("tdfif.onnx"), path("x2.mha"))
        check("TDFIF architecture, 64 channels", np.moveaxis(ours, -1, 0), theirs)
        check_grid("TDFIF architecture", header, [0.5, 2.0], [10.0, -3.0])
        for reduce, f in [("mean", lambda t: t.mean(0)), ("l1", lambda t: np.abs(t).sum(0)), ("max", lambda t: t.max(0))]:
            check("TDFIF architecture, reduce %s" % reduce, features(path("tdfif.onnx"), path("x2.mha"), (), reduce)[0],
                  f(theirs))

        # The built-in encoder is the shipped file.
        shipped = onnx.load(os.path.join(ROOT, "Models", "tdfif", "encoder.onnx"))
        weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in shipped.graph.initializer}
        trained = TDFIF().eval()
        trained.load_state_dict(weights)
        out = path("builtin.mha")
        run(mmfusion, [path("x2.mha"), "-o", out, "--raw", "--reduce", "none"])
        check("built-in TDFIF encoder = Models/tdfif/encoder.onnx", np.moveaxis(metaimage.read(out)[0], -1, 0),
              torch_2d(trained, x))

        # torchvision networks (random weights), 3 channels.
        mean, std = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
        normalise = ["--mean", ",".join(map(str, mean)), "--std", ",".join(map(str, std))]
        x = rng.random((70, 83)).astype(np.float32)
        metaimage.write(path("x3.mha"), x)
        xn = torch.from_numpy(np.stack([(x - m) / s for m, s in zip(mean, std)])[None].astype(np.float32))
        torch.manual_seed(2)
        vgg = torchvision.models.vgg19().features[:21].eval()
        export(vgg, (1, 3, 64, 64), path("vgg.onnx"))
        with torch.no_grad():
            theirs = vgg(xn).numpy()[0]
        ours, header = features(path("vgg.onnx"), path("x3.mha"), normalise)
        check("VGG19 features to relu4_1, normalised input", np.moveaxis(ours, -1, 0), theirs)
        check_grid("VGG19 (stride 8)", header, [8.0, 8.0], [3.5, 3.5])
        check("VGG19 in tiles of 1 MiB (stride-aligned, padded by the receptive field)",
              np.moveaxis(features(path("vgg.onnx"), path("x3.mha"), normalise + ["--tile-mb", "1"])[0], -1, 0), theirs)
        # A named tensor inside the graph: the output of the sixth node (relu2_1 region).
        graph = onnx.load(path("vgg.onnx")).graph
        relus = [n for n in graph.node if n.op_type == "Relu"]
        name = relus[2].output[0]  # relu2_1 = features[:7]
        with torch.no_grad():
            theirs = vgg[:7](xn).numpy()[0]
        check("VGG19 up to the named tensor '%s'" % name,
              np.moveaxis(features(path("vgg.onnx"), path("x3.mha"), normalise + ["--output-tensor", name])[0], -1, 0), theirs)

        torch.manual_seed(3)
        alexnet = torchvision.models.alexnet().features.eval()
        export(alexnet, (1, 3, 96, 96), path("alexnet.onnx"))
        x = rng.random((211, 203)).astype(np.float32)
        metaimage.write(path("xa.mha"), x)
        theirs = torch_2d(alexnet, x, 3)
        check("AlexNet features", np.moveaxis(features(path("alexnet.onnx"), path("xa.mha"))[0], -1, 0), theirs)
        check("AlexNet features, emulated CUDA",
              np.moveaxis(features(path("alexnet.onnx"), path("xa.mha"), ["--backend", "emulated"])[0], -1, 0), theirs)

        torch.manual_seed(4)
        densenet = torchvision.models.densenet121().features[:5]
        randomise_batchnorm(densenet, 4)
        densenet.eval()
        export(densenet, (1, 3, 64, 64), path("densenet.onnx"))
        x = rng.random((66, 75)).astype(np.float32)
        metaimage.write(path("xd.mha"), x)
        theirs = torch_2d(densenet, x, 3)
        check("DenseNet-121 to the end of dense block 1",
              np.moveaxis(features(path("densenet.onnx"), path("xd.mha"))[0], -1, 0), theirs)
        check("DenseNet-121 block 1, emulated CUDA, mean",
              features(path("densenet.onnx"), path("xd.mha"), ["--backend", "emulated"], "mean")[0], theirs.mean(0))

        # A 3D network.
        torch.manual_seed(5)
        net3d = Net3D()
        randomise_batchnorm(net3d, 5)
        net3d.eval()
        export(net3d, (1, 1, 12, 12, 12), path("net3d.onnx"))
        v = rng.random((25, 30, 23)).astype(np.float32)  # [z][y][x]
        metaimage.write(path("v.mha"), v)
        with torch.no_grad():
            theirs = net3d(torch.from_numpy(v[None, None])).numpy()[0]
        ours, header = features(path("net3d.onnx"), path("v.mha"))
        check("3D network", np.moveaxis(ours, -1, 0), theirs)
        check_grid("3D network (strides 2, 4, 2)", header, [2.0, 4.0, 2.0], [0.5, 0.5, 0.5])
        check("3D network in tiles of 0.2 MiB", np.moveaxis(features(path("net3d.onnx"), path("v.mha"),
                                                                    ["--tile-mb", "0.2"])[0], -1, 0), theirs)
        check("3D network, emulated CUDA",
              np.moveaxis(features(path("net3d.onnx"), path("v.mha"), ["--backend", "emulated"])[0], -1, 0), theirs)

        # A 2D network slice by slice along each axis of a volume.
        for axis in range(3):
            with torch.no_grad():
                numpy_axis = 2 - axis
                slices = [np.moveaxis(v, numpy_axis, 0)[i] for i in range(v.shape[numpy_axis])]
                theirs = np.stack([tdfif(torch.from_numpy(s[None, None].copy())).numpy()[0].mean(0) for s in slices])
                theirs = np.moveaxis(theirs, 0, numpy_axis)
            ours = features(path("tdfif.onnx"), path("v.mha"), ["--slice-axis", str(axis)], "mean")[0]
            check("TDFIF slice by slice along axis %d, mean" % axis, ours, theirs)

    print("\n".join(lines))
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("all %d comparisons within %g" % (len(lines), TOLERANCE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
