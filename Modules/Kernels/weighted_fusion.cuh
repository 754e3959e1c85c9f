/*
 * weighted_fusion.cuh -- per-pixel weighted fusion of N same-grid images.
 * Written once; compiled by nvcc (kernels_gpu.cu) and by g++ for the CPU
 * emulation (kernels_emu.cxx). The CPU path of itk::WeightedFusionFilter
 * computes the same formulas (Filters/itkWeightedFusionFilter.hxx); the ratio rule is
 * weighting_rules.h, shared by both.
 */
#include "cuda_host_emulation.h"
#include "fusionKernels.h"
#include "device_buffer.cuh"
#include "weighting_rules.h"

namespace fusionkernels
{
namespace CUEMU_BACKEND_NS
{
#if !defined(__CUDACC__)
using namespace ::cuemu;
#endif

enum WeightingMode
{
  EqualWeights = 0,
  GivenWeights = 1,
  RatioOfActivities = 2,
  Maximum = 3
};

/* sources: n images of `count` floats, back to back; weights: the same layout (weights or activities). */
__global__ void __launch_bounds__(256)
  weighted_fusion_kernel(const float * __restrict__ sources, const float * __restrict__ weights, int n,
                         unsigned long long count, int mode, float epsilon, float * __restrict__ output)
{
  const unsigned long long stride = static_cast<unsigned long long>(gridDim.x) * blockDim.x;
  for (unsigned long long i = static_cast<unsigned long long>(blockIdx.x) * blockDim.x + threadIdx.x; i < count;
       i += stride)
  {
    float sum = 0.0f;
    if (mode == EqualWeights)
    {
      for (int k = 0; k < n; ++k)
        sum += __ldg(sources + k * count + i);
      output[i] = sum / static_cast<float>(n);
    }
    else if (mode == GivenWeights)
    {
      for (int k = 0; k < n; ++k)
        sum += __ldg(weights + k * count + i) * __ldg(sources + k * count + i);
      output[i] = sum;
    }
    else if (mode == Maximum)
    {
      float m = __ldg(sources + i);
      for (int k = 1; k < n; ++k)
        m = fmaxf(m, __ldg(sources + k * count + i));
      output[i] = m;
    }
    else
    {
      weighting::RatioOfActivities<float> rule;
      for (int k = 0; k < n; ++k)
        rule.Add(__ldg(weights + k * count + i), __ldg(sources + k * count + i), epsilon);
      output[i] = rule.Result(n, epsilon);
    }
  }
}

int
WeightedFusion(const WeightedFusionArguments & a)
{
  if (a.numberOfSources < 1 || !a.sources || !a.output || (a.weights && a.activities) ||
      (a.maximum && (a.weights || a.activities)))
    return cudaErrorInvalidValue;
  if (a.count == 0)
    return cudaSuccess;
  const size_t          n = static_cast<size_t>(a.numberOfSources);
  const float * const * perPixel = a.weights ? a.weights : a.activities;
  const int mode = a.maximum ? Maximum : (a.weights ? GivenWeights : (a.activities ? RatioOfActivities : EqualWeights));

  device_buffer<float> sources, weights, output;
  int                  status = sources.allocate(n * a.count);
  if (status == cudaSuccess && perPixel)
    status = weights.allocate(n * a.count);
  if (status == cudaSuccess)
    status = output.allocate(a.count);
  for (size_t k = 0; k < n && status == cudaSuccess; ++k)
  {
    status = sources.upload(a.sources[k], a.count, k * a.count);
    if (status == cudaSuccess && perPixel)
      status = weights.upload(perPixel[k], a.count, k * a.count);
  }
  if (status != cudaSuccess)
    return status;
  const unsigned           threads = 256;
  const unsigned long long wanted = (a.count + threads - 1) / threads;
  const unsigned           blocks = static_cast<unsigned>(wanted < 4096ull ? wanted : 4096ull);
  status = cuemu::launch(weighted_fusion_kernel,
                         dim3(blocks),
                         dim3(threads),
                         0,
                         nullptr,
                         sources.get(),
                         weights.get(),
                         a.numberOfSources,
                         static_cast<unsigned long long>(a.count),
                         mode,
                         a.epsilon,
                         output.get());
  if (status == cudaSuccess)
    status = cudaDeviceSynchronize();
  if (status == cudaSuccess)
    status = output.download(a.output, a.count);
  return status;
}
} // namespace CUEMU_BACKEND_NS
} // namespace fusionkernels
