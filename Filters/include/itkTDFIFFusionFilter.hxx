#ifndef itkTDFIFFusionFilter_hxx
#define itkTDFIFFusionFilter_hxx

#include "itkDiscreteGaussianImageFilter.h"
#include "itkFusionNormalization.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkProgressAccumulator.h"

#include <cmath>

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
  const unsigned int n = this->GetNumberOfIndexedInputs();
  auto               progress = this->StartMiniPipeline();
  const auto         normalised = this->NormalisedSources(); // 1. min-max to [0, 1]
  m_Activities.assign(n, nullptr);
  for (unsigned int k = 0; k < n; ++k)
  {
    const InputImageType * input = this->GetInput(k);
    // 2. The encoder's channel mean.
    using FeatureFilter = ConvFeatureFilter<FloatImageType, FloatImageType>;
    auto features = FeatureFilter::New();
    features->SetInput(normalised[k]);
    if (!m_ModelFileName.empty())
      features->SetModelFileName(m_ModelFileName, m_ModelOutputName);
    if (ImageDimension == 3)
      features->SetSliceAxis(m_SliceAxis);
    this->RunSubFilter(features.GetPointer(), progress, 0.8f / static_cast<float>(n));
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
  os << indent << "Activities: " << m_Activities.size() << std::endl;
}
} // namespace itk

#endif
