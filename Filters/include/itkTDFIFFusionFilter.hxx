#ifndef itkTDFIFFusionFilter_hxx
#define itkTDFIFFusionFilter_hxx

#include "itkDiscreteGaussianImageFilter.h"
#include "itkFusionNormalization.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkFusionParallel.h"
#include "itkProgressAccumulator.h"
#include "itkProgressReporter.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <mutex>

namespace itk
{
template <typename TInputImage, typename TOutputImage>
auto
TDFIFFusionFilter<TInputImage, TOutputImage>::GetActivity(unsigned int k) const -> const FloatImageType *
{
  if (k >= m_Activities.size())
    itkExceptionMacro(<< "no activity of source " << k << " (update the filter first; it has " << m_Activities.size()
                      << ")");
  return m_Activities[k];
}

template <typename TInputImage, typename TOutputImage>
auto
TDFIFFusionFilter<TInputImage, TOutputImage>::GetWeight(unsigned int k) const -> typename FloatImageType::Pointer
{
  const FloatImageType * activity = this->GetActivity(k);
  auto                   weight = FloatImageType::New();
  weight->CopyInformation(activity);
  weight->SetRegions(activity->GetLargestPossibleRegion());
  weight->Allocate();
  const double                                          n = static_cast<double>(m_Activities.size());
  std::vector<ImageRegionConstIterator<FloatImageType>> all;
  for (const auto & a : m_Activities)
    all.emplace_back(a, a->GetLargestPossibleRegion());
  for (ImageRegionIterator<FloatImageType> out(weight, weight->GetLargestPossibleRegion()); !out.IsAtEnd(); ++out)
  {
    double sum = 0.0;
    for (auto & it : all)
      sum += it.Get();
    out.Set(static_cast<float>((all[k].Get() + m_Epsilon) / (sum + n * m_Epsilon)));
    for (auto & it : all)
      ++it;
  }
  return weight;
}

template <typename TInputImage, typename TOutputImage>
void
TDFIFFusionFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_NumberOfLevels < 2)
    itkExceptionMacro(<< "NumberOfLevels must be at least 2, is " << m_NumberOfLevels);
  if (!(m_Epsilon > 0.0) || !std::isfinite(m_Epsilon))
    itkExceptionMacro(<< "Epsilon must be finite and > 0, is " << m_Epsilon);
  if (!(m_WeightPower > 0.0) || !std::isfinite(m_WeightPower))
    itkExceptionMacro(<< "WeightPower must be finite and > 0, is " << m_WeightPower);
  if (!(m_WeightSmoothingSigma >= 0.0) || !std::isfinite(m_WeightSmoothingSigma))
    itkExceptionMacro(<< "WeightSmoothingSigma must be finite and >= 0, is " << m_WeightSmoothingSigma);
}

template <typename TInputImage, typename TOutputImage>
void
TDFIFFusionFilter<TInputImage, TOutputImage>::GenerateData()
{
  const unsigned int   n = this->GetNumberOfIndexedInputs();
  auto                 progress = this->StartMiniPipeline();
  const auto           normalised = this->NormalisedSources(); // 1. min-max to [0, 1]
  const NetworkPointer encoder = m_ModelFileName.empty()
                                   ? fusion::ConvNetwork::TDFIFEncoder()
                                   : fusion::ConvNetwork::FromFile(m_ModelFileName, m_ModelOutputName);
  if (m_Decoder)
    this->CheckDecoder(*encoder);
  const float encoderShare = (m_Decoder ? 0.4f : 0.8f) / static_cast<float>(n);
  m_Activities.assign(n, nullptr);
  for (unsigned int k = 0; k < n; ++k)
  {
    const InputImageType * input = this->GetInput(k);
    // 2. The encoder's channel mean.
    auto features = ConvFeatureFilter<FloatImageType, FloatImageType>::New();
    features->SetInput(normalised[k]);
    features->SetNetwork(encoder);
    if (ImageDimension == 3)
      features->SetSliceAxis(m_SliceAxis);
    this->RunSubFilter(features.GetPointer(), progress, encoderShare);
    typename FloatImageType::Pointer activity = features->GetOutput();
    if (activity->GetLargestPossibleRegion().GetSize() != input->GetLargestPossibleRegion().GetSize())
      itkExceptionMacro(<< "the feature network changes the image size (strides or pooling); TDFIF needs an activity "
                           "map on the sources' grid");
    // The activity map on the source's grid exactly (the network keeps it up to rounding).
    activity->DisconnectPipeline();
    activity->CopyInformation(normalised[k]);

    // 3. GLCM-mean texture of the quantised activity.
    if (m_Texture)
    {
      auto texture = GLCMMeanTextureFilter<FloatImageType, FloatImageType>::New();
      texture->SetInput(activity);
      texture->SetRadius(m_Radius);
      texture->SetNumberOfLevels(m_NumberOfLevels);
      this->RunSubFilter(texture.GetPointer(), progress, 0.1f / static_cast<float>(n));
      activity = texture->GetOutput();
      activity->DisconnectPipeline();
    }
    // 4. Optional smoothing.
    if (m_WeightSmoothingSigma > 0.0)
    {
      auto smooth = DiscreteGaussianImageFilter<FloatImageType, FloatImageType>::New();
      smooth->SetInput(activity);
      smooth->SetVariance(m_WeightSmoothingSigma * m_WeightSmoothingSigma);
      smooth->SetUseImageSpacing(false);
      smooth->Update();
      activity = smooth->GetOutput();
      activity->DisconnectPipeline();
    }
    if (m_WeightPower != 1.0)
      for (ImageRegionIterator<FloatImageType> it(activity, activity->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
        it.Set(static_cast<float>(std::pow(std::max(0.0f, it.Get()), m_WeightPower)));
    m_Activities[k] = activity;
  }

  if (m_Decoder)
  {
    this->Reconstruct(normalised, *encoder); // 5'. guided features, decoder
    return;
  }
  // 5. Ratio weights, linear fusion.
  auto fusion = WeightedFusionFilter<FloatImageType, OutputImageType, FloatImageType>::New();
  for (unsigned int k = 0; k < n; ++k)
  {
    fusion->SetSource(k, normalised[k]);
    fusion->SetActivityImage(k, m_Activities[k]);
  }
  fusion->SetEpsilon(m_Epsilon);
  fusion->GraftOutput(this->GetOutput());
  this->RunSubFilter(fusion.GetPointer(), progress, 0.1f);
  this->GraftOutput(fusion->GetOutput());
}

template <typename TInputImage, typename TOutputImage>
void
TDFIFFusionFilter<TInputImage, TOutputImage>::CheckDecoder(const fusion::ConvNetwork & encoder) const
{
  const size_t channels = encoder.OutputChannels();
  if (encoder.SpatialDimension() != 2 || m_Decoder->SpatialDimension() != 2)
    itkExceptionMacro(<< "TDFIF-Net runs 2D networks (slice by slice on volumes); the encoder is "
                      << encoder.SpatialDimension() << "D, the decoder " << m_Decoder->SpatialDimension() << "D");
  if (m_Decoder->InputChannels() != channels + 2)
    itkExceptionMacro(<< "the decoder's input has " << m_Decoder->InputChannels() << " channels, TDFIF-Net gives it "
                      << channels + 2 << " (the encoder's " << channels << " and two images)");
  if (m_Decoder->OutputChannels() != 1)
    itkExceptionMacro(<< "the decoder's output has " << m_Decoder->OutputChannels() << " channels, TDFIF-Net needs 1");
}

template <typename TInputImage, typename TOutputImage>
void
TDFIFFusionFilter<TInputImage, TOutputImage>::Reconstruct(const std::vector<typename FloatImageType::Pointer> & sources,
                                                          const fusion::ConvNetwork &                           encoder)
{
  const BackendEnum backend = this->ResolveBackend();
  const size_t      n = sources.size(), channels = encoder.OutputChannels();
  OutputImageType * output = this->GetOutput();
  output->SetBufferedRegion(output->GetLargestPossibleRegion());
  output->Allocate();
  // Slices: the image itself in 2D; along SliceAxis in 3D. The network's x and y are the other axes.
  const auto & region = sources[0]->GetLargestPossibleRegion();
  unsigned     axes[2] = { 0, 1 };
  size_t       sliceCount = 1, sliceStride = 0;
  const auto & offsets = sources[0]->GetOffsetTable(); // buffer strides per axis
  if (ImageDimension == 3)
  {
    const unsigned slice = static_cast<unsigned>(m_SliceAxis);
    unsigned       next = 0;
    for (unsigned d = 0; d < 3; ++d)
      if (d != slice)
        axes[next++] = d;
    sliceCount = region.GetSize(slice);
    sliceStride = static_cast<size_t>(offsets[slice]);
  }
  const size_t nx = region.GetSize(axes[0]), ny = region.GetSize(axes[1]), pixels = nx * ny;
  const size_t xStride = static_cast<size_t>(offsets[axes[0]]), yStride = static_cast<size_t>(offsets[axes[1]]);
  const auto   slice = [&](size_t s) {
    const auto at = [&](size_t i) { return s * sliceStride + (i % nx) * xStride + (i / nx) * yStride; };
    // X = [sum_k W_k phi_k, sum_k W_k I_k, max_k I_k] of this slice, channels first.
    fusion::FeatureTensor guided;
    guided.channels = channels + 2;
    guided.size = { { nx, ny, 1 } };
    guided.data.assign(guided.channels * pixels, 0.0f);
    std::vector<double> total(pixels, 0.0), fused(pixels, 0.0), brightest(pixels, -INFINITY);
    for (size_t k = 0; k < n; ++k)
      for (size_t i = 0; i < pixels; ++i)
        total[i] += m_Activities[k]->GetBufferPointer()[at(i)];
    for (size_t k = 0; k < n; ++k)
    {
      fusion::FeatureTensor image;
      image.channels = 1;
      image.size = guided.size;
      image.data.resize(pixels);
      std::vector<double> weight(pixels);
      for (size_t i = 0; i < pixels; ++i)
      {
        image.data[i] = sources[k]->GetBufferPointer()[at(i)];
        weight[i] =
          (m_Activities[k]->GetBufferPointer()[at(i)] + m_Epsilon) / (total[i] + static_cast<double>(n) * m_Epsilon);
        fused[i] += weight[i] * image.data[i];
        brightest[i] = std::max(brightest[i], static_cast<double>(image.data[i]));
      }
      const fusion::FeatureTensor phi = encoder.Run(image, fusion::ChannelReduction::None, backend);
      for (size_t c = 0; c < channels; ++c)
        for (size_t i = 0; i < pixels; ++i)
          guided.data[c * pixels + i] += static_cast<float>(weight[i] * phi.data[c * pixels + i]);
    }
    for (size_t i = 0; i < pixels; ++i)
    {
      guided.data[channels * pixels + i] = static_cast<float>(fused[i]);
      guided.data[(channels + 1) * pixels + i] = static_cast<float>(brightest[i]);
    }
    const fusion::FeatureTensor decoded = m_Decoder->Run(guided, fusion::ChannelReduction::None, backend);
    if (decoded.Samples() != pixels)
      itkExceptionMacro(
        << "the decoder changes the image size (strides or pooling); TDFIF-Net needs the sources' grid");
    for (size_t i = 0; i < pixels; ++i)
      output->GetBufferPointer()[at(i)] =
        static_cast<typename OutputImageType::PixelType>(std::min(1.0f, std::max(0.0f, decoded.data[i])));
  };
  // Volumes: the slices side by side on the CPU, one per thread (as ConvFeatureFilter runs them).
  const unsigned   threads = backend == BackendEnum::CPU && sliceCount > 1 ? this->GetNumberOfWorkUnits() : 1;
  ProgressReporter progress(this, 0, sliceCount, 100, 0.6f, 0.4f);
  std::mutex       reporting;
  fusion::ParallelFor(sliceCount, threads, [&](size_t begin, size_t end) {
    std::unique_ptr<fusion::ConvNetwork::SerialScope> serial;
    if (threads > 1)
      serial.reset(new fusion::ConvNetwork::SerialScope);
    for (size_t s = begin; s < end; ++s)
    {
      slice(s);
      const std::lock_guard<std::mutex> lock(reporting);
      progress.CompletedPixel();
    }
  });
}

template <typename TInputImage, typename TOutputImage>
void
TDFIFFusionFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "NumberOfLevels: " << m_NumberOfLevels << std::endl;
  os << indent << "Radius: " << m_Radius << std::endl;
  os << indent << "Texture: " << m_Texture << std::endl;
  os << indent << "WeightSmoothingSigma: " << m_WeightSmoothingSigma << std::endl;
  os << indent << "WeightPower: " << m_WeightPower << std::endl;
  os << indent << "Epsilon: " << m_Epsilon << std::endl;
  os << indent << "SliceAxis: " << m_SliceAxis << std::endl;
  os << indent
     << "ModelFileName: " << (m_ModelFileName.empty() ? std::string("(built-in TDFIF encoder)") : m_ModelFileName)
     << std::endl;
  os << indent << "ModelOutputName: " << m_ModelOutputName << std::endl;
  os << indent << "Decoder: " << (m_Decoder ? m_Decoder->Name() : std::string("(none: linear fusion)")) << std::endl;
  os << indent << "Activities: " << m_Activities.size() << std::endl;
}
} // namespace itk

#endif
