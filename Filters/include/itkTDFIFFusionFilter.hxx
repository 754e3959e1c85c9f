#ifndef itkTDFIFFusionFilter_hxx
#define itkTDFIFFusionFilter_hxx

#include "itkDiscreteGaussianImageFilter.h"
#include "itkFusionNormalization.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkFusionParallel.h"
#include "weighting_rules.h"
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
  const int                                             n = static_cast<int>(m_Activities.size());
  std::vector<ImageRegionConstIterator<FloatImageType>> all;
  for (const auto & a : m_Activities)
    all.emplace_back(a, a->GetLargestPossibleRegion());
  for (ImageRegionIterator<FloatImageType> out(weight, weight->GetLargestPossibleRegion()); !out.IsAtEnd(); ++out)
  {
    double sum = 0.0;
    for (auto & it : all)
      sum += it.Get();
    out.Set(static_cast<float>(fusionkernels::weighting::RatioWeight<double>(all[k].Get(), sum, n, m_Epsilon)));
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
  // TDFIF-Net on a 2D image keeps each source's features for the decoder (one slice's worth).
  const bool                         keep = m_Decoder && ImageDimension == 2;
  std::vector<fusion::FeatureTensor> kept;
  m_Activities.assign(n, nullptr);
  for (unsigned int k = 0; k < n; ++k)
  {
    const InputImageType *           input = this->GetInput(k);
    typename FloatImageType::Pointer activity;
    // 2. The encoder's channel mean.
    if (keep)
    {
      const Slicing slicing(normalised[k], m_SliceAxis);
      kept.push_back(
        this->RunNetwork(*encoder, slicing.Gather({ normalised[k].GetPointer() }, 0), this->NetworkBackend()));
      activity = FloatImageType::New();
      activity->CopyInformation(normalised[k]);
      activity->SetRegions(normalised[k]->GetLargestPossibleRegion());
      activity->Allocate();
      const fusion::FeatureTensor & phi = kept.back();
      const size_t                  pixels = phi.Samples();
      fusion::ParallelFor(pixels, this->GetNumberOfWorkUnits(), [&](size_t begin, size_t end) {
        for (size_t i = begin; i < end; ++i)
        {
          double sum = 0.0;
          for (size_t c = 0; c < phi.channels; ++c)
            sum += phi.data[c * pixels + i];
          activity->GetBufferPointer()[slicing.Offset(0, i)] =
            static_cast<float>(sum / static_cast<double>(phi.channels));
        }
      });
    }
    else
    {
      auto features = ConvFeatureFilter<FloatImageType, FloatImageType>::New();
      features->SetInput(normalised[k]);
      features->SetNetwork(encoder);
      if (ImageDimension == 3)
        features->SetSliceAxis(m_SliceAxis);
      this->RunSubFilter(features.GetPointer(), progress, encoderShare);
      activity = features->GetOutput();
      if (activity->GetLargestPossibleRegion().GetSize() != input->GetLargestPossibleRegion().GetSize())
        itkExceptionMacro(<< "the feature network changes the image size (strides or pooling); TDFIF needs an "
                             "activity map on the sources' grid");
      // The activity map on the source's grid exactly (the network keeps it up to rounding).
      activity->DisconnectPipeline();
      activity->CopyInformation(normalised[k]);
    }

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
    this->Reconstruct(normalised, *encoder, kept); // 5'. guided features, decoder
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
TDFIFFusionFilter<TInputImage, TOutputImage>::Slicing::Slicing(const FloatImageType * image, int sliceAxis)
{
  const auto & region = image->GetLargestPossibleRegion();
  const auto & offsets = image->GetOffsetTable(); // buffer strides per axis
  unsigned     axes[2] = { 0, 1 };
  if (ImageDimension == 3)
  {
    const unsigned slice = static_cast<unsigned>(sliceAxis);
    unsigned       next = 0;
    for (unsigned d = 0; d < 3; ++d)
      if (d != slice)
        axes[next++] = d;
    count = region.GetSize(slice);
    stride = static_cast<size_t>(offsets[slice]);
  }
  nx = region.GetSize(axes[0]);
  ny = region.GetSize(axes[1]);
  xStride = static_cast<size_t>(offsets[axes[0]]);
  yStride = static_cast<size_t>(offsets[axes[1]]);
}

template <typename TInputImage, typename TOutputImage>
fusion::FeatureTensor
TDFIFFusionFilter<TInputImage, TOutputImage>::Slicing::Gather(const std::vector<const FloatImageType *> & images,
                                                              size_t                                      s) const
{
  fusion::FeatureTensor tensor;
  tensor.channels = images.size();
  tensor.size = { { nx, ny, 1 } };
  tensor.data.resize(images.size() * nx * ny);
  for (size_t c = 0; c < images.size(); ++c)
    for (size_t i = 0; i < nx * ny; ++i)
      tensor.data[c * nx * ny + i] = images[c]->GetBufferPointer()[this->Offset(s, i)];
  return tensor;
}

template <typename TInputImage, typename TOutputImage>
auto
TDFIFFusionFilter<TInputImage, TOutputImage>::NetworkBackend() -> BackendEnum
{
  const BackendEnum backend = this->ResolveBackend();
  if (this->GetLastUsedBackend() == BackendEnum::Auto || this->GetLastUsedBackend() == BackendEnum::CPU)
    this->SetLastUsedBackend(backend);
  return backend;
}

template <typename TInputImage, typename TOutputImage>
fusion::FeatureTensor
TDFIFFusionFilter<TInputImage, TOutputImage>::RunNetwork(const fusion::ConvNetwork &   network,
                                                         const fusion::FeatureTensor & input, BackendEnum backend) const
{
  fusion::FeatureTensor result = network.Run(input, fusion::ChannelReduction::None, backend);
  if (result.Samples() != input.Samples())
    itkExceptionMacro(<< network.Name() << " changes the image size (strides or pooling); TDFIF-Net needs the sources' "
                      << "grid");
  return result;
}

template <typename TInputImage, typename TOutputImage>
void
TDFIFFusionFilter<TInputImage, TOutputImage>::Reconstruct(const std::vector<typename FloatImageType::Pointer> & sources,
                                                          const fusion::ConvNetwork &                           encoder,
                                                          const std::vector<fusion::FeatureTensor> &            kept)
{
  const BackendEnum backend = this->NetworkBackend();
  const size_t      n = sources.size(), channels = encoder.OutputChannels();
  OutputImageType * output = this->GetOutput();
  output->SetBufferedRegion(output->GetLargestPossibleRegion());
  output->Allocate();
  const Slicing slicing(sources[0], m_SliceAxis);
  const size_t  pixels = slicing.nx * slicing.ny;
  // Volumes: the slices side by side on the CPU, one per thread (as ConvFeatureFilter runs them);
  // one slice (a 2D image): its pixel loops on the threads.
  const unsigned sliceThreads = backend == BackendEnum::CPU && slicing.count > 1 ? this->GetNumberOfWorkUnits() : 1;
  const unsigned pixelThreads = slicing.count == 1 ? this->GetNumberOfWorkUnits() : 1;
  const auto     slice = [&](size_t s) {
    std::vector<const FloatImageType *> images, activities;
    for (size_t k = 0; k < n; ++k)
    {
      images.push_back(sources[k]);
      activities.push_back(m_Activities[k]);
    }
    const fusion::FeatureTensor        image = slicing.Gather(images, s), activity = slicing.Gather(activities, s);
    std::vector<fusion::FeatureTensor> computed;
    for (size_t k = 0; k < n && kept.empty(); ++k)
    {
      fusion::FeatureTensor one;
      one.channels = 1;
      one.size = image.size;
      one.data.assign(image.data.begin() + static_cast<std::ptrdiff_t>(k * pixels),
                      image.data.begin() + static_cast<std::ptrdiff_t>((k + 1) * pixels));
      computed.push_back(this->RunNetwork(encoder, one, backend));
    }
    const std::vector<fusion::FeatureTensor> & phi = kept.empty() ? computed : kept;
    // X = [sum_k W_k phi_k, sum_k W_k I_k, max_k I_k], channels first.
    fusion::FeatureTensor guided;
    guided.channels = channels + 2;
    guided.size = image.size;
    guided.data.resize(guided.channels * pixels);
    std::vector<float> weight(n * pixels); // W_k per pixel
    fusion::ParallelFor(pixels, pixelThreads, [&](size_t begin, size_t end) {
      for (size_t i = begin; i < end; ++i)
      {
        double total = 0.0, fused = 0.0, brightest = -INFINITY;
        for (size_t k = 0; k < n; ++k)
          total += activity.data[k * pixels + i];
        for (size_t k = 0; k < n; ++k)
        {
          const double v = image.data[k * pixels + i];
          const double w = fusionkernels::weighting::RatioWeight<double>(
            activity.data[k * pixels + i], total, static_cast<int>(n), m_Epsilon);
          weight[k * pixels + i] = static_cast<float>(w);
          fused += w * v;
          brightest = std::max(brightest, v);
        }
        guided.data[channels * pixels + i] = static_cast<float>(fused);
        guided.data[(channels + 1) * pixels + i] = static_cast<float>(brightest);
      }
    });
    fusion::ParallelFor(channels, pixelThreads, [&](size_t begin, size_t end) {
      for (size_t c = begin; c < end; ++c)
      {
        float * out = guided.data.data() + c * pixels;
        std::fill(out, out + pixels, 0.0f);
        for (size_t k = 0; k < n; ++k)
        {
          const float * w = weight.data() + k * pixels;
          const float * f = phi[k].data.data() + c * pixels;
          for (size_t i = 0; i < pixels; ++i)
            out[i] += w[i] * f[i];
        }
      }
    });
    const fusion::FeatureTensor decoded = this->RunNetwork(*m_Decoder, guided, backend);
    for (size_t i = 0; i < pixels; ++i)
      output->GetBufferPointer()[slicing.Offset(s, i)] =
        static_cast<typename OutputImageType::PixelType>(std::min(1.0f, std::max(0.0f, decoded.data[i])));
  };
  ProgressReporter progress(this, 0, slicing.count, 100, 0.6f, 0.4f);
  std::mutex       reporting;
  fusion::ParallelFor(slicing.count, sliceThreads, [&](size_t begin, size_t end) {
    std::unique_ptr<fusion::ConvNetwork::SerialScope> serial;
    if (sliceThreads > 1)
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
