#ifndef itkTDFIFFusionFilter_h
#define itkTDFIFFusionFilter_h

#include "itkConvFeatureFilter.h"
#include "itkGLCMMeanTextureFilter.h"
#include "itkFusionImageFilter.h"
#include "itkFusionMethod.h"
#include "itkWeightedFusionFilter.h"

#include <memory>
#include <string>
#include <vector>

namespace itk
{
/** \class TDFIFFusionFilter
 * \brief Texture-aware deep-feature-map linear weighted fusion (TDFIF) of N >= 2 images on one grid.
 *
 * A mini-pipeline of the module's filters, the recipe of docs/methods.md section 2, per source k:
 *   1. I_k min-max normalised to [0, 1] (a constant image becomes 0);
 *   2. the TDFIF encoder (ConvFeatureFilter: conv 3x3 1->64, ReLU, conv 3x3 64->64, ReLU; or the
 *      network of SetModelFileName) and the channel mean M_k (the activity map); a volume goes
 *      slice by slice along SliceAxis (default 2, axial);
 *   3. grey-level normalisation and quantisation of M_k to NumberOfLevels levels over its own
 *      min..max, and its GLCM mean T_k in a (2 Radius + 1)^D window (GLCMMeanTextureFilter, the
 *      quick O(1) algorithm) -- with Texture off (the ablation) T_k = M_k;
 *   4. optionally T_k smoothed by a Gaussian of WeightSmoothingSigma pixels, and raised to
 *      WeightPower p (default 4, the quality table's choice, docs/methods.md; 1 is the paper's
 *      plain ratio; larger p moves the rule towards choose-max);
 *   5. weights by the normalised ratio rule W_k = (T_k + eps) / (sum_j T_j + N eps) and the linear
 *      fusion F = sum_k W_k I_k of the normalised sources (WeightedFusionFilter).
 * With a decoder (TDFIF-Net, SetDecoder; the method tdfif-net uses the built-in one trained by
 * scripts/train_tdfif_fusion.py), step 5 fuses features and reconstructs:
 *   5'. the guided features X = [sum_k W_k phi_k, sum_k W_k I_k, max_k I_k] (the encoder's C
 *       channels plus two images) and F = D(X) clipped to [0, 1]. Both networks are 2D and run
 *       slice by slice (along SliceAxis on volumes, slices side by side on the CPU's threads). A
 *       volume's features are computed again per slice, so memory holds one slice's features per
 *       thread, not the volume's; a 2D image keeps them from step 2.
 * The output lies in [0, 1] on the sources' grid. GetActivity(k) gives T_k after an update, so
 * that the weights can be shown (GetWeight).
 *
 * Sources, grids and regions as every FusionImageFilter. Backend applies to the encoder, the
 * texture and the fusion kernels.
 *
 * \ingroup MultimodalFusion
 */
template <typename TInputImage, typename TOutputImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT TDFIFFusionFilter : public FusionImageFilter<TInputImage, TOutputImage>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(TDFIFFusionFilter);

  using Self = TDFIFFusionFilter;
  using Superclass = FusionImageFilter<TInputImage, TOutputImage>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;
  itkNewMacro(Self);
  itkTypeMacro(TDFIFFusionFilter, FusionImageFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using FloatImageType = Image<float, ImageDimension>;
  using BackendEnum = FusionEnums::Backend;

  /** GLCM quantisation levels (default 8) and window radius (default 2: 5 x 5). */
  itkSetMacro(NumberOfLevels, unsigned int);
  itkGetConstMacro(NumberOfLevels, unsigned int);
  itkSetMacro(Radius, unsigned int);
  itkGetConstMacro(Radius, unsigned int);
  /** The GLCM-mean texture (default on); off: the weights come from the activity maps M_k. */
  itkSetMacro(Texture, bool);
  itkGetConstMacro(Texture, bool);
  itkBooleanMacro(Texture);
  /** Gaussian smoothing of the weights' inputs, sigma in pixels (default 0: none). */
  itkSetMacro(WeightSmoothingSigma, double);
  itkGetConstMacro(WeightSmoothingSigma, double);
  /** The power p of the weights' inputs (default 4; see the class comment). */
  itkSetMacro(WeightPower, double);
  itkGetConstMacro(WeightPower, double);
  /** eps of the ratio rule (default 1e-6). */
  itkSetMacro(Epsilon, double);
  itkGetConstMacro(Epsilon, double);
  /** A 2D network on a volume runs slice by slice along this axis (default 2). */
  itkSetMacro(SliceAxis, int);
  itkGetConstMacro(SliceAxis, int);
  /** The feature network: empty (default) is the built-in TDFIF encoder; else an ONNX file and the
   * tensor to stop at (empty: the graph's output). */
  void
  SetModelFileName(const std::string & fileName, const std::string & outputName = "")
  {
    m_ModelFileName = fileName;
    m_ModelOutputName = outputName;
    this->Modified();
  }
  itkGetStringMacro(ModelFileName);
  /** TDFIF-Net's reconstruction network (see the class comment): empty (default) fuses the sources
   * linearly (the TDFIF rule); it takes the encoder's channels plus two and gives one. */
  using NetworkPointer = std::shared_ptr<const fusion::ConvNetwork>;
  void
  SetDecoder(const NetworkPointer & decoder)
  {
    m_Decoder = decoder;
    this->Modified();
  }
  const NetworkPointer &
  GetDecoder() const
  {
    return m_Decoder;
  }


  /** T_k of the last update (the weights' inputs). */
  const FloatImageType *
  GetActivity(unsigned int k) const;
  /** W_k of the last update, computed from the activities. */
  typename FloatImageType::Pointer
  GetWeight(unsigned int k) const;

protected:
  TDFIFFusionFilter() = default;
  ~TDFIFFusionFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;
  void
  VerifyPreconditions() ITKv5_CONST override;
  void
  GenerateData() override;

private:
  /** The decoder fits the encoder: 2D networks, C + 2 channels in, 1 out. */
  void
  CheckDecoder(const fusion::ConvNetwork & encoder) const;
  /** The 2D slices the networks run on: the image itself, or its slices along SliceAxis. */
  struct Slicing
  {
    Slicing(const FloatImageType * image, int sliceAxis);
    size_t count = 1, stride = 0, nx = 0, ny = 0, xStride = 0, yStride = 0;
    /** Buffer offset of pixel i (x fastest) of slice s. */
    size_t
    Offset(size_t s, size_t i) const
    {
      return s * stride + (i % nx) * xStride + (i / nx) * yStride;
    }
    /** Slice s of each image, one channel each. */
    fusion::FeatureTensor
    Gather(const std::vector<const FloatImageType *> & images, size_t s) const;
  };
  /** The backend the networks run on in this update (resolved and recorded). */
  BackendEnum
  NetworkBackend();
  /** A network on one slice, every channel; same size out. */
  fusion::FeatureTensor
  RunNetwork(const fusion::ConvNetwork & network, const fusion::FeatureTensor & input, BackendEnum backend) const;
  /** Step 5': per slice, the encoder's features (`kept`: those of a 2D image; else computed again,
   * one slice's worth of memory per thread), X and F = D(X) clipped to [0, 1], into the output. */
  void
  Reconstruct(const std::vector<typename FloatImageType::Pointer> & sources, const fusion::ConvNetwork & encoder,
              const std::vector<fusion::FeatureTensor> & kept);

  unsigned int   m_NumberOfLevels{ 8 };
  unsigned int   m_Radius{ 2 };
  bool           m_Texture{ true };
  double         m_WeightSmoothingSigma{ 0.0 };
  double         m_WeightPower{ 4.0 };
  double         m_Epsilon{ 1e-6 };
  int            m_SliceAxis{ 2 };
  std::string    m_ModelFileName;
  std::string    m_ModelOutputName;
  NetworkPointer m_Decoder;

  std::vector<typename FloatImageType::Pointer> m_Activities;
};

namespace fusion
{
/** The registry entries of TDFIF (itkFusionMethods.h): tdfif-net (the trained fusion network)
 * and tdfif (the linear rule), with the same texture parameters. */
template <typename TImage>
std::vector<FusionMethod<TImage>>
TDFIFMethods()
{
  using Filter = TDFIFFusionFilter<TImage, TImage>;
  const auto                         defaults = Filter::New();
  const std::vector<MethodParameter> texture = {
    IntegerParameter("glcm-levels", defaults->GetNumberOfLevels(), 2, 256, "GLCM quantisation levels"),
    IntegerParameter("radius", defaults->GetRadius(), 0, 32, "GLCM window radius"),
    FlagParameter("no-texture", "the texture ablation: the weights come from the activity maps"),
    RealParameter("weight-sigma",
                  defaults->GetWeightSmoothingSigma(),
                  0,
                  1000,
                  "Gaussian smoothing of the weights' inputs, in pixels"),
    RealParameter("weight-power", defaults->GetWeightPower(), 0, 64, "the power of the weights' inputs"),
    TextParameter("model", "", "FILE.onnx", "another feature network (ONNX, same-size output)"),
    TextParameter("output-tensor", "", "NAME", "the tensor of --model to stop at"),
  };
  const auto configure = [](Filter * f, const MethodReader & p) {
    if (p.Has("glcm-levels"))
      f->SetNumberOfLevels(static_cast<unsigned>(p.Integer("glcm-levels")));
    if (p.Has("radius"))
      f->SetRadius(static_cast<unsigned>(p.Integer("radius")));
    if (p.Has("no-texture"))
      f->SetTexture(false);
    if (p.Has("weight-sigma"))
      f->SetWeightSmoothingSigma(p.Real("weight-sigma"));
    if (p.Has("weight-power"))
      f->SetWeightPower(p.Real("weight-power"));
    if (p.Has("model"))
      f->SetModelFileName(p.Text("model"), p.Text("output-tensor"));
  };
  FusionMethod<TImage> net;
  net.name = "tdfif-net";
  net.summary = "TDFIF-Net: encoder features fused by the texture weights, trained decoder";
  net.parameters = texture;
  net.parameters.push_back(TextParameter("decoder", "", "FILE.onnx", "another decoder (ONNX, C + 2 channels -> 1)"));
  net.make = [configure](const MethodReader & p) {
    auto f = Filter::New();
    configure(f, p);
    f->SetDecoder(p.Has("decoder") ? ConvNetwork::FromFile(p.Text("decoder")) : ConvNetwork::TDFIFDecoder());
    return typename FusionMethod<TImage>::FilterPointer(f);
  };
  FusionMethod<TImage> rule;
  rule.name = "tdfif";
  rule.summary = "TDFIF encoder activity, GLCM-mean texture, ratio weights, linear fusion";
  rule.parameters = texture;
  rule.make = [configure](const MethodReader & p) {
    auto f = Filter::New();
    configure(f, p);
    return typename FusionMethod<TImage>::FilterPointer(f);
  };
  return { net, rule };
}
} // namespace fusion
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkTDFIFFusionFilter.hxx"
#endif

#endif
