/*
 * conv_network.cuh -- a feature network (ConvNetwork, Modules/Core) on the device, layer by layer.
 * Written once; compiled by nvcc (kernels_gpu.cu) and by g++ for the CPU emulation
 * (kernels_emu.cxx). Tensors: channels x z x y x x floats, batch 1.
 *
 * Convolution: a direct, tiled kernel. A block computes a 16 x 16 tile of output samples of one
 * z-plane; for each input channel (and kernel plane) the input tile it reads, halo included, is
 * staged in shared memory, then every thread accumulates 8 output channels at a time in
 * registers. Bias and ReLU are applied in registers; when the layer is the network's output and
 * a channel reduction (mean, L1, max) is asked, the reduction is accumulated in a register across
 * the output channels and only the reduced map is written.
 * Pooling, per-channel scale and shift (batch normalisation), ReLU, addition and concatenation:
 * one thread per output value.
 */
#include "cuda_host_emulation.h"
#include "device_buffer.cuh"
#include "fusionKernels.h"

#include <vector>

namespace fusionkernels
{
namespace CUEMU_BACKEND_NS
{
#if !defined(__CUDACC__)
using namespace ::cuemu;
#endif

namespace conv_detail
{
constexpr int kTile = 16;    // output samples per block along x and y
constexpr int kChannels = 8; // output channels per pass, in registers
constexpr int kMaximumSharedFloats = 12 * 1024;

struct Shape
{
  int c, x, y, z;
};
} // namespace conv_detail

/* Direct convolution of one group-aware layer; `reduce` (0 none, 1 mean, 2 L1, 3 max) writes
 * one channel instead of all. `staged`: the input tile fits in shared memory. */
__global__ void __launch_bounds__(256, 1)
  conv_network_conv_kernel(const float * __restrict__ in, conv_detail::Shape is, float * __restrict__ out,
                           conv_detail::Shape os, const float * __restrict__ weights, const float * __restrict__ bias,
                           int groups, int kx, int ky, int kz, int sx, int sy, int sz, int px, int py, int pz, int dx,
                           int dy, int dz, int relu, int reduce, int tileX, int tileY, int staged)
{
  CUEMU_DYNAMIC_SHARED(float, tile);
  const int  ox = static_cast<int>(blockIdx.x) * conv_detail::kTile + static_cast<int>(threadIdx.x);
  const int  oy = static_cast<int>(blockIdx.y) * conv_detail::kTile + static_cast<int>(threadIdx.y);
  const int  oz = static_cast<int>(blockIdx.z);
  const bool active = ox < os.x && oy < os.y;
  // The input tile: from the first output sample of the block, tileX x tileY samples.
  const int x0 = static_cast<int>(blockIdx.x) * conv_detail::kTile * sx - px;
  const int y0 = static_cast<int>(blockIdx.y) * conv_detail::kTile * sy - py;
  const int groupIn = is.c / groups, groupOut = os.c / groups;
  const int taps = kx * ky * kz;
  const int thread = static_cast<int>(threadIdx.y) * conv_detail::kTile + static_cast<int>(threadIdx.x);
  float     reduced = reduce == 3 ? -3.4028235e38f : 0.0f;
  for (int g = 0; g < groups; ++g)
    for (int first = g * groupOut; first < (g + 1) * groupOut; first += conv_detail::kChannels)
    {
      const int left = (g + 1) * groupOut - first;
      const int count = left < conv_detail::kChannels ? left : conv_detail::kChannels;
      float     acc[conv_detail::kChannels];
#pragma unroll
      for (int k = 0; k < conv_detail::kChannels; ++k)
        acc[k] = k < count ? __ldg(bias + first + k) : 0.0f;
      for (int ci = 0; ci < groupIn; ++ci)
        for (int tz = 0; tz < kz; ++tz)
        {
          const int     iz = oz * sz - pz + tz * dz;
          const bool    planeInside = iz >= 0 && iz < is.z;
          const float * plane =
            in + (static_cast<long long>(g * groupIn + ci) * is.z + (planeInside ? iz : 0)) * is.y * is.x;
          if (staged)
          {
            __syncthreads(); // the previous plane's readers are done
            for (int i = thread; i < tileX * tileY; i += conv_detail::kTile * conv_detail::kTile)
            {
              const int x = x0 + i % tileX, y = y0 + i / tileX;
              tile[i] = (planeInside && x >= 0 && x < is.x && y >= 0 && y < is.y) ? __ldg(plane + y * is.x + x) : 0.0f;
            }
            __syncthreads();
          }
          if (!active)
            continue;
          for (int ty = 0; ty < ky; ++ty)
            for (int tx = 0; tx < kx; ++tx)
            {
              float v;
              if (staged)
                v = tile[(static_cast<int>(threadIdx.y) * sy + ty * dy) * tileX + static_cast<int>(threadIdx.x) * sx +
                         tx * dx];
              else
              {
                const int x = ox * sx - px + tx * dx, y = oy * sy - py + ty * dy;
                v = (planeInside && x >= 0 && x < is.x && y >= 0 && y < is.y) ? __ldg(plane + y * is.x + x) : 0.0f;
              }
              const float * w =
                weights + (static_cast<long long>(first) * groupIn + ci) * taps + (tz * ky + ty) * kx + tx;
#pragma unroll
              for (int k = 0; k < conv_detail::kChannels; ++k)
                if (k < count)
                  acc[k] += __ldg(w + static_cast<long long>(k) * groupIn * taps) * v;
            }
        }
      if (active)
#pragma unroll
        for (int k = 0; k < conv_detail::kChannels; ++k)
          if (k < count)
          {
            float v = acc[k];
            if (relu)
              v = v > 0.0f ? v : 0.0f;
            if (reduce == 0)
              out[((static_cast<long long>(first + k) * os.z + oz) * os.y + oy) * os.x + ox] = v;
            else if (reduce == 3)
              reduced = v > reduced ? v : reduced;
            else
              reduced += reduce == 2 ? (v < 0.0f ? -v : v) : v;
          }
    }
  if (active && reduce)
    out[(static_cast<long long>(oz) * os.y + oy) * os.x + ox] =
      reduce == 1 ? reduced / static_cast<float>(os.c) : reduced;
}

__global__ void __launch_bounds__(256)
  conv_network_pool_kernel(const float * __restrict__ in, conv_detail::Shape is, float * __restrict__ out,
                           conv_detail::Shape os, int isMax, int kx, int ky, int kz, int sx, int sy, int sz, int px,
                           int py, int pz, int dx, int dy, int dz, int phx, int phy, int phz, int countIncludePad)
{
  const long long total = static_cast<long long>(os.c) * os.z * os.y * os.x;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
  {
    const int     x = static_cast<int>(i % os.x), y = static_cast<int>((i / os.x) % os.y);
    const int     z = static_cast<int>((i / os.x / os.y) % os.z), c = static_cast<int>(i / os.x / os.y / os.z);
    const float * channel = in + static_cast<long long>(c) * is.z * is.y * is.x;
    float         best = -3.4028235e38f, sum = 0.0f;
    int           count = 0;
    const int     lx = x * sx - px, ly = y * sy - py, lz = z * sz - pz;
    for (int tz = 0; tz < kz; ++tz)
      for (int ty = 0; ty < ky; ++ty)
        for (int tx = 0; tx < kx; ++tx)
        {
          const int ix = lx + tx * dx, iy = ly + ty * dy, iz = lz + tz * dz;
          if (ix < 0 || iy < 0 || iz < 0 || ix >= is.x || iy >= is.y || iz >= is.z)
            continue;
          const float v = __ldg(channel + (static_cast<long long>(iz) * is.y + iy) * is.x + ix);
          best = v > best ? v : best;
          sum += v;
          ++count;
        }
    if (!isMax && countIncludePad)
    {
      // Positions inside the input plus its padding: the window clipped to [-pad, n - 1 + padHigh].
      const int ex = (lx + (kx - 1) * dx < is.x - 1 + phx ? lx + (kx - 1) * dx : is.x - 1 + phx);
      const int ey = (ly + (ky - 1) * dy < is.y - 1 + phy ? ly + (ky - 1) * dy : is.y - 1 + phy);
      const int ez = (lz + (kz - 1) * dz < is.z - 1 + phz ? lz + (kz - 1) * dz : is.z - 1 + phz);
      count = ((ex - lx) / dx + 1) * ((ey - ly) / dy + 1) * ((ez - lz) / dz + 1);
    }
    out[i] = isMax ? best : sum / static_cast<float>(count);
  }
}

/* op 0: out = in * scale[c] + shift[c]; 1: ReLU; 2: out = in + other; 3: copy into channel offset. */
__global__ void __launch_bounds__(256)
  conv_network_pointwise_kernel(int op, const float * __restrict__ in, const float * __restrict__ other,
                                const float * __restrict__ scale, const float * __restrict__ shift, long long samples,
                                int channels, float * __restrict__ out, long long outOffset)
{
  const long long total = samples * channels;
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
  {
    const float v = __ldg(in + i);
    float       r = v;
    if (op == 0)
    {
      const int c = static_cast<int>(i / samples);
      r = v * __ldg(scale + c) + __ldg(shift + c);
    }
    else if (op == 1)
      r = v > 0.0f ? v : 0.0f;
    else if (op == 2)
      r = v + __ldg(other + i);
    out[outOffset + i] = r;
  }
}

/* The channel reduction of a tensor (when the network's output is not a convolution). */
__global__ void __launch_bounds__(256) conv_network_reduce_kernel(const float * __restrict__ in, long long samples,
                                                                  int channels, int reduce, float * __restrict__ out)
{
  for (long long i = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < samples;
       i += static_cast<long long>(gridDim.x) * blockDim.x)
  {
    float r = reduce == 3 ? -3.4028235e38f : 0.0f;
    for (int c = 0; c < channels; ++c)
    {
      const float v = __ldg(in + c * samples + i);
      if (reduce == 3)
        r = v > r ? v : r;
      else
        r += reduce == 2 ? (v < 0.0f ? -v : v) : v;
    }
    out[i] = reduce == 1 ? r / static_cast<float>(channels) : r;
  }
}

namespace conv_detail
{
inline unsigned
Blocks(long long work)
{
  const long long wanted = (work + 255) / 256;
  return static_cast<unsigned>(wanted < 4096 ? (wanted > 0 ? wanted : 1) : 4096);
}
} // namespace conv_detail

int
ConvNetworkForward(const NetworkArguments & a)
{
  using conv_detail::Shape;
  if (!a.layers || a.layerCount < 1 || !a.input || !a.output || a.valueCount < 2 || a.outputValue < 1 ||
      a.outputValue >= a.valueCount || a.reduce < 0 || a.reduce > 3)
    return cudaErrorInvalidValue;
  const auto shape = [&](int v) {
    return Shape{ a.valueChannels[v], a.valueSizes[3 * v], a.valueSizes[3 * v + 1], a.valueSizes[3 * v + 2] };
  };
  const auto count = [&](int v) {
    const Shape s = shape(v);
    return static_cast<size_t>(s.c) * s.x * s.y * s.z;
  };
  // The last layer reading each value, to free it early.
  std::vector<int> lastUse(static_cast<size_t>(a.valueCount), -1);
  for (int l = 0; l < a.layerCount; ++l)
    for (int i = 0; i < a.layers[l].inputCount; ++i)
      lastUse[static_cast<size_t>(a.layers[l].inputs[i])] = l;
  std::vector<device_buffer<float>> values(static_cast<size_t>(a.valueCount));
  int                               status = values[0].allocate(count(0));
  if (status == cudaSuccess)
    status = values[0].upload(a.input, count(0));
  const Shape  outShape = shape(a.outputValue);
  const size_t outSamples = static_cast<size_t>(outShape.x) * outShape.y * outShape.z;
  bool         reducedInLayer = false;
  for (int l = 0; l < a.layerCount && status == cudaSuccess; ++l)
  {
    const NetworkLayer & L = a.layers[l];
    const Shape          is = shape(L.inputs[0]), os = shape(L.output);
    const bool           fuseReduce = L.op == NetConv && L.output == a.outputValue && a.reduce != 0;
    if (L.op == NetIdentity) // a copy (the input may be read again later)
    {
      status = values[static_cast<size_t>(L.output)].allocate(count(L.output));
      if (status == cudaSuccess)
        status = cuemu::launch(conv_network_pointwise_kernel,
                               dim3(conv_detail::Blocks(static_cast<long long>(count(L.output)))),
                               dim3(256),
                               0,
                               nullptr,
                               3,
                               static_cast<const float *>(values[static_cast<size_t>(L.inputs[0])].get()),
                               static_cast<const float *>(nullptr),
                               static_cast<const float *>(nullptr),
                               static_cast<const float *>(nullptr),
                               static_cast<long long>(count(L.output)),
                               1,
                               values[static_cast<size_t>(L.output)].get(),
                               0LL);
      if (status == cudaSuccess)
        status = cudaDeviceSynchronize();
      continue;
    }
    status = values[static_cast<size_t>(L.output)].allocate(fuseReduce ? outSamples : count(L.output));
    device_buffer<float> weights, bias;
    if (status == cudaSuccess && L.weightCount > 0)
    {
      status = weights.allocate(static_cast<size_t>(L.weightCount));
      if (status == cudaSuccess)
        status = weights.upload(L.weights, static_cast<size_t>(L.weightCount));
      if (status == cudaSuccess)
        status = bias.allocate(static_cast<size_t>(os.c));
      if (status == cudaSuccess)
        status = bias.upload(L.bias, static_cast<size_t>(os.c));
    }
    if (status != cudaSuccess)
      break;
    float *       out = values[static_cast<size_t>(L.output)].get();
    const float * in = values[static_cast<size_t>(L.inputs[0])].get();
    if (L.op == NetConv)
    {
      const int  tileX = (conv_detail::kTile - 1) * L.stride[0] + (L.kernel[0] - 1) * L.dilation[0] + 1;
      const int  tileY = (conv_detail::kTile - 1) * L.stride[1] + (L.kernel[1] - 1) * L.dilation[1] + 1;
      const int  staged = tileX * tileY <= conv_detail::kMaximumSharedFloats ? 1 : 0;
      const dim3 grid(static_cast<unsigned>((os.x + conv_detail::kTile - 1) / conv_detail::kTile),
                      static_cast<unsigned>((os.y + conv_detail::kTile - 1) / conv_detail::kTile),
                      static_cast<unsigned>(os.z));
      status = cuemu::launch(conv_network_conv_kernel,
                             grid,
                             dim3(conv_detail::kTile, conv_detail::kTile),
                             staged ? static_cast<size_t>(tileX * tileY) * sizeof(float) : 0,
                             nullptr,
                             in,
                             is,
                             out,
                             os,
                             static_cast<const float *>(weights.get()),
                             static_cast<const float *>(bias.get()),
                             L.groups,
                             L.kernel[0],
                             L.kernel[1],
                             L.kernel[2],
                             L.stride[0],
                             L.stride[1],
                             L.stride[2],
                             L.padLow[0],
                             L.padLow[1],
                             L.padLow[2],
                             L.dilation[0],
                             L.dilation[1],
                             L.dilation[2],
                             L.relu,
                             fuseReduce ? a.reduce : 0,
                             tileX,
                             tileY,
                             staged);
      reducedInLayer = reducedInLayer || fuseReduce;
    }
    else if (L.op == NetMaxPool || L.op == NetAveragePool)
      status = cuemu::launch(conv_network_pool_kernel,
                             dim3(conv_detail::Blocks(static_cast<long long>(count(L.output)))),
                             dim3(256),
                             0,
                             nullptr,
                             in,
                             is,
                             out,
                             os,
                             L.op == NetMaxPool ? 1 : 0,
                             L.kernel[0],
                             L.kernel[1],
                             L.kernel[2],
                             L.stride[0],
                             L.stride[1],
                             L.stride[2],
                             L.padLow[0],
                             L.padLow[1],
                             L.padLow[2],
                             L.dilation[0],
                             L.dilation[1],
                             L.dilation[2],
                             L.padHigh[0],
                             L.padHigh[1],
                             L.padHigh[2],
                             L.countIncludePad);
    else if (L.op == NetConcat)
    {
      long long offset = 0;
      for (int i = 0; i < L.inputCount && status == cudaSuccess; ++i)
      {
        const long long n = static_cast<long long>(count(L.inputs[i]));
        status = cuemu::launch(conv_network_pointwise_kernel,
                               dim3(conv_detail::Blocks(n)),
                               dim3(256),
                               0,
                               nullptr,
                               3,
                               static_cast<const float *>(values[static_cast<size_t>(L.inputs[i])].get()),
                               static_cast<const float *>(nullptr),
                               static_cast<const float *>(nullptr),
                               static_cast<const float *>(nullptr),
                               n,
                               1,
                               out,
                               offset);
        offset += n;
      }
    }
    else // scale-shift, ReLU, add
    {
      const long long samples = static_cast<long long>(os.x) * os.y * os.z;
      const int       op = L.op == NetScaleShift ? 0 : (L.op == NetRelu ? 1 : 2);
      // Scale-shift: the per-channel scale travels as the weights, the shift as the bias.
      status = cuemu::launch(
        conv_network_pointwise_kernel,
        dim3(conv_detail::Blocks(samples * os.c)),
        dim3(256),
        0,
        nullptr,
        op,
        in,
        static_cast<const float *>(L.op == NetAdd ? values[static_cast<size_t>(L.inputs[1])].get() : nullptr),
        static_cast<const float *>(weights.get()),
        static_cast<const float *>(bias.get()),
        samples,
        os.c,
        out,
        0LL);
    }
    if (status == cudaSuccess)
      status = cudaDeviceSynchronize();
    for (int i = 0; i < L.inputCount; ++i) // free what no later layer reads
      if (lastUse[static_cast<size_t>(L.inputs[i])] == l && L.inputs[i] != a.outputValue)
        values[static_cast<size_t>(L.inputs[i])].release();
  }
  if (status != cudaSuccess)
    return status;
  if (a.reduce != 0 && !reducedInLayer)
  {
    device_buffer<float> reduced;
    status = reduced.allocate(outSamples);
    if (status == cudaSuccess)
      status = cuemu::launch(conv_network_reduce_kernel,
                             dim3(conv_detail::Blocks(static_cast<long long>(outSamples))),
                             dim3(256),
                             0,
                             nullptr,
                             static_cast<const float *>(values[static_cast<size_t>(a.outputValue)].get()),
                             static_cast<long long>(outSamples),
                             outShape.c,
                             a.reduce,
                             reduced.get());
    if (status == cudaSuccess)
      status = cudaDeviceSynchronize();
    if (status == cudaSuccess)
      status = reduced.download(a.output, outSamples);
    return status;
  }
  return values[static_cast<size_t>(a.outputValue)].download(a.output, a.reduce ? outSamples : count(a.outputValue));
}
} // namespace CUEMU_BACKEND_NS
} // namespace fusionkernels
