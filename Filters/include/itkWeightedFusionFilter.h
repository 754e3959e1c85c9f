#ifndef itkWeightedFusionFilter_h
#define itkWeightedFusionFilter_h

#include "itkFusionBackendFilter.h"
#include "itkFusionGrid.h"
#include "itkImage.h"
#include "itkImageToImageFilter.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>

namespace itk
{
/** \class WeightedFusionFilter
 * \brief Fuses N >= 2 images on one grid with per-pixel weights.
 *
 * The sources are the indexed inputs 0..N-1 (SetSource or SetInput(i, image)). The weights are
 * either
 *   - given, one weight image per source (SetWeightImage): F = sum_k W_k * X_k, used as they are;
 *   - computed from one activity image per source (SetActivityImage) by the normalised ratio rule
 *       W_k = (A_k + eps) / (sum_j A_j + N eps),  F = sum_k W_k * X_k,
 *     so that equal activities, including all-zero activity, give equal weights 1/N;
 *     activities must be finite and non-negative, eps (Epsilon) > 0;
 *   - or absent: equal weights, F is the mean of the sources.
 *
 * All inputs must share one grid: the same size, origin, spacing and direction (within ITK's
 * coordinate and direction tolerances); otherwise the update throws an exception naming the
 * input and what differs (resample or register first). NaN or infinite input values throw.
 *
 * The computation runs in double precision when any pixel type is double, else in float.
 * Backends (SetBackend, FusionBackendFilter): the multi-threaded CPU path, the CUDA kernel
 * of Modules/Kernels/weighted_fusion.cuh on a device, or the same kernel in the CPU emulation.
 * The kernel computes in float, so double computations run on the CPU path only.
 * GetLastUsedBackend() tells which backend produced the last output.
 *
 * The filter is pixel-wise: any requested region is computed from the same region of the inputs,
 * so streaming gives the same pixels as one whole update.
 *
 * \ingroup MultimodalFusion
 */
template <typename TInputImage, typename TOutputImage = TInputImage,
          typename TWeightImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT WeightedFusionFilter
  : public FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(WeightedFusionFilter);

  using Self = WeightedFusionFilter;
  using Superclass = FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(WeightedFusionFilter, FusionBackendFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;

  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using WeightImageType = TWeightImage;
  using InputPixelType = typename InputImageType::PixelType;
  using OutputPixelType = typename OutputImageType::PixelType;
  using WeightPixelType = typename WeightImageType::PixelType;
  using OutputImageRegionType = typename OutputImageType::RegionType;
  using BackendEnum = FusionEnums::Backend;

  /** float, or double when any of the pixel types is double. */
  using ComputeType =
    std::conditional_t<std::is_same<InputPixelType, double>::value || std::is_same<OutputPixelType, double>::value ||
                         std::is_same<WeightPixelType, double>::value,
                       double, float>;

  enum class WeightingMode
  {
    Equal,
    GivenWeights,
    ActivityRatio
  };

  static_assert(TOutputImage::ImageDimension == ImageDimension && TWeightImage::ImageDimension == ImageDimension,
                "WeightedFusionFilter: all images must have the same dimension");

  /** Source k (k = 0..N-1). */
  void
  SetSource(unsigned int k, const InputImageType * image);
  const InputImageType *
  GetSource(unsigned int k) const;
  /** N: the number of indexed inputs. */
  unsigned int
  GetNumberOfSources() const
  {
    return static_cast<unsigned int>(this->GetNumberOfIndexedInputs());
  }

  /** Weight image of source k, used as given. */
  void
  SetWeightImage(unsigned int k, const WeightImageType * image);
  const WeightImageType *
  GetWeightImage(unsigned int k) const;

  /** Activity image of source k, turned into weights by the normalised ratio rule. */
  void
  SetActivityImage(unsigned int k, const WeightImageType * image);
  const WeightImageType *
  GetActivityImage(unsigned int k) const;

  /** Which weighting the current inputs select. */
  WeightingMode
  GetWeightingMode() const;

  /** eps of the ratio rule (default 1e-6, must be > 0). */
  itkSetMacro(Epsilon, double);
  itkGetConstMacro(Epsilon, double);

  /** True when the CUDA kernel takes these pixel types (the kernel computes in float). */
  static constexpr bool CudaSupportsPixelTypes = std::is_same<ComputeType, float>::value;

protected:
  WeightedFusionFilter();
  ~WeightedFusionFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;

  /** N >= 2 sources, weights or activities for all sources or none, not both, eps > 0. */
  void
  VerifyPreconditions() ITKv5_CONST override;

  /** Every input on the grid of source 0: size, origin, spacing, direction. */
  void
  VerifyInputInformation() ITKv5_CONST override;

  /** Checks the values, then the base chooses the backend. */
  void
  GenerateData() override;
  bool
  KernelSupportsConfiguration() const override
  {
    return CudaSupportsPixelTypes;
  }
  void
  KernelGenerateData() override;

  void
  DynamicThreadedGenerateData(const OutputImageRegionType & outputRegion) override;

private:
  static std::string
  WeightName(unsigned int k)
  {
    return "Weight" + std::to_string(k);
  }
  static std::string
  ActivityName(unsigned int k)
  {
    return "Activity" + std::to_string(k);
  }
  /** The named per-pixel inputs (weights, activities). */
  void
  SetPerPixelImage(const std::string & name, const WeightImageType * image)
  {
    this->ProcessObject::SetInput(name, const_cast<WeightImageType *>(image));
  }
  const WeightImageType *
  GetPerPixelImage(const std::string & name) const
  {
    return dynamic_cast<const WeightImageType *>(this->ProcessObject::GetInput(name));
  }
  /** Throws when a source, weight or activity value in the requested region is NaN or infinite,
   * or an activity is negative. */
  void
  VerifyFiniteValues() const;
  /** Integer outputs are rounded and clamped to the pixel type's range. */
  static OutputPixelType
  ToOutputPixel(ComputeType value)
  {
    if constexpr (NumericTraits<OutputPixelType>::is_integer)
    {
      const ComputeType low = static_cast<ComputeType>(NumericTraits<OutputPixelType>::NonpositiveMin());
      const ComputeType high = static_cast<ComputeType>(NumericTraits<OutputPixelType>::max());
      return static_cast<OutputPixelType>(std::round(std::min(std::max(value, low), high)));
    }
    else
      return static_cast<OutputPixelType>(value);
  }

  double m_Epsilon{ 1e-6 };
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkWeightedFusionFilter.hxx"
#endif

#endif
