/*
 * Registration before fusion (issue 7): a real 3D volume (the MNI T1 template) and a copy of
 * another modality (the MNI CT template) moved by a known rigid transform (rotations of 3-4 degrees
 * about each axis, a translation of 4.4 voxels) are brought back within 1 voxel by the rigid
 * registration. "Back" is where the registration puts the unmoved copy: mutual information between
 * these two templates peaks ~1.2 voxels from the identity (the templates are not exactly aligned to
 * each other), so the known motion must be undone relative to that, measured over a 6^3 grid of
 * the central half of the volume. Also: 2D rigid on the phantom (truth: the identity), resampling
 * by physical space alone. Skips without ../shared/data/real.
 */
#include "itkEuler2DTransform.h"
#include "itkEuler3DTransform.h"
#include "itkFusionRegistration.h"
#include "itkHeadPhantom.h"
#include "itkImageFileReader.h"
#include "itkNiftiImageIO.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

namespace
{
using Image3 = itk::Image<float, 3>;
using Image2 = itk::Image<float, 2>;

Image3::Pointer
ReadNifti(const std::string & path)
{
  auto reader = itk::ImageFileReader<Image3>::New();
  reader->SetImageIO(itk::NiftiImageIO::New());
  reader->SetFileName(path);
  reader->Update();
  return reader->GetOutput();
}

/* The largest distance, in voxels, between reference(p) and known(recovered(p)) over a grid of
 * points of the central half of the fixed image (the recovered transform maps fixed to moved points,
 * the known one moved to original ones; reference: where fixed points should land in the original,
 * null for the identity). */
template <typename TImage, typename TTransform>
double
WorstError(const TImage * fixed, const TTransform * known,
           const itk::Transform<double, TImage::ImageDimension, TImage::ImageDimension> * recovered,
           const itk::Transform<double, TImage::ImageDimension, TImage::ImageDimension> * reference = nullptr)
{
  constexpr unsigned         D = TImage::ImageDimension;
  const auto                 size = fixed->GetLargestPossibleRegion().GetSize();
  double                     worst = 0.0;
  typename TImage::IndexType index;
  const unsigned             steps = 6;
  for (unsigned s = 0; s < std::pow(steps, D); ++s)
  {
    unsigned r = s;
    for (unsigned d = 0; d < D; ++d, r /= steps)
      index[d] = static_cast<itk::IndexValueType>(size[d] / 4 + (r % steps) * (size[d] / 2) / (steps - 1));
    typename TImage::PointType p;
    fixed->TransformIndexToPhysicalPoint(index, p);
    const auto back = known->TransformPoint(recovered->TransformPoint(p));
    const auto want = reference ? reference->TransformPoint(p) : p;
    worst = std::max(worst, want.EuclideanDistanceTo(back) / fixed->GetSpacing()[0]);
  }
  return worst;
}
} // namespace

TEST(FusionRegistration, RealVolumeMovedByAKnownRigidTransformComesBackWithinOneVoxel)
{
  const std::string t1 = FUSION_REAL_DATA_DIR "/3d/mni_templates/spm12_OldNorm_T1.nii.gz";
  const std::string pet = FUSION_REAL_DATA_DIR "/3d/mni_templates/clinical_scct.nii.gz";
  if (!std::ifstream(t1) || !std::ifstream(pet))
    GTEST_SKIP() << "no real data at " << FUSION_REAL_DATA_DIR;
  const auto fixed = ReadNifti(t1), original = ReadNifti(pet);
  // moved(x) = original(known(x)): the PET seen through a rigid motion.
  auto                            known = itk::Euler3DTransform<double>::New();
  Image3::PointType               centre;
  const auto                      size = original->GetLargestPossibleRegion().GetSize();
  itk::ContinuousIndex<double, 3> middle;
  for (unsigned d = 0; d < 3; ++d)
    middle[d] = (size[d] - 1) / 2.0;
  original->TransformContinuousIndexToPhysicalPoint(middle, centre);
  known->SetCenter(centre);
  const double degree = 3.14159265358979 / 180.0;
  known->SetRotation(4 * degree, -3 * degree, 3 * degree);
  itk::Euler3DTransform<double>::OutputVectorType shift;
  shift[0] = 6.0, shift[1] = -5.0, shift[2] = 4.0; // mm, 2 mm voxels
  known->SetTranslation(shift);
  const auto moved = itk::fusion::ResampleOnto(original.GetPointer(), original.GetPointer(), known.GetPointer());
  // Before: the motion is several voxels.
  auto identity = itk::Euler3DTransform<double>::New();
  EXPECT_GT(WorstError<Image3>(fixed, known.GetPointer(), identity.GetPointer()), 3.0);
  const auto recovered =
    itk::fusion::Register(fixed.GetPointer(), moved.GetPointer(), itk::fusion::RegistrationKind::Rigid);
  const auto unmoved =
    itk::fusion::Register(fixed.GetPointer(), original.GetPointer(), itk::fusion::RegistrationKind::Rigid);
  const double error = WorstError<Image3>(fixed, known.GetPointer(), recovered.GetPointer(), unmoved.GetPointer());
  const double offset = WorstError<Image3>(fixed, identity.GetPointer(), unmoved.GetPointer());
  std::cout << "motion undone to " << error << " voxels; the templates' own MI offset " << offset << " voxels"
            << std::endl;
  EXPECT_LT(error, 1.0);
  EXPECT_LT(offset, 2.0);
}

TEST(FusionRegistration, PhantomIn2DAndResamplingByPhysicalSpace)
{
  itk::fusion::HeadPhantomOptions o;
  o.size = 96;
  const auto                      mri = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::MRI, o);
  const auto                      ct = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::CT, o);
  auto                            known = itk::Euler2DTransform<double>::New();
  itk::ContinuousIndex<double, 2> middle;
  middle[0] = middle[1] = 47.5;
  Image2::PointType centre;
  ct->TransformContinuousIndexToPhysicalPoint(middle, centre);
  known->SetCenter(centre);
  known->SetAngle(5 * 3.14159265358979 / 180.0);
  itk::Euler2DTransform<double>::OutputVectorType shift;
  shift[0] = 3 * ct->GetSpacing()[0], shift[1] = -4 * ct->GetSpacing()[1];
  known->SetTranslation(shift);
  const auto moved = itk::fusion::ResampleOnto(ct.GetPointer(), ct.GetPointer(), known.GetPointer());
  const auto recovered =
    itk::fusion::Register(mri.GetPointer(), moved.GetPointer(), itk::fusion::RegistrationKind::Rigid);
  EXPECT_LT(WorstError<Image2>(mri, known.GetPointer(), recovered.GetPointer()), 1.0);
  // Resampling alone: an image on a coarser grid of the same space comes back onto the fine grid.
  auto coarse = Image2::New();
  coarse->SetRegions(Image2::SizeType{ { 48, 48 } });
  auto spacing = mri->GetSpacing();
  spacing[0] *= 2;
  spacing[1] *= 2;
  coarse->SetSpacing(spacing);
  coarse->SetOrigin(mri->GetOrigin());
  coarse->Allocate();
  coarse->FillBuffer(7.0f);
  const auto onFine = itk::fusion::ResampleOnto(coarse.GetPointer(), mri.GetPointer(), nullptr);
  EXPECT_EQ(onFine->GetLargestPossibleRegion(), mri->GetLargestPossibleRegion());
  EXPECT_EQ(onFine->GetSpacing(), mri->GetSpacing());
  EXPECT_FLOAT_EQ(onFine->GetPixel({ { 10, 10 } }), 7.0f);
}
