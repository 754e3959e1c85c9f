#ifndef itkDWTDecomposeFilter_hxx
#define itkDWTDecomposeFilter_hxx

#include "itkDWTDecomposeFilter.h"

#include "fusionKernels.h"
#include "itkDWTBands.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace itk
{
template <typename TInputImage, typename TOutputImage>
DWTDecomposeFilter<TInputImage, TOutputImage>::DWTDecomposeFilter()
{
  this->UpdateNumberOfOutputs();
}

template <typename TInputImage, typename TOutputImage>
void
DWTDecomposeFilter<TInputImage, TOutputImage>::SetWavelet(const std::string & name)
{
  fusion::GetWaveletFilterBank(name); // throws for an unknown wavelet
  if (name != m_Wavelet)
  {
    m_Wavelet = name;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
DWTDecomposeFilter<TInputImage, TOutputImage>::SetLevels(unsigned int levels)
{
  if (levels == m_Levels)
    return;
  m_Levels = levels;
  this->UpdateNumberOfOutputs();
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
DWTDecomposeFilter<TInputImage, TOutputImage>::UpdateNumberOfOutputs()
{
  const unsigned int outputs = 1u + std::max(m_Levels, 1u) * BandsPerLevel;
  const unsigned int existing = static_cast<unsigned int>(this->GetNumberOfIndexedOutputs());
  this->SetNumberOfRequiredOutputs(outputs);
  for (unsigned int i = existing; i < outputs; ++i)
    this->SetNthOutput(i, this->MakeOutput(i));
}

template <typename TInputImage, typename TOutputImage>
unsigned int
DWTDecomposeFilter<TInputImage, TOutputImage>::BandCode(const std::string & name)
{
  return fusion::DWTBandCode(name, ImageDimension);
}

template <typename TInputImage, typename TOutputImage>
auto
DWTDecomposeFilter<TInputImage, TOutputImage>::GetBand(unsigned int level, const std::string & name)
  -> OutputImageType *
{
  const unsigned int code = BandCode(name);
  if (level < 1 || level > m_Levels || (code == 0 && level != m_Levels))
    itkExceptionMacro(<< "there is no band " << name << " at level " << level << " (levels: " << m_Levels
                      << "; the approximation is " << std::string(ImageDimension, 'L') << " of the last level)");
  return this->GetOutput(GetOutputIndex(level, code));
}

template <typename TInputImage, typename TOutputImage>
std::string
DWTDecomposeFilter<TInputImage, TOutputImage>::GetOutputName(unsigned int index) const
{
  const fusion::DWTBandOfIndex band(index, m_Levels, ImageDimension);
  return std::to_string(band.level) + "_" + fusion::DWTBandName(band.code, ImageDimension);
}

template <typename TInputImage, typename TOutputImage>
void
DWTDecomposeFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_Levels < 1)
    itkExceptionMacro(<< "Levels must be at least 1");
  fusion::GetWaveletFilterBank(m_Wavelet);
}

template <typename TInputImage, typename TOutputImage>
void
DWTDecomposeFilter<TInputImage, TOutputImage>::GenerateOutputInformation()
{
  const InputImageType * input = this->GetInput();
  if (!input)
    itkExceptionMacro(<< "no input");
  this->UpdateNumberOfOutputs();
  const auto &        bank = fusion::GetWaveletFilterBank(m_Wavelet);
  const auto          size = input->GetLargestPossibleRegion().GetSize();
  std::vector<size_t> shape(size.begin(), size.end());
  for (unsigned int d = 0; d < ImageDimension; ++d)
    if (shape[d] == 0)
      itkExceptionMacro(<< "the input image is empty (size " << size << ")");
  const auto         shapes = fusion::DWTLevelShapes(shape, bank.Length(), m_Mode, m_Levels);
  const unsigned int maxLevel = fusion::DWTMaxLevel(*std::min_element(shape.begin(), shape.end()), bank.Length());
  if (m_Levels > maxLevel)
  {
    std::ostringstream s;
    s << "Levels " << m_Levels << " exceeds dwt_max_level = " << maxLevel << " for size " << size << " and "
      << m_Wavelet << " (filter length " << bank.Length() << "): all coefficients of the higher levels "
      << "experience boundary effects";
    if (m_StrictMaximumLevel)
      itkExceptionMacro(<< s.str());
    itkWarningMacro(<< s.str());
  }
  // Level 0 starts at the first pixel of the input's largest region (its index need not be 0).
  typename InputImageType::PointType first;
  input->TransformIndexToPhysicalPoint(input->GetLargestPossibleRegion().GetIndex(), first);
  const auto grids = fusion::DWTLevelGrids<ImageDimension>(
    input->GetSpacing(), first, input->GetDirection(), bank.Length(), m_Mode, m_Levels);
  for (unsigned int i = 0; i < this->GetNumberOfIndexedOutputs(); ++i)
  {
    OutputImageType *                    output = this->GetOutput(i);
    const unsigned int                   level = fusion::DWTBandOfIndex(i, m_Levels, ImageDimension).level;
    typename OutputImageType::RegionType region;
    for (unsigned int d = 0; d < ImageDimension; ++d)
    {
      region.SetIndex(d, 0);
      region.SetSize(d, shapes[level][d]);
    }
    output->SetLargestPossibleRegion(region);
    output->SetSpacing(grids[level].spacing);
    output->SetOrigin(grids[level].origin);
    output->SetDirection(input->GetDirection());
  }
}

template <typename TInputImage, typename TOutputImage>
void
DWTDecomposeFilter<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  if (auto * input = const_cast<InputImageType *>(this->GetInput()))
    input->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TOutputImage>
void
DWTDecomposeFilter<TInputImage, TOutputImage>::EnlargeOutputRequestedRegion(DataObject *)
{
  for (unsigned int i = 0; i < this->GetNumberOfIndexedOutputs(); ++i)
    if (auto * output = this->GetOutput(i))
      output->SetRequestedRegionToLargestPossibleRegion();
}

template <typename TInputImage, typename TOutputImage>
void
DWTDecomposeFilter<TInputImage, TOutputImage>::Transform()
{
  const InputImageType * input = this->GetInput();
  const auto &           bank = fusion::GetWaveletFilterBank(m_Wavelet);
  const auto             region = input->GetLargestPossibleRegion();
  std::vector<size_t>    shape(region.GetSize().begin(), region.GetSize().end());

  using OutputPixelType = typename OutputImageType::PixelType;
  using InputPixelType = typename InputImageType::PixelType;
  const unsigned int outputs = static_cast<unsigned int>(this->GetNumberOfIndexedOutputs());

  // The input in the compute type (float unless a pixel type is double), axis 0 fastest: read in
  // place when it already is, else converted once.
  const ComputeType *               source = nullptr;
  fusion::SampleVector<ComputeType> converted;
  if constexpr (std::is_same<InputPixelType, ComputeType>::value)
    if (input->GetBufferedRegion() == region)
      source = input->GetBufferPointer();
  if (!source)
  {
    converted.resize(region.GetNumberOfPixels());
    size_t i = 0;
    for (ImageRegionConstIterator<InputImageType> it(input, region); !it.IsAtEnd(); ++it)
      converted[i++] = static_cast<ComputeType>(it.Get());
    source = converted.data();
  }
  const size_t count = region.GetNumberOfPixels();
  const auto   bad = std::find_if(source, source + count, [](ComputeType v) { return !std::isfinite(v); });
  if (bad != source + count)
  {
    typename InputImageType::IndexType index = region.GetIndex();
    size_t                             offset = static_cast<size_t>(bad - source);
    for (unsigned int d = 0; d < ImageDimension; ++d)
    {
      index[d] += static_cast<IndexValueType>(offset % region.GetSize(d));
      offset /= region.GetSize(d);
    }
    itkExceptionMacro(<< "the input has a non-finite value " << *bad << " at index " << index);
  }
  this->UpdateProgress(0.1f);

  // The bands: written straight into the outputs when they hold the compute type.
  std::vector<ComputeType *>                     bands(outputs);
  std::vector<fusion::SampleVector<ComputeType>> temporary(outputs);
  for (unsigned int i = 0; i < outputs; ++i)
  {
    OutputImageType * output = this->GetOutput(i);
    output->SetBufferedRegion(output->GetLargestPossibleRegion());
    output->Allocate();
    if constexpr (std::is_same<OutputPixelType, ComputeType>::value)
      bands[i] = output->GetBufferPointer();
    else
    {
      temporary[i].resize(output->GetLargestPossibleRegion().GetNumberOfPixels());
      bands[i] = temporary[i].data();
    }
  }

  if (this->GetLastUsedBackend() == BackendEnum::CPU)
    fusion::DWTDecompose(source, shape, bank, m_Mode, m_Levels, bands.data());
  else if constexpr (CudaSupportsPixelTypes)
  {
    const auto                    shapes = fusion::DWTLevelShapes(shape, bank.Length(), m_Mode, m_Levels);
    size_t                        total = 0;
    const auto                    offsets = fusion::DWTPackedOffsets(shapes, ImageDimension, total);
    std::vector<float>            packed(total);
    std::vector<float>            taps[2];
    ::fusionkernels::DWTArguments arguments =
      fusion::DWTKernelArguments(shape, bank.decLo, bank.decHi, m_Mode, m_Levels, taps);
    arguments.source = source;
    arguments.destination = packed.data();
    this->RunKernel("DWT", &::fusionkernels::KernelTable::DWTDecompose, arguments);
    const unsigned int codes = 1u << ImageDimension;
    for (unsigned int l = 1; l <= m_Levels; ++l)
      for (unsigned int code = (l == m_Levels ? 0u : 1u); code < codes; ++code)
      {
        const size_t offset = offsets[l * codes + code];
        size_t       n = 1;
        for (auto v : shapes[l])
          n *= v;
        std::copy(packed.begin() + offset, packed.begin() + offset + n, bands[GetOutputIndex(l, code)]);
      }
  }
  this->UpdateProgress(0.8f);

  if constexpr (!std::is_same<OutputPixelType, ComputeType>::value)
    for (unsigned int i = 0; i < outputs; ++i)
      std::transform(temporary[i].begin(),
                     temporary[i].end(),
                     this->GetOutput(i)->GetBufferPointer(),
                     [](ComputeType v) { return static_cast<OutputPixelType>(v); });
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TOutputImage>
void
DWTDecomposeFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Wavelet: " << m_Wavelet << std::endl;
  os << indent << "Levels: " << m_Levels << std::endl;
  os << indent << "Mode: " << fusion::WaveletModeName(m_Mode) << std::endl;
  os << indent << "StrictMaximumLevel: " << (m_StrictMaximumLevel ? "On" : "Off") << std::endl;
}
} // namespace itk

#endif
