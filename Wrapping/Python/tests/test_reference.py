"""The cross-checks of the C++ tests, through the Python API: the wavelet transform against
PyWavelets, the GLCM features against scikit-image, the built-in encoder against PyTorch (the
shipped ONNX weights). Skipped without Debian's python3-pywt / -skimage / -torch (the project's
venv sees them)."""
import os

import numpy as np
import pytest

import mmfusion

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def test_glcm_features_equal_scikit_image():
    feature = pytest.importorskip("skimage.feature")
    rng = np.random.default_rng(1)
    image = rng.integers(0, 8, size=(17, 13)).astype(np.float32)
    radius, levels = 2, 8
    names = ["mean", "contrast", "homogeneity", "energy", "correlation"]
    ours = mmfusion.glcm_texture(mmfusion.Image(image), names, radius=radius, levels=levels)
    # scikit-image on each window (reflect-101 borders as the filter), 4 offsets, averaged.
    padded = np.pad(image, radius, mode="reflect").astype(np.uint8)
    angles = [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]
    worst = 0.0
    for i in range(image.shape[0]):
        for j in range(image.shape[1]):
            window = padded[i:i + 2 * radius + 1, j:j + 2 * radius + 1]
            glcm = feature.graycomatrix(window, [1], angles, levels=levels, symmetric=True, normed=True)
            for name in names:
                if name == "mean":
                    theirs = np.mean([np.sum(np.arange(levels)[:, None] * glcm[:, :, 0, a]) for a in range(4)])
                else:
                    theirs = feature.graycoprops(glcm, name)[0].mean()
                worst = max(worst, abs(float(ours[name].array[i, j]) - theirs))
    assert worst < 1e-5


def test_builtin_encoder_equals_pytorch():
    torch = pytest.importorskip("torch")
    onnx = pytest.importorskip("onnx")
    from onnx import numpy_helper
    model = onnx.load(os.path.join(ROOT, "Models", "tdfif", "encoder.onnx"))
    weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
    convs = [n for n in model.graph.node if n.op_type == "Conv"]
    rng = np.random.default_rng(2)
    x = rng.random((37, 45)).astype(np.float32)  # ITK order (x, y)
    t = torch.from_numpy(x.T.copy())[None, None]  # torch: (1, 1, y, x)
    with torch.no_grad():
        for n in convs:
            t = torch.relu(torch.nn.functional.conv2d(t, weights[n.input[1]], weights[n.input[2]], padding=1))
    theirs = t[0].numpy()  # (64, y, x)
    ours = mmfusion.conv_features(mmfusion.Image(x), reduce="none")
    assert len(ours) == 64
    ours = np.stack([c.array.T for c in ours])
    assert np.max(np.abs(ours - theirs)) / np.max(np.abs(theirs)) < 1e-4
    mean = mmfusion.conv_features(mmfusion.Image(x), reduce="mean", backend="emulated")
    assert mean.backend == "emulated"
    assert np.max(np.abs(mean.array.T - theirs.mean(0))) / np.max(np.abs(theirs)) < 1e-4


@pytest.mark.parametrize("shape,wavelet,mode,levels", [((37, 30), "db2", "symmetric", 2),
                                                      ((16, 13, 11), "haar", "periodization", 1),
                                                      ((33, 40), "sym4", "zero", 3)])
def test_dwt_equals_pywavelets_and_idwt_inverts_it(shape, wavelet, mode, levels):
    pywt = pytest.importorskip("pywt")
    rng = np.random.default_rng(4)
    x = rng.random(shape).astype(np.float32)
    image = mmfusion.Image(np.asfortranarray(x), spacing=(0.5, 2.0, 1.0)[:len(shape)])
    ours = mmfusion.dwt(image, wavelet, levels, mode)
    theirs = pywt.wavedecn(x.astype(np.float64), wavelet, mode=mode, level=levels)
    assert len(ours) == 1 + levels * (2 ** len(shape) - 1)
    key = lambda name: name.split("_")[1].replace("L", "a").replace("H", "d")  # noqa: E731
    np.testing.assert_allclose(ours["%d_%s" % (levels, "L" * len(shape))].array, theirs[0], atol=1e-5)
    for name, band in ours.items():
        level = int(name.split("_")[0])
        if set(name.split("_")[1]) != {"L"}:
            np.testing.assert_allclose(band.array, theirs[levels - level + 1][key(name)], atol=1e-5, err_msg=name)
        assert band.spacing[0] == image.spacing[0] * 2 ** level
    back = mmfusion.idwt(ours, wavelet, mode, reference=image)
    assert back.same_grid(image)
    np.testing.assert_allclose(back.array, x, atol=1e-5)
    with pytest.raises(ValueError) as e:
        mmfusion.idwt({k: v for k, v in ours.items() if k != "1_HH" and k != "1_HHL"}, wavelet, mode)
    assert "missing" in str(e.value)
