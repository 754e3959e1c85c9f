"""The example script runs on the real MNI pair and writes a NIfTI that nibabel reads back on the
sources' grid."""
import os
import subprocess
import sys

import numpy as np
import pytest

EXAMPLE = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples", "fuse_mri_pet.py")


def test_example_fuses_scores_and_writes(real, tmp):
    nibabel = pytest.importorskip("nibabel")
    out = os.path.join(tmp, "fused.nii.gz")
    result = subprocess.run([sys.executable, EXAMPLE, "-o", out], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "MI" in result.stdout and "wrote" in result.stdout
    fused = nibabel.load(out)
    t1 = nibabel.load(os.path.join(real, "3d", "mni_templates", "spm12_OldNorm_T1.nii.gz"))
    assert fused.shape == t1.shape
    np.testing.assert_allclose(fused.affine, t1.affine, atol=1e-4)
    data = np.asarray(fused.dataobj)
    assert 0.0 <= data.min() and data.max() <= 1.0 and data.max() - data.min() > 0.5
