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
  this->SetNthInput(fusion::DWTBandIndex(level, code, ImageDimension), const_cast<InputImageType *>(image));
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
      const fusion::DWTBandOfIndex band(i, m_Levels, ImageDimension);
      itkExceptionMacro(<< "band " << fusion::DWTBandName(band.code, ImageDimension) << " of level " << band.level
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
  const auto &                         bank = fusion::GetWaveletFilterBank(m_Wavelet);
  OutputImageType *                    output = this->GetOutput();
  const auto                           shape = this->OutputShape();
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
  const InputImageType *                            level1 = this->GetInput(m_Levels == 1 ? 0 : 1);
  const double                                      c = fusion::DWTFirstCoefficientOffset(bank.Length(), m_Mode);
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
DWTReconstructFilter<TInputImage, TOutputImage>::Transform()
{
  const auto & bank = fusion::GetWaveletFilterBank(m_Wavelet);
  const auto   shape = this->OutputShape();
  const auto   shapes = fusion::DWTLevelShapes(shape, bank.Length(), m_Mode, m_Levels);
  using InputPixelType = typename InputImageType::PixelType;
  using OutputPixelType = typename OutputImageType::PixelType;
  const unsigned int inputs = 1 + m_Levels * BandsPerLevel;
  // The bands in the compute type, read in place when they hold it; sizes checked.
  std::vector<const ComputeType *>               bands(inputs);
  std::vector<fusion::SampleVector<ComputeType>> converted(inputs);
  for (unsigned int i = 0; i < inputs; ++i)
  {
    const fusion::DWTBandOfIndex band(i, m_Levels, ImageDimension);
    const unsigned int           level = band.level, code = band.code;
    const InputImageType *       input = this->GetInput(i);
    const auto                   size = input->GetLargestPossibleRegion().GetSize();
    for (unsigned int d = 0; d < ImageDimension; ++d)
      if (size[d] != shapes[level][d])
      {
        std::ostringstream expected;
        for (unsigned int e = 0; e < ImageDimension; ++e)
          expected << (e ? ", " : "[") << shapes[level][e];
        itkExceptionMacro(<< "band " << fusion::DWTBandName(code, ImageDimension) << " of level " << level
                          << " has size " << size << ", expected " << expected.str()
                          << "] for this wavelet, mode and output size");
      }
    if constexpr (std::is_same<InputPixelType, ComputeType>::value)
      if (input->GetBufferedRegion() == input->GetLargestPossibleRegion())
      {
        bands[i] = input->GetBufferPointer();
        continue;
      }
    converted[i].resize(input->GetLargestPossibleRegion().GetNumberOfPixels());
    size_t j = 0;
    for (ImageRegionConstIterator<InputImageType> it(input, input->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
      converted[i][j++] = static_cast<ComputeType>(it.Get());
    bands[i] = converted[i].data();
  }
  this->UpdateProgress(0.2f);

  OutputImageType * output = this->GetOutput();
  output->SetBufferedRegion(output->GetLargestPossibleRegion());
  output->Allocate();
  fusion::SampleVector<ComputeType> image;
  ComputeType *                     destination = nullptr;
  if constexpr (std::is_same<OutputPixelType, ComputeType>::value)
    destination = output->GetBufferPointer();
  else
  {
    image.resize(output->GetLargestPossibleRegion().GetNumberOfPixels());
    destination = image.data();
  }

  if (this->GetLastUsedBackend() == BackendEnum::CPU)
    fusion::DWTReconstruct(bands.data(), shape, bank, m_Mode, m_Levels, destination);
  else if constexpr (CudaSupportsPixelTypes)
  {
    size_t             total = 0;
    const auto         offsets = fusion::DWTPackedOffsets(shapes, ImageDimension, total);
    const unsigned int codes = 1u << ImageDimension;
    std::vector<float> packed(total);
    for (unsigned int l = 1; l <= m_Levels; ++l)
      for (unsigned int code = (l == m_Levels ? 0u : 1u); code < codes; ++code)
      {
        size_t n = 1;
        for (auto v : shapes[l])
          n *= v;
        const ComputeType * band = bands[fusion::DWTBandIndex(l, code, ImageDimension)];
        std::copy(band, band + n, packed.begin() + offsets[l * codes + code]);
      }
    std::vector<float>            taps[2];
    ::fusionkernels::DWTArguments arguments =
      fusion::DWTKernelArguments(shape, bank.recLo, bank.recHi, m_Mode, m_Levels, taps);
    arguments.source = packed.data();
    arguments.destination = destination;
    this->RunKernel("inverse DWT", &::fusionkernels::KernelTable::DWTReconstruct, arguments);
  }
  this->UpdateProgress(0.8f);

  if constexpr (!std::is_same<OutputPixelType, ComputeType>::value)
    std::transform(image.begin(), image.end(), output->GetBufferPointer(), [](ComputeType v) {
      return static_cast<OutputPixelType>(v);
    });
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
  itkPrintSelfObjectMacro(ReferenceImage);
}
} // namespace itk

#endif
