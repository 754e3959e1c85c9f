#include "itkConvNetwork.h"
#include "itkFusionParallel.h"
#include "itkFusionError.h"

#include "itkFusionTargetClones.h"
#include "itkMultiThreaderBase.h"
#include "fusionKernels.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <functional>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <stdexcept>

extern "C"
{
#include <cblas.h>
  void
  openblas_set_num_threads(int);
}

namespace itk
{
namespace fusion
{
namespace
{
enum class Op
{
  Conv,
  Relu,
  MaxPool,
  AveragePool,
  BatchNormalization,
  Concat,
  Add,
  Identity
};

struct Node
{
  Op               op = Op::Identity;
  std::string      name, type;
  std::vector<int> inputs;
  int              output = -1;
  // Convolution and pooling, per spatial axis in ITK order (x, y, z).
  long kernel[3] = { 1, 1, 1 }, stride[3] = { 1, 1, 1 }, padLow[3] = { 0, 0, 0 }, padHigh[3] = { 0, 0, 0 },
       dilation[3] = { 1, 1, 1 };
  long               group = 1;
  bool               ceilMode = false, countIncludePad = false, relu = false; // relu: fused after a Conv
  size_t             outChannels = 0, groupInChannels = 0;
  std::vector<float> weights, bias; // Conv: [out][in / group][kz][ky][kx]; BatchNormalization: scale, shift
  std::vector<float> winograd;      // 3x3 stride-1 Conv: the transformed weights [36][out][in], else empty
};

/* Winograd's minimal filtering F(4x4, 3x3) (Lavin and Gray, 2016): a 4x4 block of outputs of a
 * 3x3 correlation from a 6x6 input tile d as A^T [(G g G^T) . (B^T d B)] A, the products summed
 * over input channels by 36 GEMMs; 2.25 times fewer multiplications than the direct sum. */
constexpr float kBT[6][6] = { { 4, 0, -5, 0, 1, 0 },  { 0, -4, -4, 1, 1, 0 }, { 0, 4, -4, -1, 1, 0 },
                              { 0, -2, -1, 2, 1, 0 }, { 0, 2, -1, -2, 1, 0 }, { 0, 4, 0, -5, 0, 1 } };
constexpr float kG[6][3] = { { 1.0f / 4, 0, 0 },
                             { -1.0f / 6, -1.0f / 6, -1.0f / 6 },
                             { -1.0f / 6, 1.0f / 6, -1.0f / 6 },
                             { 1.0f / 24, 1.0f / 12, 1.0f / 6 },
                             { 1.0f / 24, -1.0f / 12, 1.0f / 6 },
                             { 0, 0, 1 } };
constexpr float kAT[4][6] = { { 1, 1, 1, 1, 1, 0 },
                              { 0, 1, -1, 2, -2, 0 },
                              { 0, 1, 1, 4, 4, 0 },
                              { 0, 1, -1, 8, -8, 1 } };

bool
UsesWinograd(const Node & node)
{
  return node.op == Op::Conv && node.group == 1 && node.kernel[0] == 3 && node.kernel[1] == 3 && node.kernel[2] == 1 &&
         node.stride[0] == 1 && node.stride[1] == 1 && node.stride[2] == 1 && node.dilation[0] == 1 &&
         node.dilation[1] == 1 && node.padLow[2] == 0 && node.padHigh[2] == 0 && node.groupInChannels >= 8;
}

std::vector<float>
WinogradWeights(const Node & node)
{
  const size_t       O = node.outChannels, I = node.groupInChannels;
  std::vector<float> u(36 * O * I);
  for (size_t o = 0; o < O; ++o)
    for (size_t i = 0; i < I; ++i)
    {
      const float * g = node.weights.data() + (o * I + i) * 9; // [ky][kx]
      double        t[6][3];
      for (int a = 0; a < 6; ++a)
        for (int b = 0; b < 3; ++b)
          t[a][b] = kG[a][0] * g[0 * 3 + b] + kG[a][1] * g[1 * 3 + b] + kG[a][2] * g[2 * 3 + b];
      for (int a = 0; a < 6; ++a)
        for (int c = 0; c < 6; ++c)
          u[((static_cast<size_t>(a) * 6 + static_cast<size_t>(c)) * O + o) * I + i] =
            static_cast<float>(t[a][0] * kG[c][0] + t[a][1] * kG[c][1] + t[a][2] * kG[c][2]);
    }
  return u;
}

[[noreturn]] void
Fail(const std::string & where, const std::string & what)
{
  throw InvalidInput(where + ": " + what);
}

std::string
Where(const std::string & model, const onnx::NodeProto & node)
{
  return model + ", node '" + node.name() + "' (" + node.op_type() + ")";
}

std::vector<float>
FloatData(const onnx::TensorProto & t, const std::string & where, std::vector<int64_t> & dims)
{
  dims.assign(t.dims().begin(), t.dims().end());
  size_t count = 1;
  for (auto d : dims)
  {
    if (d < 0)
      Fail(where, "initializer '" + t.name() + "' has a negative dimension");
    if (d > 0 && count > (static_cast<size_t>(INT_MAX) / sizeof(float)) / static_cast<size_t>(d))
      Fail(where, "initializer '" + t.name() + "' is larger than 2 GiB");
    count *= static_cast<size_t>(d);
  }
  if (t.data_type() != onnx::TensorProto::FLOAT)
    Fail(where, "initializer '" + t.name() + "' is not float (ONNX data type " + std::to_string(t.data_type()) + ")");
  if (t.has_data_location() && t.data_location() == onnx::TensorProto::EXTERNAL)
    Fail(where, "initializer '" + t.name() + "' is stored in an external file (not supported)");
  // The values must be there before memory is taken for them.
  if (!t.raw_data().empty() && t.raw_data().size() != count * sizeof(float))
    Fail(where,
         "initializer '" + t.name() + "' has " + std::to_string(t.raw_data().size()) + " bytes for " +
           std::to_string(count) + " floats");
  if (t.raw_data().empty() && static_cast<size_t>(t.float_data_size()) != count)
    Fail(where,
         "initializer '" + t.name() + "' has " + std::to_string(t.float_data_size()) + " values for " +
           std::to_string(count));
  std::vector<float> values(count);
  if (!t.raw_data().empty())
    std::memcpy(values.data(), t.raw_data().data(), count * sizeof(float));
  else
    std::copy(t.float_data().begin(), t.float_data().end(), values.begin());
  for (float v : values)
    if (!std::isfinite(v))
      Fail(where, "initializer '" + t.name() + "' holds a non-finite value");
  return values;
}

const onnx::AttributeProto *
Attribute(const onnx::NodeProto & node, const std::string & name)
{
  for (const auto & a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

/** An ints attribute given in ONNX axis order (D, H, W) into ITK order; pads: begins then ends. */
void
SpatialInts(const onnx::NodeProto & node, const std::string & name, unsigned dimension, long * low, long * high,
            const std::string & where)
{
  const auto * a = Attribute(node, name);
  if (!a)
    return;
  const size_t expected = high ? 2 * dimension : dimension;
  if (static_cast<size_t>(a->ints_size()) != expected)
    Fail(where,
         "attribute " + name + " has " + std::to_string(a->ints_size()) + " values, expected " +
           std::to_string(expected));
  for (unsigned i = 0; i < dimension; ++i)
  {
    low[dimension - 1 - i] = static_cast<long>(a->ints(static_cast<int>(i)));
    if (high)
      high[dimension - 1 - i] = static_cast<long>(a->ints(static_cast<int>(dimension + i)));
  }
}

long
IntAttribute(const onnx::NodeProto & node, const std::string & name, long fallback)
{
  const auto * a = Attribute(node, name);
  return a ? static_cast<long>(a->i()) : fallback;
}

size_t
WindowOutput(size_t n, const Node & node, unsigned axis, bool pooling, const std::string & where)
{
  const long extent = node.dilation[axis] * (node.kernel[axis] - 1) + 1;
  const long padded = static_cast<long>(n) + node.padLow[axis] + node.padHigh[axis];
  if (padded < extent)
    Fail(where,
         "the input is too small: " + std::to_string(n) + " samples along axis " + std::to_string(axis) +
           " for a window of " + std::to_string(extent));
  long out = (padded - extent) / node.stride[axis] + 1;
  if (pooling && node.ceilMode)
  {
    out = (padded - extent + node.stride[axis] - 1) / node.stride[axis] + 1;
    if ((out - 1) * node.stride[axis] >= static_cast<long>(n) + node.padLow[axis]) // the last window starts in padding
      --out;
  }
  return static_cast<size_t>(out);
}

// One row of im2col: for output samples [x0, x1) of one output line, the input samples at
// x * stride + shift (zero outside [0, n)).
FUSION_TARGET_CLONES void
GatherRow(float * __restrict to, const float * __restrict line, long n, long x0, long x1, long stride, long shift)
{
  if (!line)
  {
    std::fill(to, to + (x1 - x0), 0.0f);
    return;
  }
  for (long x = x0; x < x1; ++x)
  {
    const long i = x * stride + shift;
    *to++ = (i >= 0 && i < n) ? line[i] : 0.0f;
  }
}

FUSION_TARGET_CLONES void
BiasRelu(float * __restrict values, size_t n, float bias, bool relu)
{
  if (relu)
    for (size_t i = 0; i < n; ++i)
      values[i] = std::max(values[i] + bias, 0.0f);
  else
    for (size_t i = 0; i < n; ++i)
      values[i] += bias;
}

thread_local bool t_Serial = false; // ConvNetwork::SerialScope

/* f(job) for every job in [0, count): on the threads of ITK's global default when the call has at least
 * 2^20 multiply-adds of `work` and is not in a SerialScope. */
void
ParallelJobs(size_t count, size_t work, const std::function<void(size_t)> & f)
{
  const unsigned threads =
    (t_Serial || work < (size_t{ 1 } << 20)) ? 1u : MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  ParallelFor(count, threads, [&f](size_t begin, size_t end) {
    for (size_t job = begin; job < end; ++job)
      f(job);
  });
}

const unsigned char kTDFIFEncoderModel[] = {
#include "itkTDFIFEncoderModel.inc" // Models/tdfif/encoder.onnx, embedded at build time
};
const unsigned char kTDFIFDecoderModel[] = {
#include "itkTDFIFDecoderModel.inc" // Models/tdfif/decoder.onnx, embedded at build time
};
} // namespace

struct ConvNetwork::Graph
{
  std::string                              name, outputName;
  unsigned                                 dimension = 2;
  size_t                                   inputChannels = 0;
  std::vector<Node>                        nodes;
  size_t                                   values = 1; // value 0: the image
  int                                      output = 0;
  int                                      finalValue = 0; // the output's producer, through Identity nodes
  std::vector<size_t>                      channels;       // per value
  std::vector<size_t>                      lastUse;        // per value: index of the last node reading it
  std::vector<std::array<AxisGeometry, 3>> geometry;       // per value
};

ConvNetwork::ConvNetwork()
  : m_Graph(new Graph)
{}

ConvNetwork::~ConvNetwork() = default;

std::shared_ptr<const ConvNetwork>
ConvNetwork::FromFile(const std::string & path, const std::string & output)
{
  std::ifstream file(path, std::ios::binary);
  if (!file)
    throw InvalidInput(path + ": cannot open the ONNX file");
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return FromBytes(bytes.data(), bytes.size(), path, output);
}

#include "itkConvNetworkOnnx.inc"

ConvNetwork::SerialScope::SerialScope()
  : m_Previous(t_Serial)
{
  t_Serial = true;
}

ConvNetwork::SerialScope::~SerialScope()
{
  t_Serial = m_Previous;
}

std::shared_ptr<const ConvNetwork>
ConvNetwork::TDFIFEncoder()
{
  static const auto network = FromBytes(kTDFIFEncoderModel, sizeof kTDFIFEncoderModel, "the built-in TDFIF encoder");
  return network;
}

std::shared_ptr<const ConvNetwork>
ConvNetwork::TDFIFDecoder()
{
  static const auto network =
    FromBytes(kTDFIFDecoderModel, sizeof kTDFIFDecoderModel, "the built-in TDFIF-Net decoder");
  return network;
}

unsigned int
ConvNetwork::SpatialDimension() const
{
  return m_Graph->dimension;
}

size_t
ConvNetwork::InputChannels() const
{
  return m_Graph->inputChannels;
}

size_t
ConvNetwork::OutputChannels() const
{
  return m_Graph->channels[static_cast<size_t>(m_Graph->output)];
}

size_t
ConvNetwork::WidestChannels() const
{
  return *std::max_element(m_Graph->channels.begin(), m_Graph->channels.end());
}

const std::string &
ConvNetwork::Name() const
{
  return m_Graph->name;
}

const std::string &
ConvNetwork::OutputName() const
{
  return m_Graph->outputName;
}

std::array<AxisGeometry, 3>
ConvNetwork::Geometry() const
{
  return m_Graph->geometry[static_cast<size_t>(m_Graph->output)];
}

namespace
{
std::vector<std::array<size_t, 3>>
ValueSizes(const ConvNetwork::Graph & graph, const std::array<size_t, 3> & input)
{
  std::vector<std::array<size_t, 3>> sizes(graph.values);
  sizes[0] = input;
  for (unsigned d = graph.dimension; d < 3; ++d)
    if (input[d] != 1)
      Fail(graph.name, "a " + std::to_string(graph.dimension) + "D network takes no axis " + std::to_string(d));
  for (const auto & node : graph.nodes)
  {
    auto              size = sizes[static_cast<size_t>(node.inputs[0])];
    const std::string where = graph.name + ", node '" + node.name + "' (" + node.type + ")";
    if (node.op == Op::Conv || node.op == Op::MaxPool || node.op == Op::AveragePool)
      for (unsigned d = 0; d < graph.dimension; ++d)
        size[d] = WindowOutput(size[d], node, d, node.op != Op::Conv, where);
    for (size_t i = 1; i < node.inputs.size(); ++i)
      if (sizes[static_cast<size_t>(node.inputs[i])] != size)
        Fail(where, "its inputs have different sizes");
    sizes[static_cast<size_t>(node.output)] = size;
  }
  return sizes;
}
} // namespace

std::array<size_t, 3>
ConvNetwork::OutputSize(const std::array<size_t, 3> & input) const
{
  return ValueSizes(*m_Graph, input)[static_cast<size_t>(m_Graph->output)];
}

std::vector<std::string>
ConvNetwork::Describe() const
{
  std::vector<std::string> lines;
  for (const auto & node : m_Graph->nodes)
  {
    std::ostringstream s;
    s << node.type << " '" << node.name << "' -> " << m_Graph->channels[static_cast<size_t>(node.output)]
      << " channels";
    if (node.op == Op::Conv || node.op == Op::MaxPool || node.op == Op::AveragePool)
    {
      s << ", kernel";
      for (unsigned d = 0; d < m_Graph->dimension; ++d)
        s << (d ? "x" : " ") << node.kernel[d];
      s << " stride " << node.stride[0] << " pad " << node.padLow[0];
    }
    if (node.relu)
      s << " + ReLU";
    lines.push_back(s.str());
  }
  return lines;
}

#include "itkConvNetworkOperators.inc"

namespace
{
/* The channel reduction of a tensor, in place of its channels. */
FeatureTensor
Reduce(FeatureTensor && t, ChannelReduction reduction)
{
  if (reduction == ChannelReduction::None)
    return std::move(t);
  const size_t                                      n = t.Samples();
  std::vector<float, UninitialisedAllocator<float>> reduced(n);
  std::vector<double>                               sum(n, reduction == ChannelReduction::Max ? -INFINITY : 0.0);
  for (size_t c = 0; c < t.channels; ++c)
  {
    const float * channel = t.data.data() + c * n;
    for (size_t i = 0; i < n; ++i)
      sum[i] = reduction == ChannelReduction::Max
                 ? std::max(sum[i], static_cast<double>(channel[i]))
                 : sum[i] + (reduction == ChannelReduction::L1 ? std::abs(channel[i]) : channel[i]);
  }
  for (size_t i = 0; i < n; ++i)
    reduced[i] =
      static_cast<float>(reduction == ChannelReduction::Mean ? sum[i] / static_cast<double>(t.channels) : sum[i]);
  t.channels = 1;
  t.data = std::move(reduced);
  return std::move(t);
}
} // namespace

FeatureTensor
ConvNetwork::Run(const FeatureTensor & input, ChannelReduction reduction, FusionEnums::Backend backend) const
{
  const Graph & graph = *m_Graph;
  if (input.channels != graph.inputChannels)
    Fail(graph.name,
         "the input has " + std::to_string(input.channels) + " channels, the network takes " +
           std::to_string(graph.inputChannels));
  if (input.data.size() != input.channels * input.Samples())
    Fail(graph.name, "the input tensor's data does not match its size");
  for (float v : input.data)
    if (!std::isfinite(v))
      Fail(graph.name, "the input holds a non-finite value");
  const auto sizes = ValueSizes(graph, input.size); // checks every layer's size
  if (backend == FusionEnums::Backend::CUDA || backend == FusionEnums::Backend::EmulatedCUDA)
  {
    // The layers for the device: the same nodes, weights by pointer.
    std::vector<::fusionkernels::NetworkLayer> layers;
    for (const auto & node : graph.nodes)
    {
      ::fusionkernels::NetworkLayer layer;
      static const int              ops[] = { ::fusionkernels::NetConv,       ::fusionkernels::NetRelu,
                                              ::fusionkernels::NetMaxPool,    ::fusionkernels::NetAveragePool,
                                              ::fusionkernels::NetScaleShift, ::fusionkernels::NetConcat,
                                              ::fusionkernels::NetAdd,        ::fusionkernels::NetIdentity };
      layer.op = ops[static_cast<int>(node.op)];
      if (node.inputs.size() > static_cast<size_t>(::fusionkernels::kNetworkMaximumInputs))
        Fail(graph.name + ", node '" + node.name + "' (" + node.type + ")",
             "more than " + std::to_string(::fusionkernels::kNetworkMaximumInputs) + " inputs for the CUDA kernels");
      layer.inputCount = static_cast<int>(node.inputs.size());
      std::copy(node.inputs.begin(), node.inputs.end(), layer.inputs);
      layer.output = node.output;
      for (unsigned d = 0; d < 3; ++d)
      {
        layer.kernel[d] = static_cast<int>(node.kernel[d]);
        layer.stride[d] = static_cast<int>(node.stride[d]);
        layer.padLow[d] = static_cast<int>(node.padLow[d]);
        layer.padHigh[d] = static_cast<int>(node.padHigh[d]);
        layer.dilation[d] = static_cast<int>(node.dilation[d]);
      }
      layer.groups = static_cast<int>(node.group);
      layer.relu = node.relu ? 1 : 0;
      layer.countIncludePad = node.countIncludePad ? 1 : 0;
      layer.weights = node.weights.empty() ? nullptr : node.weights.data();
      layer.bias = node.bias.empty() ? nullptr : node.bias.data();
      layer.weightCount = static_cast<int>(node.weights.size());
      layers.push_back(layer);
    }
    std::vector<int> channels(graph.values), valueSizes(3 * graph.values);
    for (size_t v = 0; v < graph.values; ++v)
    {
      channels[v] = static_cast<int>(graph.channels[v]);
      for (unsigned d = 0; d < 3; ++d)
        valueSizes[3 * v + d] = static_cast<int>(sizes[v][d]);
    }
    FeatureTensor result;
    result.size = sizes[static_cast<size_t>(graph.output)];
    result.channels = reduction == ChannelReduction::None ? graph.channels[static_cast<size_t>(graph.output)] : 1;
    if (graph.output == 0) // the network computes nothing: the input itself
      return Reduce(FeatureTensor(input), reduction);
    result.data.resize(result.channels * result.Samples());
    ::fusionkernels::NetworkArguments arguments;
    arguments.layers = layers.data();
    arguments.layerCount = static_cast<int>(layers.size());
    arguments.valueCount = static_cast<int>(graph.values);
    arguments.valueChannels = channels.data();
    arguments.valueSizes = valueSizes.data();
    arguments.input = input.data.data();
    arguments.outputValue = graph.output;
    arguments.reduce = static_cast<int>(reduction);
    arguments.output = result.data.data();
    RunKernel(backend, "feature network", &::fusionkernels::KernelTable::ConvNetworkForward, arguments);
    return result;
  }
  // Value 0 is the caller's input (never written: every operator makes a new tensor).
  std::vector<std::shared_ptr<FeatureTensor>> values(graph.values);
  bool                                        reducedInLayer = false;
  values[0] = std::shared_ptr<FeatureTensor>(const_cast<FeatureTensor *>(&input), [](FeatureTensor *) {});
  for (size_t i = 0; i < graph.nodes.size(); ++i)
  {
    const Node &          node = graph.nodes[i];
    const FeatureTensor & in = *values[static_cast<size_t>(node.inputs[0])];
    if (node.op == Op::Identity)
      values[static_cast<size_t>(node.output)] = values[static_cast<size_t>(node.inputs[0])];
    else
    {
      auto out = std::make_shared<FeatureTensor>();
      out->channels = graph.channels[static_cast<size_t>(node.output)];
      out->size = in.size;
      if (node.op == Op::Conv || node.op == Op::MaxPool || node.op == Op::AveragePool)
        for (unsigned d = 0; d < graph.dimension; ++d)
          out->size[d] = WindowOutput(in.size[d], node, d, node.op != Op::Conv, graph.name);
      // The network's last convolution reduces its channels as it makes them (Winograd path).
      const bool fused = node.op == Op::Conv && !node.winograd.empty() && node.output == graph.finalValue &&
                         reduction != ChannelReduction::None;
      if (fused)
      {
        out->channels = 1;
        reducedInLayer = true;
      }
      out->data.resize(out->channels * out->Samples());
      const size_t n = out->data.size();
      switch (node.op)
      {
        case Op::Conv:
          RunConv(node, in, *out, fused ? reduction : ChannelReduction::None);
          break;
        case Op::MaxPool:
        case Op::AveragePool:
          RunPool(node, in, *out);
          break;
        case Op::Relu:
          for (size_t k = 0; k < n; ++k)
            out->data[k] = std::max(in.data[k], 0.0f);
          break;
        case Op::BatchNormalization:
          for (size_t c = 0; c < in.channels; ++c)
            for (size_t k = 0, s = in.Samples(); k < s; ++k)
              out->data[c * s + k] = in.data[c * s + k] * node.weights[c] + node.bias[c];
          break;
        case Op::Add:
        {
          const FeatureTensor & other = *values[static_cast<size_t>(node.inputs[1])];
          for (size_t k = 0; k < n; ++k)
            out->data[k] = in.data[k] + other.data[k];
          break;
        }
        case Op::Concat:
        {
          auto at = out->data.begin();
          for (int v : node.inputs)
            at =
              std::copy(values[static_cast<size_t>(v)]->data.begin(), values[static_cast<size_t>(v)]->data.end(), at);
          break;
        }
        case Op::Identity:
          break;
      }
      values[static_cast<size_t>(node.output)] = std::move(out);
    }
    for (int v : node.inputs) // free what no later node reads
      if (graph.lastUse[static_cast<size_t>(v)] == i && v != graph.output)
        values[static_cast<size_t>(v)].reset();
  }
  const auto & result = values[static_cast<size_t>(graph.output)];
  if (result.get() == &input)
    return Reduce(FeatureTensor(input), reduction);
  return Reduce(std::move(*result), reducedInLayer ? ChannelReduction::None : reduction);
}
} // namespace fusion
} // namespace itk
