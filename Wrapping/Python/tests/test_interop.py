"""Metadata through NumPy, ITK-Python, SimpleITK and nibabel, and a volume stored with its x axis
reversed, which must fuse to the same image in physical space."""
import numpy as np
import pytest

import mmfusion


def oblique(dimension, size=(9, 7, 5)):
    rng = np.random.default_rng(3)
    array = rng.random(size[:dimension]).astype(np.float32)
    angle = 0.3
    direction = np.eye(dimension)
    direction[:2, :2] = [[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]
    return mmfusion.Image(array, spacing=(0.5, 1.25, 2.0)[:dimension], origin=(10.0, -4.0, 3.5)[:dimension],
                          direction=direction)


def same(a, b):
    np.testing.assert_allclose(np.asarray(a.array), np.asarray(b.array), rtol=0, atol=0)
    assert a.same_grid(b, 1e-9), (a, b)


@pytest.mark.parametrize("dimension", [2, 3])
def test_numpy_orders(dimension):
    image = oblique(dimension)
    same(mmfusion.Image.from_numpy(image.to_numpy("numpy"), image.spacing, image.origin, image.direction,
                                   order="numpy"), image)
    assert image.to_numpy("numpy").shape == image.shape[::-1]
    # Index (i, j, k) of the ITK order is at origin + D (spacing * index).
    np.testing.assert_allclose(image.index_to_physical([1, 2, 3][:dimension]),
                               np.asarray(image.origin) + image.direction @ (np.asarray(image.spacing) * [1, 2, 3][:dimension]))


@pytest.mark.parametrize("dimension", [2, 3])
def test_itk_round_trip(dimension):
    itk = pytest.importorskip("itk")
    image = oblique(dimension)
    native = image.to_itk()
    assert tuple(native.GetLargestPossibleRegion().GetSize()) == image.shape
    assert np.allclose(itk.array_from_matrix(native.GetDirection()), image.direction)
    # A voxel at ITK index (i, j, k) is the same voxel.
    index = [4, 3, 2][:dimension]
    assert native.GetPixel(index) == image.array[tuple(index)]
    same(mmfusion.Image.from_itk(native), image)


@pytest.mark.parametrize("dimension", [2, 3])
def test_simpleitk_round_trip(dimension):
    sitk = pytest.importorskip("SimpleITK")
    image = oblique(dimension)
    native = image.to_sitk()
    assert native.GetSize() == image.shape
    index = [4, 3, 2][:dimension]
    assert native.GetPixel(index) == image.array[tuple(index)]
    np.testing.assert_allclose(native.TransformIndexToPhysicalPoint(index), image.index_to_physical(index))
    same(mmfusion.Image.from_sitk(native), image)


def test_nibabel_round_trip_ras_to_lps():
    nibabel = pytest.importorskip("nibabel")
    image = oblique(3)
    native = image.to_nibabel()
    index = [4, 3, 2]
    ras = native.affine @ np.array(index + [1.0])
    lps = image.index_to_physical(index)
    np.testing.assert_allclose(ras[:3], [-lps[0], -lps[1], lps[2]], atol=1e-9)  # RAS = (-L, -P, S)
    same(mmfusion.Image.from_nibabel(native), image)
    # Through a file, compared with the module's own NIfTI reader.
    assert isinstance(native, nibabel.Nifti1Image)


def test_volume_with_its_x_axis_reversed_fuses_to_the_same_physical_image(tmp):
    nibabel = pytest.importorskip("nibabel")
    mri, pet = mmfusion.phantom("mri", 3, 24), mmfusion.phantom("pet", 3, 24)
    flipped = []
    for image in (mri, pet):
        # The same volume stored with its x axis reversed: voxel i is voxel nx - 1 - i, the affine says so.
        native = image.to_nibabel()
        affine = native.affine.copy()
        nx = image.shape[0]
        affine[:3, 3] += affine[:3, 0] * (nx - 1)
        affine[:3, 0] *= -1
        path = "%s/%s.nii" % (tmp, len(flipped))
        nibabel.save(nibabel.Nifti1Image(np.asarray(image.array)[::-1].copy(), affine), path)
        flipped.append(mmfusion.Image.from_nibabel(nibabel.load(path)))
        again = mmfusion.read(path)  # the module's reader agrees with nibabel's
        np.testing.assert_allclose(again.array, flipped[-1].array)
        assert again.same_grid(flipped[-1], 1e-5)
    for method in ("max", "average", "tdfif"):
        straight = mmfusion.fuse([mri, pet], method)
        reversed_ = mmfusion.fuse(flipped, method)
        # Physical point of index (i, j, k) in `reversed_` is that of (nx - 1 - i, j, k) in `straight`.
        np.testing.assert_allclose(reversed_.index_to_physical([0, 0, 0]),
                                   straight.index_to_physical([straight.shape[0] - 1, 0, 0]), atol=1e-5)
        tolerance = 1e-6 if method != "tdfif" else 0.05  # the encoder's 3x3 kernels are not mirror-symmetric
        difference = np.abs(np.asarray(reversed_.array)[::-1] - np.asarray(straight.array))
        assert difference.max() <= tolerance if method != "tdfif" else difference.mean() <= tolerance, method
