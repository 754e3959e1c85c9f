/*
 * Convolutional feature networks read from ONNX, evaluated on the CPU.
 *
 * A ConvNetwork is the part of an ONNX graph that computes one tensor (by default the graph's
 * output) from the graph's one image input, batch 1. Operators: Conv (any kernel, stride,
 * padding, dilation, groups), Relu, MaxPool, AveragePool, BatchNormalization, Concat (channels),
 * Add, Identity; 2D (NCHW) or 3D (NCDHW). Anything else is refused by name, with its node.
 * Files are read with ONNX's own protobuf classes (Debian's libonnx-dev).
 *
 * CPU evaluation: convolutions as blocks of output positions, each unfolded (im2col) and
 * multiplied by the weights with OpenBLAS's single-precision GEMM, the blocks spread over ITK's
 * threads; the other operators in plain loops.
 *
 * Tensors are float, channels first, spatial axes in ITK order (x fastest): a 2D image of size
 * (x, y) is ONNX's (1, C, y, x).
 */
#ifndef itkConvNetwork_h
#define itkConvNetwork_h

#include "MultimodalFusionExport.h"
#include "itkUninitialisedAllocator.h"
#include "itkFusionBackend.h"

#include <array>
#include <cstddef>
#include <memory>
#include <new>
#include <utility>
#include <string>
#include <vector>

namespace itk
{
namespace fusion
{

/** Channels x spatial samples (x fastest, then y, then z), float. */
struct MultimodalFusion_EXPORT FeatureTensor
{
  size_t                                            channels = 0;
  std::array<size_t, 3>                             size{ { 1, 1, 1 } }; // x, y, z (1 for missing axes)
  std::vector<float, UninitialisedAllocator<float>> data;                // [channel][z][y][x]

  size_t
  Samples() const
  {
    return size[0] * size[1] * size[2];
  }
};

/** Where the network's output sample o lies on its input grid along one axis: at input index
 * o * stride + offset (offset may be half-integer), and the input extent it depends on (field). */
struct AxisGeometry
{
  long   stride = 1;
  double offset = 0.0;
  long   field = 1;
};

/** What a network's output becomes per sample: every channel, or their mean, L1 norm or maximum. */
enum class ChannelReduction
{
  None,
  Mean,
  L1,
  Max
};

class MultimodalFusion_EXPORT ConvNetwork
{
public:
  /** Reads an ONNX file; `output` names the tensor to compute (empty: the graph's output).
   * Throws FusionError (InvalidInput) naming the file, the node and the operator on any problem. */
  static std::shared_ptr<const ConvNetwork>
  FromFile(const std::string & path, const std::string & output = "");
  /** The same from bytes in memory (`name` appears in error messages). */
  static std::shared_ptr<const ConvNetwork>
  FromBytes(const void * data, size_t size, const std::string & name, const std::string & output = "");
  /** The TDFIF encoder trained by scripts/train_tdfif_encoder.py, built into the library:
   * conv 3x3 1->64, ReLU, conv 3x3 64->64, ReLU, stride 1, zero padding 1. */
  static std::shared_ptr<const ConvNetwork>
  TDFIFEncoder();
  /** TDFIF-Net's decoder trained by scripts/train_tdfif_fusion.py, built into the library: the
   * 66 channels [sum_k W_k phi_k, sum_k W_k I_k, max_k I_k] -> conv 3x3 66->32, ReLU, conv 3x3
   * 32->16, ReLU, conv 3x3 16->1, plus a 1x1 convolution of the input (TDFIFFusionFilter). */
  static std::shared_ptr<const ConvNetwork>
  TDFIFDecoder();

  ~ConvNetwork();

  /** 2 or 3. */
  unsigned int
  SpatialDimension() const;
  size_t
  InputChannels() const;
  size_t
  OutputChannels() const;
  /** The most channels of any tensor the network computes (for memory estimates). */
  size_t
  WidestChannels() const;
  const std::string &
  Name() const;
  const std::string &
  OutputName() const;
  /** Per spatial axis in ITK order. */
  std::array<AxisGeometry, 3>
  Geometry() const;
  /** Output spatial size for an input of `input`; throws if the input is smaller than the network
   * can take (its receptive field or a pooling window). */
  std::array<size_t, 3>
  OutputSize(const std::array<size_t, 3> & input) const;
  /** Number of operator nodes evaluated, and a one-line summary per node. */
  std::vector<std::string>
  Describe() const;

  /** Evaluates the network; input.channels must equal InputChannels(). With a reduction the
   * result has one channel. Backend CPU (OpenBLAS GEMM on ITK's threads), or CUDA / EmulatedCUDA:
   * the kernels of Modules/Kernels/conv_network.cuh (the reduction fused into the last
   * convolution). Throws FusionError. */
  FeatureTensor
  Run(const FeatureTensor & input, ChannelReduction reduction = ChannelReduction::None,
      FusionEnums::Backend backend = FusionEnums::Backend::CPU) const;

  /** While one lives, Run on the CPU on this thread keeps each layer on this thread (for callers
   * that run several inputs at once, one per thread: slices of a volume). Same results. */
  class MultimodalFusion_EXPORT SerialScope
  {
  public:
    SerialScope();
    ~SerialScope();
    SerialScope(const SerialScope &) = delete;
    SerialScope &
    operator=(const SerialScope &) = delete;

  private:
    bool m_Previous;
  };

  struct Graph;

private:
  ConvNetwork();
  std::unique_ptr<Graph> m_Graph;
};
} // namespace fusion
} // namespace itk

#endif
