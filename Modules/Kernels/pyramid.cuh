/*
 * pyramid.cuh -- Laplacian pyramid fusion of N same-grid images (the classical rule: coarsest level
 * averaged, every Laplacian level by the coefficient of largest magnitude), in float.
 * The arithmetic is pyramid_rules.h, shared with the CPU path (itkLaplacianPyramid.cxx, in double).
 * One launch per axis of every REDUCE and EXPAND (a thread per output sample, five taps), one per
 * level for the max-abs choice and for the sums. The sources go through one at a time: the device
 * holds a source's current and next Gaussian level, an expansion, two scratch images (five images)
 * and the fused levels (4/3 of an image in 2D, 8/7 in 3D).
 */
#include "cuda_host_emulation.h"
#include "device_buffer.cuh"
#include "fusionKernels.h"
#include "pyramid_rules.h"

#include <vector>

namespace fusionkernels
{
namespace CUEMU_BACKEND_NS
{
#if !defined(__CUDACC__)
using namespace ::cuemu;
#endif

namespace pyramid_detail
{
struct Extent
{
  unsigned long long n[3];
};

/* out (shape `to`) = REDUCE (reduce = 1) or EXPAND of `in` (shape `from`) along `axis`. (Scalar
 * arithmetic on the axis: an array indexed by it would live in local memory.) */
__global__ void __launch_bounds__(256) pyramid_axis_kernel(const float * __restrict__ in, Extent from,
                                                           float * __restrict__ out, Extent to, int axis, int reduce)
{
  const unsigned long long total = to.n[0] * to.n[1] * to.n[2];
  const unsigned long long stride = axis == 0 ? 1ull : (axis == 1 ? from.n[0] : from.n[0] * from.n[1]);
  const long               length =
    static_cast<long>(axis == 0 ? (reduce ? from.n[0] : to.n[0])
                                : (axis == 1 ? (reduce ? from.n[1] : to.n[1]) : (reduce ? from.n[2] : to.n[2])));
  for (unsigned long long i = static_cast<unsigned long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < total;
       i += static_cast<unsigned long long>(gridDim.x) * blockDim.x)
  {
    unsigned long long x = i % to.n[0], y = (i / to.n[0]) % to.n[1], z = i / (to.n[0] * to.n[1]);
    const long         position = static_cast<long>(axis == 0 ? x : (axis == 1 ? y : z));
    x = axis == 0 ? 0 : x;
    y = axis == 1 ? 0 : y;
    z = axis == 2 ? 0 : z;
    const float * line = in + x + from.n[0] * (y + from.n[1] * z);
    out[i] = reduce ? ::fusionkernels::pyramid::ReduceSample(line, stride, length, position)
                    : ::fusionkernels::pyramid::ExpandSample(line, stride, length, position);
  }
}

/* fused = g - up where its magnitude is larger than fused's (or everywhere for the first source). */
__global__ void __launch_bounds__(256)
  pyramid_detail_kernel(const float * __restrict__ g, const float * __restrict__ up, float * __restrict__ fused,
                        unsigned long long count, int first)
{
  for (unsigned long long i = static_cast<unsigned long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += static_cast<unsigned long long>(gridDim.x) * blockDim.x)
  {
    const float laplacian = g[i] - up[i];
    if (first || fabsf(laplacian) > fabsf(fused[i]))
      fused[i] = laplacian;
  }
}

/* target = (first ? 0 : target) + scale * value. */
__global__ void __launch_bounds__(256)
  pyramid_accumulate_kernel(float * __restrict__ target, const float * __restrict__ value, float scale,
                            unsigned long long count, int first)
{
  for (unsigned long long i = static_cast<unsigned long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += static_cast<unsigned long long>(gridDim.x) * blockDim.x)
    target[i] = (first ? 0.0f : target[i]) + scale * value[i];
}

inline unsigned
Blocks(unsigned long long count)
{
  const unsigned long long wanted = (count + 255) / 256;
  return static_cast<unsigned>(wanted < 4096ull ? (wanted > 0 ? wanted : 1ull) : 4096ull);
}

inline unsigned long long
Count(const Extent & e)
{
  return e.n[0] * e.n[1] * e.n[2];
}
} // namespace pyramid_detail

int
LaplacianPyramidFusion(const PyramidFusionArguments & a)
{
  using namespace pyramid_detail;
  if (a.numberOfSources < 2 || !a.sources || !a.output || a.dimension < 1 || a.dimension > 3 || a.levels < 1)
    return cudaErrorInvalidValue;
  size_t              shapes[::fusionkernels::pyramid::kMaximumLevels + 1][3];
  const int           top = ::fusionkernels::pyramid::LevelShapes(a.shape, a.dimension, a.levels, shapes);
  std::vector<Extent> extents(static_cast<size_t>(top) + 1);
  for (int l = 0; l <= top; ++l)
    extents[l] = Extent{ { shapes[l][0], shapes[l][1], shapes[l][2] } };
  const unsigned long long count = Count(extents[0]);
  if (count == 0)
    return cudaSuccess;
  std::vector<size_t> levelOffset(static_cast<size_t>(top) + 1, 0); // fused Laplacian levels, then the top
  for (int l = 0; l < top; ++l)
    levelOffset[l + 1] = levelOffset[l] + Count(extents[l]);

  device_buffer<float> g, next, up, scratchA, scratchB, fused;
  int                  status = cudaSuccess;
  for (device_buffer<float> * b : { &g, &next, &up, &scratchA, &scratchB })
    if (status == cudaSuccess)
      status = b->allocate(count);
  if (status == cudaSuccess)
    status = fused.allocate(levelOffset[top] + Count(extents[top]));
  // REDUCE (level l -> l + 1) or EXPAND (level l -> l - 1) `from` into `to`, axis by axis; the
  // passes before the last write the scratch images in turn, so no pass reads what it writes.
  auto resample = [&](const float * from, int l, float * to, bool reduce) {
    Extent        current = extents[l];
    const Extent  target = extents[reduce ? l + 1 : l - 1];
    const float * in = from;
    for (int d = 0; d < a.dimension && status == cudaSuccess; ++d)
    {
      Extent after = current;
      after.n[d] = target.n[d];
      float * out = d == a.dimension - 1 ? to : (d % 2 == 0 ? scratchA.get() : scratchB.get());
      status = cuemu::launch(pyramid_axis_kernel,
                             dim3(Blocks(Count(after))),
                             dim3(256),
                             0,
                             nullptr,
                             in,
                             current,
                             out,
                             after,
                             d,
                             reduce ? 1 : 0);
      in = out;
      current = after;
    }
  };
  for (int k = 0; k < a.numberOfSources && status == cudaSuccess; ++k)
  {
    status = g.upload(a.sources[k], count);
    for (int l = 0; l < top && status == cudaSuccess; ++l)
    {
      resample(g.get(), l, next.get(), true);       // next: Gaussian level l + 1
      resample(next.get(), l + 1, up.get(), false); // up: its EXPAND back to level l
      if (status == cudaSuccess)
        status = cuemu::launch(pyramid_detail_kernel,
                               dim3(Blocks(Count(extents[l]))),
                               dim3(256),
                               0,
                               nullptr,
                               g.get(),
                               up.get(),
                               fused.get() + levelOffset[l],
                               Count(extents[l]),
                               k == 0 ? 1 : 0);
      g.swap(next);
    }
    if (status == cudaSuccess)
      status = cuemu::launch(pyramid_accumulate_kernel,
                             dim3(Blocks(Count(extents[top]))),
                             dim3(256),
                             0,
                             nullptr,
                             fused.get() + levelOffset[top],
                             static_cast<const float *>(g.get()),
                             1.0f / static_cast<float>(a.numberOfSources),
                             Count(extents[top]),
                             k == 0 ? 1 : 0);
  }
  // Collapse in place: fused level l += EXPAND (fused level l + 1), from the top down.
  for (int l = top - 1; l >= 0 && status == cudaSuccess; --l)
  {
    resample(fused.get() + levelOffset[l + 1], l + 1, up.get(), false);
    if (status == cudaSuccess)
      status = cuemu::launch(pyramid_accumulate_kernel,
                             dim3(Blocks(Count(extents[l]))),
                             dim3(256),
                             0,
                             nullptr,
                             fused.get() + levelOffset[l],
                             static_cast<const float *>(up.get()),
                             1.0f,
                             Count(extents[l]),
                             0);
  }
  if (status == cudaSuccess)
    status = cudaDeviceSynchronize();
  if (status == cudaSuccess)
    status = fused.download(a.output, count);
  return status;
}
} // namespace CUEMU_BACKEND_NS
} // namespace fusionkernels
