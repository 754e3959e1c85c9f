/*
 * pyramid_rules.h -- the arithmetic of the Laplacian pyramid (Burt and Adelson 1983), written once
 * for the CPU (Modules/Core/src/itkLaplacianPyramid.cxx, in double) and the CUDA kernels
 * (pyramid.cuh, in float): the level shapes, the mirrored borders and one output sample of REDUCE
 * or EXPAND along one axis. Kernel [1 4 6 4 1] / 16 per axis; borders mirrored without repeating the
 * edge; REDUCE filters and keeps every second sample from the first ((n + 1) / 2 per axis); EXPAND
 * inserts zeros and filters with twice the kernel, done axis by axis (zero insertion along one axis
 * commutes with filtering along another). Plain C++ that nvcc also compiles for the device.
 */
#ifndef pyramid_rules_h
#define pyramid_rules_h

#include <cstddef>

#if defined(__CUDACC__)
#  define FUSION_PYRAMID_HD __host__ __device__ __forceinline__
#else
#  define FUSION_PYRAMID_HD inline
#endif

namespace fusionkernels
{
namespace pyramid
{
constexpr int kMaximumLevels = 32;

/* Tap t in -2 .. 2 of [1 4 6 4 1] / 16. */
template <typename T>
FUSION_PYRAMID_HD T
Tap(long t)
{
  return t == 0 ? T(6) / T(16) : (t == 1 || t == -1 ? T(4) / T(16) : T(1) / T(16));
}

/* Index i reflected into 0 .. n-1 without repeating the edge. */
FUSION_PYRAMID_HD long
Mirror(long i, long n)
{
  if (n == 1)
    return 0;
  while (i < 0 || i >= n)
    i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/* The shapes of the Gaussian levels 0 .. L (x fastest; unused axes 1): `levels` >= 1 wanted, fewer
 * when an axis would shrink below 2 samples. Writes L + 1 shapes; returns L (0: no level fits). */
FUSION_PYRAMID_HD int
LevelShapes(const std::size_t size[3], int dimension, int levels, std::size_t shapes[][3])
{
  for (int d = 0; d < 3; ++d)
    shapes[0][d] = size[d];
  int top = 0;
  while (top < levels && top < kMaximumLevels)
  {
    bool fits = true;
    for (int d = 0; d < 3; ++d)
    {
      shapes[top + 1][d] = d < dimension ? (shapes[top][d] + 1) / 2 : shapes[top][d];
      fits = fits && (d >= dimension || shapes[top + 1][d] >= 2);
    }
    if (!fits)
      break;
    ++top;
  }
  return top;
}

/* Output sample `i` along an axis: `in` points at the line's first sample, `stride` apart, `n` long.
 * Reduce: output length (n + 1) / 2, sample 2i filtered. Expand: output length `fine` (n = (fine + 1) / 2),
 * the zero-inserted line filtered with twice the kernel. */
template <typename T>
FUSION_PYRAMID_HD T
ReduceSample(const T * in, std::size_t stride, long n, long i)
{
  T sum = T(0);
  for (long t = -2; t <= 2; ++t)
    sum += Tap<T>(t) * in[static_cast<std::size_t>(Mirror(2 * i + t, n)) * stride];
  return sum;
}
template <typename T>
FUSION_PYRAMID_HD T
ExpandSample(const T * in, std::size_t stride, long fine, long i)
{
  T sum = T(0);
  for (long t = -2; t <= 2; ++t)
  {
    const long j = Mirror(i + t, fine);
    if (j % 2 == 0)
      sum += Tap<T>(t) * in[static_cast<std::size_t>(j / 2) * stride];
  }
  return T(2) * sum;
}
} // namespace pyramid
} // namespace fusionkernels

#endif
