#!/usr/bin/env bash
# The main job: builds the project (scripts/setup.sh), writes the synthetic head phantom and fuses
# it with the default method (TDFIF) in 2D (MRI + PET) and 3D (MRI + CT + PET); where
# ../shared/data/real exists, also a real MRI + colour PET slice pair and the real 3D MNI T1 + PET
# volumes. Each result comes with a PNG preview and its metrics (JSON). Results in out/ (or the
# folder given as the first argument).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/out}"
real="$root/../shared/data/real"
FUSION_BUILD_TARGETS=mmfusion "$root/scripts/setup.sh" # the library and the program; the tests: scripts/test.sh
mm="${FUSION_BUILD_DIR:-$root/build}/bin/mmfusion"

"$mm" phantom -o "$out/phantom"
"$mm" fuse "$out/phantom/mri_2d.nii.gz" "$out/phantom/pet_2d.nii.gz" \
  -o "$out/fused_2d.nii.gz" --preview "$out/fused_2d.png" --metrics "$out/fused_2d.json"
"$mm" fuse "$out/phantom/mri_3d.nii.gz" "$out/phantom/ct_3d.nii.gz" "$out/phantom/pet_3d.nii.gz" \
  -o "$out/fused_3d.nii.gz" --preview "$out/fused_3d.png" --metrics "$out/fused_3d.json"
results="$out/fused_2d.nii.gz, $out/fused_3d.nii.gz"
if [ -f "$real/pairs.csv" ]; then
  "$mm" fuse "$real/2d/mri_pet/cddfuse_12_mri.png" "$real/2d/mri_pet/cddfuse_12_pet.png" \
    -o "$out/real_mri_pet.png" --preview "$out/real_mri_pet_preview.png" \
    --metrics "$out/real_mri_pet.json" --metrics-preset cddfuse
  "$mm" fuse "$real/3d/mni_templates/spm12_OldNorm_T1.nii.gz" "$real/3d/mni_templates/spm12_OldNorm_PET.nii.gz" \
    -o "$out/real_mri_pet_3d.nii.gz" --preview "$out/real_mri_pet_3d.png" --metrics "$out/real_mri_pet_3d.json"
  results="$results, $out/real_mri_pet.png (colour), $out/real_mri_pet_3d.nii.gz"
else
  echo "demo: no $real: the real pairs are skipped" >&2
fi
echo "demo: fused images $results; previews and metrics beside them"
