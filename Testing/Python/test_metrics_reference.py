#!/usr/bin/env python3
"""FusionMetricsCalculator (through `mmfusion metrics --json`) against NumPy, SciPy and
scikit-image, 2D and 3D, on smooth random grey images in 0..255 (`--range 0,255`: no mapping).

Presets standard and vifb. References: EN scikit-image shannon_entropy of the rounded image; SD, SF, AG (numpy.gradient),
CC, SCD NumPy; VIF (vifp_mscale, scipy.signal.convolve 'valid'), Qabf and Nabf
(scipy.ndimage.correlate, docs/metrics.md) written here from the definitions; EI scipy.ndimage.sobel (mode nearest) per z-slice; MI, JE, Q_MI, CE from a NumPy
256 x 256 joint histogram; MSE, PSNR (data_range 255) and SSIM (Gaussian sigma 1.5, population
covariance, data_range 255: Wang et al.) from scikit-image; Q_Y (scipy.signal.convolve with a 7^D
window), Q_CB (numpy.fft, a full 31 x 31 scipy.ndimage.correlate), Q_CV (numpy.fft, 16 x 16 blocks
by reshaping) written here from Liu's code as docs/metrics.md gives it; VIFB's SF, AG, MI,
RMSE and PSNR variants on rounded images. Tolerance 1e-6 relative.
Exit 77 (skipped) when NumPy, SciPy or scikit-image is absent.
Usage: test_metrics_reference.py MMFUSION
"""
import json
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    from scipy import ndimage, signal
    from skimage.measure import shannon_entropy
    from skimage.metrics import mean_squared_error, peak_signal_noise_ratio, structural_similarity
except ImportError as error:  # pragma: no cover
    print("skipped: %s (install python3-scipy python3-skimage)" % error)
    sys.exit(77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metaimage  # noqa: E402

TOLERANCE = 1e-6


def entropy(counts):
    p = counts[counts > 0] / counts.sum()
    return float(-(p * np.log2(p)).sum())


def reference(sources, f):
    r = {}
    bins = lambda x: np.clip(np.round(x), 0, 255).astype(np.int64)  # noqa: E731
    bf = bins(f)
    hf = np.bincount(bf.ravel(), minlength=256).astype(float)
    r["EN"] = shannon_entropy(bf)
    r["SD"] = float(np.std(f))
    r["SF"] = float(np.sqrt(sum(np.mean(np.diff(f, axis=a) ** 2) for a in range(f.ndim))))
    slices = [f] if f.ndim == 2 else list(f)
    ag = ei = 0.0
    for s in slices:
        gy, gx = np.gradient(s)
        ag += np.sqrt((gx ** 2 + gy ** 2) / 2).sum()
        ei += np.hypot(ndimage.sobel(s, axis=1, mode="nearest"), ndimage.sobel(s, axis=0, mode="nearest")).sum()
    r["AG"], r["EI"] = ag / f.size, ei / f.size
    mi, q, ce, mse, cc, ssim = [], 0.0, [], [], [], []
    for k, s in enumerate(sources, 1):
        bs = bins(s)
        hs = np.bincount(bs.ravel(), minlength=256).astype(float)
        joint = np.bincount((bs * 256 + bf).ravel(), minlength=65536).astype(float)
        r["EN_%d" % k], r["JE_%d" % k] = entropy(hs), entropy(joint)
        r["MI_%d" % k] = r["EN_%d" % k] + r["EN"] - r["JE_%d" % k]
        mi.append(r["MI_%d" % k])
        q += 2 * r["MI_%d" % k] / (r["EN_%d" % k] + r["EN"])
        both = (hs > 0) & (hf > 0)
        ce.append(float((hs[both] / hs.sum() * np.log2(hs[both] / hf[both])).sum()))
        r["MSE_%d" % k] = mean_squared_error(s, f)
        r["PSNR_%d" % k] = peak_signal_noise_ratio(s, f, data_range=255)
        r["CC_%d" % k] = float(np.corrcoef(s.ravel(), f.ravel())[0, 1])
        r["SSIM_%d" % k] = structural_similarity(s, f, gaussian_weights=True, sigma=1.5,
                                                 use_sample_covariance=False, data_range=255)
        mse.append(r["MSE_%d" % k])
        cc.append(r["CC_%d" % k])
        ssim.append(r["SSIM_%d" % k])
    r["MI"], r["MI_nats"], r["Q_MI"], r["CE"] = sum(mi), sum(mi) * np.log(2), q, float(np.mean(ce))
    r["MSE"], r["RMSE"] = float(np.mean(mse)), float(np.mean(np.sqrt(mse)))
    r["PSNR"] = 10 * np.log10(255 ** 2 / r["MSE"])
    r["CC"], r["SSIM"] = float(np.mean(cc)), float(sum(ssim))
    r["SCD"] = sum(float(np.corrcoef((f - (sum(sources) - s)).ravel(), s.ravel())[0, 1]) for s in sources)
    for k, s in enumerate(sources, 1):
        r["VIF_%d" % k] = vif(s, f)
    r["VIF"] = sum(r["VIF_%d" % k] for k in range(1, len(sources) + 1))
    r["Qabf"], r["Nabf"] = qabf_nabf(sources, f)
    if len(sources) == 2:
        r["Q_Y"] = q_y(sources[0], sources[1], f)
    r["Q_CB"] = q_cb(sources, f)
    r["Q_CV"] = q_cv(sources, f)
    return r


def reference_vifb(sources, f):
    """VIFB's metrics*.m on the rounded images (as the 8-bit files VIFB reads)."""
    sources, f = [np.round(s) for s in sources], np.round(f)
    standard = reference(sources, f)
    r = {k: standard[k] for k in ("CE", "EI", "EN", "Qabf", "Q_CB", "Q_CV", "SSIM", "SD")}
    slices = [f] if f.ndim == 2 else list(f)
    ag = 0.0
    for s in slices:
        gy, gx = np.gradient(s)
        ag += np.sqrt((gx ** 2 + gy ** 2) / 2).sum() / ((s.shape[0] - 1) * (s.shape[1] - 1))
    r["AG"] = ag / len(slices)
    r["SF"] = float(np.sqrt(sum((np.diff(f, axis=a) ** 2).sum() / f.size for a in range(f.ndim))))
    mi = 0.0
    for s in sources:  # each image min-max normalised, int16(x * 255) bins (round half away), nats
        b = [np.floor((x - x.min()) / (x.max() - x.min()) * 255 + 0.5).astype(np.int64) for x in (s, f)]
        joint = np.bincount((b[0] * 256 + b[1]).ravel(), minlength=65536).astype(float)
        ha, hb = np.bincount(b[0].ravel(), minlength=256), np.bincount(b[1].ravel(), minlength=256)
        nats = lambda c: float(-(c[c > 0] / c.sum() * np.log(c[c > 0] / c.sum())).sum())  # noqa: E731
        mi += nats(ha.astype(float)) + nats(hb.astype(float)) - nats(joint)
    r["MI"] = mi
    r["RMSE"] = float(np.mean([np.sqrt(((s - f) ** 2).sum()) / f.size for s in sources]))
    r["PSNR"] = 20 * np.log10(255 / np.sqrt(r["RMSE"]))
    return r


def gaussian(n, sigma, normalised=True):
    g = np.exp(-((np.arange(n) - (n - 1) / 2) ** 2) / (2 * sigma ** 2))
    return g / g.sum() if normalised else g


def q_y(a, b, f):
    """Yang's Q_Y (Liu's metricYang): 7^D Gaussian SSIM maps, C = 2e-16; lambda 0.5 where both flat."""
    w = gaussian(7, 1.5)
    window = w
    for _ in range(a.ndim - 1):
        window = np.multiply.outer(window, w)
    valid = lambda x: signal.convolve(x, window, mode="valid")  # noqa: E731
    mu = {k: valid(x) for k, x in (("a", a), ("b", b), ("f", f))}
    var = {k: valid(x * x) - mu[k] ** 2 for k, x in (("a", a), ("b", b), ("f", f))}
    cov = lambda x, y, p, q: valid(x * y) - mu[p] * mu[q]  # noqa: E731
    C = 2e-16
    ssim = lambda p, q, c: ((2 * mu[p] * mu[q] + C) * (2 * c + C)) / ((mu[p] ** 2 + mu[q] ** 2 + C) * (var[p] + var[q] + C))  # noqa: E731,E501
    sab, saf, sbf = ssim("a", "b", cov(a, b, "a", "b")), ssim("a", "f", cov(a, f, "a", "f")), ssim("b", "f", cov(b, f, "b", "f"))
    total = var["a"] + var["b"]
    with np.errstate(invalid="ignore", divide="ignore"):
        lam = np.where(total != 0, var["a"] / total, 0.5)
    return float(np.mean(np.where(sab >= 0.75, lam * saf + (1 - lam) * sbf, np.maximum(saf, sbf))))


def normalize1(x):
    return np.floor((x - x.min()) / (x.max() - x.min()) * 255 + 0.5) if x.max() > x.min() else np.zeros_like(x)


def frequency_filter(image, gain):
    """Filters a 2D slice by gain(|f_x|, |f_y|), f in integer cycles per slice (MATLAB freqspace x size)."""
    fy = np.abs(np.fft.fftfreq(image.shape[0]) * image.shape[0])[:, None]
    fx = np.abs(np.fft.fftfreq(image.shape[1]) * image.shape[1])[None, :]
    return np.real(np.fft.ifft2(np.fft.fft2(image) * gain(fx, fy)))


def q_cb(sources, f):
    """Chen-Blum Q_CB (Liu's metricChenBlum) per z-slice, the mean over the defined pixels."""
    def contrast(x):
        y = frequency_filter(x, lambda fx, fy: np.exp(-(np.hypot(fx / 15, fy / 15) / 15.3870) ** 2)
                             - 0.7622 * np.exp(-(np.hypot(fx / 15, fy / 15) / 1.3456) ** 2))
        grid = np.arange(-15, 16)
        xx, yy = np.meshgrid(grid, grid)
        g = lambda s: np.exp(-(xx ** 2 + yy ** 2) / (2 * s * s)) / (2 * np.pi * s * s)  # noqa: E731
        with np.errstate(invalid="ignore", divide="ignore"):
            c = np.abs(ndimage.correlate(y, g(2), mode="constant") / ndimage.correlate(y, g(4), mode="constant") - 1)
        return c ** 3 / (c ** 2 + 1e-4)
    images = [normalize1(x) for x in sources + [f]]
    values = []
    for z in range(1 if f.ndim == 2 else f.shape[0]):
        cs = [contrast(x if f.ndim == 2 else x[z]) for x in images]
        cf, squares = cs[-1], sum(c * c for c in cs[:-1])
        with np.errstate(invalid="ignore", divide="ignore"):
            q = sum(c * c / squares * np.where(c < cf, c / cf, cf / c) for c in cs[:-1])
        values.append(q[np.isfinite(q)])
    return float(np.concatenate(values).mean())


def q_cv(sources, f):
    """Chen-Varshney Q_CV (Liu's metricChen): 16 x 16 blocks, alpha 5, Mannos-Sakrison CSF; pooled."""
    h = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)
    fn = normalize1(f)
    num = den = 0.0
    for s in sources:
        sn = normalize1(s)
        for z in range(1 if f.ndim == 2 else f.shape[0]):
            a, b = (sn, fn) if f.ndim == 2 else (sn[z], fn[z])
            g = np.hypot(ndimage.correlate(a, h, mode="constant"), ndimage.correlate(a, h.T, mode="constant"))
            d = frequency_filter(a - b, lambda fx, fy: 2.6 * (0.0192 + 0.144 * np.hypot(fx / 4, fy / 4))
                                 * np.exp(-(0.144 * np.hypot(fx / 4, fy / 4)) ** 1.1))
            by, bx = -(-a.shape[0] // 16), -(-a.shape[1] // 16)
            pad = lambda x: np.pad(x, ((0, by * 16 - x.shape[0]), (0, bx * 16 - x.shape[1])))  # noqa: E731
            blocks = lambda x: pad(x).reshape(by, 16, bx, 16).sum(axis=(1, 3))  # noqa: E731
            lam, dist = blocks(g ** 5), blocks(d ** 2) / 256
            num += (lam * dist).sum()
            den += lam.sum()
    return num / den


def vif(ref, dist):
    """vifp_mscale: four scales, Gaussian N = 2^(5-s)+1, sigma N/5, 'valid', decimation by 2."""
    num = den = 0.0
    for scale in range(1, 5):
        n = 2 ** (5 - scale) + 1
        g = np.exp(-((np.arange(n) - (n - 1) / 2) ** 2) / (2 * (n / 5) ** 2))
        w = g / g.sum()
        for _ in range(ref.ndim - 1):
            w = np.multiply.outer(w, g / g.sum())
        valid = lambda x: signal.convolve(x, w, mode="valid")  # noqa: E731
        if min(ref.shape) < n:  # filter2 'valid' would be empty from here on
            break
        if scale > 1:
            decimate = tuple(slice(None, None, 2) for _ in range(ref.ndim))
            ref, dist = valid(ref)[decimate], valid(dist)[decimate]
            if min(ref.shape) < n:
                break
        mu1, mu2 = valid(ref), valid(dist)
        s1, s2, s12 = valid(ref * ref) - mu1 ** 2, valid(dist * dist) - mu2 ** 2, valid(ref * dist) - mu1 * mu2
        g_ = s12 / (s1 + 1e-10)
        sv = s2 - g_ * s12
        m = s1 < 1e-10
        g_[m], sv[m], s1[m] = 0, s2[m], 0
        m = s2 < 1e-10
        g_[m], sv[m] = 0, 0
        m = g_ < 0
        sv[m], g_[m] = s2[m], 0
        sv[sv <= 1e-10] = 1e-10
        num += np.log10(1 + g_ ** 2 * s1 / (sv + 2)).sum()
        den += np.log10(1 + s1 / 2).sum()
    return num / den


def qabf_nabf(sources, f):
    """Qabf with the tie rule (zero-padded Sobel) and Nabf (Sobel/8, mirror), per z-slice, pooled."""
    h3 = np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], float)
    h1 = np.array([[1, 2, 1], [0, 0, 0], [-1, -2, -1]], float)

    def edges(x):
        sx, sy = ndimage.correlate(x, h3, mode="constant"), ndimage.correlate(x, h1, mode="constant")
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(sx == 0, np.pi / 2, np.arctan(sy / sx))
        gv, gh = ndimage.correlate(x, h3 / 8, mode="mirror"), ndimage.correlate(x, h1.T[::-1].T[::-1] * -1 / 8,
                                                                               mode="mirror")
        with np.errstate(divide="ignore", invalid="ignore"):
            na = np.where((gv == 0) & (gh == 0), 0.0, np.arctan(gv / gh))
        return np.hypot(sx, sy), a, np.hypot(gv, gh), na

    qn = qd = nn = nd = 0.0
    for z in range(1 if f.ndim == 2 else f.shape[0]):
        pick = (lambda x: x) if f.ndim == 2 else (lambda x: x[z])  # noqa: E731
        gF, aF, nF, naF = edges(pick(f))
        artefact, weights, brighter = 0.0, 0.0, True
        for s in sources:
            gS, aS, nS, naS = edges(pick(s))
            with np.errstate(divide="ignore", invalid="ignore"):
                G = np.where(gS > gF, gF / gS, np.where(gS < gF, gS / gF, gF))
                r = np.where((nS == 0) | (nF == 0), 0.0, np.minimum(nS, nF) / np.maximum(nS, nF))
            A = 1 - np.abs(aS - aF) / (np.pi / 2)
            Q = 0.9994 / (1 + np.exp(-15 * (G - 0.5))) * 0.9879 / (1 + np.exp(-22 * (A - 0.8)))
            qn += (Q * gS).sum()
            qd += gS.sum()
            An = np.abs(np.abs(naS - naF) - np.pi / 2) * 2 / np.pi
            Qn = np.sqrt(0.9999 / (1 + np.exp(-19 * (r - 0.5))) * 0.9995 / (1 + np.exp(-22 * (An - 0.5))))
            w = np.where(nS >= 2, nS ** 1.5, 0.001)
            artefact = artefact + (1 - Qn) * w
            weights = weights + w
            brighter = brighter & (nF > nS)
        nn += (brighter * artefact).sum()
        nd += weights.sum()
    return qn / qd, nn / nd


def smooth(rng, shape, sigma):
    x = ndimage.gaussian_filter(rng.standard_normal(shape), sigma)
    return np.clip((x - x.min()) / np.ptp(x) * 255, 0, 255)


def main():
    mmfusion = sys.argv[1]
    rng = np.random.default_rng(11)
    failures, compared = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for shape in [(57, 64), (18, 20, 24)]:
            a, b = smooth(rng, shape, 2.0), smooth(rng, shape, 3.0)
            sources = [a, b] if len(shape) == 3 else [a, b, smooth(rng, shape, 1.0)]
            f = np.clip(sum(sources) / len(sources) + rng.normal(0, 3, shape), 0, 255)
            paths = []
            for i, image in enumerate(sources + [f]):
                paths.append(os.path.join(tmp, "%d.mha" % i))
                metaimage.write(paths[-1], image)
            # The references on the values as float32 files hold them.
            held = [s.astype(np.float32).astype(float) for s in sources], f.astype(np.float32).astype(float)
            for preset, oracle in (("standard", reference), ("vifb", reference_vifb)):
                out = os.path.join(tmp, "m.json")
                subprocess.run([mmfusion, "metrics", *paths, "--range", "0,255", "--preset", preset, "--json", out],
                               check=True, capture_output=True)
                ours = json.load(open(out))["metrics"]
                for name, value in oracle(*held).items():
                    compared += 1
                    mine = ours.get(name)
                    if mine is None or not abs(mine - value) <= TOLERANCE * max(1.0, abs(value)):
                        failures.append("%dD %s %s: ours %s, reference %.12g" % (len(shape), preset, name, mine, value))
    if failures:
        print("FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("all %d values within %g" % (compared, TOLERANCE))
    return 0


if __name__ == "__main__":
    sys.exit(main())
