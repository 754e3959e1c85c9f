#ifndef itkFusionMetricsCalculator_h
#define itkFusionMetricsCalculator_h

#include "itkFusionGrid.h"
#include "itkFusionMetrics.h"
#include "itkImage.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkObject.h"
#include "itkObjectFactory.h"
#include "itkRGBPixel.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <type_traits>
#include <vector>

namespace itk
{
/** \class FusionMetricsCalculator
 * \brief Quality metrics of a fused image against its N >= 2 sources (itkFusionMetrics.h).
 *
 * Like ITK's calculators: set the sources (AddSource) and the fused image, Compute(), then
 * GetMetric(name) or GetResult(). All images must share one grid (size, spacing, origin,
 * direction); 2D or 3D.
 *
 * Intensity domain (docs/metrics.md section 4): 8-bit images are taken as they are; other pixel types
 * are min-max mapped to [0, 255] per image, unless SetIntensityRange(lo, hi) gives one range
 * (mapped to [0, 255] and clamped) for every image. Histograms use 256 bins of the rounded values.
 * 3D: histogram metrics, SSIM, VIF and Q_Y are volumetric (3D windows), SF takes the third axis's
 * differences too; AG, EI, Qabf, Nabf, Q_CB, Q_CV and FMI are computed per z-slice and pooled.
 *
 * Presets (SetPreset; definitions in itkFusionMetrics.h): `standard` (textbook definitions, the
 * default), `cddfuse` (the CDDFuse Evaluator), `vifb` (VIFB's MATLAB metrics), `seed` (the seed
 * paper's per-source report). FMI is slow and off unless SetComputeFMI(true).
 *
 * Colour images (RGB PET / SPECT) enter through the RGB overloads of AddSource and
 * SetFusedImage, as BT.601 luma 0.299 R + 0.587 G + 0.114 B (cv2's and MATLAB rgb2gray's
 * weights; rounded for 8-bit pixel types), as the field computes its metrics.
 *
 * Backends (SetBackend): the CPU (threads), or the CUDA kernels / their emulation for the local
 * statistics, the Sobel fields and the joint histograms (fusion_metrics.cuh).
 *
 * A metric undefined for the data is NaN and named in GetResult().undefined.
 * \ingroup MultimodalFusion
 */
template <typename TImage>
class ITK_TEMPLATE_EXPORT FusionMetricsCalculator : public Object
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(FusionMetricsCalculator);

  using Self = FusionMetricsCalculator;
  using Superclass = Object;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  itkNewMacro(Self);
  itkTypeMacro(FusionMetricsCalculator, Object);

  using ImageType = TImage;
  static constexpr unsigned int ImageDimension = TImage::ImageDimension;
  static_assert(ImageDimension == 2 || ImageDimension == 3, "FusionMetricsCalculator takes 2D and 3D images");
  static_assert(std::is_arithmetic<typename TImage::PixelType>::value,
                "FusionMetricsCalculator takes scalar images (colour: the RGB overloads)");
  using PixelType = typename TImage::PixelType;
  using RGBImageType = Image<RGBPixel<PixelType>, ImageDimension>;
  using BackendEnum = FusionEnums::Backend;

  /** BT.601 luma of a colour image, on the colour image's grid (rounded for integer pixels). */
  static typename ImageType::Pointer
  Luma(const RGBImageType * colour)
  {
    if (!colour)
      itkGenericExceptionMacro(<< "a null colour image");
    auto luma = ImageType::New();
    luma->CopyInformation(colour);
    luma->SetRegions(colour->GetLargestPossibleRegion());
    luma->Allocate();
    ImageRegionConstIterator<RGBImageType> in(colour, colour->GetLargestPossibleRegion());
    ImageRegionIterator<ImageType>         out(luma, luma->GetLargestPossibleRegion());
    for (; !in.IsAtEnd(); ++in, ++out)
    {
      const auto   p = in.Get();
      const double y =
        0.299 * static_cast<double>(p[0]) + 0.587 * static_cast<double>(p[1]) + 0.114 * static_cast<double>(p[2]);
      out.Set(static_cast<PixelType>(std::is_integral<PixelType>::value ? std::round(y) : y));
    }
    return luma;
  }

  void
  AddSource(const ImageType * image)
  {
    if (!image)
      itkExceptionMacro(<< "a null source image");
    m_Sources.emplace_back(image);
    this->Modified();
  }
  void
  AddSource(const RGBImageType * colour)
  {
    this->AddSource(Luma(colour));
  }
  void
  ClearSources()
  {
    m_Sources.clear();
    this->Modified();
  }
  itkSetConstObjectMacro(FusedImage, ImageType);
  itkGetConstObjectMacro(FusedImage, ImageType);
  void
  SetFusedImage(const RGBImageType * colour)
  {
    this->SetFusedImage(Luma(colour).GetPointer());
  }

  /** FMI_pixel, FMI_gradient, FMI_dct in the standard preset (off by default: slow). */
  itkSetMacro(ComputeFMI, bool);
  itkGetConstMacro(ComputeFMI, bool);
  itkBooleanMacro(ComputeFMI);

  /** The requested backend (default Auto, which honours FUSION_BACKEND; itkFusionBackend.h) and the
   * one the last Compute ran on. */
  itkSetEnumMacro(Backend, BackendEnum);
  itkGetEnumMacro(Backend, BackendEnum);
  itkGetEnumMacro(LastUsedBackend, BackendEnum);

  /** One range for every image, mapped to [0, 255]; without it: see the class comment. */
  void
  SetIntensityRange(double lowest, double highest)
  {
    if (!(std::isfinite(lowest) && std::isfinite(highest) && highest > lowest))
      itkExceptionMacro(<< "the intensity range must be finite with highest > lowest, got [" << lowest << ", "
                        << highest << "]");
    m_Lowest = lowest;
    m_Highest = highest;
    m_FixedRange = true;
    this->Modified();
  }

  /** standard (default), cddfuse, vifb or seed. */
  void
  SetPreset(const std::string & preset)
  {
    const std::string error = fusion::FusionMetricsPresetError(preset);
    if (!error.empty())
      itkExceptionMacro(<< error);
    m_Preset = preset;
    this->Modified();
  }
  const std::string &
  GetPreset() const
  {
    return m_Preset;
  }

  void
  Compute()
  {
    if (m_Sources.size() < 2)
      itkExceptionMacro(<< "fusion metrics need at least two sources, have " << m_Sources.size());
    if (!m_FusedImage)
      itkExceptionMacro(<< "no fused image");
    const auto & region = m_FusedImage->GetLargestPossibleRegion();
    for (size_t k = 0; k < m_Sources.size(); ++k)
    {
      const ImageType * s = m_Sources[k];
      const std::string what = fusion::GridDifference<ImageDimension>(m_FusedImage, s, 1e-6, 1e-6);
      if (!what.empty())
        itkExceptionMacro(<< "source " << k + 1 << " and the fused image differ in" << what
                          << " (metrics compare images on one grid)");
    }
    std::array<size_t, 3> size{ { 1, 1, 1 } };
    for (unsigned d = 0; d < ImageDimension; ++d)
      size[d] = region.GetSize(d);
    std::vector<std::vector<double>> data;
    std::vector<const double *>      sources;
    for (size_t k = 0; k < m_Sources.size(); ++k)
      data.push_back(this->Scaled(m_Sources[k], "source " + std::to_string(k + 1)));
    for (const auto & d : data)
      sources.push_back(d.data());
    const std::vector<double>    fused = this->Scaled(m_FusedImage.GetPointer(), "the fused image");
    fusion::FusionMetricsOptions options;
    options.preset = m_Preset;
    options.fmi = m_ComputeFMI;
    options.backend = fusion::ResolveBackend(m_Backend, true, this->GetNameOfClass());
    m_Result = fusion::ComputeFusionMetrics(sources, fused.data(), size, ImageDimension, options);
    m_LastUsedBackend = options.backend;
  }

  const fusion::FusionMetricsResult &
  GetResult() const
  {
    return m_Result;
  }
  double
  GetMetric(const std::string & name) const
  {
    try
    {
      return m_Result.Get(name);
    }
    catch (const fusion::FusionError & e)
    {
      itkExceptionMacro(<< e.what() << " (call Compute first; names: see itkFusionMetrics.h)");
    }
  }

protected:
  FusionMetricsCalculator() = default;
  ~FusionMetricsCalculator() override = default;
  void
  PrintSelf(std::ostream & os, Indent indent) const override
  {
    Superclass::PrintSelf(os, indent);
    os << indent << "Sources: " << m_Sources.size() << std::endl;
    os << indent << "FusedImage: " << m_FusedImage.GetPointer() << std::endl;
    os << indent << "Preset: " << m_Preset << std::endl;
    os << indent << "ComputeFMI: " << m_ComputeFMI << std::endl;
    os << indent << "Backend: " << m_Backend << std::endl;
    os << indent << "LastUsedBackend: " << m_LastUsedBackend << std::endl;
    os << indent << "IntensityRange: "
       << (m_FixedRange ? "[" + std::to_string(m_Lowest) + ", " + std::to_string(m_Highest) + "]"
                        : std::string("8-bit as is, otherwise per-image min-max"))
       << std::endl;
    os << indent << "Metrics:";
    for (const auto & v : m_Result.values)
      os << " " << v.first << "=" << v.second;
    os << std::endl;
  }

private:
  /** The image's values on the metrics' scale (see the class comment); `what` names it in errors. */
  std::vector<double>
  Scaled(const ImageType * image, const std::string & what) const
  {
    const auto &        region = image->GetLargestPossibleRegion();
    std::vector<double> v(region.GetNumberOfPixels());
    if (image->GetBufferedRegion() == region)
      std::transform(image->GetBufferPointer(), image->GetBufferPointer() + v.size(), v.begin(), [](PixelType p) {
        return static_cast<double>(p);
      });
    else
    {
      auto to = v.begin();
      for (ImageRegionConstIterator<ImageType> it(image, region); !it.IsAtEnd(); ++it, ++to)
        *to = static_cast<double>(it.Get());
    }
    if (std::is_same<PixelType, unsigned char>::value && !m_FixedRange)
      return v;
    const size_t bad = fusion::MapToMetricScale(v.data(), v.size(), !m_FixedRange, m_Lowest, m_Highest);
    if (bad < v.size())
    {
      auto   index = region.GetIndex();
      size_t rest = bad;
      for (unsigned d = 0; d < ImageDimension; ++d)
      {
        index[d] += static_cast<IndexValueType>(rest % region.GetSize(d));
        rest /= region.GetSize(d);
      }
      itkExceptionMacro(<< what << " holds a non-finite value " << v[bad] << " at index " << index);
    }
    return v;
  }

  std::vector<typename ImageType::ConstPointer> m_Sources;
  typename ImageType::ConstPointer              m_FusedImage;
  std::string                                   m_Preset{ "standard" };
  bool                                          m_ComputeFMI{ false };
  BackendEnum                                   m_Backend{ BackendEnum::Auto };
  BackendEnum                                   m_LastUsedBackend{ BackendEnum::Auto };
  bool                                          m_FixedRange{ false };
  double                                        m_Lowest{ 0.0 }, m_Highest{ 255.0 };
  fusion::FusionMetricsResult                   m_Result;
};
} // namespace itk

#endif
