#ifndef itkGLCMMeanTextureFilter_h
#define itkGLCMMeanTextureFilter_h

#include "itkFusionBackendFilter.h"
#include "itkImageRegionIterator.h"
#include "itkGLCMQuickMean.h"
#include "itkImage.h"
#include "itkImageToImageFilter.h"
#include "itkOffset.h"
#include "itkVectorImage.h"

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace itk
{
/** \class GLCMMeanTextureFilter
 * \brief Per-pixel (per-voxel) grey-level co-occurrence texture in a sliding window, 2D and 3D.
 *
 * For every pixel, the grey-level co-occurrence matrix (GLCM) of the (2 Radius + 1)^D window
 * centred on it, and features of that matrix:
 *   - Quantisation: q = floor(L (x - min) / (max - min)), clamped to 0 .. L - 1 (max maps to L - 1;
 *     a constant image is all 0). The range is the input's minimum and maximum unless set with
 *     SetQuantizationRange; with the automatic range the filter reads the whole input.
 *   - Pairs: for each offset o, the pairs (a, a + o) with both pixels inside the window (as
 *     skimage.feature.graycomatrix counts them on the window), counted both ways when Symmetric
 *     (default on), normalised to probabilities P(i, j).
 *   - Offsets: default the 4 unit directions in 2D ((1,0), (1,1), (0,1), (-1,1)) and the 13 in 3D,
 *     distance 1; settable.
 *   - Offsets combine (OffsetCombination) by AverageFeatures (default, scikit-image's convention:
 *     features per offset, then their mean) or PooledHistogram (ITK's convention: one matrix of all
 *     offsets' pairs).
 *   - Borders: the window reads the image mirrored without repeating the edge (reflect-101:
 *     index -1 is index 1).
 * Features (scikit-image's definitions where it has them; natural logarithm for the entropy):
 *   Mean       sum_ij i P                 Variance      sum_ij (i - mean_i)^2 P
 *   Contrast   sum_ij (i - j)^2 P         Dissimilarity sum_ij |i - j| P
 *   Homogeneity sum_ij P / (1 + (i - j)^2) ASM          sum_ij P^2      Energy sqrt(ASM)
 *   Entropy    -sum_ij P ln P             Correlation   sum_ij (i - mu_i)(j - mu_j) P / (s_i s_j), 1 where
 *                                                       s_i s_j = 0 (as scikit-image)
 *   MaximumProbability max_ij P
 * The GLCM mean alone (the default) is computed by the quick algorithm: the mean of a window's
 * GLCM is a weighted sum of the quantised image over boxes of the window (two per offset), a
 * separable operator of running box sums and shifts (itkGLCMQuickMean.h): O(1) per pixel, equal
 * to the brute-force GLCM mean (images of up to three dimensions; beyond, the mean comes from the
 * histograms like the other features). Other features keep one
 * co-occurrence matrix per offset, with the running sums of their formulas, and slide it along x,
 * adding and removing one column of pairs: O(1) per pair and per feature, no scan of the L x L cells.
 *
 * Output: a scalar image (exactly one feature) or a VectorImage with the features in the order
 * given to SetFeatures.
 *
 * Requested region: the output region padded by Radius plus the largest offset component (all of
 * the input with the automatic quantisation range), so that streamed pieces equal the whole result.
 *
 * Backends (SetBackend, FusionBackendFilter): the multi-threaded CPU path, or the CUDA kernel of
 * Modules/Kernels/glcm.cuh (float, up to 16 levels, up to 3 dimensions: one thread per pixel with
 * its counters in shared memory) on a device or in the emulation.
 *
 * \ingroup MultimodalFusion
 */
template <typename TInputImage, typename TOutputImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT GLCMMeanTextureFilter
  : public FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(GLCMMeanTextureFilter);

  using Self = GLCMMeanTextureFilter;
  using Superclass = FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(GLCMMeanTextureFilter, FusionBackendFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using OutputImageRegionType = typename OutputImageType::RegionType;
  using OffsetType = Offset<ImageDimension>;
  using OffsetList = std::vector<OffsetType>;

  static_assert(std::is_arithmetic<typename TInputImage::PixelType>::value,
                "GLCMMeanTextureFilter takes scalar images (RGB: convert to luminance first)");

  enum class Feature
  {
    Mean,
    Variance,
    Contrast,
    Dissimilarity,
    Homogeneity,
    ASM,
    Energy,
    Entropy,
    Correlation,
    MaximumProbability
  };
  enum class OffsetCombination
  {
    AverageFeatures,
    PooledHistogram
  };
  /** Feature by its name: mean, variance, contrast, dissimilarity, homogeneity, asm, energy, entropy,
   * correlation, maxprob; throws listing the names otherwise. */
  static Feature
  FeatureFromString(const std::string & name);
  static std::string
  FeatureName(Feature feature);

  itkSetMacro(Radius, unsigned int);
  itkGetConstMacro(Radius, unsigned int);
  itkSetMacro(NumberOfLevels, unsigned int);
  itkGetConstMacro(NumberOfLevels, unsigned int);
  itkSetMacro(Symmetric, bool);
  itkGetConstMacro(Symmetric, bool);
  itkBooleanMacro(Symmetric);
  itkSetEnumMacro(OffsetCombination, OffsetCombination);
  itkGetEnumMacro(OffsetCombination, OffsetCombination);
  using BackendEnum = FusionEnums::Backend;

  /** The quantisation range (default: the input's minimum and maximum). */
  void
  SetQuantizationRange(double minimum, double maximum);
  void
  UseAutomaticQuantizationRange();
  itkGetConstMacro(QuantizationMinimum, double);
  itkGetConstMacro(QuantizationMaximum, double);
  itkGetConstMacro(AutomaticQuantizationRange, bool);

  /** Offsets (default: the unit directions, distance 1). */
  void
  SetOffsets(const OffsetList & offsets);
  const OffsetList &
  GetOffsets() const
  {
    return m_Offsets;
  }
  static OffsetList
  DefaultOffsets();

  /** Features, in output order (default: Mean). */
  void
  SetFeatures(const std::vector<Feature> & features);
  const std::vector<Feature> &
  GetFeatures() const
  {
    return m_Features;
  }

protected:
  GLCMMeanTextureFilter();
  ~GLCMMeanTextureFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;
  void
  VerifyPreconditions() ITKv5_CONST override;
  void
  GenerateOutputInformation() override;
  void
  GenerateInputRequestedRegion() override;
  /** The kernel takes up to kGLCMMaximumLevels levels and up to 3 dimensions. */
  bool
  KernelSupportsConfiguration() const override
  {
    return m_NumberOfLevels <= static_cast<unsigned>(::fusionkernels::kGLCMMaximumLevels) && ImageDimension <= 3;
  }
  /** The GLCM kernel over the requested region (CPU: BeforeThreaded..., DynamicThreaded..., AfterThreaded...). */
  void
  KernelGenerateData() override;
  void
  BeforeThreadedGenerateData() override;
  void
  DynamicThreadedGenerateData(const OutputImageRegionType & region) override;
  void
  AfterThreadedGenerateData() override;

private:
  using IndexType = typename InputImageType::IndexType;
  /** The quick GLCM mean over `region` (m_QuickMean, built once per update from the offsets):
   * sink(first index of a line along x, its values). */
  template <typename TSink>
  void
  QuickMean(const OutputImageRegionType & region, TSink && sink) const;
  /** Writes the chosen features of `values` (all ten, in Feature order) to the output pixel at `it`. */
  template <typename TValue>
  void
  SetFeatures(ImageRegionIterator<OutputImageType> & it, const TValue * values) const;

  unsigned int         m_Radius{ 2 };
  unsigned int         m_NumberOfLevels{ 8 };
  bool                 m_Symmetric{ true };
  OffsetCombination    m_OffsetCombination{ OffsetCombination::AverageFeatures };
  double               m_QuantizationMinimum{ 0.0 };
  double               m_QuantizationMaximum{ 0.0 };
  bool                 m_AutomaticQuantizationRange{ true };
  OffsetList           m_Offsets;
  std::vector<Feature> m_Features{ Feature::Mean };

  // Scratch of one update: levels over the padded region (mirrored), the quick mean's operator
  // (images of up to three dimensions; beyond, the mean comes from the histograms).
  typename InputImageType::RegionType    m_Padded;
  std::vector<unsigned char>             m_Levels;
  std::unique_ptr<fusion::GLCMQuickMean> m_QuickMean;
  double                                 m_UsedMinimum{ 0.0 }, m_UsedMaximum{ 0.0 };
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkGLCMMeanTextureFilter.hxx"
#endif

#endif
