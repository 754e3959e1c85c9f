#ifndef itkFusionRegistration_h
#define itkFusionRegistration_h

#include "itkAffineTransform.h"
#include "itkCenteredTransformInitializer.h"
#include "itkEuler2DTransform.h"
#include "itkEuler3DTransform.h"
#include "itkImageRegistrationMethodv4.h"
#include "itkLinearInterpolateImageFunction.h"
#include "itkMattesMutualInformationImageToImageMetricv4.h"
#include "itkRegistrationParameterScalesFromPhysicalShift.h"
#include "itkRegularStepGradientDescentOptimizerv4.h"
#include "itkResampleImageFilter.h"

#include <string>
#include <type_traits>

namespace itk
{
namespace fusion
{
enum class RegistrationKind
{
  Rigid,
  Affine
};

/* Optimises `transform` (already initialised) by Mattes MI over `levels` resolutions (shrink
 * 2^(levels-1) .. 1, smoothing levels-1 .. 0 voxels). */
template <typename TImage, typename TTransform>
void
OptimiseRegistration(const TImage * fixed, const TImage * moving, TTransform * transform, unsigned int levels,
                     double learningRate)
{
  using Metric = MattesMutualInformationImageToImageMetricv4<TImage, TImage>;
  using Method = ImageRegistrationMethodv4<TImage, TImage, TTransform>;
  auto metric = Metric::New();
  metric->SetNumberOfHistogramBins(50);
  auto scales = RegistrationParameterScalesFromPhysicalShift<Metric>::New();
  scales->SetMetric(metric);
  auto optimizer = RegularStepGradientDescentOptimizerv4<double>::New();
  optimizer->SetLearningRate(learningRate);
  optimizer->SetMinimumStepLength(1e-5);
  optimizer->SetRelaxationFactor(0.5);
  optimizer->SetNumberOfIterations(200);
  optimizer->SetScalesEstimator(scales);
  optimizer->SetDoEstimateLearningRateOnce(true);
  auto method = Method::New();
  method->SetFixedImage(fixed);
  method->SetMovingImage(moving);
  method->SetMetric(metric);
  method->SetOptimizer(optimizer);
  method->SetInitialTransform(transform);
  method->InPlaceOn();
  method->SetMetricSamplingStrategy(Method::MetricSamplingStrategyType::RANDOM);
  method->SetMetricSamplingPercentage(0.5);
  method->MetricSamplingReinitializeSeed(20261122);
  typename Method::ShrinkFactorsArrayType   shrink(levels);
  typename Method::SmoothingSigmasArrayType sigmas(levels);
  for (unsigned int l = 0; l < levels; ++l)
  {
    shrink[l] = 1u << (levels - 1 - l);
    sigmas[l] = static_cast<double>(levels - 1 - l);
  }
  method->SetNumberOfLevels(levels);
  method->SetShrinkFactorsPerLevel(shrink);
  method->SetSmoothingSigmasPerLevel(sigmas);
  method->SmoothingSigmasAreSpecifiedInPhysicalUnitsOff();
  method->Update();
}

/** Registers `moving` onto `fixed` (2D or 3D, any modalities) with ITK's v4 registration: Mattes
 * mutual information (50 bins, half of the voxels sampled at random with a fixed seed), regular-step
 * gradient descent with scales from physical shifts. Rigid: an Euler transform started from the
 * images' geometric centres, three resolutions (shrink 4, 2, 1; smoothing 2, 1, 0 voxels). Affine:
 * the rigid result refined as an affine transform over two resolutions. Returns the transform that
 * maps fixed physical points to moving ones (what ResampleOnto takes). Throws
 * itk::ExceptionObject when the optimisation fails. */
template <typename TImage>
typename Transform<double, TImage::ImageDimension, TImage::ImageDimension>::Pointer
Register(const TImage * fixed, const TImage * moving, RegistrationKind kind)
{
  constexpr unsigned int D = TImage::ImageDimension;
  static_assert(D == 2 || D == 3, "registration of 2D and 3D images");
  using RigidType = std::conditional_t<D == 2, Euler2DTransform<double>, Euler3DTransform<double>>;
  auto rigid = RigidType::New();
  auto initializer = CenteredTransformInitializer<RigidType, TImage, TImage>::New();
  initializer->SetTransform(rigid);
  initializer->SetFixedImage(fixed);
  initializer->SetMovingImage(moving);
  initializer->GeometryOn();
  initializer->InitializeTransform();
  OptimiseRegistration(fixed, moving, rigid.GetPointer(), 3, 2.0);
  if (kind == RegistrationKind::Rigid)
    return rigid.GetPointer();
  auto affine = AffineTransform<double, D>::New();
  affine->SetCenter(rigid->GetCenter());
  affine->SetMatrix(rigid->GetMatrix());
  affine->SetOffset(rigid->GetOffset());
  OptimiseRegistration(fixed, moving, affine.GetPointer(), 2, 1.0);
  return affine.GetPointer();
}

/** `moving` resampled onto `reference`'s grid (size, spacing, origin, direction) through
 * `transform` (fixed -> moving points; the identity when null), linear interpolation, 0 outside. */
template <typename TImage, typename TReference>
typename TImage::Pointer
ResampleOnto(const TImage * moving, const TReference * reference,
             const Transform<double, TImage::ImageDimension, TImage::ImageDimension> * transform)
{
  auto resample = ResampleImageFilter<TImage, TImage>::New();
  resample->SetInput(moving);
  if (transform)
    resample->SetTransform(transform);
  resample->SetInterpolator(LinearInterpolateImageFunction<TImage, double>::New());
  resample->SetOutputParametersFromImage(reference);
  resample->SetDefaultPixelValue(0);
  resample->Update();
  typename TImage::Pointer out = resample->GetOutput();
  out->DisconnectPipeline();
  return out;
}
} // namespace fusion
} // namespace itk

#endif
