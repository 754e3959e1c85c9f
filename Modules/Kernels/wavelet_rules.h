/*
 * wavelet_rules.h -- the PyWavelets boundary rules, written once for the CPU transform
 * (Modules/Core/src/itkWaveletFilterBank.cxx) and the CUDA kernels (dwt.cuh).
 * Plain C++ that nvcc also compiles for the device; no ITK, no CUDA types.
 * The modes: wavelet_modes.h.
 */
#ifndef wavelet_rules_h
#define wavelet_rules_h

#include "wavelet_modes.h"

#if defined(__CUDACC__)
#  define FUSION_HOST_DEVICE __host__ __device__ __forceinline__
#  if defined(__CUDA_ARCH__)
#    define FUSION_MUL_RN(a, b) __fmul_rn(a, b) /* a product that is never contracted into an FMA */
#  else
#    define FUSION_MUL_RN(a, b) ((a) * (b))
#  endif
#else
#  include <cmath>
#  define FUSION_HOST_DEVICE inline
#  define FUSION_MUL_RN(a, b) ((a) * (b))
#endif

namespace fusionkernels
{
namespace wavelet
{
/* pywt.dwt_coeff_len */
FUSION_HOST_DEVICE long long
CoefficientLength(long long n, long long filterLength, int mode)
{
  if (n <= 0)
    return 0;
  return mode == Periodization ? (n + 1) / 2 : (n + filterLength - 1) / 2;
}

/* Index into the extended line read by output k (the filter tap j = 0): the transform is
 * sum_j taps[j] * x[Centre(k) - j]. */
FUSION_HOST_DEVICE long long
Centre(long long k, long long filterLength, int mode)
{
  return mode == Periodization ? filterLength / 2 + 2 * k : 2 * k + 1;
}

FUSION_HOST_DEVICE long long
Wrap(long long n, long long period)
{
  const long long r = n % period;
  return r < 0 ? r + period : r;
}

/* A float dot product accumulated with error-free transformations (Ogita, Rump and Oishi's Dot2):
 * as accurate as if computed in twice the working precision, then rounded. The float kernels use it
 * so that their coefficients carry one rounding, not one per tap. */
struct CompensatedDot
{
  float sum = 0.0f, error = 0.0f;
  FUSION_HOST_DEVICE void
  Add(float a, float b)
  {
    const float product = FUSION_MUL_RN(a, b);
    const float productError = fmaf(a, b, -product);
    const float t = sum + product;
    const float z = t - sum;
    error += ((sum - (t - z)) + (product - z)) + productError;
    sum = t;
  }
  FUSION_HOST_DEVICE float
  Value() const
  {
    return sum + error;
  }
};

/* Sample n of a line of `length` samples (stride `stride`) extended by the mode. A single
 * sample extends as a constant in every mode but zero. */
template <typename T>
FUSION_HOST_DEVICE T
Extended(const T * line, long long stride, long long length, long long n, int mode)
{
  if (n >= 0 && n < length)
    return line[n * stride];
  if (mode == Zero)
    return T(0);
  if (length == 1)
    return line[0];
  const T first = line[0], last = line[(length - 1) * stride];
  switch (mode)
  {
    case Constant:
      return n < 0 ? first : last;
    case Symmetric:
    {
      const long long r = Wrap(n, 2 * length);
      return line[(r < length ? r : 2 * length - 1 - r) * stride];
    }
    case Reflect:
    {
      const long long r = Wrap(n, 2 * length - 2);
      return line[(r < length ? r : 2 * length - 2 - r) * stride];
    }
    case Periodic:
      return line[Wrap(n, length) * stride];
    case Periodization:
    {
      // Period length + (length mod 2): an odd line repeats its last sample.
      long long r = Wrap(n, length + (length % 2));
      return line[(r < length ? r : length - 1) * stride];
    }
    case Smooth:
      if (n < 0)
        return first + static_cast<T>(-n) * (first - line[stride]);
      return last + static_cast<T>(n - length + 1) * (last - line[(length - 2) * stride]);
    case Antisymmetric:
    {
      const long long r = Wrap(n, 2 * length);
      return r < length ? line[r * stride] : -line[(2 * length - 1 - r) * stride];
    }
    case Antireflect:
    {
      // Point reflections about the end samples, repeated until the index falls inside.
      T         offset = T(0), sign = T(1);
      long long m = n;
      while (m < 0 || m >= length)
      {
        if (m < 0)
        {
          offset += sign * T(2) * first;
          m = -m;
        }
        else
        {
          offset += sign * T(2) * last;
          m = 2 * (length - 1) - m;
        }
        sign = -sign;
      }
      return offset + sign * line[m * stride];
    }
    default:
      return T(0);
  }
}

/* Sample x of the inverse (float kernels) along a line with m coefficients (lo, hi: stride `stride`, hi may be
 * null): the full convolution of the upsampled coefficients from index F - 2, or for
 * periodization the circular one shifted by F/2 - 1. */
FUSION_HOST_DEVICE float
InverseSample(const float * lo, const float * hi, long long stride, long long m, const float * lowTaps,
              const float * highTaps, long long filterLength, int mode, long long x)
{
  CompensatedDot acc;
  if (mode == Periodization)
  {
    const long long shift = filterLength / 2 - 1, period = 2 * m;
    for (long long j = Wrap(x + shift, 2); j < filterLength; j += 2)
    {
      const long long k = Wrap(x + shift - j, period) / 2;
      acc.Add(lowTaps[j], lo[k * stride]);
      if (hi)
        acc.Add(highTaps[j], hi[k * stride]);
    }
    return acc.Value();
  }
  const long long t = x + filterLength - 2;
  long long       kFirst = (t - filterLength + 2) / 2;
  if (kFirst < 0)
    kFirst = 0;
  const long long kLast = t / 2 < m - 1 ? t / 2 : m - 1;
  for (long long k = kFirst; k <= kLast; ++k)
  {
    const long long j = t - 2 * k;
    if (j >= filterLength)
      continue;
    acc.Add(lowTaps[j], lo[k * stride]);
    if (hi)
      acc.Add(highTaps[j], hi[k * stride]);
  }
  return acc.Value();
}
} // namespace wavelet
} // namespace fusionkernels

#endif
