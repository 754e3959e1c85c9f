/*
 * glcm.cuh -- per-pixel grey-level co-occurrence features (GLCMMeanTextureFilter's CUDA path).
 * Written once; compiled by nvcc (kernels_gpu.cu) and by g++ for the CPU emulation.
 *
 * The host hands over the quantised levels of the output region padded by the window and the
 * offsets (mirrored at the image borders, as the CPU path builds them). One CUDA thread per
 * output pixel builds, offset by offset, the co-occurrence counts of its window in its own slice
 * of shared memory (L^2 counters; L <= 16), and accumulates the features in registers: averaged
 * over offsets, or from the pooled counts. Features: the order of fusionkernels::GLCMFeature.
 */
#include "cuda_host_emulation.h"
#include "device_buffer.cuh"
#include "fusionKernels.h"

namespace fusionkernels
{
namespace CUEMU_BACKEND_NS
{
#if !defined(__CUDACC__)
using namespace ::cuemu;
#endif

constexpr int kGLCMThreads = 32;

/* Features of the counts of one thread (total > 0) into f[10]. */
__device__ __forceinline__ void
glcm_features(const unsigned * counts, int L, float total, float * f)
{
  const float inverse = 1.0f / total;
  float       meanI = 0.0f, meanJ = 0.0f;
  for (int i = 0; i < L; ++i)
    for (int j = 0; j < L; ++j)
    {
      const float p = static_cast<float>(counts[(i * L + j) * kGLCMThreads]) * inverse;
      meanI += static_cast<float>(i) * p;
      meanJ += static_cast<float>(j) * p;
    }
  float varI = 0.0f, varJ = 0.0f, covariance = 0.0f, contrast = 0.0f, dissimilarity = 0.0f, homogeneity = 0.0f,
        asm_ = 0.0f, entropy = 0.0f, maximum = 0.0f;
  for (int i = 0; i < L; ++i)
    for (int j = 0; j < L; ++j)
    {
      const unsigned c = counts[(i * L + j) * kGLCMThreads];
      if (c == 0u)
        continue;
      const float p = static_cast<float>(c) * inverse;
      const float d = static_cast<float>(i - j);
      const float di = static_cast<float>(i) - meanI, dj = static_cast<float>(j) - meanJ;
      varI += di * di * p;
      varJ += dj * dj * p;
      covariance += di * dj * p;
      contrast += d * d * p;
      dissimilarity += fabsf(d) * p;
      homogeneity += p / (1.0f + d * d);
      asm_ += p * p;
      entropy -= p * logf(p);
      maximum = fmaxf(maximum, p);
    }
  const float spread = sqrtf(varI * varJ);
  f[0] = meanI;
  f[1] = varI;
  f[2] = contrast;
  f[3] = dissimilarity;
  f[4] = homogeneity;
  f[5] = asm_;
  f[6] = sqrtf(asm_);
  f[7] = entropy;
  f[8] = spread < 1e-15f ? 1.0f : covariance / spread;
  f[9] = maximum;
}

/* Counts are interleaved by thread (counter c of thread t at c * 32 + t): no bank conflicts. */
__global__ void __launch_bounds__(32)
  glcm_features_kernel(const unsigned char * __restrict__ levels, int px, int py, int pz, int ox, int oy, int oz,
                       int nx, int ny, int nz, int rx, int ry, int rz, const int * __restrict__ offsets,
                       int offsetCount, int L, int symmetric, int pooled, float * __restrict__ out)
{
  CUEMU_DYNAMIC_SHARED(unsigned, shared);
  unsigned *      counts = shared + threadIdx.x;
  const long long total = static_cast<long long>(nx) * ny * nz;
  const long long id = static_cast<long long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (id >= total)
    return; // no barrier below: threads may leave
  const int x = static_cast<int>(id % nx), y = static_cast<int>((id / nx) % ny), z = static_cast<int>(id / nx / ny);
  // Centre in padded coordinates.
  const int cx = x + ox, cy = y + oy, cz = z + oz;
  float     sum[10] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 };
  float     pairsTotal = 0.0f;
  for (int c = 0; c < L * L; ++c)
    counts[c * kGLCMThreads] = 0u;
  for (int k = 0; k < offsetCount; ++k)
  {
    const int dx = offsets[3 * k], dy = offsets[3 * k + 1], dz = offsets[3 * k + 2];
    const int x0 = cx - rx + max(0, -dx), x1 = cx + rx - max(0, dx);
    const int y0 = cy - ry + max(0, -dy), y1 = cy + ry - max(0, dy);
    const int z0 = cz - rz + max(0, -dz), z1 = cz + rz - max(0, dz);
    float     pairs = 0.0f;
    for (int a = z0; a <= z1; ++a)
      for (int b = y0; b <= y1; ++b)
        for (int c = x0; c <= x1; ++c)
        {
          const int i = levels[(static_cast<long long>(a) * py + b) * px + c];
          const int j = levels[(static_cast<long long>(a + dz) * py + (b + dy)) * px + (c + dx)];
          counts[(i * L + j) * kGLCMThreads] += 1u;
          if (symmetric)
            counts[(j * L + i) * kGLCMThreads] += 1u;
          pairs += symmetric ? 2.0f : 1.0f;
        }
    if (!pooled)
    {
      float f[10];
      glcm_features(counts, L, pairs, f);
      for (int q = 0; q < 10; ++q)
        sum[q] += f[q];
      for (int c = 0; c < L * L; ++c)
        counts[c * kGLCMThreads] = 0u;
    }
    pairsTotal += pairs;
  }
  float values[10];
  if (pooled)
    glcm_features(counts, L, pairsTotal, values);
  else
    for (int q = 0; q < 10; ++q)
      values[q] = sum[q] / static_cast<float>(offsetCount);
#pragma unroll
  for (int q = 0; q < 10; ++q) // all ten (fixed indices keep them in registers); the host picks
    out[id * 10 + q] = values[q];
}

int
GLCMFeatures(const GLCMArguments & a)
{
  if (!a.levels || !a.output || a.numberOfLevels < 2 || a.numberOfLevels > kGLCMMaximumLevels || a.offsetCount < 1)
    return cudaErrorInvalidValue;
  const long long              padded = static_cast<long long>(a.padded[0]) * a.padded[1] * a.padded[2];
  const long long              pixels = static_cast<long long>(a.size[0]) * a.size[1] * a.size[2];
  device_buffer<unsigned char> levels;
  device_buffer<int>           offsets;
  device_buffer<float>         output;
  int                          status = levels.allocate(static_cast<size_t>(padded));
  if (status == cudaSuccess)
    status = levels.upload(a.levels, static_cast<size_t>(padded));
  if (status == cudaSuccess)
    status = offsets.allocate(3 * static_cast<size_t>(a.offsetCount));
  if (status == cudaSuccess)
    status = offsets.upload(a.offsets, 3 * static_cast<size_t>(a.offsetCount));
  if (status == cudaSuccess)
    status = output.allocate(static_cast<size_t>(pixels * 10));
  if (status != cudaSuccess)
    return status;
  const size_t   shared = static_cast<size_t>(a.numberOfLevels) * a.numberOfLevels * kGLCMThreads * sizeof(unsigned);
  const unsigned blocks = static_cast<unsigned>((pixels + kGLCMThreads - 1) / kGLCMThreads);
  status = cuemu::launch(glcm_features_kernel,
                         dim3(blocks),
                         dim3(kGLCMThreads),
                         shared,
                         nullptr,
                         levels.get(),
                         a.padded[0],
                         a.padded[1],
                         a.padded[2],
                         a.origin[0],
                         a.origin[1],
                         a.origin[2],
                         a.size[0],
                         a.size[1],
                         a.size[2],
                         a.radius[0],
                         a.radius[1],
                         a.radius[2],
                         offsets.get(),
                         a.offsetCount,
                         a.numberOfLevels,
                         a.symmetric ? 1 : 0,
                         a.pooled ? 1 : 0,
                         output.get());
  if (status == cudaSuccess)
    status = cudaDeviceSynchronize();
  if (status == cudaSuccess)
    status = output.download(a.output, static_cast<size_t>(pixels * 10));
  return status;
}
} // namespace CUEMU_BACKEND_NS
} // namespace fusionkernels
