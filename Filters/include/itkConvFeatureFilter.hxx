#ifndef itkConvFeatureFilter_hxx
#define itkConvFeatureFilter_hxx

#include "itkConvFeatureFilter.h"

#include "itkMultiThreaderBase.h"
#include "itkProgressReporter.h"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace itk
{

template <typename TInputImage, typename TOutputImage>
ConvFeatureFilter<TInputImage, TOutputImage>::ConvFeatureFilter()
{
  m_Reduction = VectorOutput ? Reduction::None : Reduction::Mean;
  m_Network = fusion::ConvNetwork::TDFIFEncoder();
}

template <typename TInputImage, typename TOutputImage>
auto
ConvFeatureFilter<TInputImage, TOutputImage>::ReductionFromString(const std::string & name) -> Reduction
{
  std::string lower(name);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (lower == "none")
    return Reduction::None;
  if (lower == "mean")
    return Reduction::Mean;
  if (lower == "l1")
    return Reduction::L1;
  if (lower == "max")
    return Reduction::Max;
  itkGenericExceptionMacro(<< "unknown channel reduction '" << name << "' (valid: none, mean, l1, max)");
}

template <typename TInputImage, typename TOutputImage>
std::string
ConvFeatureFilter<TInputImage, TOutputImage>::ReductionName(Reduction reduction)
{
  switch (reduction)
  {
    case Reduction::None:
      return "none";
    case Reduction::Mean:
      return "mean";
    case Reduction::L1:
      return "l1";
    case Reduction::Max:
      return "max";
  }
  return "?";
}

template <typename TInputImage, typename TOutputImage>
void
ConvFeatureFilter<TInputImage, TOutputImage>::SetNetwork(const NetworkPointer & network)
{
  if (!network)
    itkExceptionMacro(<< "no network");
  m_Network = network;
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
ConvFeatureFilter<TInputImage, TOutputImage>::SetModelFileName(const std::string & fileName, const std::string & output)
{
  this->SetNetwork(fusion::ConvNetwork::FromFile(fileName, output));
}

template <typename TInputImage, typename TOutputImage>
void
ConvFeatureFilter<TInputImage, TOutputImage>::UseTDFIFEncoder()
{
  this->SetNetwork(fusion::ConvNetwork::TDFIFEncoder());
}

template <typename TInputImage, typename TOutputImage>
void
ConvFeatureFilter<TInputImage, TOutputImage>::SetChannelNormalization(const std::vector<double> & mean,
                                                                      const std::vector<double> & std)
{
  if (mean.size() != std.size())
    itkExceptionMacro(<< "channel normalisation: " << mean.size() << " means but " << std.size() << " deviations");
  for (size_t c = 0; c < std.size(); ++c)
    if (!(std[c] > 0) || !std::isfinite(mean[c]) || !std::isfinite(std[c]))
      itkExceptionMacro(<< "channel normalisation: channel " << c << " has mean " << mean[c] << ", std " << std[c]
                        << " (std must be positive and both finite)");
  m_ChannelMean = mean;
  m_ChannelStd = std;
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
std::vector<unsigned>
ConvFeatureFilter<TInputImage, TOutputImage>::NetworkAxes() const
{
  const unsigned        nd = m_Network->SpatialDimension();
  std::vector<unsigned> axes;
  if (m_SliceAxis < 0)
  {
    if (nd != ImageDimension)
      itkExceptionMacro(<< "a " << nd << "D network on a " << ImageDimension
                        << "D image (for a 2D network on a volume, choose a slice axis)");
    for (unsigned d = 0; d < nd; ++d)
      axes.push_back(d);
    return axes;
  }
  if (ImageDimension != 3 || nd != 2 || m_SliceAxis > 2)
    itkExceptionMacro(<< "slice by slice needs a 2D network, a 3D image and a slice axis 0, 1 or 2 (network " << nd
                      << "D, image " << ImageDimension << "D, axis " << m_SliceAxis << ")");
  for (unsigned d = 0; d < 3; ++d)
    if (static_cast<int>(d) != m_SliceAxis)
      axes.push_back(d);
  return axes;
}

template <typename TInputImage, typename TOutputImage>
void
ConvFeatureFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (VectorOutput && m_Reduction != Reduction::None)
    itkExceptionMacro(<< "a VectorImage output holds every channel: the reduction must be none, is "
                      << ReductionName(m_Reduction));
  if (!VectorOutput && m_Reduction == Reduction::None)
    itkExceptionMacro(<< "a scalar output needs a reduction over channels (mean, l1 or max)");
  if (!m_ChannelMean.empty() && m_ChannelMean.size() != 1 && m_ChannelMean.size() != m_Network->InputChannels())
    itkExceptionMacro(<< "channel normalisation of " << m_ChannelMean.size() << " values for a network of "
                      << m_Network->InputChannels() << " input channels");
}

template <typename TInputImage, typename TOutputImage>
void
ConvFeatureFilter<TInputImage, TOutputImage>::GenerateOutputInformation()
{
  Superclass::GenerateOutputInformation();
  const InputImageType * input = this->GetInput();
  OutputImageType *      output = this->GetOutput();
  if (!input || !output)
    return;
  const auto            axes = this->NetworkAxes();
  const auto            geometry = m_Network->Geometry();
  const auto &          largest = input->GetLargestPossibleRegion();
  std::array<size_t, 3> netIn{ { 1, 1, 1 } };
  for (size_t k = 0; k < axes.size(); ++k)
  {
    netIn[k] = largest.GetSize(axes[k]);
    if (static_cast<long>(netIn[k]) < geometry[k].field)
      itkExceptionMacro(<< "the image (" << largest.GetSize() << ") is smaller than the network's receptive field of "
                        << geometry[k].field << " samples along axis " << axes[k]);
  }
  const auto                              netOut = m_Network->OutputSize(netIn);
  typename OutputImageType::SizeType      size = largest.GetSize();
  typename OutputImageType::SpacingType   spacing = input->GetSpacing();
  ContinuousIndex<double, ImageDimension> first;
  for (unsigned d = 0; d < ImageDimension; ++d)
    first[d] = static_cast<double>(largest.GetIndex(d));
  for (size_t k = 0; k < axes.size(); ++k)
  {
    size[axes[k]] = netOut[k];
    spacing[axes[k]] *= static_cast<double>(geometry[k].stride);
    first[axes[k]] += geometry[k].offset;
  }
  typename OutputImageType::PointType origin;
  input->TransformContinuousIndexToPhysicalPoint(first, origin);
  typename OutputImageType::RegionType region;
  region.SetSize(size); // index 0: the first output sample
  output->SetLargestPossibleRegion(region);
  output->SetSpacing(spacing);
  output->SetOrigin(origin);
  output->SetDirection(input->GetDirection());
  output->SetNumberOfComponentsPerPixel(VectorOutput ? static_cast<unsigned>(m_Network->OutputChannels()) : 1u);
}

template <typename TInputImage, typename TOutputImage>
auto
ConvFeatureFilter<TInputImage, TOutputImage>::InputRegionFor(const OutputImageRegionType & out) const ->
  typename InputImageType::RegionType
{
  const auto                          axes = this->NetworkAxes();
  const auto                          geometry = m_Network->Geometry();
  const auto &                        largest = this->GetInput()->GetLargestPossibleRegion();
  typename InputImageType::RegionType region;
  for (unsigned d = 0; d < ImageDimension; ++d)
  {
    const long start = largest.GetIndex(d), end = start + static_cast<long>(largest.GetSize(d)); // [start, end)
    const long o0 = out.GetIndex(d), o1 = o0 + static_cast<long>(out.GetSize(d)) - 1;
    long       lo = start + o0, hi = start + o1; // the slice axis: output index = input index - start
    const auto k = std::find(axes.begin(), axes.end(), d) - axes.begin();
    if (k < static_cast<long>(axes.size()))
    {
      const auto & g = geometry[static_cast<size_t>(k)];
      const long   halo = g.field + g.stride;
      lo = start + static_cast<long>(std::floor(static_cast<double>(o0 * g.stride) + g.offset)) - halo;
      hi = start + static_cast<long>(std::ceil(static_cast<double>(o1 * g.stride) + g.offset)) + halo;
      // Start on the stride grid of the image, so that the tile's outputs are the image's outputs.
      lo = lo <= start ? start : start + ((lo - start) / g.stride) * g.stride;
    }
    lo = std::max(lo, start);
    hi = std::min(hi, end - 1);
    region.SetIndex(d, lo);
    region.SetSize(d, static_cast<SizeValueType>(std::max(0L, hi - lo + 1)));
  }
  return region;
}

template <typename TInputImage, typename TOutputImage>
void
ConvFeatureFilter<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  auto * input = const_cast<InputImageType *>(this->GetInput());
  if (!input)
    return;
  input->SetRequestedRegion(this->InputRegionFor(this->GetOutput()->GetRequestedRegion()));
}

template <typename TInputImage, typename TOutputImage>
void
ConvFeatureFilter<TInputImage, TOutputImage>::RunNetwork()
{
  const BackendEnum backend = this->GetLastUsedBackend();
  this->AllocateOutputs();
  const InputImageType *      input = this->GetInput();
  OutputImageType *           output = this->GetOutput();
  const auto                  axes = this->NetworkAxes();
  const size_t                nd = axes.size();
  const auto                  geometry = m_Network->Geometry();
  const auto &                largest = input->GetLargestPossibleRegion();
  const OutputImageRegionType requested = output->GetRequestedRegion();
  const size_t                inChannels = m_Network->InputChannels(), channels = m_Network->OutputChannels();
  std::vector<double>         mean(inChannels, 0.0), scale(inChannels, 1.0);
  for (size_t c = 0; c < inChannels && !m_ChannelMean.empty(); ++c)
  {
    const size_t i = m_ChannelMean.size() == 1 ? 0 : c;
    mean[c] = m_ChannelMean[i];
    scale[c] = 1.0 / m_ChannelStd[i];
  }

  // Tiles along the network's last axis, sized from the memory budget (input-sized tensors of
  // the widest channel count, three alive at a time).
  const unsigned last = axes[nd - 1];
  double         plane = 1.0;
  for (size_t k = 0; k + 1 < nd; ++k)
    plane *= static_cast<double>(requested.GetSize(axes[k]) * static_cast<size_t>(geometry[k].stride) +
                                 2 * static_cast<size_t>(geometry[k].field + geometry[k].stride));
  const double perOutputLine =
    12.0 * static_cast<double>(m_Network->WidestChannels()) * plane * static_cast<double>(geometry[nd - 1].stride);
  const long tile = std::max(1L,
                             static_cast<long>(static_cast<double>(m_MaximumTileBytes) / perOutputLine) -
                               2 * (geometry[nd - 1].field + geometry[nd - 1].stride));
  const long sliceFirst = m_SliceAxis < 0 ? 0 : requested.GetIndex(static_cast<unsigned>(m_SliceAxis));
  const long sliceCount =
    m_SliceAxis < 0 ? 1 : static_cast<long>(requested.GetSize(static_cast<unsigned>(m_SliceAxis)));
  const long lastFirst = requested.GetIndex(last), lastCount = static_cast<long>(requested.GetSize(last));
  const long tiles = (lastCount + tile - 1) / tile;
  // One job per slice and tile; each writes its own part of the output.
  const auto job = [&](SizeValueType j) {
    const long            s = static_cast<long>(j) / tiles, t = static_cast<long>(j) % tiles;
    OutputImageRegionType outTile = requested;
    if (m_SliceAxis >= 0)
    {
      outTile.SetIndex(static_cast<unsigned>(m_SliceAxis), sliceFirst + s);
      outTile.SetSize(static_cast<unsigned>(m_SliceAxis), 1);
    }
    outTile.SetIndex(last, lastFirst + t * tile);
    outTile.SetSize(last, static_cast<SizeValueType>(std::min(tile, lastCount - t * tile)));
    const auto inTile = this->InputRegionFor(outTile);

    // The tile's input, channels first, network axes in order (x fastest).
    fusion::FeatureTensor tensor;
    tensor.channels = inChannels;
    for (size_t k = 0; k < nd; ++k)
      tensor.size[k] = inTile.GetSize(axes[k]);
    const size_t samples = tensor.Samples();
    tensor.data.resize(inChannels * samples);
    typename InputImageType::IndexType index = inTile.GetIndex();
    for (size_t i = 0; i < samples; ++i)
    {
      size_t rest = i;
      for (size_t k = 0; k < nd; ++k)
      {
        index[axes[k]] = inTile.GetIndex(axes[k]) + static_cast<IndexValueType>(rest % tensor.size[k]);
        rest /= tensor.size[k];
      }
      const double v = static_cast<double>(input->GetPixel(index));
      if (!std::isfinite(v))
        itkExceptionMacro(<< "the input has a non-finite value " << v << " at index " << index);
      for (size_t c = 0; c < inChannels; ++c)
        tensor.data[c * samples + i] = static_cast<float>((v - mean[c]) * scale[c]);
    }
    const fusion::FeatureTensor result = m_Network->Run(tensor, m_Reduction, backend);

    // Output samples of the tile from the result (its first sample is on the image's stride grid).
    size_t outSamples = 1, shift[3] = { 0, 0, 0 };
    for (size_t k = 0; k < nd; ++k)
    {
      outSamples *= outTile.GetSize(axes[k]);
      shift[k] = static_cast<size_t>((inTile.GetIndex(axes[k]) - largest.GetIndex(axes[k])) / geometry[k].stride);
    }
    const size_t                        resultSamples = result.Samples();
    typename OutputImageType::IndexType at = outTile.GetIndex();
    for (size_t i = 0; i < outSamples; ++i)
    {
      size_t rest = i, q = 0, stride = 1;
      for (size_t k = 0; k < nd; ++k)
      {
        const size_t o = static_cast<size_t>(outTile.GetIndex(axes[k])) + rest % outTile.GetSize(axes[k]);
        rest /= outTile.GetSize(axes[k]);
        at[axes[k]] = static_cast<IndexValueType>(o);
        const size_t local = o - shift[k];
        if (o < shift[k] || local >= result.size[k])
          itkExceptionMacro(<< "internal: output " << at << " outside the tile's result");
        q += local * stride;
        stride *= result.size[k];
      }
      const float * value = result.data.data() + q;
      if constexpr (VectorOutput)
      {
        auto * pixel = output->GetBufferPointer() + output->ComputeOffset(at) * channels;
        for (size_t c = 0; c < channels; ++c)
          pixel[c] = static_cast<typename OutputImageType::InternalPixelType>(value[c * resultSamples]);
      }
      else
        output->SetPixel(at, static_cast<typename OutputImageType::PixelType>(*value)); // reduced by the network
    }
  };
  const SizeValueType jobs = static_cast<SizeValueType>(sliceCount * tiles);
  if (jobs > 1 && backend == BackendEnum::CPU && this->GetNumberOfWorkUnits() > 1)
  {
    // On the CPU, the jobs run side by side, each on one thread (no layer split across threads):
    // slice by slice, a volume then keeps every core busy (1.6 -> 1.95 cores of two).
    auto threader = MultiThreaderBase::New();
    threader->SetMaximumNumberOfThreads(this->GetNumberOfWorkUnits());
    threader->SetNumberOfWorkUnits(this->GetNumberOfWorkUnits());
    threader->ParallelizeArray(
      0,
      jobs,
      [&](SizeValueType j) {
        fusion::ConvNetwork::SerialScope serial;
        job(j);
      },
      this);
  }
  else
  {
    ProgressReporter progress(this, 0, jobs);
    for (SizeValueType j = 0; j < jobs; ++j)
    {
      job(j);
      progress.CompletedPixel();
    }
  }
}

template <typename TInputImage, typename TOutputImage>
void
ConvFeatureFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Network: " << (m_Network ? m_Network->Name() : std::string("(none)")) << std::endl;
  if (m_Network)
  {
    os << indent << "NetworkOutput: " << m_Network->OutputName() << " (" << m_Network->OutputChannels() << " channels, "
       << m_Network->SpatialDimension() << "D)" << std::endl;
    for (const auto & line : m_Network->Describe())
      os << indent.GetNextIndent() << line << std::endl;
  }
  os << indent << "Reduction: " << ReductionName(m_Reduction) << std::endl;
  os << indent << "ChannelMean:";
  for (double v : m_ChannelMean)
    os << " " << v;
  os << std::endl << indent << "ChannelStd:";
  for (double v : m_ChannelStd)
    os << " " << v;
  os << std::endl;
  os << indent << "SliceAxis: " << m_SliceAxis << std::endl;
  os << indent << "MaximumTileBytes: " << m_MaximumTileBytes << std::endl;
}
} // namespace itk

#endif
