"""mmfusion: multimodal medical image fusion from Python.

Images are :class:`Image` objects: a NumPy array in ITK index order (``array[i, j, k]`` is the
voxel at ITK index (i, j, k), x fastest in memory) with spacing, origin and direction (LPS, as
ITK). Converters take and give NumPy arrays, ITK-Python images, SimpleITK images and nibabel
images; :func:`read` and :func:`Image.write` use the module's own checked readers and writers
(NIfTI, MetaImage, NRRD, DICOM series folders, PNG, JPEG).

The functions mirror ``mmfusion`` the program: :func:`fuse` (every method of the registry,
:func:`methods`), :func:`metrics`, :func:`glcm_texture`, :func:`conv_features`,
:func:`register`, :func:`phantom`. Each takes ``backend=`` ("auto", "cpu", "cuda", "emulated")
and reports the backend that ran (``.backend`` of the result, or in the returned tuple); the
computation releases the GIL. Bad input raises ``ValueError`` (or ``TypeError`` for a wrong type)
with one line; a failure raises ``RuntimeError``.
"""
from __future__ import annotations

import functools
import os
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _core

__all__ = ["Image", "read", "fuse", "methods", "metrics", "metrics_presets", "dwt", "idwt", "glcm_texture",
           "conv_features", "register", "phantom", "cuda_devices"]
__version__ = "0.1.0"

_DTYPES = (np.float32, np.float64, np.uint8, np.int8, np.uint16, np.int16, np.uint32, np.int32, np.uint64, np.int64)
_LPS = np.diag([-1.0, -1.0, 1.0])  # RAS <-> LPS (nibabel <-> ITK), 3D
Progress = Optional[Callable[[float], None]]


class Image:
    """A 2D or 3D scalar image (or an RGB colour image, ``array.shape[-1] == 3`` and
    ``colour=True``) on a physical grid.

    ``array`` is in ITK index order, shape (nx, ny[, nz]); ``spacing`` and ``origin`` have one value
    per axis; ``direction`` is the D x D matrix whose columns are the axes' directions (LPS).
    The array is kept as given when it is float32 and Fortran-ordered (no copy); other real dtypes
    are converted to float32. Arrays are never written by the package.
    """

    def __init__(self, array, spacing=None, origin=None, direction=None, colour: bool = False):
        array = np.asarray(array)
        if array.dtype.type not in _DTYPES:
            raise TypeError("unsupported dtype %s: mmfusion takes real integer or float pixels" % array.dtype)
        dim = array.ndim - (1 if colour else 0)
        if colour and array.shape[-1] != 3:
            raise ValueError("a colour image has 3 channels (R, G, B) on its last axis, this one %d" % array.shape[-1])
        if dim not in (2, 3):
            raise ValueError("images are 2D or 3D; this array has %d spatial axes (shape %s)" % (dim, array.shape))
        if min(array.shape[:dim]) < 1:
            raise ValueError("an image has no pixels (shape %s)" % (array.shape,))
        self.colour = bool(colour)
        self.array = array
        self.spacing = tuple(float(v) for v in (np.ones(dim) if spacing is None else spacing))
        self.origin = tuple(float(v) for v in (np.zeros(dim) if origin is None else origin))
        self.direction = np.eye(dim) if direction is None else np.array(direction, dtype=np.float64).reshape(dim, dim)
        if len(self.spacing) != dim or len(self.origin) != dim:
            raise ValueError("spacing and origin need %d values each (%d given)" % (dim, len(self.spacing)))
        if not all(np.isfinite(v) and v > 0 for v in self.spacing):
            raise ValueError("spacing must be finite and positive, is %s" % (self.spacing,))
        if not np.all(np.isfinite(self.origin)) or not np.all(np.isfinite(self.direction)):
            raise ValueError("origin and direction must be finite")
        if abs(np.linalg.det(self.direction)) < 1e-6:
            raise ValueError("the direction matrix is singular")

    # --- geometry ---------------------------------------------------------------------------
    @property
    def dimension(self) -> int:
        return self.array.ndim - (1 if self.colour else 0)

    @property
    def shape(self) -> Tuple[int, ...]:
        """Size per axis, in ITK order (x, y[, z])."""
        return tuple(self.array.shape[:self.dimension])

    def index_to_physical(self, index) -> np.ndarray:
        """The physical (LPS) point of a continuous ITK index."""
        return np.asarray(self.origin) + self.direction @ (np.asarray(index, dtype=np.float64) * self.spacing)

    def same_grid(self, other: "Image", tolerance: float = 1e-6) -> bool:
        return (self.shape == other.shape and np.allclose(self.spacing, other.spacing, atol=tolerance)
                and np.allclose(self.origin, other.origin, atol=tolerance)
                and np.allclose(self.direction, other.direction, atol=tolerance))

    def __repr__(self):
        return "Image(shape=%s%s, dtype=%s, spacing=%s, origin=%s)" % (
            self.shape, ", colour" if self.colour else "", self.array.dtype, self.spacing, self.origin)

    # --- NumPy ------------------------------------------------------------------------------
    @classmethod
    def from_numpy(cls, array, spacing=None, origin=None, direction=None, order: str = "itk",
                   colour: bool = False) -> "Image":
        """An image of a NumPy array. ``order="itk"``: ``array[i, j, k]`` is ITK index (i, j, k);
        ``order="numpy"``: the array is [z][y][x] as ITK-Python and SimpleITK give it."""
        array = np.asarray(array)
        if order == "numpy":
            spatial = array.ndim - (1 if colour else 0)
            axes = list(range(spatial))[::-1] + ([spatial] if colour else [])
            array = array.transpose(axes)
        elif order != "itk":
            raise ValueError("order is 'itk' or 'numpy', not %r" % (order,))
        return cls(array, spacing, origin, direction, colour)

    def to_numpy(self, order: str = "itk") -> np.ndarray:
        """The array (a view): in ITK index order, or [z][y][x] with ``order="numpy"``."""
        if order == "itk":
            return self.array
        if order == "numpy":
            axes = list(range(self.dimension))[::-1] + ([self.dimension] if self.colour else [])
            return self.array.transpose(axes)
        raise ValueError("order is 'itk' or 'numpy', not %r" % (order,))

    # --- ITK-Python (PyPI itk) --------------------------------------------------------------
    @classmethod
    def from_itk(cls, image) -> "Image":
        """An image of an ``itk.Image`` (its buffer viewed, metadata copied)."""
        import itk
        array = itk.array_view_from_image(image)  # [z][y][x]
        colour = image.GetNumberOfComponentsPerPixel() == 3
        return cls.from_numpy(array, np.array(image.GetSpacing()), np.array(image.GetOrigin()),
                              itk.array_from_matrix(image.GetDirection()), order="numpy", colour=colour)

    def to_itk(self):
        """An ``itk.Image`` (float32, or RGB unsigned char for colour) with this image's metadata."""
        import itk
        array = np.ascontiguousarray(self.to_numpy("numpy"))
        if self.colour:
            image = itk.image_view_from_array(np.clip(array, 0, 255).astype(np.uint8), is_vector=True)
        else:
            image = itk.image_view_from_array(array.astype(np.float32, copy=False))
        image.SetSpacing(self.spacing)
        image.SetOrigin(self.origin)
        image.SetDirection(itk.matrix_from_array(np.ascontiguousarray(self.direction)))
        # The view shares the array; keep the array alive with the image.
        image._mmfusion_array = array
        return image

    # --- SimpleITK --------------------------------------------------------------------------
    @classmethod
    def from_sitk(cls, image) -> "Image":
        """An image of a ``SimpleITK.Image`` (its array copied, metadata kept)."""
        import SimpleITK as sitk
        array = sitk.GetArrayFromImage(image)  # [z][y][x]
        dim = image.GetDimension()
        return cls.from_numpy(array, image.GetSpacing(), image.GetOrigin(),
                              np.array(image.GetDirection()).reshape(dim, dim), order="numpy",
                              colour=image.GetNumberOfComponentsPerPixel() == 3)

    def to_sitk(self):
        """A ``SimpleITK.Image`` with this image's metadata."""
        import SimpleITK as sitk
        array = self.to_numpy("numpy")
        image = sitk.GetImageFromArray(np.ascontiguousarray(array), isVector=self.colour)
        image.SetSpacing(self.spacing)
        image.SetOrigin(self.origin)
        image.SetDirection(tuple(self.direction.ravel()))
        return image

    # --- nibabel ----------------------------------------------------------------------------
    @classmethod
    def from_nibabel(cls, image) -> "Image":
        """An image of a nibabel image (NIfTI): its voxel axes are ITK's index axes; the affine
        (voxel -> RAS) becomes spacing, origin and direction in LPS."""
        array = np.asanyarray(image.dataobj)
        if array.ndim == 4 and array.shape[3] == 1:
            array = array[..., 0]
        affine = np.asarray(image.affine, dtype=np.float64)
        if array.ndim == 2:
            linear = (_LPS @ affine[:3, :3])[:2, :2]
            origin = (_LPS @ affine[:3, 3])[:2]
        else:
            linear, origin = _LPS @ affine[:3, :3], _LPS @ affine[:3, 3]
        spacing = np.linalg.norm(linear, axis=0)
        return cls(array, spacing, origin, linear / spacing)

    def to_nibabel(self):
        """A ``nibabel.Nifti1Image`` (float32) with the affine of this image's grid (RAS)."""
        import nibabel
        if self.colour:
            raise ValueError("to_nibabel takes grey images (convert colour with luminance())")
        d = self.dimension
        affine = np.eye(4)
        linear = np.eye(3)
        linear[:d, :d] = self.direction * np.asarray(self.spacing)
        origin = np.zeros(3)
        origin[:d] = self.origin
        affine[:3, :3] = _LPS @ linear
        affine[:3, 3] = _LPS @ origin
        return nibabel.Nifti1Image(np.asarray(self.array, dtype=np.float32), affine)

    # --- files --------------------------------------------------------------------------------
    def write(self, path: Union[str, os.PathLike], pixel_type: str = "auto") -> None:
        """Writes the image with the module's writers (format from the extension; a path ending in
        '/' writes a DICOM series). Grey: ``pixel_type`` float, double, uchar, ushort, short or auto
        (integer types map [0, 1] or the image's range onto theirs). Colour: 8-bit RGB."""
        path = os.fspath(path)
        if self.colour:
            channels = [_as_core(Image(self.array[..., c] / 255.0, self.spacing, self.origin, self.direction))
                        for c in range(3)]
            _core.write_colour(channels, path)
        else:
            _core.write(_as_core(self), path, pixel_type)

    def luminance(self) -> "Image":
        """The BT.601 luma 0.299 R + 0.587 G + 0.114 B of a colour image (same scale, 0..255), or the
        image itself when grey."""
        if not self.colour:
            return self
        rgb = np.asarray(self.array, dtype=np.float64)
        y = _core.to_luminance_chroma(rgb[..., 0] / 255, rgb[..., 1] / 255, rgb[..., 2] / 255, "ycbcr")[0] * 255
        return Image(np.asfortranarray(y, dtype=np.float32), self.spacing, self.origin, self.direction)


def _as_core(image: Image):
    """(array, spacing, origin, direction) for _core: float32, Fortran order (zero-copy if so)."""
    if not isinstance(image, Image):
        raise TypeError("expected an mmfusion.Image, got %s (use Image.from_numpy, from_itk, ...)" % type(image).__name__)
    if image.colour:
        raise ValueError("this function takes grey images; a colour image enters fuse() or luminance()")
    array = image.array
    if not (array.flags.f_contiguous or array.flags.c_contiguous):
        raise ValueError("the array is not contiguous (a strided view); pass np.asfortranarray(array)")
    array = np.asfortranarray(array, dtype=np.float32)  # no copy when already float32, Fortran order
    if not np.all(np.isfinite(array)):
        raise ValueError("the image holds NaN or infinite values")
    return array, list(image.spacing), list(image.origin), list(np.asarray(image.direction, dtype=np.float64).ravel())


def _from_core(t) -> Image:
    array, spacing, origin, direction = t
    return Image(array, spacing, origin, np.array(direction).reshape(len(spacing), len(spacing)))


class Result(Image):
    """An image computed by mmfusion, with the backend that computed it (``.backend``)."""
    backend: str = "cpu"


def _result(t, backend: str) -> Result:
    image = _from_core(t)
    result = Result.__new__(Result)
    result.__dict__.update(image.__dict__)
    result.backend = backend
    return result


def read(path: Union[str, os.PathLike], colour: bool = False, replace_non_finite: bool = False) -> Image:
    """Reads an image file or a DICOM series folder with the module's checked readers. Colour files
    give their BT.601 luma unless ``colour=True`` (then an RGB :class:`Image`, values 0..255)."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise FileNotFoundError("cannot read '%s': no such file or folder" % path)
    if colour:
        channels = _core.read_colour(path)
        if len(channels) == 3:
            images = [_from_core(c) for c in channels]
            array = np.stack([np.asarray(c.array) * 255.0 for c in images], axis=-1)
            return Image(array.astype(np.float32), images[0].spacing, images[0].origin, images[0].direction, True)
    return _from_core(_core.read(path, replace_non_finite))


def methods() -> List[dict]:
    """The fusion methods of the registry: name, summary and parameters (with their defaults). The
    first is the default."""
    return [dict(m, parameters=[dict(p) for p in m["parameters"]]) for m in _methods()]


@functools.lru_cache(maxsize=1)
def _methods():
    return _core.methods()


def _parameters(method: str, params: dict) -> Dict[str, str]:
    known = {m["name"]: m for m in _methods()}
    if method not in known:
        raise ValueError("unknown method '%s' (methods: %s)" % (method, ", ".join(known)))
    given = {}
    for key, value in params.items():
        name = key.replace("_", "-")
        kinds = {p["name"]: p["kind"] for p in known[method]["parameters"]}
        if name not in kinds:
            raise ValueError("parameter '%s' does not apply to method %s (it takes: %s)"
                             % (key, method, ", ".join(n.replace("-", "_") for n in kinds) or "none"))
        if kinds[name] == "flag":
            if value:
                given[name] = ""
            continue
        given[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return given


def fuse(sources: Sequence[Image], method: Optional[str] = None, *, register: str = "none",
         colour_space: str = "ycbcr", backend: str = "auto", progress: Progress = None, **params) -> Result:
    """Fuses N >= 2 images on one grid with a method of the registry (default: the registry's first,
    TDFIF-Net). ``params`` are the method's parameters (``weight_power=2``, ``no_texture=True``).
    A colour source (PET/SPECT in pseudo-colour) is fused by its luminance and the result takes its
    chroma back (``colour_space`` ycbcr, yuv or ihs): the result is then a colour image.
    ``register="rigid"`` or ``"affine"`` registers each further source onto the first (Mattes mutual
    information) and resamples it onto its grid. The result lies in [0, 1] on the first source's
    grid; ``.backend`` is the backend that ran. ``progress(fraction)`` is called as it runs."""
    sources = list(sources)
    if len(sources) < 2:
        raise ValueError("fusion needs at least two sources, has %d" % len(sources))
    for s in sources:
        if not isinstance(s, Image):
            raise TypeError("sources must be mmfusion.Image objects, got %s" % type(s).__name__)
    method = method or _methods()[0]["name"]
    given = _parameters(method, params)
    colour = [s for s in sources if s.colour]
    if colour and register != "none" and colour[0] is not sources[0]:
        raise ValueError("a colour source with register=: register its luminance first, then fuse")
    grey = [s.luminance() for s in sources]
    if register != "none":
        grey = [grey[0]] + [_register(grey[0], s, register) for s in grey[1:]]
    for k, s in enumerate(grey[1:], 1):
        if not s.same_grid(grey[0]):
            raise ValueError("source %d is not on the grid of source 0; register or resample it onto source 0 first "
                             "(fuse(..., register='rigid' or 'affine'), or register(fixed, moving, 'none'))" % k)
    fused, used = _core.fuse([_as_core(s) for s in grey], method, given, backend, progress)
    result = _result(fused, used)
    if not colour:
        return result
    rgb = np.asarray(colour[0].array, dtype=np.float64) / 255.0
    _, c1, c2 = _core.to_luminance_chroma(rgb[..., 0], rgb[..., 1], rgb[..., 2], colour_space)
    r, g, b = _core.from_luminance_chroma(np.asarray(result.array, dtype=np.float64), c1, c2, colour_space)
    out = Result.__new__(Result)
    Image.__init__(out, np.stack([r, g, b], axis=-1) * 255.0, result.spacing, result.origin, result.direction, True)
    out.backend = used
    return out


def metrics(sources: Sequence[Image], fused: Image, preset: str = "standard", fmi: bool = False,
            intensity_range: Optional[Tuple[float, float]] = None, backend: str = "auto") -> Dict[str, float]:
    """The fusion metrics of ``fused`` against its sources (docs/metrics.md): a dict name -> value
    (NaN where undefined) in the preset's order, plus ``"backend"``. Grey levels: each image
    min-max mapped to 0..255, or ``intensity_range=(lo, hi)`` mapped for all (``(0, 255)`` for
    images read from 8-bit files, as ``mmfusion metrics`` takes them). Colour images are scored by
    their BT.601 luma."""
    grey = [s.luminance() for s in list(sources)]
    f = fused.luminance()
    if intensity_range is not None and not (len(intensity_range) == 2 and intensity_range[0] < intensity_range[1]):
        raise ValueError("intensity_range is (lo, hi) with lo < hi, not %r" % (intensity_range,))
    values, used = _core.metrics([_as_core(s) for s in grey], _as_core(f), preset, fmi,
                                 list(intensity_range or ()), backend)
    values = dict(values)
    values["backend"] = used
    return values


def metrics_presets() -> List[str]:
    return list(_core.metrics_presets())


def dwt(image: Image, wavelet: str = "db2", levels: int = 1, mode: str = "symmetric",
        backend: str = "auto") -> Dict[str, Result]:
    """The discrete wavelet transform (DWTDecomposeFilter, PyWavelets' wavedecn): a dict of bands by
    name "LEVEL_BAND", the approximation of the last level first ("3_LL"), then each level's detail
    bands ("1_HL", "1_LH", "1_HH", ...). A band name has one letter per ITK axis, L (low-pass) or H;
    PyWavelets' key is the same with L -> a, H -> d. Each band is on its own physical grid (spacing
    times 2^level, origin at its first coefficient's support centre)."""
    bands, used = _core.dwt(_as_core(image), wavelet, int(levels), mode, backend)
    return {name: _result(t, used) for name, t in bands}


def idwt(bands: Dict[str, Image], wavelet: str = "db2", mode: str = "symmetric", reference: Optional[Image] = None,
         backend: str = "auto") -> Result:
    """The inverse of :func:`dwt` (DWTReconstructFilter) from its bands by name. With ``reference``
    (the transformed image, or any image on its grid) the result has exactly its grid; without it,
    PyWavelets' size (one more sample per odd axis)."""
    if not bands:
        raise ValueError("no bands to reconstruct from")
    levels = max(int(name.split("_")[0]) for name in bands)
    dim = len(next(iter(bands)).split("_")[1])
    order = ["%d_%s" % (levels, "L" * dim)] + ["%d_%s" % (level, "".join("H" if code >> d & 1 else "L" for d in range(dim)))
                                               for level in range(1, levels + 1) for code in range(1, 2 ** dim)]
    missing = [name for name in order if name not in bands]
    if missing:
        raise ValueError("band %s is missing (a %d-level transform of a %dD image has %d bands)"
                         % (missing[0], levels, dim, len(order)))
    fused, used = _core.idwt([_as_core(bands[name]) for name in order], wavelet, levels, mode,
                             None if reference is None else _as_core(reference), backend)
    return _result(fused, used)


def glcm_texture(image: Image, features: Union[str, Sequence[str]] = "mean", radius: int = 2, levels: int = 8,
                 symmetric: bool = True, backend: str = "auto",
                 progress: Progress = None) -> Union[Result, Dict[str, Result]]:
    """Per-pixel GLCM features in a (2 radius + 1)^D window (GLCMMeanTextureFilter): one image for
    one feature name, a dict name -> image for several."""
    names = [features] if isinstance(features, str) else list(features)
    images, used = _core.glcm_texture(_as_core(image), names, int(radius), int(levels), bool(symmetric), backend,
                                      progress)
    results = {n: _result(t, used) for n, t in zip(names, images)}
    return results[names[0]] if isinstance(features, str) else results


def conv_features(image: Image, model: Optional[str] = None, reduce: str = "mean", slice_axis: Optional[int] = None,
                  backend: str = "auto", progress: Progress = None) -> Union[Result, List[Result]]:
    """The feature maps of a convolutional network (ConvFeatureFilter): the built-in TDFIF encoder
    (``model=None``) or an ONNX file. ``reduce``: mean, l1 or max -> one image; none -> a list,
    one image per channel. ``slice_axis``: a 2D network slice by slice along that axis of a volume."""
    images, used = _core.conv_features(_as_core(image), os.fspath(model) if model else "", reduce,
                                       -1 if slice_axis is None else int(slice_axis), backend, progress)
    results = [_result(t, used) for t in images]
    return results if reduce == "none" else results[0]


def register(fixed: Image, moving: Image, transform: str = "rigid") -> Image:
    """``moving`` registered onto ``fixed`` (rigid or affine, Mattes mutual information; "none":
    resampled only) and resampled onto its grid (linear, 0 outside)."""
    return _register(fixed, moving, transform)


def _register(fixed: Image, moving: Image, transform: str) -> Image:
    return _from_core(_core.register(_as_core(fixed), _as_core(moving), transform))


def phantom(modality: str = "mri", dimension: int = 2, size: int = 0) -> Image:
    """The project's synthetic head phantom: mri, ct or pet; 2D or 3D; size pixels along x and y
    (0: 256 in 2D, 128 in 3D)."""
    return _from_core(_core.phantom(modality, int(dimension), int(size)))


def cuda_devices() -> int:
    """The number of CUDA devices this build can use (0 without a GPU or without nvcc at build time)."""
    return int(_core.cuda_devices())
