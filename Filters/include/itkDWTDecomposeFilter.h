#ifndef itkDWTDecomposeFilter_h
#define itkDWTDecomposeFilter_h

#include "itkFusionBackendFilter.h"
#include "itkImage.h"
#include "itkImageToImageFilter.h"
#include "itkWaveletFilterBank.h"

#include <string>
#include <type_traits>

namespace itk
{
/** \class DWTDecomposeFilter
 * \brief Separable multi-level discrete wavelet transform of an N-D image, equal to pywt.wavedecn.
 *
 * Parameters: the wavelet (any discrete PyWavelets wavelet: haar, db1-db38, sym2-sym20, coif1-coif17,
 * bior*, rbio*, dmey), the number of levels and the boundary mode (the nine PyWavelets modes,
 * default symmetric); see itkWaveletFilterBank.h for the definitions.
 *
 * Outputs: output 0 is the approximation of the last level; then, level by level from 1, the
 * 2^D - 1 detail bands in code order (GetOutputIndex, GetBand). A band's name has one letter per
 * axis in ITK axis order, L (low-pass) or H (high-pass): in 2D LL, HL, LH, HH; in 3D LLL ... HHH.
 *   PyWavelets: for an array whose axis 0 is ITK's x (the ITK buffer read in Fortran order, or
 *   np.transpose of itk.GetArrayFromImage), the key is the band name with L -> a, H -> d
 *   (2D: HL -> 'da', LH -> 'ad', HH -> 'dd'; wavedecn's coefficient list holds the approximation
 *   first and the levels from the coarsest).
 *   The a/h/v/d of the DWT+CNN paper (2D): a = LL, h = LH (high-pass along y: horizontal edges),
 *   v = HL (high-pass along x: vertical edges), d = HH.
 * Geometry: each band keeps the input's direction; its spacing is the input spacing times 2^level;
 * its origin is the physical centre of the filter support of its first coefficient:
 *   origin_l = origin_(l-1) + Direction * (spacing_(l-1) (*) c),  c = (3 - F) / 2 per axis
 *   (periodization: c = 1/2), F the filter length, origin_0 the physical point of the input's
 *   first pixel; the band's index starts at 0.
 *
 * Requested region: the transform of every level depends on the whole image through the boundary
 * extension, so the filter requests the largest possible input region and produces every output
 * whole (a request for part of one band is enlarged to all bands); tested in the GTest.
 *
 * Levels above PyWavelets' dwt_max_level(min size, F) leave every coefficient under boundary
 * effects: PyWavelets warns and so does this filter (itkWarningMacro), unless StrictMaximumLevel
 * is on, which makes it an exception. A level that leaves an axis without samples is an error.
 *
 * Precision: the computation is in double when the input or output pixel type is double, else in
 * float, as PyWavelets computes float32 arrays (the CPU path sums the taps in PyWavelets' order);
 * the CUDA kernels (Modules/Kernels/dwt.cuh, float, up to 3 dimensions) use compensated float dot
 * products, so each of their coefficients is rounded once. Ill-conditioned cases (smooth or antireflect
 * extension far beyond the signal, levels above dwt_max_level) amplify the float rounding of the
 * intermediate bands, as in PyWavelets' own float32 transform.
 * Backends: SetBackend (FusionBackendFilter, itkFusionBackend.h).
 *
 * \ingroup MultimodalFusion
 */
template <typename TInputImage,
          typename TOutputImage =
            Image<std::conditional_t<std::is_same<typename TInputImage::PixelType, double>::value, double, float>,
                  TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT DWTDecomposeFilter : public FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(DWTDecomposeFilter);

  using Self = DWTDecomposeFilter;
  using Superclass = FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(DWTDecomposeFilter, FusionBackendFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  static constexpr unsigned int BandsPerLevel = (1u << ImageDimension) - 1u;

  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using BackendEnum = FusionEnums::Backend;
  using ModeEnum = fusion::WaveletMode;
  using ComputeType = std::conditional_t<std::is_same<typename TInputImage::PixelType, double>::value ||
                                           std::is_same<typename TOutputImage::PixelType, double>::value,
                                         double, float>;
  static constexpr bool CudaSupportsPixelTypes = std::is_same<ComputeType, float>::value && ImageDimension <= 3;

  static_assert(TOutputImage::ImageDimension == ImageDimension, "DWTDecomposeFilter: same dimension in and out");

  /** The wavelet, by its PyWavelets name (default "haar"). Throws for an unknown name. */
  void
  SetWavelet(const std::string & name);
  itkGetStringMacro(Wavelet);
  /** Number of levels (default 1); sets the number of outputs. */
  void
  SetLevels(unsigned int levels);
  itkGetConstMacro(Levels, unsigned int);
  itkSetEnumMacro(Mode, ModeEnum);
  itkGetEnumMacro(Mode, ModeEnum);
  /** Levels above dwt_max_level: an exception instead of a warning. */
  itkSetMacro(StrictMaximumLevel, bool);
  itkGetConstMacro(StrictMaximumLevel, bool);
  itkBooleanMacro(StrictMaximumLevel);

  /** Output index of a band: 0 for the approximation (level == Levels, code 0), else
   * 1 + (level - 1) (2^D - 1) + (code - 1), code having bit d set for H along axis d. */
  static unsigned int
  GetOutputIndex(unsigned int level, unsigned int code)
  {
    return fusion::DWTBandIndex(level, code, ImageDimension);
  }
  /** Band name (LL, HL, ...) to code; throws for a malformed name. */
  static unsigned int
  BandCode(const std::string & name);
  /** The approximation of the last level. */
  OutputImageType *
  GetApproximation()
  {
    return this->GetOutput(0);
  }
  /** A detail band by level (1 .. Levels) and name ("HL", ...). */
  OutputImageType *
  GetBand(unsigned int level, const std::string & name);
  /** The "<level>_<band>" name of an output index (e.g. "2_HL"; the approximation "3_LL"). */
  std::string
  GetOutputName(unsigned int index) const;

protected:
  DWTDecomposeFilter();
  ~DWTDecomposeFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;
  void
  VerifyPreconditions() ITKv5_CONST override;
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
  void
  UpdateNumberOfOutputs();

  std::string  m_Wavelet{ "haar" };
  unsigned int m_Levels{ 1 };
  ModeEnum     m_Mode{ ModeEnum::Symmetric };
  bool         m_StrictMaximumLevel{ false };
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkDWTDecomposeFilter.hxx"
#endif

#endif
