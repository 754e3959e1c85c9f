#ifndef itkWeightedFusionFilter_hxx
#define itkWeightedFusionFilter_hxx

#include "itkWeightedFusionFilter.h"

#include "fusionKernels.h"
#include "weighting_rules.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkMultiThreaderBase.h"
#include "itkTotalProgressReporter.h"

#include <atomic>
#include <cmath>
#include <mutex>
#include <sstream>
#include <vector>

namespace itk
{
template <typename TInputImage, typename TOutputImage, typename TWeightImage>
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::WeightedFusionFilter()
{
  this->SetNumberOfRequiredInputs(2);
  this->DynamicMultiThreadingOn();
  this->ThreaderUpdateProgressOff(); // progress comes from TotalProgressReporter
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
void
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::SetSource(unsigned int k, const InputImageType * image)
{
  this->SetNthInput(k, const_cast<InputImageType *>(image));
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
auto
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::GetSource(unsigned int k) const -> const InputImageType *
{
  return dynamic_cast<const InputImageType *>(this->GetInput(k));
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
void
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::SetWeightImage(unsigned int            k,
                                                                              const WeightImageType * image)
{
  this->SetPerPixelImage(WeightName(k), image);
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
auto
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::GetWeightImage(unsigned int k) const
  -> const WeightImageType *
{
  return this->GetPerPixelImage(WeightName(k));
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
void
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::SetActivityImage(unsigned int            k,
                                                                                const WeightImageType * image)
{
  this->SetPerPixelImage(ActivityName(k), image);
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
auto
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::GetActivityImage(unsigned int k) const
  -> const WeightImageType *
{
  return this->GetPerPixelImage(ActivityName(k));
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
auto
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::GetWeightingMode() const -> WeightingMode
{
  bool weights = false, activities = false;
  for (const auto & name : this->GetInputNames())
  {
    if (this->ProcessObject::GetInput(name) == nullptr)
      continue;
    weights = weights || name.rfind("Weight", 0) == 0;
    activities = activities || name.rfind("Activity", 0) == 0;
  }
  if (weights)
    return WeightingMode::GivenWeights;
  return activities ? WeightingMode::ActivityRatio : WeightingMode::Equal;
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
void
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  const unsigned int n = this->GetNumberOfSources();
  if (n < 2)
    itkExceptionMacro(<< "needs at least 2 sources, has " << n);
  for (unsigned int k = 0; k < n; ++k)
    if (!this->GetSource(k))
      itkExceptionMacro(<< "source " << k << " of " << n << " is not set");
  unsigned int weights = 0, activities = 0;
  for (const auto & name : this->GetInputNames())
  {
    const bool isWeight = name.rfind("Weight", 0) == 0, isActivity = name.rfind("Activity", 0) == 0;
    if (!(isWeight || isActivity) || this->ProcessObject::GetInput(name) == nullptr)
      continue;
    const unsigned long k = std::stoul(name.substr(isWeight ? 6 : 8));
    if (k >= n)
      itkExceptionMacro(<< (isWeight ? "weight" : "activity") << " image " << k << " is set but there are only " << n
                        << " sources");
    weights += isWeight;
    activities += isActivity;
  }
  if (weights > 0 && activities > 0)
    itkExceptionMacro(<< "both weight images and activity images are set; give one kind");
  if (weights > 0 && weights != n)
    itkExceptionMacro(<< "weight images are set for " << weights << " of " << n << " sources; give one per source");
  if (activities > 0 && activities != n)
    itkExceptionMacro(<< "activity images are set for " << activities << " of " << n
                      << " sources; give one per source");
  if (!(m_Epsilon > 0.0) || !std::isfinite(m_Epsilon))
    itkExceptionMacro(<< "Epsilon must be finite and > 0, is " << m_Epsilon);
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
void
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::VerifyInputInformation() ITKv5_CONST
{
  using ImageBaseType = ImageBase<ImageDimension>;
  const auto * reference = dynamic_cast<const ImageBaseType *>(this->GetInput(0));
  if (!reference)
    itkExceptionMacro(<< "source 0 is not set");
  const auto describe = [](const std::string & name) {
    if (name == "Primary")
      return std::string("source 0");
    if (name.rfind("_", 0) == 0)
      return "source " + name.substr(1);
    if (name.rfind("Weight", 0) == 0)
      return "weight image " + name.substr(6);
    if (name.rfind("Activity", 0) == 0)
      return "activity image " + name.substr(8);
    return name;
  };
  for (const auto & name : this->GetInputNames())
  {
    const auto * image = dynamic_cast<const ImageBaseType *>(this->ProcessObject::GetInput(name));
    if (!image || image == reference)
      continue;
    const std::string details = fusion::GridDifference<ImageDimension>(
      reference, image, this->GetCoordinateTolerance(), this->GetDirectionTolerance());
    if (!details.empty())
    {
      itkExceptionMacro(<< describe(name) << " is not on the grid of source 0 (different grids:" << details
                        << "); resample or register it onto source 0 first");
    }
  }
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
void
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::VerifyFiniteValues() const
{
  const OutputImageRegionType region = this->GetOutput()->GetRequestedRegion();
  const unsigned int          n = this->GetNumberOfSources();
  const WeightingMode         mode = this->GetWeightingMode();
  std::mutex                  mutex;
  std::string                 problem;
  const auto                  check = [&](const auto * image, const std::string & name, bool nonNegative) {
    using ImageType = std::remove_cv_t<std::remove_pointer_t<decltype(image)>>;
    MultiThreaderBase::New()->ParallelizeImageRegion<ImageDimension>(
      region,
      [&](const OutputImageRegionType & piece) {
        for (ImageRegionConstIterator<ImageType> it(image, piece); !it.IsAtEnd(); ++it)
        {
          const double v = static_cast<double>(it.Get());
          if (!std::isfinite(v) || (nonNegative && v < 0.0))
          {
            std::lock_guard<std::mutex> lock(mutex);
            if (problem.empty())
            {
              std::ostringstream s;
              s << name << " has " << (std::isfinite(v) ? "a negative value " : "a non-finite value ") << v
                << " at index " << it.GetIndex();
              problem = s.str();
            }
            return;
          }
        }
      },
      nullptr);
  };
  for (unsigned int k = 0; k < n && problem.empty(); ++k)
  {
    if constexpr (!NumericTraits<InputPixelType>::is_integer)
      check(this->GetSource(k), "source " + std::to_string(k), false);
    if (mode == WeightingMode::GivenWeights)
      check(this->GetWeightImage(k), "weight image " + std::to_string(k), false);
    else if (mode == WeightingMode::ActivityRatio)
      check(this->GetActivityImage(k), "activity image " + std::to_string(k), true);
  }
  if (!problem.empty())
    itkExceptionMacro(<< problem
                      << (mode == WeightingMode::ActivityRatio ? " (activities must be finite and >= 0)" : ""));
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
void
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::GenerateData()
{
  this->VerifyFiniteValues();
  Superclass::GenerateData(); // CPU: AllocateOutputs + DynamicThreadedGenerateData; else KernelGenerateData
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
void
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::KernelGenerateData()
{
  if constexpr (!CudaSupportsPixelTypes)
  {
    itkExceptionMacro(<< "the kernel does not take double pixels"); // ResolveBackend refuses them first
  }
  else
  {
    this->AllocateOutputs();
    OutputImageType *           output = this->GetOutput();
    const OutputImageRegionType region = output->GetRequestedRegion();
    const unsigned int          n = this->GetNumberOfSources();
    const size_t                count = region.GetNumberOfPixels();
    const WeightingMode         mode = this->GetWeightingMode();

    // Pack the requested region of every input into float buffers (the kernel's layout).
    const auto pack = [&region, count](const auto * image) {
      using ImageType = std::remove_cv_t<std::remove_pointer_t<decltype(image)>>;
      std::vector<float> buffer(count);
      size_t             i = 0;
      for (ImageRegionConstIterator<ImageType> it(image, region); !it.IsAtEnd(); ++it)
        buffer[i++] = static_cast<float>(it.Get());
      return buffer;
    };
    std::vector<std::vector<float>> sources(n), perPixel;
    std::vector<const float *>      sourcePointers(n), perPixelPointers;
    for (unsigned int k = 0; k < n; ++k)
    {
      sources[k] = pack(this->GetSource(k));
      sourcePointers[k] = sources[k].data();
    }
    if (mode != WeightingMode::Equal)
    {
      perPixel.resize(n);
      perPixelPointers.resize(n);
      for (unsigned int k = 0; k < n; ++k)
      {
        perPixel[k] = pack(mode == WeightingMode::GivenWeights ? this->GetWeightImage(k) : this->GetActivityImage(k));
        perPixelPointers[k] = perPixel[k].data();
      }
    }
    this->UpdateProgress(0.3f);

    std::vector<float>                       fused(count);
    ::fusionkernels::WeightedFusionArguments arguments;
    arguments.sources = sourcePointers.data();
    arguments.weights = mode == WeightingMode::GivenWeights ? perPixelPointers.data() : nullptr;
    arguments.activities = mode == WeightingMode::ActivityRatio ? perPixelPointers.data() : nullptr;
    arguments.numberOfSources = static_cast<int>(n);
    arguments.count = count;
    arguments.epsilon = static_cast<float>(m_Epsilon);
    arguments.output = fused.data();
    this->RunKernel("weighted fusion", &::fusionkernels::KernelTable::WeightedFusion, arguments);
    this->UpdateProgress(0.9f);

    size_t i = 0;
    for (ImageRegionIterator<OutputImageType> it(output, region); !it.IsAtEnd(); ++it)
      it.Set(ToOutputPixel(fused[i++]));
    this->UpdateProgress(1.0f);
  }
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
void
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::DynamicThreadedGenerateData(
  const OutputImageRegionType & region)
{
  const unsigned int  n = this->GetNumberOfSources();
  const WeightingMode mode = this->GetWeightingMode();
  const ComputeType   eps = static_cast<ComputeType>(m_Epsilon);

  std::vector<ImageRegionConstIterator<InputImageType>>  sources;
  std::vector<ImageRegionConstIterator<WeightImageType>> perPixel;
  for (unsigned int k = 0; k < n; ++k)
  {
    sources.emplace_back(this->GetSource(k), region);
    if (mode == WeightingMode::GivenWeights)
      perPixel.emplace_back(this->GetWeightImage(k), region);
    else if (mode == WeightingMode::ActivityRatio)
      perPixel.emplace_back(this->GetActivityImage(k), region);
  }
  TotalProgressReporter progress(this, this->GetOutput()->GetRequestedRegion().GetNumberOfPixels());
  for (ImageRegionIterator<OutputImageType> out(this->GetOutput(), region); !out.IsAtEnd(); ++out)
  {
    // The same formula, in the same order, as weighted_fusion_kernel.
    ComputeType sum = 0;
    if (mode == WeightingMode::Equal)
    {
      for (unsigned int k = 0; k < n; ++k)
      {
        sum += static_cast<ComputeType>(sources[k].Get());
        ++sources[k];
      }
      sum /= static_cast<ComputeType>(n);
    }
    else if (mode == WeightingMode::GivenWeights)
    {
      for (unsigned int k = 0; k < n; ++k)
      {
        sum += static_cast<ComputeType>(perPixel[k].Get()) * static_cast<ComputeType>(sources[k].Get());
        ++sources[k];
        ++perPixel[k];
      }
    }
    else
    {
      ::fusionkernels::weighting::RatioOfActivities<ComputeType> rule;
      for (unsigned int k = 0; k < n; ++k)
      {
        rule.Add(static_cast<ComputeType>(perPixel[k].Get()), static_cast<ComputeType>(sources[k].Get()), eps);
        ++sources[k];
        ++perPixel[k];
      }
      sum = rule.Result(static_cast<int>(n), eps);
    }
    out.Set(ToOutputPixel(sum));
    progress.CompletedPixel();
  }
}

template <typename TInputImage, typename TOutputImage, typename TWeightImage>
void
WeightedFusionFilter<TInputImage, TOutputImage, TWeightImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Epsilon: " << m_Epsilon << std::endl;
  os << indent << "NumberOfSources: " << this->GetNumberOfSources() << std::endl;
  const WeightingMode mode = this->GetWeightingMode();
  os << indent << "WeightingMode: "
     << (mode == WeightingMode::Equal          ? "Equal"
         : mode == WeightingMode::GivenWeights ? "GivenWeights"
                                               : "ActivityRatio")
     << std::endl;
}
} // namespace itk

#endif
