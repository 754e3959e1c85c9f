/*
 * dwt.cuh -- separable multi-level discrete wavelet transform (decomposition and inverse), equal
 * to pywt.wavedecn / waverecn. Written once; compiled by nvcc (kernels_gpu.cu) and by g++ for the
 * CPU emulation (kernels_emu.cxx). The boundary rules are those of wavelet_rules.h, shared with
 * the CPU path (Modules/Core/src/itkWaveletFilterBank.cxx).
 *
 * One launch per level and axis. Threads map to (line position across the axis, coefficient,
 * outer index) with the position across the axis fastest, so that a warp reads neighbouring
 * addresses on every axis but the first. Along the first (contiguous) axis a block stages the
 * stretch of the line it needs, with the boundary extension, in shared memory (a tile), then
 * every thread reads its taps from there. The filter taps live in shared memory.
 */
#include "cuda_host_emulation.h"
#include "device_buffer.cuh"
#include "fusionKernels.h"
#include "wavelet_rules.h"

#include <vector>

namespace fusionkernels
{
namespace CUEMU_BACKEND_NS
{
#if !defined(__CUDACC__)
using namespace ::cuemu;
#endif

constexpr int kDWTThreads = 256;

/* The block copies the low- and high-pass taps into shared memory (callers synchronise). */
__device__ __forceinline__ void
load_taps(float * sLow, float * sHigh, const float * __restrict__ lowTaps, const float * __restrict__ highTaps,
          int taps)
{
  for (int t = threadIdx.x; t < taps; t += blockDim.x)
  {
    sLow[t] = lowTaps[t];
    sHigh[t] = highTaps[t];
  }
}

/* Decomposition along a strided axis (inner > 1): one thread per (i, k, o). */
__global__ void __launch_bounds__(256)
  dwt_decompose_strided_kernel(const float * __restrict__ in, long long inner, long long n, long long outer,
                               long long m, const float * __restrict__ lowTaps, const float * __restrict__ highTaps,
                               int taps, int mode, float * __restrict__ lo, float * __restrict__ hi)
{
  CUEMU_DYNAMIC_SHARED(float, shared);
  float * sLow = shared;
  float * sHigh = shared + taps;
  load_taps(sLow, sHigh, lowTaps, highTaps, taps);
  __syncthreads();
  const long long total = inner * m * outer;
  for (long long id = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; id < total;
       id += static_cast<long long>(gridDim.x) * blockDim.x)
  {
    const long long         i = id % inner, rest = id / inner, k = rest % m, o = rest / m;
    const float *           line = in + o * inner * n + i;
    const long long         centre = wavelet::Centre(k, taps, mode);
    wavelet::CompensatedDot a, d;
    for (int j = 0; j < taps; ++j)
    {
      const float x = wavelet::Extended(line, inner, n, centre - j, mode);
      a.Add(sLow[j], x);
      d.Add(sHigh[j], x);
    }
    lo[o * inner * m + k * inner + i] = a.Value();
    hi[o * inner * m + k * inner + i] = d.Value();
  }
}

/* Decomposition along the contiguous first axis: a block computes kDWTThreads coefficients of one
 * line from a shared-memory tile of the extended line (2 * kDWTThreads + taps samples). */
__global__ void __launch_bounds__(256, 1)
  dwt_decompose_rows_kernel(const float * __restrict__ in, long long n, long long lines, long long m,
                            const float * __restrict__ lowTaps, const float * __restrict__ highTaps, int taps, int mode,
                            float * __restrict__ lo, float * __restrict__ hi)
{
  CUEMU_DYNAMIC_SHARED(float, shared);
  float * sLow = shared;
  float * sHigh = shared + taps;
  float * tile = shared + 2 * taps; // 2 * blockDim.x + taps samples
  load_taps(sLow, sHigh, lowTaps, highTaps, taps);
  const long long chunks = (m + blockDim.x - 1) / blockDim.x;
  const long long line = blockIdx.x / chunks;
  const long long k0 = (blockIdx.x % chunks) * blockDim.x;
  const long long first = wavelet::Centre(k0, taps, mode) - (taps - 1); // first extended index read
  const int       extent = 2 * static_cast<int>(blockDim.x) + taps;
  const float *   row = in + line * n;
  for (int t = threadIdx.x; t < extent; t += blockDim.x)
    tile[t] = line < lines ? wavelet::Extended(row, 1LL, n, first + t, mode) : 0.0f;
  __syncthreads();
  const long long k = k0 + threadIdx.x;
  if (line < lines && k < m)
  {
    const int               base = static_cast<int>(wavelet::Centre(k, taps, mode) - first);
    wavelet::CompensatedDot a, d;
    for (int j = 0; j < taps; ++j)
    {
      const float x = tile[base - j];
      a.Add(sLow[j], x);
      d.Add(sHigh[j], x);
    }
    lo[line * m + k] = a.Value();
    hi[line * m + k] = d.Value();
  }
}

/* The inverse along one axis: one thread per output sample (i, x, o). */
__global__ void __launch_bounds__(256)
  dwt_reconstruct_kernel(const float * __restrict__ lo, const float * __restrict__ hi, long long inner, long long m,
                         long long outer, long long               target, const float * __restrict__ lowTaps,
                         const float * __restrict__ highTaps, int taps, int mode, float * __restrict__ out)
{
  CUEMU_DYNAMIC_SHARED(float, shared);
  float * sLow = shared;
  float * sHigh = shared + taps;
  load_taps(sLow, sHigh, lowTaps, highTaps, taps);
  __syncthreads();
  const long long total = inner * target * outer;
  for (long long id = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x; id < total;
       id += static_cast<long long>(gridDim.x) * blockDim.x)
  {
    const long long i = id % inner, rest = id / inner, x = rest % target, o = rest / target;
    const long long line = o * inner * m + i;
    out[o * inner * target + x * inner + i] =
      wavelet::InverseSample(lo + line, hi + line, inner, m, sLow, sHigh, taps, mode, x);
  }
}

namespace dwt_detail
{
struct Layout
{
  long long inner = 1, length = 1, outer = 1;
};
inline Layout
AxisLayout(const long long * shape, int dimension, int axis)
{
  Layout l;
  for (int d = 0; d < dimension; ++d)
    (d < axis ? l.inner : (d == axis ? l.length : l.outer)) *= shape[d];
  return l;
}
inline unsigned
Blocks(long long work)
{
  const long long b = (work + kDWTThreads - 1) / kDWTThreads;
  return static_cast<unsigned>(b < 65535 ? (b > 0 ? b : 1) : 65535);
}
inline long long
Count(const long long * shape, int dimension)
{
  long long c = 1;
  for (int d = 0; d < dimension; ++d)
    c *= shape[d];
  return c;
}
} // namespace dwt_detail

int
DWTDecompose(const DWTArguments & a)
{
  if (a.dimension < 1 || a.dimension > 3 || a.levels < 1 || a.filterLength < 2 || !a.source || !a.destination)
    return cudaErrorInvalidValue;
  const int            D = a.dimension, F = a.filterLength, codes = 1 << D;
  const size_t         tapBytes = 2 * static_cast<size_t>(F) * sizeof(float);
  device_buffer<float> taps;
  int                  status = taps.allocate(2 * static_cast<size_t>(F));
  if (status == cudaSuccess)
    status = taps.upload(a.lowTaps, F);
  if (status == cudaSuccess)
    status = taps.upload(a.highTaps, F, F);
  long long            shape[3] = { static_cast<long long>(a.shape[0]),
                                    static_cast<long long>(a.shape[1]),
                                    static_cast<long long>(a.shape[2]) };
  device_buffer<float> approximation;
  if (status == cudaSuccess)
    status = approximation.allocate(static_cast<size_t>(dwt_detail::Count(shape, D)));
  if (status == cudaSuccess)
    status = approximation.upload(a.source, static_cast<size_t>(dwt_detail::Count(shape, D)));
  size_t offset = 0; // into the packed bands on the host
  for (int level = 1; level <= a.levels && status == cudaSuccess; ++level)
  {
    // bands[code], each with its own shape, combined axis by axis.
    std::vector<device_buffer<float>>   bands(codes);
    std::vector<std::vector<long long>> shapes(codes, std::vector<long long>(shape, shape + 3));
    bands[0].swap(approximation);
    for (int axis = 0; axis < D && status == cudaSuccess; ++axis)
    {
      const int bit = 1 << axis;
      for (int code = 0; code < bit && status == cudaSuccess; ++code)
      {
        const dwt_detail::Layout l = dwt_detail::AxisLayout(shapes[code].data(), D, axis);
        const long long          m = wavelet::CoefficientLength(l.length, F, a.mode);
        device_buffer<float>     low;
        status = low.allocate(static_cast<size_t>(l.inner * m * l.outer));
        if (status == cudaSuccess)
          status = bands[code | bit].allocate(static_cast<size_t>(l.inner * m * l.outer));
        if (status != cudaSuccess)
          break;
        if (l.inner == 1)
        {
          const long long chunks = (m + kDWTThreads - 1) / kDWTThreads;
          const size_t    bytes = tapBytes + (2 * kDWTThreads + static_cast<size_t>(F)) * sizeof(float);
          status = cuemu::launch(dwt_decompose_rows_kernel,
                                 dim3(static_cast<unsigned>(chunks * l.outer)),
                                 dim3(kDWTThreads),
                                 bytes,
                                 nullptr,
                                 bands[code].get(),
                                 l.length,
                                 l.outer,
                                 m,
                                 taps.get(),
                                 taps.get() + F,
                                 F,
                                 a.mode,
                                 low.get(),
                                 bands[code | bit].get());
        }
        else
          status = cuemu::launch(dwt_decompose_strided_kernel,
                                 dim3(dwt_detail::Blocks(l.inner * m * l.outer)),
                                 dim3(kDWTThreads),
                                 tapBytes,
                                 nullptr,
                                 bands[code].get(),
                                 l.inner,
                                 l.length,
                                 l.outer,
                                 m,
                                 taps.get(),
                                 taps.get() + F,
                                 F,
                                 a.mode,
                                 low.get(),
                                 bands[code | bit].get());
        bands[code].swap(low);
        shapes[code][axis] = m;
        shapes[code | bit] = shapes[code];
      }
    }
    for (int code = 1; code < codes && status == cudaSuccess; ++code)
    {
      const size_t count = static_cast<size_t>(dwt_detail::Count(shapes[code].data(), D));
      status = bands[code].download(a.destination + offset, count);
      offset += count;
    }
    for (int d = 0; d < 3; ++d)
      shape[d] = shapes[0][d];
    approximation.swap(bands[0]);
  }
  if (status == cudaSuccess)
    status = cudaDeviceSynchronize();
  if (status == cudaSuccess)
    status = approximation.download(a.destination + offset, static_cast<size_t>(dwt_detail::Count(shape, D)));
  return status;
}

int
DWTReconstruct(const DWTArguments & a)
{
  if (a.dimension < 1 || a.dimension > 3 || a.levels < 1 || a.filterLength < 2 || !a.source || !a.destination)
    return cudaErrorInvalidValue;
  const int    D = a.dimension, F = a.filterLength, codes = 1 << D;
  const size_t tapBytes = 2 * static_cast<size_t>(F) * sizeof(float);
  // Shapes of every level from the original shape.
  std::vector<std::vector<long long>> levelShapes(1, std::vector<long long>(3, 1));
  for (int d = 0; d < 3; ++d)
    levelShapes[0][d] = static_cast<long long>(a.shape[d]);
  for (int level = 1; level <= a.levels; ++level)
  {
    std::vector<long long> next = levelShapes.back();
    for (int d = 0; d < D; ++d)
      next[d] = wavelet::CoefficientLength(next[d], F, a.mode);
    levelShapes.push_back(next);
  }
  // Offsets of the packed bands.
  std::vector<size_t> offsets((a.levels + 1) * codes, 0);
  size_t              total = 0;
  for (int level = 1; level <= a.levels; ++level)
    for (int code = 1; code < codes; ++code)
    {
      offsets[level * codes + code] = total;
      total += static_cast<size_t>(dwt_detail::Count(levelShapes[level].data(), D));
    }
  offsets[a.levels * codes] = total;

  device_buffer<float> taps;
  int                  status = taps.allocate(2 * static_cast<size_t>(F));
  if (status == cudaSuccess)
    status = taps.upload(a.lowTaps, F);
  if (status == cudaSuccess)
    status = taps.upload(a.highTaps, F, F);
  device_buffer<float> approximation;
  const size_t         coarse = static_cast<size_t>(dwt_detail::Count(levelShapes[a.levels].data(), D));
  if (status == cudaSuccess)
    status = approximation.allocate(coarse);
  if (status == cudaSuccess)
    status = approximation.upload(a.source + offsets[a.levels * codes], coarse);
  for (int level = a.levels; level >= 1 && status == cudaSuccess; --level)
  {
    std::vector<device_buffer<float>>   bands(codes);
    std::vector<std::vector<long long>> shapes(codes, levelShapes[level]);
    bands[0].swap(approximation);
    for (int code = 1; code < codes && status == cudaSuccess; ++code)
    {
      const size_t count = static_cast<size_t>(dwt_detail::Count(levelShapes[level].data(), D));
      status = bands[code].allocate(count);
      if (status == cudaSuccess)
        status = bands[code].upload(a.source + offsets[level * codes + code], count);
    }
    for (int axis = D - 1; axis >= 0 && status == cudaSuccess; --axis)
    {
      const int bit = 1 << axis;
      for (int code = 0; code < bit && status == cudaSuccess; ++code)
      {
        const dwt_detail::Layout l = dwt_detail::AxisLayout(shapes[code].data(), D, axis);
        const long long          target = levelShapes[level - 1][axis];
        device_buffer<float>     combined;
        status = combined.allocate(static_cast<size_t>(l.inner * target * l.outer));
        if (status != cudaSuccess)
          break;
        status = cuemu::launch(dwt_reconstruct_kernel,
                               dim3(dwt_detail::Blocks(l.inner * target * l.outer)),
                               dim3(kDWTThreads),
                               tapBytes,
                               nullptr,
                               bands[code].get(),
                               bands[code | bit].get(),
                               l.inner,
                               l.length,
                               l.outer,
                               target,
                               taps.get(),
                               taps.get() + F,
                               F,
                               a.mode,
                               combined.get());
        bands[code].swap(combined);
        shapes[code][axis] = target;
      }
    }
    approximation.swap(bands[0]);
  }
  if (status == cudaSuccess)
    status = cudaDeviceSynchronize();
  if (status == cudaSuccess)
    status = approximation.download(a.destination, static_cast<size_t>(dwt_detail::Count(levelShapes[0].data(), D)));
  return status;
}
} // namespace CUEMU_BACKEND_NS
} // namespace fusionkernels
