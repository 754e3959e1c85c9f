#ifndef itkDWTReconstructFilter_hxx
#define itkDWTReconstructFilter_hxx

#include "itkDWTReconstructFilter.h"

#include "fusionKernels.h"
#include "itkDWTBands.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include <sstream>

namespace itk
{
template <typename TInputImage, typename TOutputImage>
DWTReconstructFilter<TInputImage, TOutputImage>::DWTReconstructFilter()
{
  this->SetNumberOfRequiredInputs(1);
}

template <typename TInputImage, typename TOutputImage>
void
DWTReconstructFilter<TInputImage, TOutputImage>::SetWavelet(const std::string & name)
{
  fusion::GetWaveletFilterBank(name);
  if (name != m_Wavelet)
  {
    m_Wavelet = name;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
DWTReconstructFilter<TInputImage, TOutputImage>::SetBand(unsigned int level, const std::string & name,
                                                         const InputImageType * image)
{
  const unsigned int code = fusion::DWTBandCode(name, ImageDimension);
  if (level < 1 || code == 0)
    itkExceptionMacro(<< "SetBand takes a detail band of level >= 1, not " << name << " of level " << level
                      << " (the approximation is SetApproximation)");
  this->SetNthInput(1 + (level - 1) * BandsPerLevel + (code - 1), const_cast<InputImageType *>(image));
}

template <typename TInputImage, typename TOutputImage>
void
DWTReconstructFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_Levels < 1)
    itkExceptionMacro(<< "Levels must be at least 1");
  for (unsigned int i = 0; i < 1 + m_Levels * BandsPerLevel; ++i)
    if (!this->GetInput(i))
    {
      const unsigned int level = i == 0 ? m_Levels : 1 + (i - 1) / BandsPerLevel;
      const unsigned int code = i == 0 ? 0 : 1 + (i - 1) % BandsPerLevel;
      itkExceptionMacro(<< "band " << fusion::DWTBandName(code, ImageDimension) << " of level " << level
                        << " (input " << i << ") is missing");
    }
}

template <typename TInputImage, typename TOutputImage>
std::vector<size_t>
DWTReconstructFilter<TInputImage, TOutputImage>::OutputShape() const
{
  std::vector<size_t> shape(ImageDimension);
  if (m_ReferenceImage)
  {
    for (unsigned int d = 0; d < ImageDimension; ++d)
      shape[d] = m_ReferenceImage->GetLargestPossibleRegion().GetSize(d);
    return shape;
  }
  // PyWavelets: 2m - F + 2 (periodization 2m) from the level-1 coefficients.
  const InputImageType * level1 = this->GetInput(m_Levels == 1 ? 0 : 1);
  const size_t           F = fusion::GetWaveletFilterBank(m_Wavelet).Length();
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    const size_t m = level1->GetLargestPossibleRegion().GetSize(d);
    shape[d] = m_Mode == ModeEnum::Periodization ? 2 * m : 2 * m + 2 - F;
  }
  return shape;
}

template <typename TInputImage, typename TOutputImage>
void
DWTReconstructFilter<TInputImage, TOutputImage>::GenerateOutputInformation()
{
  const auto &       bank = fusion::GetWaveletFilterBank(m_Wavelet);
  OutputImageType *  output = this->GetOutput();
  const auto         shape = this->OutputShape();
  typename OutputImageType::RegionType region;
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    region.SetIndex(d, 0);
    region.SetSize(d, shape[d]);
  }
  if (m_ReferenceImage)
  {
    region.SetIndex(m_ReferenceImage->GetLargestPossibleRegion().GetIndex());
    output->SetLargestPossibleRegion(region);
    output->SetSpacing(m_ReferenceImage->GetSpacing());
    output->SetOrigin(m_ReferenceImage->GetOrigin());
    output->SetDirection(m_ReferenceImage->GetDirection());
    return;
  }
  // Invert the level-1 band geometry: spacing / 2, origin - Direction * (spacing (*) c).
  const InputImageType * level1 = this->GetInput(m_Levels == 1 ? 0 : 1);
  const double           c = fusion::DWTFirstCoefficientOffset(bank.Length(), m_Mode);
  typename OutputImageType::SpacingType             spacing;
  typename OutputImageType::SpacingType::VectorType step;
  for (unsigned int d = 0; d < ImageDimension; ++d)
  {
    spacing[d] = level1->GetSpacing()[d] / 2.0;
    step[d] = c * spacing[d];
  }
  output->SetLargestPossibleRegion(region);
  output->SetSpacing(spacing);
  output->SetOrigin(level1->GetOrigin() - level1->GetDirection() * step);
  output->SetDirection(level1->GetDirection());
}

template <typename TInputImage, typename TOutputImage>
void
DWTReconstructFilter<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  for (unsigned int i = 0; i < this->GetNumberOfIndexedInputs(); ++i)
    if (auto * input = const_cast<InputImageType *>(this->GetInput(i)))
      input->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TOutputImage>
void
DWTReconstructFilter<TInputImage, TOutputImage>::EnlargeOutputRequestedRegion(DataObject * output)
{
  output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TOutputImage>
void
DWTReconstructFilter<TInputImage, TOutputImage>::GenerateData()
{
  m_LastUsedBackend = fusion::ResolveBackend(m_Backend, CudaSupportsPixelTypes, this->GetNameOfClass());
  const auto &       bank = fusion::GetWaveletFilterBank(m_Wavelet);
  const auto         shape = this->OutputShape();
  const auto         shapes = fusion::DWTLevelShapes(shape, bank.Length(), m_Mode, m_Levels);
  std::vector<fusion::DWTBand<ComputeType>> bands;
  for (unsigned int i = 0; i < 1 + m_Levels * BandsPerLevel; ++i)
  {
    fusion::DWTBand<ComputeType> band;
    band.level = i == 0 ? m_Levels : 1 + (i - 1) / BandsPerLevel;
    band.code = i == 0 ? 0 : 1 + (i - 1) % BandsPerLevel;
    band.shape = shapes[band.level];
    const InputImageType * input = this->GetInput(i);
    const auto             size = input->GetLargestPossibleRegion().GetSize();
    for (unsigned int d = 0; d < ImageDimension; ++d)
      if (size[d] != band.shape[d])
      {
        std::ostringstream expected;
        for (unsigned int e = 0; e < ImageDimension; ++e)
          expected << (e ? ", " : "[") << band.shape[e];
        itkExceptionMacro(<< "band " << fusion::DWTBandName(band.code, ImageDimension) << " of level " << band.level
                          << " has size " << size << ", expected " << expected.str()
                          << "] for this wavelet, mode and output size");
      }
    band.data.resize(input->GetLargestPossibleRegion().GetNumberOfPixels());
    if (input->GetBufferedRegion() == input->GetLargestPossibleRegion())
      std::transform(input->GetBufferPointer(), input->GetBufferPointer() + band.data.size(), band.data.begin(),
                     [](const typename InputImageType::PixelType & v) { return static_cast<ComputeType>(v); });
    else
    {
      size_t j = 0;
      for (ImageRegionConstIterator<InputImageType> it(input, input->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
        band.data[j++] = static_cast<ComputeType>(it.Get());
    }
    bands.push_back(std::move(band));
  }
  this->UpdateProgress(0.2f);

  fusion::SampleVector<ComputeType> image;
  if (m_LastUsedBackend == BackendEnum::CPU)
    image = fusion::DWTReconstruct(bands, shape, bank, m_Mode);
  else if constexpr (CudaSupportsPixelTypes)
  {
    size_t             total = 0;
    const auto         offsets = fusion::DWTPackedOffsets(shapes, ImageDimension, total);
    const unsigned int codes = 1u << ImageDimension;
    std::vector<float> packed(total);
    for (const auto & band : bands)
      std::copy(band.data.begin(), band.data.end(), packed.begin() + offsets[band.level * codes + band.code]);
    std::vector<float>     taps[2] = { { bank.recLo.begin(), bank.recLo.end() }, { bank.recHi.begin(), bank.recHi.end() } };
    ::fusion::DWTArguments arguments;
    arguments.dimension = static_cast<int>(ImageDimension);
    size_t count = 1;
    for (unsigned int d = 0; d < 3; ++d)
    {
      arguments.shape[d] = d < ImageDimension ? shape[d] : 1;
      count *= arguments.shape[d];
    }
    arguments.filterLength = static_cast<int>(bank.Length());
    arguments.lowTaps = taps[0].data();
    arguments.highTaps = taps[1].data();
    arguments.mode = static_cast<int>(m_Mode);
    arguments.levels = static_cast<int>(m_Levels);
    arguments.source = packed.data();
    image.resize(count);
    arguments.destination = image.data();
    int         status = 0;
    std::string message;
    if (m_LastUsedBackend == BackendEnum::EmulatedCUDA)
    {
      status = ::fusion::emu::DWTReconstruct(arguments);
      message = status ? ::fusion::emu::ErrorMessage(status) : "";
    }
    else
    {
#ifdef FUSION_USE_CUDA
      status = ::fusion::gpu::DWTReconstruct(arguments);
      message = status ? ::fusion::gpu::ErrorMessage(status) : "";
#endif
    }
    if (status != 0)
      itkExceptionMacro(<< "the " << fusion::BackendName(m_LastUsedBackend) << " inverse DWT kernel failed: "
                        << message);
  }
  this->UpdateProgress(0.8f);

  OutputImageType * output = this->GetOutput();
  output->SetBufferedRegion(output->GetLargestPossibleRegion());
  output->Allocate();
  std::transform(image.begin(), image.end(), output->GetBufferPointer(),
                 [](ComputeType v) { return static_cast<typename OutputImageType::PixelType>(v); });
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TOutputImage>
void
DWTReconstructFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Wavelet: " << m_Wavelet << std::endl;
  os << indent << "Levels: " << m_Levels << std::endl;
  os << indent << "Mode: " << fusion::WaveletModeName(m_Mode) << std::endl;
  os << indent << "Backend: " << m_Backend << std::endl;
  os << indent << "LastUsedBackend: " << m_LastUsedBackend << std::endl;
  itkPrintSelfObjectMacro(ReferenceImage);
}
} // namespace itk

#endif
