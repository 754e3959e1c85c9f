#ifndef itkClassicalFusionFilter_h
#define itkClassicalFusionFilter_h

#include "itkFusionNormalization.h"
#include "itkFusionImageFilter.h"
#include "itkFusionMethod.h"
#include "itkLaplacianPyramid.h"
#include "itkWeightedFusionFilter.h"

#include "fusionKernels.h"

#include "vnl/algo/vnl_symmetric_eigensystem.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

namespace itk
{
/** \class ClassicalFusionFilter
 * \brief The classical pixel and pyramid fusion rules, as baselines beside the learned systems.
 *
 * N >= 2 sources on one grid, each min-max normalised to [0, 1] first; the output on source 0's
 * grid:
 *   - Average: the mean (WeightedFusionFilter with equal weights, CPU or CUDA);
 *   - Maximum: the per-pixel maximum;
 *   - PCA: F = sum_k w_k I_k with w the principal eigenvector of the sources' covariance matrix,
 *     magnitudes normalised to sum 1 (equal weights when no source varies);
 *   - LaplacianPyramid: Burt and Adelson's pyramid (Levels, default 4; itkLaplacianPyramid.h), the
 *     coarsest level averaged, every Laplacian level by the coefficient of largest magnitude,
 *     the result clipped to [0, 1];
 *   - ActivityRatio: each source weighs itself by the ratio rule W_k = (X_k + eps) / (sum_j X_j + N eps)
 *     (Epsilon, default 1e-6; WeightedFusionFilter's activity weighting).
 * (The DWT max-abs rule is WaveletFeatureFusionFilter with Average + MaxAbs.)
 * Sources, grids and regions as every FusionImageFilter.
 *
 * \ingroup MultimodalFusion
 */
template <typename TInputImage, typename TOutputImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT ClassicalFusionFilter : public FusionImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(ClassicalFusionFilter);

  using Self = ClassicalFusionFilter;
  using Superclass = FusionImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  itkNewMacro(Self);
  itkTypeMacro(ClassicalFusionFilter, FusionImageFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  static_assert(ImageDimension <= 3, "ClassicalFusionFilter takes images of up to three dimensions");
  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using FloatImageType = Image<float, ImageDimension>;
  using BackendEnum = FusionEnums::Backend;

  enum class Rule
  {
    Average,
    Maximum,
    PCA,
    LaplacianPyramid,
    ActivityRatio
  };
  static const char *
  RuleName(Rule rule)
  {
    const char * names[] = { "Average", "Maximum", "PCA", "LaplacianPyramid", "ActivityRatio" };
    return names[static_cast<int>(rule)];
  }

  itkSetEnumMacro(Rule, Rule);
  itkGetEnumMacro(Rule, Rule);
  /** Pyramid levels of LaplacianPyramid (default 4). */
  itkSetMacro(Levels, unsigned int);
  itkGetConstMacro(Levels, unsigned int);
  /** eps of ActivityRatio's ratio rule (default 1e-6, > 0). */
  itkSetMacro(Epsilon, double);
  itkGetConstMacro(Epsilon, double);

  /** The PCA weights of the last update (empty for the other rules). */
  const std::vector<double> &
  GetWeights() const
  {
    return m_Weights;
  }

protected:
  ClassicalFusionFilter() = default;
  ~ClassicalFusionFilter() override = default;

  void
  VerifyPreconditions() ITKv5_CONST override
  {
    Superclass::VerifyPreconditions();
    if (m_Levels < 1)
      itkExceptionMacro(<< "Levels must be at least 1");
    if (!(m_Epsilon > 0.0) || !std::isfinite(m_Epsilon))
      itkExceptionMacro(<< "Epsilon must be finite and > 0, is " << m_Epsilon);
  }
  void
  GenerateData() override;
  void
  PrintSelf(std::ostream & os, Indent indent) const override
  {
    Superclass::PrintSelf(os, indent);
    os << indent << "Rule: " << RuleName(m_Rule) << std::endl;
    os << indent << "Levels: " << m_Levels << std::endl;
    os << indent << "Epsilon: " << m_Epsilon << std::endl;
    os << indent << "Weights:";
    for (double w : m_Weights)
      os << " " << w;
    os << std::endl;
  }

private:
  Rule                m_Rule{ Rule::Average };
  unsigned int        m_Levels{ 4 };
  double              m_Epsilon{ 1e-6 };
  std::vector<double> m_Weights;
};

template <typename TInputImage, typename TOutputImage>
void
ClassicalFusionFilter<TInputImage, TOutputImage>::GenerateData()
{
  const unsigned int n = this->GetNumberOfIndexedInputs();
  const auto         normalised = this->NormalisedSources();
  m_Weights.clear();
  auto weighted = WeightedFusionFilter<FloatImageType, OutputImageType, FloatImageType>::New();
  this->ConfigureBackend(weighted.GetPointer());
  for (unsigned int k = 0; k < n; ++k)
    weighted->SetSource(k, normalised[k]);
  const size_t count = normalised[0]->GetLargestPossibleRegion().GetNumberOfPixels();
  if (m_Rule == Rule::Maximum || m_Rule == Rule::LaplacianPyramid)
  {
    std::vector<const float *> sources;
    for (const auto & s : normalised)
      sources.push_back(s->GetBufferPointer());
    std::vector<float> fused(count);
    const BackendEnum  backend = this->ResolveBackend();
    this->SetLastUsedBackend(backend);
    if (m_Rule == Rule::Maximum && backend == BackendEnum::CPU)
      for (size_t i = 0; i < count; ++i)
      {
        float m = sources[0][i];
        for (unsigned int k = 1; k < n; ++k)
          m = std::max(m, sources[k][i]);
        fused[i] = m;
      }
    else if (m_Rule == Rule::Maximum)
    {
      ::fusionkernels::WeightedFusionArguments arguments;
      arguments.sources = sources.data();
      arguments.numberOfSources = static_cast<int>(n);
      arguments.count = count;
      arguments.maximum = true;
      arguments.output = fused.data();
      this->RunKernel("maximum fusion", &::fusionkernels::KernelTable::WeightedFusion, arguments);
    }
    else
    {
      std::array<size_t, 3> size{ { 1, 1, 1 } };
      for (unsigned int d = 0; d < ImageDimension; ++d)
        size[d] = normalised[0]->GetLargestPossibleRegion().GetSize(d);
      if (backend == BackendEnum::CPU)
        fused = fusion::LaplacianPyramidFusion(sources, size, ImageDimension, m_Levels);
      else
      {
        ::fusionkernels::PyramidFusionArguments arguments;
        arguments.dimension = static_cast<int>(ImageDimension);
        std::copy(size.begin(), size.end(), arguments.shape);
        arguments.sources = sources.data();
        arguments.numberOfSources = static_cast<int>(n);
        arguments.levels = static_cast<int>(std::min(m_Levels, 64u)); // no image has more levels
        arguments.output = fused.data();
        this->RunKernel("Laplacian pyramid fusion", &::fusionkernels::KernelTable::LaplacianPyramidFusion, arguments);
      }
      for (float & v : fused) // the sources' range: max-abs detail may overshoot it
        v = std::min(1.0f, std::max(0.0f, v));
    }
    OutputImageType * output = this->GetOutput();
    output->SetBufferedRegion(output->GetRequestedRegion());
    output->Allocate();
    auto * out = output->GetBufferPointer();
    for (size_t i = 0; i < count; ++i)
      out[i] = static_cast<typename OutputImageType::PixelType>(fused[i]);
    return;
  }
  if (m_Rule == Rule::ActivityRatio)
  {
    // Each normalised source weighs itself: W_k = (X_k + eps) / (sum_j X_j + N eps).
    for (unsigned int k = 0; k < n; ++k)
      weighted->SetActivityImage(k, normalised[k]);
    weighted->SetEpsilon(m_Epsilon);
  }
  if (m_Rule == Rule::PCA)
  {
    vnl_matrix<double>  covariance(n, n, 0.0);
    std::vector<double> mean(n, 0.0);
    for (unsigned int k = 0; k < n; ++k)
    {
      for (size_t i = 0; i < count; ++i)
        mean[k] += normalised[k]->GetBufferPointer()[i];
      mean[k] /= static_cast<double>(count);
    }
    for (size_t i = 0; i < count; ++i)
      for (unsigned int a = 0; a < n; ++a)
        for (unsigned int b = a; b < n; ++b)
          covariance(a, b) +=
            (normalised[a]->GetBufferPointer()[i] - mean[a]) * (normalised[b]->GetBufferPointer()[i] - mean[b]);
    for (unsigned int a = 0; a < n; ++a)
      for (unsigned int b = 0; b < a; ++b)
        covariance(a, b) = covariance(b, a);
    const vnl_symmetric_eigensystem<double> eigen(covariance);
    const vnl_vector<double>                principal = eigen.get_eigenvector(n - 1); // largest eigenvalue last
    double                                  total = 0.0;
    for (unsigned int k = 0; k < n; ++k)
      total += std::abs(principal[k]);
    for (unsigned int k = 0; k < n; ++k)
      m_Weights.push_back(total > 0 && eigen.get_eigenvalue(n - 1) > 0 ? std::abs(principal[k]) / total : 1.0 / n);
    for (unsigned int k = 0; k < n; ++k)
    {
      auto w = FloatImageType::New();
      w->CopyInformation(normalised[k]);
      w->SetRegions(normalised[k]->GetLargestPossibleRegion());
      w->Allocate();
      w->FillBuffer(static_cast<float>(m_Weights[k]));
      weighted->SetWeightImage(k, w);
    }
  }
  weighted->GraftOutput(this->GetOutput());
  weighted->Update();
  this->SetLastUsedBackend(weighted->GetLastUsedBackend());
  this->GraftOutput(weighted->GetOutput());
}
namespace fusion
{
/** The registry entries of the classical rules (itkFusionMethods.h). */
template <typename TImage>
std::vector<FusionMethod<TImage>>
ClassicalFusionMethods()
{
  using Filter = ClassicalFusionFilter<TImage, TImage>;
  using Rule = typename Filter::Rule;
  const auto defaults = Filter::New();
  const auto rule = [](const char * name, const char * summary, Rule r, std::vector<MethodParameter> parameters) {
    FusionMethod<TImage> m;
    m.name = name;
    m.summary = summary;
    m.parameters = std::move(parameters);
    m.make = [r](const MethodReader & p) {
      auto f = Filter::New();
      f->SetRule(r);
      if (r == Rule::LaplacianPyramid && p.Has("levels"))
        f->SetLevels(static_cast<unsigned>(p.Integer("levels")));
      if (r == Rule::ActivityRatio && p.Has("epsilon"))
        f->SetEpsilon(p.Real("epsilon"));
      return typename FusionMethod<TImage>::FilterPointer(f);
    };
    return m;
  };
  return {
    rule("average", "the mean of the normalised sources", Rule::Average, {}),
    rule("max", "the per-pixel maximum of the normalised sources", Rule::Maximum, {}),
    rule("pca", "weights from the principal component of the sources", Rule::PCA, {}),
    rule("laplacian",
         "Laplacian pyramid: max-abs details, averaged coarsest level",
         Rule::LaplacianPyramid,
         { IntegerParameter("levels", defaults->GetLevels(), 1, 16, "pyramid levels") }),
    rule("activity",
         "each normalised source weighs itself (ratio rule)",
         Rule::ActivityRatio,
         { RealParameter("epsilon", defaults->GetEpsilon(), 1e-30, 1.0, "eps of the ratio rule") }),
  };
}
} // namespace fusion
} // namespace itk

#endif
