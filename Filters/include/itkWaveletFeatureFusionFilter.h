#ifndef itkWaveletFeatureFusionFilter_h
#define itkWaveletFeatureFusionFilter_h

#include "itkFusionImageFilter.h"
#include "itkFusionMethod.h"
#include "itkWaveletFilterBank.h"

#include <string>

namespace itk
{
/** \class WaveletFeatureFusionFilter
 * \brief Fusion in the wavelet domain: the DWT of each source, band-by-band fusion, the inverse
 * DWT (the seed's DWT + transfer-learning system, and the classical DWT max-abs rule).
 *
 * Per source k: min-max normalised to [0, 1], decomposed by DWTDecomposeFilter (Wavelet, default
 * db2; Levels, default 3; Mode, default symmetric). Each band is fused over the sources:
 *   - Average: the mean of the sources' coefficients;
 *   - MaxAbs: the coefficient of largest magnitude (the first source's on ties);
 *   - ActivityWeighted: sum_k W_k c_k with W_k = (A_k + eps) / (sum_j A_j + N eps), the activity
 *     A_k of band b of source k being the channel mean of a CNN's features (ConvFeatureFilter: the
 *     TDFIF encoder by default, or SetModelFileName with any same-size ONNX network such as VGG19,
 *     AlexNet or DenseNet features up to their first ReLU) run on the band brought to [0, 1]
 *     jointly over the sources (the approximation as it is, a detail band as its magnitude |c|);
 *     a band smaller than the network's receptive field uses |c| as its activity.
 * ApproximationRule (default ActivityWeighted) applies to the approximation, DetailRule (default
 * ActivityWeighted) to every detail band. The classical DWT rule is Average + MaxAbs.
 * DWTReconstructFilter returns the fused image on source 0's grid (odd sizes included), clipped to
 * [0, 1] (the range of the normalised sources; the band rules' ringing may leave it).
 *
 * Volumes: the DWT is 3D (8 bands per level); a 2D network runs on each 3D band slice by slice
 * along SliceAxis (default 2). Sources, grids and regions as every FusionImageFilter. Backend
 * applies to the DWT and the network.
 *
 * \ingroup MultimodalFusion
 */
template <typename TInputImage, typename TOutputImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT WaveletFeatureFusionFilter : public FusionImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(WaveletFeatureFusionFilter);

  using Self = WaveletFeatureFusionFilter;
  using Superclass = FusionImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  itkNewMacro(Self);
  itkTypeMacro(WaveletFeatureFusionFilter, FusionImageFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using FloatImageType = Image<float, ImageDimension>;
  using BackendEnum = FusionEnums::Backend;
  using ModeEnum = fusion::WaveletMode;

  enum class Rule
  {
    Average,
    MaxAbs,
    ActivityWeighted
  };
  static const char *
  RuleName(Rule rule)
  {
    return rule == Rule::Average ? "Average" : (rule == Rule::MaxAbs ? "MaxAbs" : "ActivityWeighted");
  }

  itkSetStringMacro(Wavelet);
  itkGetStringMacro(Wavelet);
  itkSetMacro(Levels, unsigned int);
  itkGetConstMacro(Levels, unsigned int);
  itkSetEnumMacro(Mode, ModeEnum);
  itkGetEnumMacro(Mode, ModeEnum);
  itkSetEnumMacro(ApproximationRule, Rule);
  itkGetEnumMacro(ApproximationRule, Rule);
  itkSetEnumMacro(DetailRule, Rule);
  itkGetEnumMacro(DetailRule, Rule);
  itkSetMacro(Epsilon, double);
  itkGetConstMacro(Epsilon, double);
  itkSetMacro(SliceAxis, int);
  itkGetConstMacro(SliceAxis, int);
  /** The activity network: empty (default) is the built-in TDFIF encoder. */
  void
  SetModelFileName(const std::string & fileName, const std::string & outputName = "")
  {
    m_ModelFileName = fileName;
    m_ModelOutputName = outputName;
    this->Modified();
  }
  itkGetStringMacro(ModelFileName);

protected:
  WaveletFeatureFusionFilter() = default;
  ~WaveletFeatureFusionFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;
  void
  VerifyPreconditions() ITKv5_CONST override;
  void
  GenerateData() override;

private:
  std::string m_Wavelet{ "db2" };
  unsigned    m_Levels{ 3 };
  ModeEnum    m_Mode{ ModeEnum::Symmetric };
  Rule        m_ApproximationRule{ Rule::ActivityWeighted };
  Rule        m_DetailRule{ Rule::ActivityWeighted };
  double      m_Epsilon{ 1e-6 };
  int         m_SliceAxis{ 2 };
  std::string m_ModelFileName;
  std::string m_ModelOutputName;
};

namespace fusion
{
/** The registry entries of the wavelet methods (itkFusionMethods.h): dwt-cnn (the seed's DWT and
 * per-band CNN activity) and dwt (the classical rule: approximation averaged, details max-abs). */
template <typename TImage>
std::vector<FusionMethod<TImage>>
WaveletFusionMethods()
{
  using Filter = WaveletFeatureFusionFilter<TImage, TImage>;
  using Rule = typename Filter::Rule;
  const auto                   defaults = Filter::New();
  std::vector<MethodParameter> transform{
    TextParameter("wavelet", defaults->GetWavelet(), "W", "any discrete PyWavelets wavelet"),
    IntegerParameter("levels", defaults->GetLevels(), 1, 16, "DWT levels"),
    ChoiceParameter(
      "mode", WaveletModeName(defaults->GetMode()), WaveletModeNames(), "PyWavelets signal extension mode"),
  };
  const auto configure = [](Filter * f, const MethodReader & p) {
    if (p.Has("wavelet"))
      f->SetWavelet(p.Text("wavelet"));
    if (p.Has("levels"))
      f->SetLevels(static_cast<unsigned>(p.Integer("levels")));
    if (p.Has("mode"))
      f->SetMode(WaveletModeFromString(p.Choice("mode")));
  };
  FusionMethod<TImage> cnn;
  cnn.name = "dwt-cnn";
  cnn.summary = "DWT, per-band CNN activity weights, inverse DWT";
  cnn.parameters = transform;
  cnn.parameters.push_back(ChoiceParameter("detail-rule",
                                           defaults->GetDetailRule() == Rule::MaxAbs ? "maxabs" : "weighted",
                                           { "weighted", "maxabs" },
                                           "the detail bands' rule: activity-weighted or max-abs"));
  cnn.parameters.push_back(TextParameter("model", "", "FILE.onnx", "another feature network (ONNX, same-size output)"));
  cnn.parameters.push_back(TextParameter("output-tensor", "", "NAME", "the tensor of --model to stop at"));
  cnn.make = [configure](const MethodReader & p) {
    auto f = Filter::New();
    configure(f, p);
    if (p.Has("detail-rule"))
      f->SetDetailRule(p.Choice("detail-rule") == "maxabs" ? Rule::MaxAbs : Rule::ActivityWeighted);
    if (p.Has("model"))
      f->SetModelFileName(p.Text("model"), p.Text("output-tensor"));
    return typename FusionMethod<TImage>::FilterPointer(f);
  };
  FusionMethod<TImage> dwt;
  dwt.name = "dwt";
  dwt.summary = "DWT, approximation averaged, details max-abs, inverse DWT";
  dwt.parameters = transform;
  dwt.make = [configure](const MethodReader & p) {
    auto f = Filter::New();
    f->SetApproximationRule(Rule::Average);
    f->SetDetailRule(Rule::MaxAbs);
    configure(f, p);
    return typename FusionMethod<TImage>::FilterPointer(f);
  };
  return { cnn, dwt };
}
} // namespace fusion
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkWaveletFeatureFusionFilter.hxx"
#endif

#endif
