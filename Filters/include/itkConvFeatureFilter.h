#ifndef itkConvFeatureFilter_h
#define itkConvFeatureFilter_h

#include "itkConvNetwork.h"
#include "itkFusionBackendFilter.h"
#include "itkImage.h"
#include "itkImageToImageFilter.h"
#include "itkVectorImage.h"

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace itk
{
/** \class ConvFeatureFilter
 * \brief Runs a convolutional network on a scalar image: every feature map, or an activity map.
 *
 * The network (itkConvNetwork.h) is the built-in TDFIF encoder (the default: conv 3x3 1->64,
 * ReLU, conv 3x3 64->64, ReLU, trained by scripts/train_tdfif_encoder.py) or any ONNX graph of
 * Conv, Relu, MaxPool, AveragePool, BatchNormalization, Concat, Add and Identity, evaluated up to
 * a named tensor (SetModelFileName). The image's values go in as they are (normalise first, e.g.
 * to [0, 1]), replicated to the network's input channels, each then (v - mean_c) / std_c when
 * SetChannelNormalization is given (ImageNet networks: mean 0.485 0.456 0.406, std 0.229 0.224
 * 0.225 on [0, 1] images).
 *
 * Output:
 *   - a VectorImage: all feature maps, one component per channel in the network's order;
 *   - a scalar image: their reduction over channels, per sample (SetReduction): Mean (default,
 *     TDFIF's activity map), L1 (sum of absolute values, DenseFuse's) or Max.
 * Networks with strides or pooling have a coarser output: spacing times the total stride per
 * axis, the origin at the physical point of the first output sample's centre (input index
 * o * stride + offset, see fusion::AxisGeometry), direction unchanged. Output index 0 is the
 * first output sample.
 *
 * Dimensions: a 2D network on 2D images, a 3D network on 3D images, or a 2D network slice by
 * slice along one axis of a volume (SetSliceAxis; the other two axes, in increasing order, are
 * the network's x and y; the slice axis keeps its spacing).
 *
 * Memory: the output is computed in tiles along the network's last axis (and slice by slice),
 * each tile's input padded by the receptive field and the total stride, so that every output
 * sample equals the one of a single whole-image evaluation; a tile holds at most about
 * MaximumTileBytes of feature maps. The reduced activity map of a 256^3 volume with the TDFIF
 * encoder therefore needs the image, the output and one tile, not 64 channels of the volume.
 *
 * Requested region: the output's requested region, mapped onto the input and padded by the
 * receptive field plus the total stride (aligned to the stride), cropped to the image.
 *
 * Bad input: an image smaller than the network's receptive field, NaN or infinite values, a
 * network of the wrong dimension or with a channel normalisation of the wrong length, a reduction
 * asked for a VectorImage output (or none for a scalar output): exceptions that say which.
 *
 * Backends (SetBackend, FusionBackendFilter): the CPU (GEMM from OpenBLAS, blocks of output
 * positions on ITK's threads), or the CUDA kernels of Modules/Kernels/conv_network.cuh (tiled
 * direct convolution with shared-memory staging, the channel reduction fused into the last
 * convolution) on a device or in the CPU emulation.
 *
 * \ingroup MultimodalFusion
 */
template <typename TInputImage, typename TOutputImage = Image<float, TInputImage::ImageDimension>>
class ITK_TEMPLATE_EXPORT ConvFeatureFilter : public FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(ConvFeatureFilter);

  using Self = ConvFeatureFilter;
  using Superclass = FusionBackendFilter<ImageToImageFilter<TInputImage, TOutputImage>>;
  using Pointer = SmartPointer<Self>;
  using ConstPointer = SmartPointer<const Self>;

  itkNewMacro(Self);
  itkTypeMacro(ConvFeatureFilter, FusionBackendFilter);

  static constexpr unsigned int ImageDimension = TInputImage::ImageDimension;
  using InputImageType = TInputImage;
  using OutputImageType = TOutputImage;
  using OutputImageRegionType = typename OutputImageType::RegionType;
  using NetworkPointer = std::shared_ptr<const fusion::ConvNetwork>;
  using BackendEnum = FusionEnums::Backend;

  static_assert(std::is_arithmetic<typename TInputImage::PixelType>::value,
                "ConvFeatureFilter takes scalar images (RGB: convert to luminance first)");
  static_assert(ImageDimension == 2 || ImageDimension == 3, "ConvFeatureFilter takes 2D and 3D images");
  static constexpr bool VectorOutput =
    std::is_same<TOutputImage, VectorImage<typename TOutputImage::InternalPixelType, ImageDimension>>::value;

  /** None, Mean, L1, Max (fusion::ChannelReduction). */
  using Reduction = fusion::ChannelReduction;
  /** none|mean|l1|max (case-insensitive); throws otherwise. */
  static Reduction
  ReductionFromString(const std::string & name);
  static std::string
  ReductionName(Reduction reduction);

  /** The network; the default is fusion::ConvNetwork::TDFIFEncoder(). */
  void
  SetNetwork(const NetworkPointer & network);
  const NetworkPointer &
  GetNetwork() const
  {
    return m_Network;
  }
  /** Reads an ONNX file (throws a clear exception for a missing or corrupt file, an unsupported
   * operator (named with its node), ...); `output` names the tensor to compute. */
  void
  SetModelFileName(const std::string & fileName, const std::string & output = "");
  void
  UseTDFIFEncoder();

  /** Over channels, for a scalar output: Mean (default), L1 or Max. A VectorImage output: None. */
  itkSetEnumMacro(Reduction, Reduction);
  itkGetEnumMacro(Reduction, Reduction);

  /** Per input channel of the network (or one value for all): (v - mean) / std. Empty: none. */
  void
  SetChannelNormalization(const std::vector<double> & mean, const std::vector<double> & std);

  /** -1 (default): the network has the image's dimension. 0, 1 or 2: a 2D network slice by slice
   * along that axis of a 3D image. */
  itkSetMacro(SliceAxis, int);
  itkGetConstMacro(SliceAxis, int);

  /** Feature-map memory per tile (default 64 MiB: a 512 x 512 TDFIF tile stays near the caches). */
  itkSetMacro(MaximumTileBytes, size_t);
  itkGetConstMacro(MaximumTileBytes, size_t);


protected:
  ConvFeatureFilter();
  ~ConvFeatureFilter() override = default;

  void
  PrintSelf(std::ostream & os, Indent indent) const override;
  void
  VerifyPreconditions() ITKv5_CONST override;
  void
  GenerateOutputInformation() override;
  void
  GenerateInputRequestedRegion() override;
  /** The network runs on either backend (ConvNetwork::Run); on the CPU the slices and tiles run
   * side by side, each on one thread. */
  void
  BackendGenerateData() override
  {
    this->RunNetwork();
  }

private:
  void
  RunNetwork();
  /** Image axis of each network axis (x, y[, z]); for slices, the slice axis is not among them. */
  std::vector<unsigned>
  NetworkAxes() const;
  /** The input region the output region `out` needs (padded, stride-aligned, cropped). */
  typename InputImageType::RegionType
  InputRegionFor(const OutputImageRegionType & out) const;

  NetworkPointer      m_Network;
  Reduction           m_Reduction{ Reduction::Mean };
  std::vector<double> m_ChannelMean, m_ChannelStd;
  int                 m_SliceAxis{ -1 };
  size_t              m_MaximumTileBytes{ size_t{ 64 } << 20 };
};
} // namespace itk

#ifndef ITK_MANUAL_INSTANTIATION
#  include "itkConvFeatureFilter.hxx"
#endif

#endif
