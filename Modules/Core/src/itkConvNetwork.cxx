#include "itkConvNetwork.h"

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
constexpr float kAT[4][6] = { { 1, 1, 1, 1, 1, 0 }, { 0, 1, -1, 2, -2, 0 }, { 0, 1, 1, 4, 4, 0 }, { 0, 1, -1, 8, -8, 1 } };

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
  throw std::runtime_error(where + ": " + what);
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
    Fail(where, "initializer '" + t.name() + "' has " + std::to_string(t.raw_data().size()) + " bytes for " +
                  std::to_string(count) + " floats");
  if (t.raw_data().empty() && static_cast<size_t>(t.float_data_size()) != count)
    Fail(where, "initializer '" + t.name() + "' has " + std::to_string(t.float_data_size()) + " values for " +
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
    Fail(where, "attribute " + name + " has " + std::to_string(a->ints_size()) + " values, expected " +
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
    Fail(where, "the input is too small: " + std::to_string(n) + " samples along axis " + std::to_string(axis) +
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

void
ParallelFor(size_t count, size_t work, const std::function<void(size_t)> & f)
{
  if (t_Serial || count == 1 || work < (size_t{ 1 } << 20))
    for (size_t i = 0; i < count; ++i)
      f(i);
  else
    MultiThreaderBase::New()->ParallelizeArray(0, count, f, nullptr);
}

const unsigned char kTDFIFEncoderModel[] = {
#include "itkTDFIFEncoderModel.inc" // Models/tdfif/encoder.onnx, embedded at build time
};
} // namespace

struct ConvNetwork::Graph
{
  std::string         name, outputName;
  unsigned            dimension = 2;
  size_t              inputChannels = 0;
  std::vector<Node>   nodes;
  size_t              values = 1; // value 0: the image
  int                 output = 0;
  int                 finalValue = 0; // the output's producer, through Identity nodes
  std::vector<size_t> channels;   // per value
  std::vector<size_t> lastUse;    // per value: index of the last node reading it
  std::vector<std::array<AxisGeometry, 3>> geometry; // per value
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
    throw std::runtime_error(path + ": cannot open the ONNX file");
  std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  return FromBytes(bytes.data(), bytes.size(), path, output);
}

std::shared_ptr<const ConvNetwork>
ConvNetwork::FromBytes(const void * data, size_t size, const std::string & name, const std::string & output)
{
  onnx::ModelProto model;
  if (size == 0 || size > static_cast<size_t>(INT_MAX) || !model.ParseFromArray(data, static_cast<int>(size)))
    Fail(name, "not an ONNX model (the file is empty or corrupt)");
  const auto & g = model.graph();
  if (g.node_size() == 0 || g.output_size() == 0)
    Fail(name, "the ONNX graph has no nodes or no output");
  std::shared_ptr<ConvNetwork> network(new ConvNetwork);
  Graph &                      graph = *network->m_Graph;
  graph.name = name;

  std::map<std::string, const onnx::TensorProto *> initializers;
  for (const auto & t : g.initializer())
    initializers[t.name()] = &t;
  std::vector<const onnx::ValueInfoProto *> images;
  for (const auto & i : g.input())
    if (!initializers.count(i.name()))
      images.push_back(&i);
  if (images.size() != 1)
    Fail(name, "the graph must have one image input, it has " + std::to_string(images.size()));
  const auto & shape = images[0]->type().tensor_type().shape();
  if (shape.dim_size() != 4 && shape.dim_size() != 5)
    Fail(name, "the image input '" + images[0]->name() + "' has " + std::to_string(shape.dim_size()) +
                 " dimensions; 4 (N, C, H, W) or 5 (N, C, D, H, W) are supported");
  graph.dimension = static_cast<unsigned>(shape.dim_size() - 2);
  if (!shape.dim(1).has_dim_value() || shape.dim(1).dim_value() <= 0)
    Fail(name, "the image input '" + images[0]->name() + "' has no fixed channel count");
  graph.inputChannels = static_cast<size_t>(shape.dim(1).dim_value());

  // The nodes the wanted tensor depends on.
  graph.outputName = output.empty() ? g.output(0).name() : output;
  // PyTorch's exporter copies some weights through Identity nodes: those outputs are weights too.
  for (const auto & n : g.node())
    if (n.op_type() == "Identity" && n.input_size() == 1 && n.output_size() == 1 && initializers.count(n.input(0)))
      initializers[n.output(0)] = initializers[n.input(0)];
  std::map<std::string, int> producer;
  for (int i = 0; i < g.node_size(); ++i)
    for (const auto & o : g.node(i).output())
      if (!initializers.count(o))
        producer[o] = i;
  if (graph.outputName != images[0]->name() && !producer.count(graph.outputName))
    Fail(name, "no tensor named '" + graph.outputName + "' in the graph");
  std::set<int>            needed;
  std::vector<std::string> stack{ graph.outputName };
  while (!stack.empty())
  {
    const std::string value = stack.back();
    stack.pop_back();
    auto p = producer.find(value);
    if (p == producer.end())
    {
      if (value != images[0]->name() && !initializers.count(value))
        Fail(name, "the tensor '" + value + "' is neither computed nor given in the graph");
      continue;
    }
    if (needed.insert(p->second).second)
      for (const auto & in : g.node(p->second).input())
        if (!in.empty())
          stack.push_back(in);
  }

  std::map<std::string, int> ids{ { images[0]->name(), 0 } };
  graph.channels = { graph.inputChannels };
  graph.geometry.resize(1);
  const unsigned D = graph.dimension;
  const auto     value = [&](const std::string & n, const std::string & where) {
    auto it = ids.find(n);
    if (it == ids.end())
      Fail(where, "its input '" + n + "' is a constant or unknown (only computed tensors are supported here)");
    return it->second;
  };
  for (int index : needed) // std::set: in graph order, which ONNX requires to be topological
  {
    const auto &      n = g.node(index);
    const std::string where = Where(name, n);
    Node              node;
    node.name = n.name();
    node.type = n.op_type();
    static const std::map<std::string, Op> ops{ { "Conv", Op::Conv },
                                                { "Relu", Op::Relu },
                                                { "MaxPool", Op::MaxPool },
                                                { "AveragePool", Op::AveragePool },
                                                { "BatchNormalization", Op::BatchNormalization },
                                                { "Concat", Op::Concat },
                                                { "Add", Op::Add },
                                                { "Identity", Op::Identity } };
    if (!n.domain().empty() && n.domain() != "ai.onnx")
      Fail(where, "operator " + n.op_type() + " of domain '" + n.domain() +
                    "' is not supported (only the standard ONNX operators)");
    auto op = ops.find(n.op_type());
    if (op == ops.end())
      Fail(where, "unsupported operator " + n.op_type() +
                    " (supported: Conv, Relu, MaxPool, AveragePool, BatchNormalization, Concat, Add, Identity)");
    node.op = op->second;
    if (n.input_size() < 1)
      Fail(where, "no input");
    node.inputs.push_back(value(n.input(0), where));
    const size_t inChannels = graph.channels[static_cast<size_t>(node.inputs[0])];
    size_t       outChannels = inChannels;
    const auto   padding = [&]() {
      const auto * autoPad = Attribute(n, "auto_pad");
      if (autoPad && autoPad->s() != "NOTSET" && autoPad->s() != "VALID")
        Fail(where, "auto_pad " + autoPad->s() + " is not supported (give explicit pads)");
      SpatialInts(n, "pads", D, node.padLow, node.padHigh, where);
      SpatialInts(n, "strides", D, node.stride, nullptr, where);
      SpatialInts(n, "dilations", D, node.dilation, nullptr, where);
      for (unsigned d = 0; d < 3; ++d)
        if (node.stride[d] < 1 || node.dilation[d] < 1 || node.padLow[d] < 0 || node.padHigh[d] < 0 || node.kernel[d] < 1)
          Fail(where, "invalid kernel, stride, dilation or padding");
    };
    switch (node.op)
    {
      case Op::Conv:
      {
        if (n.input_size() < 2 || !initializers.count(n.input(1)))
          Fail(where, "the weights must be an initializer");
        std::vector<int64_t> dims;
        node.weights = FloatData(*initializers[n.input(1)], where, dims);
        if (dims.size() != D + 2)
          Fail(where, "weights of " + std::to_string(dims.size()) + " dimensions for a " + std::to_string(D) +
                        "D input");
        node.group = IntAttribute(n, "group", 1);
        node.outChannels = static_cast<size_t>(dims[0]);
        node.groupInChannels = static_cast<size_t>(dims[1]);
        if (node.group < 1)
          Fail(where, "group " + std::to_string(node.group) + ": the group count must be at least 1");
        if (dims[0] < 1 || dims[1] < 1)
          Fail(where, "weights with an empty dimension");
        if ( node.outChannels % static_cast<size_t>(node.group) != 0 ||
            node.groupInChannels * static_cast<size_t>(node.group) != inChannels)
          Fail(where, "channel mismatch: the input has " + std::to_string(inChannels) + " channels, the weights expect " +
                        std::to_string(node.groupInChannels * static_cast<size_t>(std::max(1L, node.group))));
        for (unsigned i = 0; i < D; ++i)
          node.kernel[D - 1 - i] = static_cast<long>(dims[2 + i]);
        long given[3] = { node.kernel[0], node.kernel[1], node.kernel[2] };
        SpatialInts(n, "kernel_shape", D, given, nullptr, where);
        if (!std::equal(given, given + 3, node.kernel))
          Fail(where, "kernel_shape disagrees with the weights");
        padding();
        if (n.input_size() > 2 && !n.input(2).empty())
        {
          if (!initializers.count(n.input(2)))
            Fail(where, "the bias must be an initializer");
          node.bias = FloatData(*initializers[n.input(2)], where, dims);
          if (node.bias.size() != node.outChannels)
            Fail(where, "bias of " + std::to_string(node.bias.size()) + " values for " +
                          std::to_string(node.outChannels) + " channels");
        }
        else
          node.bias.assign(node.outChannels, 0.0f);
        outChannels = node.outChannels;
        if (UsesWinograd(node))
          node.winograd = WinogradWeights(node);
        break;
      }
      case Op::MaxPool:
      case Op::AveragePool:
      {
        const auto * k = Attribute(n, "kernel_shape");
        if (!k)
          Fail(where, "no kernel_shape");
        SpatialInts(n, "kernel_shape", D, node.kernel, nullptr, where);
        padding();
        node.ceilMode = IntAttribute(n, "ceil_mode", 0) != 0;
        node.countIncludePad = IntAttribute(n, "count_include_pad", 0) != 0;
        if (n.output_size() > 1 && !n.output(1).empty())
          Fail(where, "pooling indices are not supported");
        break;
      }
      case Op::BatchNormalization:
      {
        if (n.input_size() != 5)
          Fail(where, "expects 5 inputs (X, scale, B, mean, var)");
        std::vector<float> p[4];
        for (int i = 0; i < 4; ++i)
        {
          if (!initializers.count(n.input(i + 1)))
            Fail(where, "its parameters must be initializers");
          std::vector<int64_t> dims;
          p[i] = FloatData(*initializers[n.input(i + 1)], where, dims);
          if (p[i].size() != inChannels)
            Fail(where, "channel mismatch: " + std::to_string(p[i].size()) + " parameters for " +
                          std::to_string(inChannels) + " channels");
        }
        const auto * eps = Attribute(n, "epsilon");
        const double epsilon = eps ? eps->f() : 1e-5;
        if (IntAttribute(n, "training_mode", 0) != 0)
          Fail(where, "training mode is not supported");
        node.weights.resize(inChannels);
        node.bias.resize(inChannels);
        if (!std::isfinite(epsilon) || epsilon < 0)
          Fail(where, "epsilon " + std::to_string(epsilon) + " must be a non-negative finite number");
        for (size_t c = 0; c < inChannels; ++c)
          if (!(static_cast<double>(p[3][c]) + epsilon > 0))
            Fail(where, "the variance of channel " + std::to_string(c) + " is " + std::to_string(p[3][c]) +
                          " (with epsilon not positive): the normalisation would divide by the root of a negative number");
        for (size_t c = 0; c < inChannels; ++c)
        {
          const double s = p[0][c] / std::sqrt(static_cast<double>(p[3][c]) + epsilon);
          node.weights[c] = static_cast<float>(s);
          node.bias[c] = static_cast<float>(p[1][c] - p[2][c] * s);
        }
        break;
      }
      case Op::Concat:
      case Op::Add:
      {
        if (node.op == Op::Concat)
        {
          const long axis = IntAttribute(n, "axis", 1);
          if (axis != 1 && axis != 1 - static_cast<long>(D + 2))
            Fail(where, "concatenation along axis " + std::to_string(axis) + " (only channels, axis 1, is supported)");
        }
        else if (n.input_size() != 2)
          Fail(where, "Add of " + std::to_string(n.input_size()) + " inputs");
        for (int i = 1; i < n.input_size(); ++i)
        {
          const int v = value(n.input(i), where);
          const auto & a = graph.geometry[static_cast<size_t>(node.inputs[0])], &b = graph.geometry[static_cast<size_t>(v)];
          for (unsigned d = 0; d < 3; ++d)
            if (a[d].stride != b[d].stride || a[d].offset != b[d].offset)
              Fail(where, "its inputs lie on different grids");
          if (node.op == Op::Add && graph.channels[static_cast<size_t>(v)] != inChannels)
            Fail(where, "channel mismatch: " + std::to_string(inChannels) + " + " +
                          std::to_string(graph.channels[static_cast<size_t>(v)]));
          if (node.op == Op::Concat)
            outChannels += graph.channels[static_cast<size_t>(v)];
          node.inputs.push_back(v);
        }
        break;
      }
      case Op::Relu:
      case Op::Identity:
        break;
    }
    // Where the output samples lie on the image grid, and what they see.
    std::array<AxisGeometry, 3> geometry = graph.geometry[static_cast<size_t>(node.inputs[0])];
    for (size_t i = 1; i < node.inputs.size(); ++i)
      for (unsigned d = 0; d < 3; ++d)
        geometry[d].field = std::max(geometry[d].field, graph.geometry[static_cast<size_t>(node.inputs[i])][d].field);
    if (node.op == Op::Conv || node.op == Op::MaxPool || node.op == Op::AveragePool)
      for (unsigned d = 0; d < 3; ++d)
      {
        const long extent = node.dilation[d] * (node.kernel[d] - 1) + 1;
        geometry[d].offset += geometry[d].stride * (-node.padLow[d] + (extent - 1) / 2.0);
        geometry[d].field += (extent - 1) * geometry[d].stride;
        geometry[d].stride *= node.stride[d];
      }
    if (n.output_size() < 1 || n.output(0).empty())
      Fail(where, "no output");
    node.output = static_cast<int>(graph.values++);
    ids[n.output(0)] = node.output;
    graph.channels.push_back(outChannels);
    graph.geometry.push_back(geometry);
    graph.nodes.push_back(std::move(node));
  }
  graph.output = ids.at(graph.outputName);

  // A ReLU right after a convolution whose result nothing else reads is done inside it.
  std::vector<int> readers(graph.values, 0);
  for (const auto & node : graph.nodes)
    for (int v : node.inputs)
      ++readers[static_cast<size_t>(v)];
  for (auto & node : graph.nodes)
    if (node.op == Op::Relu)
      for (auto & conv : graph.nodes)
        if (conv.op == Op::Conv && conv.output == node.inputs[0] && readers[static_cast<size_t>(conv.output)] == 1 &&
            conv.output != graph.output && !conv.relu)
        {
          conv.relu = true;
          node.op = Op::Identity;
        }
  // The value the output is an alias of (through Identity nodes), and whether only that chain reads it.
  graph.finalValue = graph.output;
  for (bool moved = true; moved;)
  {
    moved = false;
    for (const auto & node : graph.nodes)
      if (node.op == Op::Identity && node.output == graph.finalValue && readers[static_cast<size_t>(node.inputs[0])] == 1)
      {
        graph.finalValue = node.inputs[0];
        moved = true;
      }
  }
  graph.lastUse.assign(graph.values, 0);
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (int v : graph.nodes[i].inputs)
      graph.lastUse[static_cast<size_t>(v)] = i;
  return network;
}

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
    s << node.type << " '" << node.name << "' -> " << m_Graph->channels[static_cast<size_t>(node.output)] << " channels";
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

namespace
{
constexpr size_t kLanes = 16; // tiles transformed together, one per vector lane

/* The 6x6 input tiles of kLanes tiles at (x0, y0) (zero outside the image or for invalid lanes):
 * d[row][column][lane]. Lanes along one row of tiles (borders included): each of the six image
 * rows is read once (zero-padded where the tiles overhang the image) and split by x mod 4,
 * phase[r][j] = row[4 j + r], so that column b of lane l is phase[b % 4][l + b / 4] and the lanes
 * load contiguously. */
FUSION_TARGET_CLONES void
GatherTiles(const float * channel, long W, long H, const long * x0, const long * y0, const bool * valid,
            float (*d)[6][kLanes])
{
  bool row = valid[kLanes - 1];
  for (size_t l = 1; l < kLanes && row; ++l)
    row = y0[l] == y0[0] && x0[l] == x0[0] + 4 * static_cast<long>(l);
  if (row)
  {
    constexpr long span = 4 * static_cast<long>(kLanes) + 4; // samples x0 .. x0 + span - 1 (the last 2 unused)
    const bool     inside = x0[0] >= 0 && x0[0] + span <= W;
    for (long a = 0; a < 6; ++a)
    {
      const long y = y0[0] + a;
      if (y < 0 || y >= H)
      {
        std::fill(&d[a][0][0], &d[a][0][0] + 6 * kLanes, 0.0f);
        continue;
      }
      // The row's samples split by x mod 4, zero where the tiles overhang the image (element by
      // element there: a fill and a copy of a few dozen floats cost more as library calls).
      const float * row = channel + y * W;
      float         phase[4][kLanes + 1];
      if (inside)
        for (size_t j = 0; j <= kLanes; ++j)
          for (size_t r = 0; r < 4; ++r)
            phase[r][j] = row[x0[0] + static_cast<long>(4 * j + r)];
      else
        for (size_t j = 0; j <= kLanes; ++j)
          for (size_t r = 0; r < 4; ++r)
          {
            const long x = x0[0] + static_cast<long>(4 * j + r);
            phase[r][j] = x >= 0 && x < W ? row[x] : 0.0f;
          }
      for (long b = 0; b < 6; ++b)
        for (size_t l = 0; l < kLanes; ++l)
          d[a][b][l] = phase[b & 3][l + static_cast<size_t>(b >> 2)];
    }
    return;
  }
  for (size_t l = 0; l < kLanes; ++l)
    for (long a = 0; a < 6; ++a)
      for (long b = 0; b < 6; ++b)
      {
        const long y = y0[l] + a, x = x0[l] + b;
        d[a][b][l] = (valid[l] && y >= 0 && y < H && x >= 0 && x < W) ? channel[y * W + x] : 0.0f;
      }
}

/* kLanes floats as one vector (GCC's vector extension: two AVX2 or four SSE operations). The
 * functions taking and returning it are inline in this file, so the ABI note does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float Lanes __attribute__((vector_size(kLanes * sizeof(float))));
inline Lanes
Load(const float * p)
{
  Lanes v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void
Store(float * p, Lanes v)
{
  std::memcpy(p, &v, sizeof v);
}

/* B^T x and A^T x of six values per lane, written out (the zero entries of B and A skipped). */
inline void
BTransposeTimes(const float * x0, const float * x1, const float * x2, const float * x3, const float * x4,
                const float * x5, size_t step, float * y)
{
  const Lanes d0 = Load(x0), d1 = Load(x1), d2 = Load(x2), d3 = Load(x3), d4 = Load(x4), d5 = Load(x5);
  Store(y + 0 * step, 4 * d0 - 5 * d2 + d4);
  Store(y + 1 * step, -4 * d1 - 4 * d2 + d3 + d4);
  Store(y + 2 * step, 4 * d1 - 4 * d2 - d3 + d4);
  Store(y + 3 * step, -2 * d1 - d2 + 2 * d3 + d4);
  Store(y + 4 * step, 2 * d1 - d2 - 2 * d3 + d4);
  Store(y + 5 * step, 4 * d1 - 5 * d3 + d5);
}

inline void
ATransposeTimes(const float * x0, const float * x1, const float * x2, const float * x3, const float * x4,
                const float * x5, size_t step, float * y)
{
  const Lanes m0 = Load(x0), m1 = Load(x1), m2 = Load(x2), m3 = Load(x3), m4 = Load(x4), m5 = Load(x5);
  Store(y + 0 * step, m0 + m1 + m2 + m3 + m4);
  Store(y + 1 * step, m1 - m2 + 2 * m3 - 2 * m4);
  Store(y + 2 * step, m1 + m2 + 4 * m3 + 4 * m4);
  Store(y + 3 * step, m1 - m2 + 8 * m3 - 8 * m4 + m5);
}

/* B^T d B of kLanes input tiles: d[a][b][lane] to v[xi * stride + lane]. */
FUSION_TARGET_CLONES void
InputTransform(const float (*d)[6][kLanes], float * v, size_t stride)
{
  float r[6][6][kLanes]; // r = B^T d, column by column
  for (int b = 0; b < 6; ++b)
    BTransposeTimes(d[0][b], d[1][b], d[2][b], d[3][b], d[4][b], d[5][b], 6 * kLanes, r[0][b]);
  for (int a = 0; a < 6; ++a) // v = r B, row by row: (B^T r^T)^T
    BTransposeTimes(r[a][0], r[a][1], r[a][2], r[a][3], r[a][4], r[a][5], stride, v + static_cast<size_t>(a * 6) * stride);
}

/* A^T m A of kLanes tiles: m[xi * stride + lane] to y[row][column][lane], plus the bias. */
FUSION_TARGET_CLONES void
OutputTransform(const float * m, size_t stride, float bias, float (*y)[4][kLanes])
{
  float r[4][6][kLanes]; // r = A^T m, column by column
  for (int c = 0; c < 6; ++c)
    ATransposeTimes(m + static_cast<size_t>(0 * 6 + c) * stride, m + static_cast<size_t>(1 * 6 + c) * stride,
                    m + static_cast<size_t>(2 * 6 + c) * stride, m + static_cast<size_t>(3 * 6 + c) * stride,
                    m + static_cast<size_t>(4 * 6 + c) * stride, m + static_cast<size_t>(5 * 6 + c) * stride,
                    6 * kLanes, r[0][c]);
  for (int a = 0; a < 4; ++a)
  {
    ATransposeTimes(r[a][0], r[a][1], r[a][2], r[a][3], r[a][4], r[a][5], kLanes, y[a][0]);
    for (int c = 0; c < 4; ++c)
      for (size_t l = 0; l < kLanes; ++l)
        y[a][c][l] += bias;
  }
}

/* One channel's 4x4 outputs of kLanes tiles into the running reduction acc[(row * 4 + column) * stride + lane]. */
FUSION_TARGET_CLONES void
Accumulate(const float (*y)[4][kLanes], float * acc, size_t stride, bool relu, ChannelReduction reduction)
{
  for (int a = 0; a < 4; ++a)
    for (int c = 0; c < 4; ++c)
    {
      float * __restrict r = acc + static_cast<size_t>(a * 4 + c) * stride;
      const float * v = y[a][c];
      if (reduction == ChannelReduction::Max)
        for (size_t l = 0; l < kLanes; ++l)
          r[l] = std::max(r[l], relu ? std::max(v[l], 0.0f) : v[l]);
      else if (reduction == ChannelReduction::L1)
        for (size_t l = 0; l < kLanes; ++l)
          r[l] += relu ? std::max(v[l], 0.0f) : std::abs(v[l]);
      else
        for (size_t l = 0; l < kLanes; ++l)
          r[l] += relu ? std::max(v[l], 0.0f) : v[l];
    }
}

/* The convolution by Winograd's F(4x4, 3x3); with a reduction (the network's last layer), `out`
 * has one channel and the channels are reduced as they are made. */
void
RunWinograd(const Node & node, const FeatureTensor & in, FeatureTensor & out, ChannelReduction reduction)
{
  const size_t O = node.outChannels, I = node.groupInChannels;
  const long   W = static_cast<long>(in.size[0]), H = static_cast<long>(in.size[1]);
  const long   outW = static_cast<long>(out.size[0]), outH = static_cast<long>(out.size[1]);
  const long   tilesX = (outW + 3) / 4, tilesY = (outH + 3) / 4;
  const size_t planes = out.size[2], tiles = static_cast<size_t>(tilesX * tilesY);
  // Chunks of whole lanes, about 2^18 transformed values each.
  const size_t lanesPerChunk = std::max<size_t>(1, (size_t{ 1 } << 18) / (36 * std::max(I, O) * kLanes));
  const size_t chunk = lanesPerChunk * kLanes;
  const size_t chunks = (tiles + chunk - 1) / chunk;
  ParallelFor(chunks * planes, tiles * planes * 36 * O * I, [&](size_t job) {
    const size_t z = job / chunks, t0 = (job % chunks) * chunk;
    const size_t n = std::min(chunk, ((tiles - t0) + kLanes - 1) / kLanes * kLanes); // whole lanes
    const std::unique_ptr<float[]> v(new float[36 * I * n]), m(new float[36 * O * n]);
    float d[6][6][kLanes];
    // Each tile's place (tx, ty) and where its input starts (the same for every channel).
    std::vector<long> tx(n), ty(n), x0(n), y0(n);
    std::unique_ptr<bool[]> valid(new bool[n]);
    for (size_t t = 0; t < n; ++t)
    {
      const size_t tile = t0 + t;
      valid[t] = tile < tiles;
      ty[t] = static_cast<long>(tile / static_cast<size_t>(tilesX));
      tx[t] = static_cast<long>(tile % static_cast<size_t>(tilesX));
      y0[t] = ty[t] * 4 - node.padLow[1];
      x0[t] = tx[t] * 4 - node.padLow[0];
    }
    for (size_t i = 0; i < I; ++i)
    {
      const float * channel = in.data.data() + (i * in.size[2] + z) * in.size[1] * in.size[0];
      for (size_t t = 0; t < n; t += kLanes)
      {
        GatherTiles(channel, W, H, x0.data() + t, y0.data() + t, valid.get() + t, d);
        InputTransform(d, v.get() + i * n + t, I * n);
      }
    }
    for (size_t xi = 0; xi < 36; ++xi)
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(O), static_cast<int>(n),
                  static_cast<int>(I), 1.0f, node.winograd.data() + xi * O * I, static_cast<int>(I),
                  v.get() + xi * I * n, static_cast<int>(n), 0.0f, m.get() + xi * O * n, static_cast<int>(n));
    // Output tiles: A^T m A, bias, ReLU; written per channel or reduced over the channels.
    float       y[4][4][kLanes];
    const bool  reduce = reduction != ChannelReduction::None;
    std::vector<float> acc(reduce ? 16 * n : 0, reduction == ChannelReduction::Max ? -INFINITY : 0.0f);
    for (size_t o = 0; o < O; ++o)
    {
      float * channel = out.data.data() + ((reduce ? 0 : o) * planes + z) * out.size[1] * out.size[0];
      for (size_t t = 0; t < n; t += kLanes)
      {
        OutputTransform(m.get() + o * n + t, O * n, node.bias[o], y);
        if (reduce)
        {
          Accumulate(y, acc.data() + t, n, node.relu, reduction);
          continue;
        }
        for (int a = 0; a < 4; ++a)
          for (int c = 0; c < 4; ++c)
            for (size_t l = 0; l < kLanes; ++l)
            {
              const long row = ty[t + l] * 4 + a, column = tx[t + l] * 4 + c;
              if (valid[t + l] && row < outH && column < outW)
                channel[row * outW + column] = node.relu ? std::max(y[a][c][l], 0.0f) : y[a][c][l];
            }
      }
    }
    if (reduce)
    {
      float * plane = out.data.data() + z * out.size[1] * out.size[0];
      const float scale = reduction == ChannelReduction::Mean ? 1.0f / static_cast<float>(O) : 1.0f;
      for (size_t t = 0; t < n; ++t)
        for (long a = 0; a < 4; ++a)
          for (long c = 0; c < 4; ++c)
            if (valid[t] && ty[t] * 4 + a < outH && tx[t] * 4 + c < outW)
              plane[(ty[t] * 4 + a) * outW + tx[t] * 4 + c] = acc[static_cast<size_t>(a * 4 + c) * n + t] * scale;
    }
  });
}

void
RunConv(const Node & node, const FeatureTensor & in, FeatureTensor & out, ChannelReduction reduction)
{
  static std::once_flag single;
  std::call_once(single, [] { openblas_set_num_threads(1); }); // the blocks below are the parallelism
  if (!node.winograd.empty())
  {
    RunWinograd(node, in, out, reduction);
    return;
  }
  const size_t P = out.Samples();
  const size_t K = node.groupInChannels * static_cast<size_t>(node.kernel[0] * node.kernel[1] * node.kernel[2]);
  const size_t groupOut = node.outChannels / static_cast<size_t>(node.group);
  const bool   pointwise = K == node.groupInChannels && node.stride[0] == 1 && node.stride[1] == 1 &&
                         node.stride[2] == 1 && node.padLow[0] == 0 && node.padLow[1] == 0 && node.padLow[2] == 0;
  // Blocks of whole output lines, at most about 2^20 unfolded values each.
  const size_t width = out.size[0], lines = P / width;
  // At least 8 blocks when there are lines enough, so that every thread has work.
  const size_t linesPerBlock = std::max<size_t>(
    1, std::min((size_t{ 1 } << 20) / std::max<size_t>(1, K * width), (lines + 7) / 8));
  const size_t blocks = (lines + linesPerBlock - 1) / linesPerBlock;
  const size_t jobs = blocks * static_cast<size_t>(node.group);
  ParallelFor(jobs, P * K * groupOut * static_cast<size_t>(node.group), [&](size_t job) {
    const size_t g = job / blocks, block = job % blocks;
    const size_t line0 = block * linesPerBlock, line1 = std::min(lines, line0 + linesPerBlock);
    const size_t p0 = line0 * width, n = (line1 - line0) * width;
    const float * columns;
    std::vector<float> unfolded;
    size_t             ldb = P;
    if (pointwise)
      columns = in.data.data() + g * node.groupInChannels * in.Samples() + p0;
    else
    {
      unfolded.resize(K * n);
      size_t row = 0;
      for (size_t c = 0; c < node.groupInChannels; ++c)
      {
        const float * channel = in.data.data() + (g * node.groupInChannels + c) * in.Samples();
        for (long kz = 0; kz < node.kernel[2]; ++kz)
          for (long ky = 0; ky < node.kernel[1]; ++ky)
            for (long kx = 0; kx < node.kernel[0]; ++kx, ++row)
            {
              float * to = unfolded.data() + row * n;
              for (size_t line = line0; line < line1; ++line, to += width)
              {
                const long y = static_cast<long>(line % out.size[1]), z = static_cast<long>(line / out.size[1]);
                const long iy = y * node.stride[1] - node.padLow[1] + ky * node.dilation[1];
                const long iz = z * node.stride[2] - node.padLow[2] + kz * node.dilation[2];
                const bool inside = iy >= 0 && iy < static_cast<long>(in.size[1]) && iz >= 0 &&
                                    iz < static_cast<long>(in.size[2]);
                GatherRow(to, inside ? channel + (static_cast<size_t>(iz) * in.size[1] + static_cast<size_t>(iy)) * in.size[0] : nullptr,
                          static_cast<long>(in.size[0]), 0, static_cast<long>(width), node.stride[0],
                          kx * node.dilation[0] - node.padLow[0]);
              }
            }
      }
      columns = unfolded.data();
      ldb = n;
    }
    float * result = out.data.data() + g * groupOut * P + p0;
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(groupOut), static_cast<int>(n),
                static_cast<int>(K), 1.0f, node.weights.data() + g * groupOut * K, static_cast<int>(K), columns,
                static_cast<int>(ldb), 0.0f, result, static_cast<int>(P));
    for (size_t o = 0; o < groupOut; ++o)
      BiasRelu(result + o * P, n, node.bias[g * groupOut + o], node.relu);
  });
}

void
RunPool(const Node & node, const FeatureTensor & in, FeatureTensor & out)
{
  const bool   isMax = node.op == Op::MaxPool;
  const size_t P = out.Samples();
  ParallelFor(in.channels, P * in.channels * static_cast<size_t>(node.kernel[0] * node.kernel[1] * node.kernel[2]),
              [&](size_t c) {
    const float * channel = in.data.data() + c * in.Samples();
    float *       to = out.data.data() + c * P;
    for (size_t z = 0; z < out.size[2]; ++z)
      for (size_t y = 0; y < out.size[1]; ++y)
        for (size_t x = 0; x < out.size[0]; ++x)
        {
          const long at[3] = { static_cast<long>(x), static_cast<long>(y), static_cast<long>(z) };
          long       low[3], high[3], padLow[3], padHigh[3];
          for (unsigned d = 0; d < 3; ++d)
          {
            const long start = at[d] * node.stride[d] - node.padLow[d];
            const long n = static_cast<long>(in.size[d]);
            low[d] = start;
            high[d] = start + node.dilation[d] * (node.kernel[d] - 1);
            padLow[d] = low[d];
            padHigh[d] = std::min(high[d], n - 1 + node.padHigh[d]); // the window inside input + padding
          }
          double sum = 0.0, best = -INFINITY;
          long   count = 0, counted = 1;
          for (unsigned d = 0; d < 3; ++d)
            counted *= (padHigh[d] - padLow[d]) / node.dilation[d] + 1;
          for (long iz = low[2]; iz <= high[2]; iz += node.dilation[2])
            for (long iy = low[1]; iy <= high[1]; iy += node.dilation[1])
              for (long ix = low[0]; ix <= high[0]; ix += node.dilation[0])
              {
                if (ix < 0 || iy < 0 || iz < 0 || ix >= static_cast<long>(in.size[0]) ||
                    iy >= static_cast<long>(in.size[1]) || iz >= static_cast<long>(in.size[2]))
                  continue;
                const float v = channel[(static_cast<size_t>(iz) * in.size[1] + static_cast<size_t>(iy)) * in.size[0] +
                                        static_cast<size_t>(ix)];
                sum += v;
                best = std::max(best, static_cast<double>(v));
                ++count;
              }
          to[(z * out.size[1] + y) * out.size[0] + x] =
            static_cast<float>(isMax ? best : sum / static_cast<double>(node.countIncludePad ? counted : count));
        }
  });
}
} // namespace

namespace
{
/* The channel reduction of a tensor, in place of its channels. */
FeatureTensor
Reduce(FeatureTensor && t, ChannelReduction reduction)
{
  if (reduction == ChannelReduction::None)
    return std::move(t);
  const size_t n = t.Samples();
  std::vector<float, UninitialisedAllocator<float>> reduced(n);
  std::vector<double> sum(n, reduction == ChannelReduction::Max ? -INFINITY : 0.0);
  for (size_t c = 0; c < t.channels; ++c)
  {
    const float * channel = t.data.data() + c * n;
    for (size_t i = 0; i < n; ++i)
      sum[i] = reduction == ChannelReduction::Max ? std::max(sum[i], static_cast<double>(channel[i]))
                                                  : sum[i] + (reduction == ChannelReduction::L1 ? std::abs(channel[i]) : channel[i]);
  }
  for (size_t i = 0; i < n; ++i)
    reduced[i] = static_cast<float>(reduction == ChannelReduction::Mean ? sum[i] / static_cast<double>(t.channels) : sum[i]);
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
    Fail(graph.name, "the input has " + std::to_string(input.channels) + " channels, the network takes " +
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
    std::vector<::fusion::NetworkLayer> layers;
    for (const auto & node : graph.nodes)
    {
      ::fusion::NetworkLayer layer;
      static const int ops[] = { ::fusion::NetConv,       ::fusion::NetRelu,   ::fusion::NetMaxPool,
                                 ::fusion::NetAveragePool, ::fusion::NetScaleShift, ::fusion::NetConcat,
                                 ::fusion::NetAdd,         ::fusion::NetIdentity };
      layer.op = ops[static_cast<int>(node.op)];
      if (node.inputs.size() > static_cast<size_t>(::fusion::kNetworkMaximumInputs))
        Fail(graph.name + ", node '" + node.name + "' (" + node.type + ")",
             "more than " + std::to_string(::fusion::kNetworkMaximumInputs) + " inputs for the CUDA kernels");
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
    ::fusion::NetworkArguments arguments;
    arguments.layers = layers.data();
    arguments.layerCount = static_cast<int>(layers.size());
    arguments.valueCount = static_cast<int>(graph.values);
    arguments.valueChannels = channels.data();
    arguments.valueSizes = valueSizes.data();
    arguments.input = input.data.data();
    arguments.outputValue = graph.output;
    arguments.reduce = static_cast<int>(reduction);
    arguments.output = result.data.data();
    RunKernel(
      backend, "feature network", [&] { return ::fusion::emu::ConvNetworkForward(arguments); },
      [&] { return ::fusion::gpu::ConvNetworkForward(arguments); });
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
            at = std::copy(values[static_cast<size_t>(v)]->data.begin(), values[static_cast<size_t>(v)]->data.end(), at);
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
