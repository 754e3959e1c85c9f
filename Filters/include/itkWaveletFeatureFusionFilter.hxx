#ifndef itkWaveletFeatureFusionFilter_hxx
#define itkWaveletFeatureFusionFilter_hxx

#include "itkConvFeatureFilter.h"
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkFusionNormalization.h"
#include "itkImageRegionIterator.h"
#include "itkProgressAccumulator.h"
#include "weighting_rules.h"

#include <cmath>
#include <vector>

namespace itk
{
template <typename TInputImage, typename TOutputImage>
void
WaveletFeatureFusionFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_Levels < 1)
    itkExceptionMacro(<< "Levels must be at least 1");
  if (!(m_Epsilon > 0.0) || !std::isfinite(m_Epsilon))
    itkExceptionMacro(<< "Epsilon must be finite and > 0, is " << m_Epsilon);
}

template <typename TInputImage, typename TOutputImage>
void
WaveletFeatureFusionFilter<TInputImage, TOutputImage>::GenerateData()
{
  const unsigned int n = this->GetNumberOfIndexedInputs();
  auto               progress = this->StartMiniPipeline();
  using Decompose = DWTDecomposeFilter<FloatImageType, FloatImageType>;
  const auto                               normalised = this->NormalisedSources();
  std::vector<typename Decompose::Pointer> dwt(n);
  for (unsigned int k = 0; k < n; ++k)
  {
    dwt[k] = Decompose::New();
    dwt[k]->SetInput(normalised[k]);
    dwt[k]->SetWavelet(m_Wavelet);
    dwt[k]->SetLevels(m_Levels);
    dwt[k]->SetMode(m_Mode);
    this->RunSubFilter(dwt[k].GetPointer(), progress, 0.2f / static_cast<float>(n));
  }

  using Reconstruct = DWTReconstructFilter<FloatImageType, OutputImageType>;
  auto idwt = Reconstruct::New();
  idwt->SetWavelet(m_Wavelet);
  idwt->SetLevels(m_Levels);
  idwt->SetMode(m_Mode);
  this->ConfigureBackend(idwt.GetPointer());
  idwt->SetReferenceImage(normalised[0]);
  const unsigned int bands = dwt[0]->GetNumberOfIndexedOutputs();
  for (unsigned int b = 0; b < bands; ++b)
  {
    const Rule                          rule = b == 0 ? m_ApproximationRule : m_DetailRule;
    std::vector<const FloatImageType *> coefficients(n);
    for (unsigned int k = 0; k < n; ++k)
      coefficients[k] = dwt[k]->GetOutput(b);
    const size_t count = coefficients[0]->GetLargestPossibleRegion().GetNumberOfPixels();
    auto         fused = FloatImageType::New();
    fused->CopyInformation(coefficients[0]);
    fused->SetRegions(coefficients[0]->GetLargestPossibleRegion());
    fused->Allocate();
    float * out = fused->GetBufferPointer();

    // Activities: the network's channel mean of the band brought to [0, 1] jointly over the sources
    // (a detail band as its magnitude), or |c| where the band is too small for the network.
    std::vector<std::vector<float>> activity;
    if (rule == Rule::ActivityWeighted)
    {
      const auto value = [&](unsigned int k, size_t i) {
        const float c = coefficients[k]->GetBufferPointer()[i];
        return b == 0 ? c : std::abs(c);
      };
      float lo = value(0, 0), hi = lo;
      for (unsigned int k = 0; k < n; ++k)
        for (size_t i = 0; i < count; ++i)
        {
          lo = std::min(lo, value(k, i));
          hi = std::max(hi, value(k, i));
        }
      bool fits = true;
      for (unsigned int d = 0; d < ImageDimension; ++d)
        if (static_cast<int>(d) != (ImageDimension == 3 ? m_SliceAxis : -1) &&
            coefficients[0]->GetLargestPossibleRegion().GetSize(d) < 5)
          fits = false; // smaller than the TDFIF encoder's receptive field
      activity.assign(n, std::vector<float>(count));
      for (unsigned int k = 0; k < n; ++k)
      {
        if (!fits)
        {
          for (size_t i = 0; i < count; ++i)
            activity[k][i] = std::abs(coefficients[k]->GetBufferPointer()[i]);
          continue;
        }
        auto band = FloatImageType::New();
        band->CopyInformation(coefficients[k]);
        band->SetRegions(coefficients[k]->GetLargestPossibleRegion());
        band->Allocate();
        for (size_t i = 0; i < count; ++i)
          band->GetBufferPointer()[i] = hi > lo ? (value(k, i) - lo) / (hi - lo) : 0.0f;
        auto features = ConvFeatureFilter<FloatImageType, FloatImageType>::New();
        features->SetInput(band);
        if (!m_ModelFileName.empty())
          features->SetModelFileName(m_ModelFileName, m_ModelOutputName);
        if (ImageDimension == 3)
          features->SetSliceAxis(m_SliceAxis);
        this->RunSubFilter(features.GetPointer());
        const FloatImageType * a = features->GetOutput();
        if (a->GetLargestPossibleRegion().GetNumberOfPixels() != count)
          itkExceptionMacro(<< "the feature network changes the band size (strides or pooling); wavelet fusion needs "
                               "an activity map per coefficient");
        std::copy(a->GetBufferPointer(), a->GetBufferPointer() + count, activity[k].begin());
      }
    }
    for (size_t i = 0; i < count; ++i)
    {
      if (rule == Rule::Average)
      {
        double sum = 0.0;
        for (unsigned int k = 0; k < n; ++k)
          sum += coefficients[k]->GetBufferPointer()[i];
        out[i] = static_cast<float>(sum / n);
      }
      else if (rule == Rule::MaxAbs)
      {
        float best = coefficients[0]->GetBufferPointer()[i];
        for (unsigned int k = 1; k < n; ++k)
        {
          const float c = coefficients[k]->GetBufferPointer()[i];
          if (std::abs(c) > std::abs(best))
            best = c;
        }
        out[i] = best;
      }
      else
      {
        ::fusionkernels::weighting::RatioOfActivities<double> rule;
        for (unsigned int k = 0; k < n; ++k)
          rule.Add(activity[k][i], coefficients[k]->GetBufferPointer()[i], m_Epsilon);
        out[i] = static_cast<float>(rule.Result(static_cast<int>(n), m_Epsilon));
      }
    }
    idwt->SetInput(b, fused);
    this->UpdateProgress(0.2f + 0.6f * static_cast<float>(b + 1) / static_cast<float>(bands));
  }
  idwt->GraftOutput(this->GetOutput());
  idwt->Update();
  this->RecordBackendOf(idwt.GetPointer());
  // The sources lie in [0, 1]; the fused coefficients' ringing does not count: clipped to it.
  OutputImageType * fused = idwt->GetOutput();
  for (ImageRegionIterator<OutputImageType> it(fused, fused->GetBufferedRegion()); !it.IsAtEnd(); ++it)
    it.Set(
      std::min<typename OutputImageType::PixelType>(1, std::max<typename OutputImageType::PixelType>(0, it.Get())));
  this->GraftOutput(fused);
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TOutputImage>
void
WaveletFeatureFusionFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Wavelet: " << m_Wavelet << std::endl;
  os << indent << "Levels: " << m_Levels << std::endl;
  os << indent << "Mode: " << fusion::WaveletModeName(m_Mode) << std::endl;
  os << indent << "ApproximationRule: " << RuleName(m_ApproximationRule) << std::endl;
  os << indent << "DetailRule: " << RuleName(m_DetailRule) << std::endl;
  os << indent << "Epsilon: " << m_Epsilon << std::endl;
  os << indent << "SliceAxis: " << m_SliceAxis << std::endl;
  os << indent
     << "ModelFileName: " << (m_ModelFileName.empty() ? std::string("(built-in TDFIF encoder)") : m_ModelFileName)
     << std::endl;
  os << indent << "ModelOutputName: " << m_ModelOutputName << std::endl;
}
} // namespace itk

#endif
