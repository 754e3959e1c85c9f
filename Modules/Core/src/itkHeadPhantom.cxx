#include "itkHeadPhantom.h"
#include "itkFusionError.h"

#include "itkImageRegionIteratorWithIndex.h"
#include "itkMultiThreaderBase.h"
#include "itkSmoothingRecursiveGaussianImageFilter.h"

#include <cmath>
#include <cstdint>

namespace itk
{
namespace fusion
{
namespace
{
enum Tissue
{
  Air,
  Scalp,
  Skull,
  CSF,
  Grey,
  White,
  Lesion
};

/* The anatomy at a physical point (mm). */
Tissue
TissueAt(double x, double y, double z)
{
  const double pi = 3.14159265358979323846;
  const double lx = x - 35.0, ly = y - 25.0, lz = z - 20.0; // lesion centre: left posterior (LPS)
  const double q = std::sqrt((x / 80.0) * (x / 80.0) + (y / 100.0) * (y / 100.0) + (z / 90.0) * (z / 90.0));
  if (q > 1.0)
    return Air;
  if (q > 0.95)
    return Scalp;
  if (q > 0.88)
    return Skull;
  if (lx * lx + ly * ly + lz * lz <= 12.0 * 12.0)
    return Lesion;
  const auto inEllipsoid = [](double u, double v, double w, double a, double b, double c) {
    return (u / a) * (u / a) + (v / b) * (v / b) + (w / c) * (w / c) <= 1.0;
  };
  if (inEllipsoid(x - 10.0, y + 5.0, z - 10.0, 6.0, 18.0, 12.0) ||
      inEllipsoid(x + 10.0, y + 5.0, z - 10.0, 6.0, 18.0, 12.0))
    return CSF;
  // Cortex folded by an angular pattern: sulci reach inwards where the pattern is high.
  const double r = std::sqrt(x * x + y * y + z * z) + 1e-9;
  const double azimuth = std::atan2(y, x), polar = std::acos(std::max(-1.0, std::min(1.0, z / r)));
  const double fold = 0.5 * (1.0 + std::sin(9.0 * azimuth) * std::cos(7.0 * polar));
  const double pial = 0.85 - 0.05 * fold;
  if (q > pial)
    return CSF;
  if (q > pial - 0.09 - 0.02 * std::cos(5.0 * azimuth + pi / 3.0))
    return Grey;
  return White;
}

double
ValueOf(Tissue t, PhantomModality m)
{
  static const double mri[] = { 0.0, 180.0, 30.0, 40.0, 110.0, 160.0, 70.0 };
  static const double ct[] = { -1000.0, 40.0, 1200.0, 10.0, 40.0, 30.0, 45.0 };
  static const double pet[] = { 0.0, 0.5, 0.3, 0.2, 4.0, 1.2, 10.0 };
  switch (m)
  {
    case PhantomModality::MRI:
      return mri[t];
    case PhantomModality::CT:
      return ct[t];
    case PhantomModality::PET:
      return pet[t];
  }
  return 0.0;
}

/* Deterministic noise: a hash of the voxel index turned into an approximately normal deviate. */
double
NormalNoise(std::uint64_t index, std::uint64_t salt)
{
  double sum = 0.0;
  for (std::uint64_t k = 0; k < 4; ++k)
  {
    std::uint64_t h = index * 0x9E3779B97F4A7C15ull + salt * 0xBF58476D1CE4E5B9ull + k * 0x94D049BB133111EBull;
    h ^= h >> 31;
    h *= 0xD6E8FEB86659FD93ull;
    h ^= h >> 32;
    sum += static_cast<double>(h & 0xFFFFFFull) / static_cast<double>(0x1000000ull);
  }
  return (sum - 2.0) * std::sqrt(3.0); // 4 uniforms: mean 2, variance 1/3
}
} // namespace

std::string
PhantomModalityName(PhantomModality modality)
{
  switch (modality)
  {
    case PhantomModality::MRI:
      return "mri";
    case PhantomModality::CT:
      return "ct";
    case PhantomModality::PET:
      return "pet";
  }
  return "unknown";
}

template <unsigned int VDimension>
typename Image<float, VDimension>::Pointer
MakeHeadPhantom(PhantomModality modality, const HeadPhantomOptions & options)
{
  static_assert(VDimension == 2 || VDimension == 3, "the head phantom is 2D or 3D");
  using ImageType = Image<float, VDimension>;
  const unsigned int n = options.size > 0 ? options.size : (VDimension == 2 ? 256u : 128u);
  if (n < 16)
    itkFusionInvalidInputMacro(<< "MakeHeadPhantom: size " << n << " is too small (at least 16 pixels)");
  typename ImageType::SizeType    size;
  typename ImageType::SpacingType spacing;
  size.Fill(n);
  spacing.Fill(240.0 / n);
  const double tilt =
    (options.tiltDegrees >= 0.0 ? options.tiltDegrees : (VDimension == 3 ? 8.0 : 0.0)) * 3.14159265358979323846 / 180.0;
  typename ImageType::DirectionType direction;
  direction.SetIdentity();
  if (VDimension == 3)
  {
    size[2] = static_cast<SizeValueType>(std::lround(n * 0.625));
    spacing[2] = 200.0 / size[2];
    // Rotation about x: the slice planes are tilted by the gantry angle.
    direction(1, 1) = std::cos(tilt);
    direction(1, VDimension - 1) = -std::sin(tilt);
    direction(VDimension - 1, 1) = std::sin(tilt);
    direction(VDimension - 1, VDimension - 1) = std::cos(tilt);
  }
  // Origin such that the centre of the grid lies at the head centre (2D: the axial plane z = 20 mm).
  typename ImageType::PointType origin;
  vnl_vector<double>            halfExtent(VDimension);
  for (unsigned int d = 0; d < VDimension; ++d)
    halfExtent[d] = 0.5 * (size[d] - 1) * spacing[d];
  const vnl_vector<double> offset = direction.GetVnlMatrix() * halfExtent;
  for (unsigned int d = 0; d < VDimension; ++d)
    origin[d] = -offset[d];

  auto image = ImageType::New();
  image->SetRegions(typename ImageType::RegionType(size));
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->Allocate();

  const double sliceZ = 20.0; // 2D: the axial plane through the lesion
  const int    sub = 2;
  const double subSamples = VDimension == 2 ? sub * sub : sub * sub * sub;
  MultiThreaderBase::New()->ParallelizeImageRegion<VDimension>(
    image->GetLargestPossibleRegion(),
    [&](const typename ImageType::RegionType & region) {
      for (ImageRegionIteratorWithIndex<ImageType> it(image, region); !it.IsAtEnd(); ++it)
      {
        const auto index = it.GetIndex();
        double     sum = 0.0;
        for (int s = 0; s < (VDimension == 2 ? sub * sub : sub * sub * sub); ++s)
        {
          ContinuousIndex<double, VDimension> ci;
          for (unsigned int d = 0; d < VDimension; ++d)
            ci[d] = index[d] + ((s >> d) % sub + 0.5) / sub - 0.5;
          typename ImageType::PointType p;
          image->TransformContinuousIndexToPhysicalPoint(ci, p);
          sum += ValueOf(TissueAt(p[0], p[1], VDimension == 2 ? sliceZ : p[VDimension - 1]), modality);
        }
        double              v = sum / subSamples;
        const std::uint64_t linear = image->ComputeOffset(index);
        if (modality == PhantomModality::MRI)
        {
          typename ImageType::PointType p;
          image->TransformIndexToPhysicalPoint(index, p);
          v *= 1.0 + 0.05 * p[0] / 120.0; // smooth receive-coil bias field
          if (options.noise)
            v += 2.0 * NormalNoise(linear, 1);
          v = std::max(v, 0.0);
        }
        else if (modality == PhantomModality::CT && options.noise)
          v += 5.0 * NormalNoise(linear, 2);
        it.Set(static_cast<float>(v));
      }
    },
    nullptr);

  if (modality != PhantomModality::PET)
    return image;
  // PET resolution: 6 mm full width at half maximum.
  using Smoother = SmoothingRecursiveGaussianImageFilter<ImageType, ImageType>;
  auto smoother = Smoother::New();
  smoother->SetInput(image);
  smoother->SetSigma(6.0 / 2.3548);
  smoother->Update();
  typename ImageType::Pointer pet = smoother->GetOutput();
  pet->DisconnectPipeline();
  if (options.noise)
  {
    for (ImageRegionIteratorWithIndex<ImageType> it(pet, pet->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    {
      const double v = it.Get() * (1.0 + 0.03 * NormalNoise(pet->ComputeOffset(it.GetIndex()), 3));
      it.Set(static_cast<float>(std::max(v, 0.0)));
    }
  }
  return pet;
}

template MultimodalFusion_EXPORT Image<float, 2>::Pointer
                                 MakeHeadPhantom<2>(PhantomModality, const HeadPhantomOptions &);
template MultimodalFusion_EXPORT Image<float, 3>::Pointer
                                 MakeHeadPhantom<3>(PhantomModality, const HeadPhantomOptions &);
} // namespace fusion
} // namespace itk
