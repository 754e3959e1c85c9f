#!/usr/bin/env bash
# The main job on the embedded default data: builds the project (scripts/setup.sh), writes the
# synthetic head phantom, fuses it in 2D (MRI + PET) and 3D (MRI + CT + PET) and writes PNG previews.
# Results in out/ (or the folder given as the first argument).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/out}"
"$root/scripts/setup.sh"
mm="${FUSION_BUILD_DIR:-$root/build}/bin/mmfusion"

"$mm" phantom -o "$out/phantom"
"$mm" fuse "$out/phantom/mri_2d.nii.gz" "$out/phantom/pet_2d.nii.gz" --method activity \
  -o "$out/fused_2d.nii.gz" --preview "$out/fused_2d.png"
"$mm" fuse "$out/phantom/mri_3d.nii.gz" "$out/phantom/ct_3d.nii.gz" "$out/phantom/pet_3d.nii.gz" --method activity \
  -o "$out/fused_3d.nii.gz" --preview "$out/fused_3d.png"
echo "demo: fused images $out/fused_2d.nii.gz, $out/fused_3d.nii.gz; previews $out/fused_2d.png, $out/fused_3d.png"
