#ifndef itkDWTReconstructFilter_h
#define itkDWTReconstructFilter_h

#include "itkFusionBackendFilter.h"
#include "itkImage.h"
#include "itkImageToImageFilter.h"
#include "itkWaveletFilterBank.h"

#include <string>
#include <type_traits>

namespace itk
{
/** \class DWTReconstructFilter
 * \brief The inverse of DWTDecomposeFilter (pywt.waverecn), restoring the original grid.
 *
 * Inputs use the output indices of DWTDecomposeFilter: input 0 is the approximation of the last
 * level, input 1 + (level - 1)(2^D - 1) + (code - 1) the detail band of that level and code
 * (SetApproximation, SetBand(level, "HL", image)); so `reconstruct->SetInput(i, decompose->GetOutput(i))`
 * for every i connects the two. Wavelet, Mode and Levels must be those of the decomposition.
 *
 * The output grid: with SetReferenceImage (the decomposed image, or any image on its grid) the
 * output has exactly its size, spacing, origin and direction, odd sizes included. Without it the
 * output follows PyWavelets: 2m - F + 2 samples per axis for m coefficients (periodization: 2m),
 * which is one more than an odd original size, and spacing and origin are inverted from the
 * level-1 bands (see DWTDecomposeFilter for the band geometry).
 *
 * Bands of the wrong size or a missing band throw an exception naming the band. The whole image is
 * computed from whole bands (the filter requests the largest regions of its inputs).
 *
 * \ingroup MultimodalFusion
 */
template <typename TInputImage, typename TOutputImage = TInputImage>
class ITK_TEMPLATE_EXPORT DWTReconstructFilter
  : public FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(DWTReconstructFilter);

  using Self = DWTReconstructFilter;
  using Superclass = FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(DWTReconstructFilter, FusionBackendFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  static constexpr unsigned int BandsPerLevel = (1u << ImageDimension) - 1u;

  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using ReferenceImageType = ImageBase<ImageDimension>;
  using BackendEnum = FusionEnums::Backend;
  using ModeEnum = fusion::WaveletMode;
  using ComputeType = std::conditional_t<std::is_same<typename TInputImage::PixelType, double>::value ||
                                           std::is_same<typename TOutputImage::PixelType, double>::value,
                                         double, float>;
  static constexpr bool CudaSupportsPixelTypes = std::is_same<ComputeType, float>::value && ImageDimension <= 3;

  void
  SetWavelet(const std::string & name);
  itkGetStringMacro(Wavelet);
  itkSetMacro(Levels, unsigned int);
  itkGetConstMacro(Levels, unsigned int);
  itkSetEnumMacro(Mode, ModeEnum);
  itkGetEnumMacro(Mode, ModeEnum);

  /** The grid of the original image (optional, see above). */
  itkSetConstObjectMacro(ReferenceImage, ReferenceImageType);
  itkGetConstObjectMacro(ReferenceImage, ReferenceImageType);

  void
  SetApproximation(const InputImageType * image)
  {
    this->SetNthInput(0, const_cast<InputImageType *>(image));
  }
  /** A detail band by level (1 .. Levels) and name (HL, LH, ...). */
  void
  SetBand(unsigned int level, const std::string & name, const InputImageType * image);

protected:
  DWTReconstructFilter();
  ~DWTReconstructFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;
  void
  VerifyPreconditions() ITKv5_CONST override;
  void
  VerifyInputInformation() ITKv5_CONST override
  {} // bands are on different grids by design
  void
  GenerateOutputInformation() override;
  void
  GenerateInputRequestedRegion() override;
  void
  EnlargeOutputRequestedRegion(DataObject * output) override;
  bool
  KernelSupportsConfiguration() const override
  {
    return CudaSupportsPixelTypes;
  }
  /** Both backends share the preparation and the output; the transform is Core's (itkWaveletFilterBank.h) or dwt.cuh's.
   */
  void
  BackendGenerateData() override
  {
    this->Transform();
  }

private:
  void
  Transform();
  std::vector<size_t>
  OutputShape() const;

  std::string                               m_Wavelet{ "haar" };
  unsigned int                              m_Levels{ 1 };
  ModeEnum                                  m_Mode{ ModeEnum::Symmetric };
  typename ReferenceImageType::ConstPointer m_ReferenceImage;
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkDWTReconstructFilter.hxx"
#endif

#endif
