/*
 * weighting_rules.h -- the ratio rule of the weighted fusion, written once for the CPU
 * (itk::WeightedFusionFilter in its compute type, itk::WaveletFeatureFusionFilter per band in double)
 * and the CUDA kernel (weighted_fusion.cuh, in float): each source S_k weighs
 * W_k = (A_k + eps) / (sum_j A_j + n eps) by its activity A_k >= 0, so the weights sum to 1 and equal
 * activities (zero included) give the average. The sum of (A_k + eps) S_k is divided once, at the end.
 * Plain C++ that nvcc also compiles for the device.
 */
#ifndef weighting_rules_h
#define weighting_rules_h

#if defined(__CUDACC__)
#  define FUSION_WEIGHTING_HD __host__ __device__ __forceinline__
#else
#  define FUSION_WEIGHTING_HD inline
#endif

namespace fusionkernels
{
namespace weighting
{
/* One output value: Add every source with its activity, in order, then Result. */
template <typename T>
struct RatioOfActivities
{
  T total = 0; // sum of the activities
  T sum = 0;   // sum of (activity + eps) * source

  FUSION_WEIGHTING_HD void
  Add(T activity, T source, T epsilon)
  {
    total += activity;
    sum += (activity + epsilon) * source;
  }

  FUSION_WEIGHTING_HD T
  Result(int sources, T epsilon) const
  {
    return sum / (total + static_cast<T>(sources) * epsilon);
  }
};
/* The weight itself, W_k = (A_k + eps) / (sum_j A_j + n eps), for callers that need the weights
 * (TDFIFFusionFilter::GetWeight, TDFIF-Net's weighted features). */
template <typename T>
FUSION_WEIGHTING_HD T
RatioWeight(T activity, T total, int sources, T epsilon)
{
  return (activity + epsilon) / (total + static_cast<T>(sources) * epsilon);
}
} // namespace weighting
} // namespace fusionkernels

#endif
