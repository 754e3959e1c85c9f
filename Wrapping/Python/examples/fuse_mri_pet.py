#!/usr/bin/env python3
"""A real MRI + PET pair read with nibabel (the SPM12 MNI templates of ../shared/data/real, or the
two NIfTI files given), fused with mmfusion's default method, scored, and written with nibabel.
Usage: python fuse_mri_pet.py [T1.nii.gz PET.nii.gz] [-o fused.nii.gz]
"""
import argparse
import os
import sys

import nibabel

import mmfusion

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MNI = os.path.join(ROOT, "..", "shared", "data", "real", "3d", "mni_templates")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("images", nargs="*", default=[os.path.join(MNI, "spm12_OldNorm_T1.nii.gz"),
                                                      os.path.join(MNI, "spm12_OldNorm_PET.nii.gz")])
    parser.add_argument("-o", "--output", default="fused.nii.gz")
    args = parser.parse_args()
    if len(args.images) != 2:
        parser.error("give two images (MRI, PET)")
    mri, pet = (mmfusion.Image.from_nibabel(nibabel.load(path)) for path in args.images)
    fused = mmfusion.fuse([mri, pet], progress=None)
    scores = mmfusion.metrics([mri, pet], fused, preset="standard")
    print("fused %s with %s on the %s backend" % ("x".join(map(str, fused.shape)), mmfusion.methods()[0]["name"],
                                                  fused.backend))
    for name in ("MI", "SSIM", "VIF", "Qabf"):
        print("  %-5s %.3f" % (name, scores[name]))
    nibabel.save(fused.to_nibabel(), args.output)
    print("wrote %s" % args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
