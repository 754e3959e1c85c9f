#ifndef itkFusionImageFilter_h
#define itkFusionImageFilter_h

#include "itkFusionGrid.h"
#include "itkFusionBackendFilter.h"
#include "itkFusionNormalization.h"
#include "itkProgressAccumulator.h"

#include <string>
#include <vector>

namespace itk
{
/** \class FusionImageFilter
 * \brief The base of the composite fusion filters (TDFIFFusionFilter, WaveletFeatureFusionFilter,
 * ClassicalFusionFilter): N >= 2 sources (the indexed inputs) on one grid, read whole.
 *
 * VerifyPreconditions: at least two sources, all set, every source on source 0's grid (size, index,
 * spacing, origin, direction; the message names the source and the difference and suggests
 * registration). The backend (SetBackend) is passed on to the sub-filters (ConfigureBackend) and
 * GetLastUsedBackend reports the one they ran on. The composites normalise each source over the whole image and run
 * whole-image transforms, so every input is requested whole and the output is produced whole. \ingroup MultimodalFusion
 */
template <typename TInputImage, typename TOutputImage>
class ITK_TEMPLATE_EXPORT FusionImageFilter : public FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(FusionImageFilter);

  using Self = FusionImageFilter;
  using Superclass = FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  itkTypeMacro(FusionImageFilter, FusionBackendFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  using InputImageType = TInputImage;

  /** Source k (k = 0..N-1). */
  void
  SetSource(unsigned int k, const InputImageType * image)
  {
    this->SetNthInput(k, const_cast<InputImageType *>(image));
  }
  unsigned int
  GetNumberOfSources() const
  {
    return static_cast<unsigned int>(this->GetNumberOfIndexedInputs());
  }

protected:
  FusionImageFilter() { this->SetNumberOfRequiredInputs(1); } // the second: VerifyPreconditions, with a clearer message
  ~FusionImageFilter() override = default;

  void
  VerifyPreconditions() ITKv5_CONST override
  {
    Superclass::VerifyPreconditions();
    if (this->GetNumberOfIndexedInputs() < 2)
      itkExceptionMacro(<< "fusion needs at least two sources, has " << this->GetNumberOfIndexedInputs());
    for (unsigned int k = 0; k < this->GetNumberOfIndexedInputs(); ++k)
      if (!this->GetInput(k))
        itkExceptionMacro(<< "source " << k << " is not set");
    for (unsigned int k = 1; k < this->GetNumberOfIndexedInputs(); ++k)
    {
      const std::string details = fusion::GridDifference<ImageDimension>(
        this->GetInput(0), this->GetInput(k), this->GetCoordinateTolerance(), this->GetDirectionTolerance());
      if (!details.empty())
        itkExceptionMacro(<< "source " << k << " is not on the grid of source 0 (different grids:" << details
                          << "); register or resample it onto source 0 first");
    }
  }
  void
  GenerateInputRequestedRegion() override
  {
    Superclass::GenerateInputRequestedRegion();
    for (unsigned int k = 0; k < this->GetNumberOfIndexedInputs(); ++k)
      if (auto * input = const_cast<InputImageType *>(this->GetInput(k)))
        input->SetRequestedRegionToLargestPossibleRegion();
  }
  using FloatImageType = Image<float, ImageDimension>;

  /** Every source min-max normalised to [0, 1] (fusion::MinMaxNormalised). */
  std::vector<typename FloatImageType::Pointer>
  NormalisedSources() const
  {
    std::vector<typename FloatImageType::Pointer> normalised(this->GetNumberOfIndexedInputs());
    for (unsigned int k = 0; k < normalised.size(); ++k)
      normalised[k] = fusion::MinMaxNormalised(this->GetInput(k), "source " + std::to_string(k));
    return normalised;
  }

  /** A composite's update starts its mini-pipeline here: progress accumulated over its sub-filters,
   * the backend recorded from them as they run (RunSubFilter). */
  ProgressAccumulator::Pointer
  StartMiniPipeline()
  {
    this->SetLastUsedBackend(FusionEnums::Backend::Auto);
    auto progress = ProgressAccumulator::New();
    progress->SetMiniPipelineFilter(this);
    return progress;
  }

  /** Runs a sub-filter: this filter's backend request, its share of the progress (none without an
   * accumulator), the backend it used recorded. */
  template <typename TFilter>
  void
  RunSubFilter(TFilter * filter, ProgressAccumulator * progress = nullptr, float share = 0.0f)
  {
    this->ConfigureBackend(filter);
    if (progress)
      progress->RegisterInternalFilter(filter, share);
    filter->Update();
    this->RecordBackendOf(filter);
  }

  void
  EnlargeOutputRequestedRegion(DataObject * output) override
  {
    Superclass::EnlargeOutputRequestedRegion(output);
    output->SetRequestedRegionToLargestPossibleRegion();
  }
  void
  PrintSelf(std::ostream & os, Indent indent) const override
  {
    Superclass::PrintSelf(os, indent);
    os << indent << "NumberOfSources: " << this->GetNumberOfIndexedInputs() << std::endl;
  }
};
} // namespace itk

#endif
