"""The package gives what the command line gives: the same fusions (every method, phantom 2D and
3D, a real colour pair), the same metrics, the same reading of files."""
import json
import os
import subprocess

import numpy as np
import pytest

import mmfusion


def run(cli, *args):
    subprocess.run([cli, *args, "--quiet"] if args[0] != "metrics" else [cli, *args], check=True,
                   capture_output=True)


@pytest.mark.parametrize("dimension,size", [(2, 64), (3, 24)])
def test_every_method_equals_the_cli_on_the_phantom(cli, tmp, dimension, size):
    mri, pet = mmfusion.phantom("mri", dimension, size), mmfusion.phantom("pet", dimension, size)
    a, b = os.path.join(tmp, "mri.mha"), os.path.join(tmp, "pet.mha")
    mri.write(a, "float")
    pet.write(b, "float")
    # The files read back are the images (float MetaImage keeps everything).
    for image, path in [(mri, a), (pet, b)]:
        again = mmfusion.read(path)
        np.testing.assert_array_equal(again.array, image.array)
        assert again.same_grid(image)
    for method in [m["name"] for m in mmfusion.methods()]:
        out = os.path.join(tmp, "fused_%s.mha" % method)
        run(cli, "fuse", a, b, "-o", out, "--method", method, "--type", "float")
        theirs = mmfusion.read(out)
        ours = mmfusion.fuse([mri, pet], method)
        assert ours.same_grid(theirs), method
        np.testing.assert_allclose(ours.array, theirs.array, atol=1e-6, err_msg=method)


def test_default_method_is_the_registry_first_with_parameters(cli, tmp):
    mri, pet = mmfusion.phantom("mri", 2, 48), mmfusion.phantom("pet", 2, 48)
    assert mmfusion.methods()[0]["name"] == "tdfif-net"
    np.testing.assert_array_equal(mmfusion.fuse([mri, pet]).array, mmfusion.fuse([mri, pet], "tdfif-net").array)
    a, b, out = (os.path.join(tmp, n) for n in ("a.mha", "b.mha", "f.mha"))
    mri.write(a, "float")
    pet.write(b, "float")
    run(cli, "fuse", a, b, "-o", out, "--method", "tdfif", "--weight-power", "2", "--no-texture", "--type", "float")
    ours = mmfusion.fuse([mri, pet], "tdfif", weight_power=2, no_texture=True)
    np.testing.assert_allclose(ours.array, mmfusion.read(out).array, atol=1e-6)
    assert not np.allclose(ours.array, mmfusion.fuse([mri, pet], "tdfif").array, atol=1e-3)


@pytest.mark.parametrize("folder,number,other", [("mri_ct", 11, "ct"), ("mri_pet", 12, "pet"),
                                                  ("mri_spect", 14, "spect")])
def test_real_pairs_and_their_metrics_equal_the_cli(cli, real, tmp, folder, number, other):
    mri_path = os.path.join(real, "2d", folder, "cddfuse_%d_mri.png" % number)
    pet_path = os.path.join(real, "2d", folder, "cddfuse_%d_%s.png" % (number, other))
    out = os.path.join(tmp, "fused.png")
    run(cli, "fuse", mri_path, pet_path, "-o", out)
    mri, pet = mmfusion.read(mri_path), mmfusion.read(pet_path, colour=True)
    colour = other != "ct"  # the CT PNGs are RGB with equal channels: grey
    assert pet.colour == colour
    fused = mmfusion.fuse([mri, pet])
    assert fused.colour == colour
    theirs = mmfusion.read(out, colour=True)
    ours = np.round(fused.array if colour else fused.array * 255.0)  # the CLI writes [0, 1] as 0..255
    assert np.max(np.abs(ours - theirs.array)) <= 1.0  # 8-bit rounding
    ours_file = os.path.join(tmp, "ours.png")
    fused.write(ours_file)
    for preset in ("cddfuse", "standard"):
        report = os.path.join(tmp, "m.json")
        run(cli, "metrics", mri_path, pet_path, out, "--preset", preset, "--json", report)
        expected = json.load(open(report))["metrics"]
        got = mmfusion.metrics([mmfusion.read(mri_path), mmfusion.read(pet_path)], mmfusion.read(out),
                               preset=preset, intensity_range=(0, 255))
        for name, value in expected.items():
            if value is None:
                continue
            assert got[name] == pytest.approx(value, rel=1e-9, abs=1e-12), (preset, name)
