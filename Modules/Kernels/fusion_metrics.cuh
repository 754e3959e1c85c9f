/*
 * fusion_metrics.cuh -- the heavy parts of the fusion quality metrics (itkFusionMetrics.h):
 *   local_moments_*      separable 'valid' window sums of image products (SSIM, VIF, Q_Y) with a
 *                        symmetric window of odd length (folded), the x pass staged through shared
 *                        memory, doubles throughout;
 *   edge_preservation    the Sobel fields and the Qabf / Nabf sums, one thread per pixel
 *                        (metrics_rules.h), a block reduction, one partial per block;
 *   joint_histograms     256 x 256 joint histograms privatised in shared memory: a block counts one
 *                        band of 32 rows (32 KiB of counters) and adds its non-zero bins to the
 *                        global histogram.
 * Written once; compiled by nvcc (kernels_gpu.cu) and by g++ for the CPU emulation (kernels_emu.cxx).
 * Every output value is summed in the same order as on the CPU, so the local statistics are equal
 * bit for bit (without FMA contraction, as in the emulation); the edge sums differ only in the
 * order of the final reduction.
 */
#include "cuda_host_emulation.h"
#include "device_buffer.cuh"
#include "fusionKernels.h"
#include "metrics_rules.h"

namespace fusionkernels
{
namespace CUEMU_BACKEND_NS
{
#if !defined(__CUDACC__)
using namespace ::cuemu;
#endif

constexpr int kMomentThreads = 256;
constexpr int kMomentMaximumTaps = 33;

/* Axis 0: out[m](x, line) = sum_t taps[t] * product_m(x + t, line); grid (x blocks, lines, maps). */
__global__ void
__launch_bounds__(kMomentThreads)
  local_moments_axis0(const double * __restrict__ images, unsigned long long imageSize, int X, int outX,
                      const int * __restrict__ first, const int * __restrict__ second, const double * __restrict__ taps,
                      int tapCount, double * __restrict__ output, unsigned long long outSize)
{
  __shared__ double        tile[kMomentThreads + kMomentMaximumTaps - 1];
  const int                m = blockIdx.z;
  const unsigned long long line = blockIdx.y;
  const int                x0 = blockIdx.x * kMomentThreads;
  const double *           a = images + static_cast<unsigned long long>(first[m]) * imageSize + line * X;
  const double *           b =
    second[m] < 0 ? nullptr : images + static_cast<unsigned long long>(second[m]) * imageSize + line * X;
  for (int i = threadIdx.x; i < kMomentThreads + tapCount - 1; i += kMomentThreads)
  {
    const int x = x0 + i;
    tile[i] = x < X ? (b ? a[x] * b[x] : a[x]) : 0.0;
  }
  __syncthreads();
  const int x = x0 + threadIdx.x;
  if (x < outX)
  {
    // The symmetric window folded, summed in the CPU's order (itkFusionMetrics.cxx).
    const int      c = (tapCount - 1) / 2;
    const double * v = tile + threadIdx.x;
    double         sum = taps[c] * v[c];
    for (int t = 0; t < c; ++t)
      sum += taps[t] * (v[t] + v[tapCount - 1 - t]);
    output[static_cast<unsigned long long>(m) * outSize + line * outX + x] = sum;
  }
}

/* Axis d > 0 of maps laid out (inner, length, outer): out(i, j, o) = sum_t taps[t] in(i, j + t, o). */
__global__ void
__launch_bounds__(kMomentThreads)
  local_moments_axis(const double * __restrict__ input, unsigned long long inSize, unsigned long long inner, int length,
                     int outLength, unsigned long long outer, const double * __restrict__ taps, int tapCount,
                     double * __restrict__ output, unsigned long long outSize)
{
  const int                m = blockIdx.y;
  const unsigned long long total = inner * outLength * outer;
  for (unsigned long long e = static_cast<unsigned long long>(blockIdx.x) * blockDim.x + threadIdx.x; e < total;
       e += static_cast<unsigned long long>(gridDim.x) * blockDim.x)
  {
    const unsigned long long i = e % inner, j = (e / inner) % outLength, o = e / (inner * outLength);
    const double *           from = input + m * inSize + (o * length + j) * inner + i;
    const int                c = (tapCount - 1) / 2;
    double                   sum = taps[c] * from[static_cast<unsigned long long>(c) * inner];
    for (int t = 0; t < c; ++t)
      sum += taps[t] * (from[static_cast<unsigned long long>(t) * inner] +
                        from[static_cast<unsigned long long>(tapCount - 1 - t) * inner]);
    output[m * outSize + e] = sum;
  }
}

int
LocalMoments(const LocalMomentsArguments & a)
{
  if (a.dimension < 1 || a.dimension > 3 || a.mapCount < 1 || a.mapCount > kMetricsMaximumMaps || a.tapCount < 1 ||
      a.tapCount > kMomentMaximumTaps || a.tapCount % 2 == 0 || !a.images || !a.taps || !a.output)
    return cudaErrorInvalidValue;
  for (int t = 0; t < a.tapCount / 2; ++t)
    if (a.taps[t] != a.taps[a.tapCount - 1 - t])
      return cudaErrorInvalidValue; // the window must be symmetric
  size_t shape[3] = { a.shape[0], a.shape[1], a.shape[2] };
  for (int d = 0; d < a.dimension; ++d)
    if (shape[d] < static_cast<size_t>(a.tapCount))
      return cudaErrorInvalidValue;
  for (int m = 0; m < a.mapCount; ++m)
    if (a.first[m] < 0 || a.first[m] >= a.imageCount || a.second[m] >= a.imageCount)
      return cudaErrorInvalidValue;
  const size_t          imageSize = shape[0] * shape[1] * shape[2];
  device_buffer<double> images, taps, current, next;
  device_buffer<int>    first, second;
  int                   status = images.allocate(imageSize * a.imageCount);
  if (status == cudaSuccess)
    status = images.upload(a.images, imageSize * a.imageCount);
  if (status == cudaSuccess && (status = taps.allocate(a.tapCount)) == cudaSuccess)
    status = taps.upload(a.taps, a.tapCount);
  if (status == cudaSuccess && (status = first.allocate(a.mapCount)) == cudaSuccess)
    status = first.upload(a.first, a.mapCount);
  if (status == cudaSuccess && (status = second.allocate(a.mapCount)) == cudaSuccess)
    status = second.upload(a.second, a.mapCount);
  // Axis 0, the products formed on the fly.
  const size_t outX = shape[0] - a.tapCount + 1;
  size_t       size = outX * shape[1] * shape[2];
  if (status == cudaSuccess)
    status = current.allocate(size * a.mapCount);
  if (status != cudaSuccess)
    return status;
  status = cuemu::launch(local_moments_axis0,
                         dim3(static_cast<unsigned>((outX + kMomentThreads - 1) / kMomentThreads),
                              static_cast<unsigned>(shape[1] * shape[2]),
                              static_cast<unsigned>(a.mapCount)),
                         dim3(kMomentThreads),
                         0,
                         nullptr,
                         images.get(),
                         static_cast<unsigned long long>(imageSize),
                         static_cast<int>(shape[0]),
                         static_cast<int>(outX),
                         first.get(),
                         second.get(),
                         taps.get(),
                         a.tapCount,
                         current.get(),
                         static_cast<unsigned long long>(size));
  shape[0] = outX;
  for (int d = 1; d < a.dimension && status == cudaSuccess; ++d)
  {
    const size_t inner = d == 1 ? shape[0] : shape[0] * shape[1];
    const size_t outer = d == 1 ? shape[2] : 1;
    const size_t outLength = shape[d] - a.tapCount + 1;
    const size_t outSize = inner * outLength * outer;
    status = next.allocate(outSize * a.mapCount);
    if (status != cudaSuccess)
      break;
    const size_t   wanted = (outSize + kMomentThreads - 1) / kMomentThreads;
    const unsigned blocks = static_cast<unsigned>(wanted < 4096 ? wanted : 4096);
    status = cuemu::launch(local_moments_axis,
                           dim3(blocks, static_cast<unsigned>(a.mapCount)),
                           dim3(kMomentThreads),
                           0,
                           nullptr,
                           current.get(),
                           static_cast<unsigned long long>(size),
                           static_cast<unsigned long long>(inner),
                           static_cast<int>(shape[d]),
                           static_cast<int>(outLength),
                           static_cast<unsigned long long>(outer),
                           taps.get(),
                           a.tapCount,
                           next.get(),
                           static_cast<unsigned long long>(outSize));
    current.swap(next);
    shape[d] = outLength;
    size = outSize;
  }
  if (status == cudaSuccess)
    status = cudaDeviceSynchronize();
  if (status == cudaSuccess)
    status = current.download(a.output, size * a.mapCount);
  return status;
}

constexpr int kEdgeThreads = 256;

__global__ void
__launch_bounds__(kEdgeThreads) edge_preservation_kernel(const double * __restrict__ images, int sourceCount, int X,
                                                         int Y, int Z, double * __restrict__ partials)
{
  __shared__ double        s_sums[4][kEdgeThreads];
  const unsigned long long plane = static_cast<unsigned long long>(X) * Y;
  const unsigned long long total = plane * Z;
  const unsigned long long e = static_cast<unsigned long long>(blockIdx.x) * kEdgeThreads + threadIdx.x;
  metrics::EdgeSums        sums;
  if (e < total)
  {
    const unsigned long long z = e / plane, within = e % plane;
    const unsigned long long imageSize = total;
    metrics::AddEdgePixel(images + z * plane,
                          imageSize,
                          sourceCount,
                          images + static_cast<unsigned long long>(sourceCount) * imageSize + z * plane,
                          X,
                          Y,
                          static_cast<long>(within % X),
                          static_cast<long>(within / X),
                          sums);
  }
  s_sums[0][threadIdx.x] = sums.qNum;
  s_sums[1][threadIdx.x] = sums.qDen;
  s_sums[2][threadIdx.x] = sums.nNum;
  s_sums[3][threadIdx.x] = sums.nDen;
  __syncthreads();
  for (int half = kEdgeThreads / 2; half > 0; half /= 2)
  {
    if (static_cast<int>(threadIdx.x) < half)
      for (int s = 0; s < 4; ++s)
        s_sums[s][threadIdx.x] += s_sums[s][threadIdx.x + half];
    __syncthreads();
  }
  if (threadIdx.x < 4)
    partials[static_cast<unsigned long long>(blockIdx.x) * 4 + threadIdx.x] = s_sums[threadIdx.x][0];
}

int
EdgePreservation(const EdgePreservationArguments & a)
{
  if (!a.images || !a.sums || a.sourceCount < 1)
    return cudaErrorInvalidValue;
  const size_t total = a.shape[0] * a.shape[1] * a.shape[2];
  if (total == 0)
    return cudaErrorInvalidValue;
  const size_t          blocks = (total + kEdgeThreads - 1) / kEdgeThreads;
  device_buffer<double> images, partials;
  int                   status = images.allocate(total * (a.sourceCount + 1));
  if (status == cudaSuccess)
    status = images.upload(a.images, total * (a.sourceCount + 1));
  if (status == cudaSuccess)
    status = partials.allocate(blocks * 4);
  if (status != cudaSuccess)
    return status;
  status = cuemu::launch(edge_preservation_kernel,
                         dim3(static_cast<unsigned>(blocks)),
                         dim3(kEdgeThreads),
                         0,
                         nullptr,
                         images.get(),
                         a.sourceCount,
                         static_cast<int>(a.shape[0]),
                         static_cast<int>(a.shape[1]),
                         static_cast<int>(a.shape[2]),
                         partials.get());
  if (status == cudaSuccess)
    status = cudaDeviceSynchronize();
  double * host = new double[blocks * 4];
  if (status == cudaSuccess)
    status = partials.download(host, blocks * 4);
  if (status == cudaSuccess)
  {
    for (int s = 0; s < 4; ++s)
      a.sums[s] = 0.0;
    for (size_t b = 0; b < blocks; ++b)
      for (int s = 0; s < 4; ++s)
        a.sums[s] += host[b * 4 + s];
  }
  delete[] host;
  return status;
}

constexpr int kHistogramThreads = 256;
constexpr int kHistogramBandRows = 32; // 32 x 256 counters = 32 KiB of shared memory

/* grid (chunks, 256 / kHistogramBandRows bands, pairs). */
__global__ void
__launch_bounds__(kHistogramThreads)
  joint_histograms_kernel(const unsigned char * __restrict__ bins, unsigned long long count,
                          const int * __restrict__ pairs, unsigned int * __restrict__ counts)
{
  __shared__ unsigned int s_counts[kHistogramBandRows * 256];
  const int               band = blockIdx.y, p = blockIdx.z;
  for (int i = threadIdx.x; i < kHistogramBandRows * 256; i += kHistogramThreads)
    s_counts[i] = 0;
  __syncthreads();
  const unsigned char * a = bins + static_cast<unsigned long long>(pairs[2 * p]) * count;
  const unsigned char * b = bins + static_cast<unsigned long long>(pairs[2 * p + 1]) * count;
  for (unsigned long long i = static_cast<unsigned long long>(blockIdx.x) * kHistogramThreads + threadIdx.x; i < count;
       i += static_cast<unsigned long long>(gridDim.x) * kHistogramThreads)
  {
    const int row = a[i];
    if (row / kHistogramBandRows == band)
      atomicAdd(&s_counts[(row % kHistogramBandRows) * 256 + b[i]], 1u);
  }
  __syncthreads();
  unsigned int * out = counts + static_cast<unsigned long long>(p) * 65536 + band * kHistogramBandRows * 256;
  for (int i = threadIdx.x; i < kHistogramBandRows * 256; i += kHistogramThreads)
    if (s_counts[i])
      atomicAdd(out + i, s_counts[i]);
}

int
JointHistograms(const JointHistogramArguments & a)
{
  if (!a.bins || !a.pairs || !a.counts || a.pairCount < 1 || a.count == 0)
    return cudaErrorInvalidValue;
  for (int p = 0; p < 2 * a.pairCount; ++p)
    if (a.pairs[p] < 0 || a.pairs[p] >= a.imageCount)
      return cudaErrorInvalidValue;
  device_buffer<unsigned char> bins;
  device_buffer<int>           pairs;
  device_buffer<unsigned int>  counts;
  int                          status = bins.allocate(a.count * a.imageCount);
  if (status == cudaSuccess)
    status = bins.upload(a.bins, a.count * a.imageCount);
  if (status == cudaSuccess && (status = pairs.allocate(2 * a.pairCount)) == cudaSuccess)
    status = pairs.upload(a.pairs, 2 * a.pairCount);
  if (status == cudaSuccess)
    status = counts.allocate(static_cast<size_t>(a.pairCount) * 65536);
  if (status == cudaSuccess)
    status = cudaMemset(counts.get(), 0, static_cast<size_t>(a.pairCount) * 65536 * sizeof(unsigned int));
  if (status != cudaSuccess)
    return status;
  const size_t   wanted = (a.count + kHistogramThreads - 1) / kHistogramThreads;
  const unsigned chunks = static_cast<unsigned>(wanted < 64 ? wanted : 64);
  status = cuemu::launch(joint_histograms_kernel,
                         dim3(chunks, 256 / kHistogramBandRows, static_cast<unsigned>(a.pairCount)),
                         dim3(kHistogramThreads),
                         0,
                         nullptr,
                         bins.get(),
                         static_cast<unsigned long long>(a.count),
                         pairs.get(),
                         counts.get());
  if (status == cudaSuccess)
    status = cudaDeviceSynchronize();
  if (status == cudaSuccess)
    status = counts.download(a.counts, static_cast<size_t>(a.pairCount) * 65536);
  return status;
}
} // namespace CUEMU_BACKEND_NS
} // namespace fusionkernels
