/*
 * Fusion quality metrics (../shared/docs/METRICS.md), the `standard` preset: textbook definitions
 * on grey levels 0..255.
 *
 * Inputs: N >= 2 source images and the fused image F, one grid (x fastest), values already on the
 * 0..255 scale (FusionMetricsCalculator maps them). Histograms: 256 bins of the values rounded to
 * the nearest integer (clamped to 0..255). Logarithms base 2 unless named "_nats".
 *
 *   EN        entropy of F
 *   SD        population standard deviation of F
 *   SF        sqrt(RF^2 + CF^2 [+ DF^2]): mean squared first differences along each axis
 *   AG        mean over pixels of sqrt((gx^2 + gy^2) / 2), central differences inside and one-sided
 *             at the borders (MATLAB gradient); 3D: per z-slice, pooled over all pixels
 *   EI        mean Sobel magnitude sqrt(Sx^2 + Sy^2), replicated borders; 3D: per z-slice, pooled
 *   per source S (suffix _1, _2, ... in source order):
 *     EN_k    entropy of S;  JE_k joint entropy H(S, F);  MI_k = H(S) + H(F) - H(S, F)
 *     MSE_k   mean (S - F)^2;  PSNR_k = 10 log10(255^2 / MSE_k);  CC_k = Pearson r(S, F)
 *     SSIM_k  Wang et al. 2004: 11^D Gaussian window (sigma 1.5), L = 255, K1 0.01, K2 0.03,
 *             population moments, mean over the windows inside the image ('valid')
 *   MI        sum_k MI_k (bits);  MI_nats the same in nats
 *   Q_MI      2 sum_k MI_k / (H(S_k) + H(F))          (Hossny et al. 2008)
 *   CE        mean_k sum_b p_S log2(p_S / p_F) over bins where both are non-zero (VIFB)
 *   MSE       mean_k MSE_k;  RMSE = mean_k sqrt(MSE_k);  PSNR = 10 log10(255^2 / MSE)
 *   CC        mean_k CC_k
 *   SCD       sum_k r(F - sum_{j != k} S_j, S_k)        (Aslantas and Bendes 2015; N = 2: the paper's)
 *   SSIM      sum_k SSIM_k (the field's convention for two sources)
 *   VIF       sum_k VIF_k, VIF_k pixel-domain, four scales (Sheikh and Bovik 2006, vifp_mscale):
 *             Gaussian windows 17, 9, 5, 3 (sigma N/5), 'valid', decimation by 2 between scales
 *             (an image too small for a scale's window ends the sum there, as filter2 'valid'),
 *             sigma_n^2 = 2, the reference code's clamps; volumetric in 3D
 *   Qabf      Xydeas and Petrovic 2000 as VIFB / CDD / TANG code it: zero-padded Sobel, the tie
 *             rule G = g_F where g_S = g_F, sum_k Q_kF g_k / sum_k g_k
 *   Nabf      artefacts (Shreyamsha Kumar's modification): Sobel / 8 with mirrored borders,
 *             w = g^1.5 where g >= 2 else 0.001, counted where g_F exceeds every source's g;
 *             the fused image in the fused image's place (METRICS.md's reference swaps them)
 *   Qabf and Nabf in 3D: per z-slice, the sums pooled.
 * A metric that is undefined for the data (a correlation with a constant image, PSNR of identical
 * images) is NaN and listed in `undefined`, never silently folded into a summary.
 */
#ifndef itkFusionMetrics_h
#define itkFusionMetrics_h

#include "MultimodalFusionExport.h"

#include <array>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace itk
{
namespace fusion
{
struct MultimodalFusion_EXPORT FusionMetricsResult
{
  std::vector<std::pair<std::string, double>> values; // in a fixed order
  std::vector<std::string>                     undefined;

  /** The value of a metric; throws std::out_of_range for an unknown name. */
  double
  Get(const std::string & name) const;
};

/** sources: N >= 2 images of size[0] * size[1] * size[2] doubles; dimension 2 or 3. */
MultimodalFusion_EXPORT FusionMetricsResult
ComputeFusionMetrics(const std::vector<const double *> & sources, const double * fused,
                     const std::array<size_t, 3> & size, unsigned int dimension);
} // namespace fusion
} // namespace itk

#endif
