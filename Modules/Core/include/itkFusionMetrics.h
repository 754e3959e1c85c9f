/*
 * Fusion quality metrics (docs/metrics.md): N >= 2 source images and the fused image F
 * on one grid (x fastest), values on the 0..255 scale (FusionMetricsCalculator maps them there).
 * Histograms: 256 bins of the values rounded to the nearest integer (clamped to 0..255).
 * Logarithms base 2 unless named "_nats". 3D: histogram metrics, SD, SF, MSE, CC, SCD, SSIM, VIF
 * and Q_Y are volumetric (3D windows); AG, EI, Qabf, Nabf, Q_CB, Q_CV and FMI are computed per
 * z-slice and pooled over all pixels (sums of ratio metrics pooled before dividing).
 *
 * Presets:
 *
 * `standard` (textbook definitions, no known bugs reproduced):
 *   EN        entropy of F
 *   SD        population standard deviation of F
 *   SF        sqrt(RF^2 + CF^2 [+ DF^2]): mean squared first differences along each axis
 *   AG        mean over pixels of sqrt((gx^2 + gy^2) / 2), central differences inside and one-sided
 *             at the borders (MATLAB gradient)
 *   EI        mean Sobel magnitude sqrt(Sx^2 + Sy^2), replicated borders
 *   per source S (suffix _1, _2, ... in source order):
 *     EN_k    entropy of S;  JE_k joint entropy H(S, F);  MI_k = H(S) + H(F) - H(S, F)
 *     MSE_k   mean (S - F)^2;  RMSE_k = sqrt(MSE_k);  PSNR_k = 10 log10(255^2 / MSE_k)
 *     CC_k    Pearson r(S, F)
 *     SSIM_k  Wang et al. 2004: 11^D Gaussian window (sigma 1.5), L = 255, K1 0.01, K2 0.03,
 *             population moments, mean over the windows inside the image ('valid')
 *     VIF_k   pixel-domain VIF, four scales (Sheikh and Bovik 2006, vifp_mscale): Gaussian windows
 *             17, 9, 5, 3 (sigma N/5), 'valid', decimation by 2 between scales (an image too small
 *             for a scale's window ends the sum there), sigma_n^2 = 2, the reference code's clamps
 *   MI        sum_k MI_k (bits);  MI_nats the same in nats
 *   Q_MI      2 sum_k MI_k / (H(S_k) + H(F))          (Hossny et al. 2008)
 *   CE        mean_k sum_b p_S log2(p_S / p_F) over bins where both are non-zero (VIFB)
 *   MSE       mean_k MSE_k;  RMSE = mean_k RMSE_k;  PSNR = 10 log10(255^2 / MSE)
 *   CC        mean_k CC_k
 *   SCD       sum_k r(F - sum_{j != k} S_j, S_k)        (Aslantas and Bendes 2015; N = 2: the paper's)
 *   SSIM      sum_k SSIM_k;  VIF  sum_k VIF_k (the field's convention for two sources)
 *   Qabf      Xydeas and Petrovic 2000 as VIFB / CDD / TANG code it: zero-padded Sobel, the tie
 *             rule G = g_F where g_S = g_F, sum_k Q_kF g_k / sum_k g_k
 *   Nabf      artefacts (Shreyamsha Kumar's modification): Sobel / 8 with mirrored borders,
 *             w = g^1.5 where g >= 2 else 0.001, counted where g_F exceeds every source's g;
 *             the fused image in the fused image's place (Tang's evaluation script swaps them)
 *   Q_Y       Yang et al. 2008 (Liu's metricYang): 7^D Gaussian SSIM maps (sigma 1.5,
 *             C1 = C2 = 2e-16, 'valid'); where SSIM(A, B) >= 0.75 the lambda-weighted mean of
 *             SSIM(A, F) and SSIM(B, F), lambda = s_A^2 / (s_A^2 + s_B^2), else their maximum;
 *             lambda = 0.5 where both sources are flat (Liu's code gives NaN there; Piella's rule).
 *             Two sources only (not reported for N > 2).
 *   Q_CB      Chen and Blum 2009 (Liu's metricChenBlum = VIFB's metricsQcb): each image through
 *             normalize1 (min-max to 0..255, rounded), the CSF filter in the frequency domain, local
 *             contrast |G_2 * I / G_4 * I - 1| with 31x31 unnormalised Gaussians (zero padding,
 *             direct convolution), masking C^3 / (C^2 + 1e-4); sum_k lambda_k Q_kF with
 *             lambda_k = C'_k^2 / sum_j C'_j^2; the mean over the pixels where it is defined (the
 *             reference's mean would be NaN wherever a 31x31 neighbourhood is exactly zero)
 *   Q_CV      Chen and Varshney 2007 (Liu's metricChen = VIFB's metricsQcv): normalize1, zero-padded
 *             Sobel saliency sum g^5 per 16x16 block, the Mannos-Sakrison-filtered differences S - F,
 *             their block means of squares (partial blocks zero padded); lower is better
 *   FMI_pixel, FMI_gradient, FMI_dct (only when asked for: FusionMetricsOptions::fmi):
 *             Haghighat et al. 2011/2014 as their papers describe it: 3x3 windows ('valid')
 *             of the feature images (pixels; MATLAB gradient along x; orthonormal DCT-II of the
 *             slice), mean over windows and sources of 2 I / (H_S + H_F). Both windows flat: 1
 *             (as MATLAB's rounding makes it); one flat: 0. Written from that description; not
 *             checked against TANG's MATLAB code.
 *
 * `cddfuse` (the CDDFuse Evaluator, utils/Evaluator.py, on 8-bit images: every image rounded to
 * integers first, as the evaluator reads PNG files): EN, SD, SF, AG (mean), MI (nats, summed over
 * sources, every grey level its own class), MSE (mean of the sources'), CC (mean), PSNR
 * (10 log10(max(F)^2 / MSE)), SCD, VIF (sum; a NaN VIF_k counts 1), Qabf, SSIM (sum of scikit-image
 * 0.19's structural_similarity(F, S) with its defaults on float32 images: 7^D box window, sample
 * covariance, data range 2).
 *
 * `vifb` (VIFB's metrics*.m on 8-bit images, rounded first): AG (sum / ((M-1)(N-1)) per slice), CE,
 * EI, EN, MI (nats; each image min-max normalised, int16(x * 255) bins; summed), PSNR and RMSE with
 * VIFB's mse() = sqrt(SSE) / (MN) (RMSE = mean_k, PSNR = 20 log10(255 / sqrt(RMSE))), Qabf, Q_CB,
 * Q_CV, SF (both sums / (MN)), SSIM (Wang, sum), SD.
 *
 * `seed` (the seed paper's report): per source MSE_k, PSNR_k, RMSE_k, SSIM_k, MI_k (standard
 * definitions); EN_k of every source, EN of F, JE_k = H(S_k, F) and JE_j_k = H(S_j, S_k) for every
 * pair of sources.
 *
 * A metric that is undefined for the data (a correlation with a constant image, PSNR of identical
 * images) is NaN and listed in `undefined`, never silently folded into a summary.
 *
 * How it is built (src/itkFusionMetricsRegistry.inc): a registry of metrics {name, needs, value}, the
 * presets as lists of metric names, and ComputeFusionMetrics as a scheduler that runs the analyses
 * the requested metrics need (each once, as tasks on the threads) and then reads the values.
 *
 * Memory kept between calls (for repeated calls on images of one size): the FFT plans and the CSF
 * gains of each slice size, and up to 64 MiB of large scratch blocks freed by earlier calls.
 */
#ifndef itkFusionMetrics_h
#define itkFusionMetrics_h

#include "MultimodalFusionExport.h"
#include "itkFusionBackend.h"

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
  std::vector<std::string>                    undefined;

  /** The value of a metric; throws FusionError (InvalidInput) for an unknown name. */
  double
  Get(const std::string & name) const;
};

struct FusionMetricsOptions
{
  std::string preset{ "standard" }; // standard, cddfuse, vifb, seed
  bool        fmi{ false };         // add FMI_pixel, FMI_gradient, FMI_dct (standard preset)
  /** Where the heavy parts run (local statistics of SSIM, VIF and Q_Y; the Sobel fields and sums
   * of Qabf and Nabf; the joint histograms): the CPU (threads, default), the CUDA kernels or
   * their CPU emulation (for testing). The rest is always on the CPU. */
  FusionEnums::Backend backend{ FusionEnums::Backend::CPU };
  unsigned int         threads{ 0 }; // CPU threads; 0: ITK's global default
};

/** Wang et al.'s SSIM of two images on the 0..255 scale alone (the standard preset's SSIM_k:
 * 11^D Gaussian window, sigma 1.5, L = 255, 'valid'); the CPU filters on `threads` threads (0:
 * ITK's global default). */
MultimodalFusion_EXPORT double
StructuralSimilarity(const double * x, const double * y, const std::array<size_t, 3> & size, unsigned int dimension,
                     FusionEnums::Backend backend = FusionEnums::Backend::CPU, unsigned int threads = 0);

/** Maps n values in place to the metrics' 0..255 scale: [lowest, highest] onto [0, 255], values outside
 * clamped; with ownRange, the values' own minimum and maximum instead (a constant image becomes 0).
 * Returns n, or the offset of the first non-finite value (and maps nothing). */
MultimodalFusion_EXPORT size_t
MapToMetricScale(double * values, size_t n, bool ownRange, double lowest = 0.0, double highest = 255.0);

/** The names of the presets, in the order above. */
MultimodalFusion_EXPORT const std::vector<std::string> &
                              FusionMetricsPresets();

/** Empty for a known preset; else the one-line message naming the known ones. */
MultimodalFusion_EXPORT std::string
                        FusionMetricsPresetError(const std::string & preset);

/** sources: N >= 2 images of size[0] * size[1] * size[2] doubles; dimension 2 or 3. Throws
 * FusionError (InvalidInput) for bad input (too few sources, non-finite values, unknown preset). */
MultimodalFusion_EXPORT FusionMetricsResult
ComputeFusionMetrics(const std::vector<const double *> & sources, const double * fused,
                     const std::array<size_t, 3> & size, unsigned int dimension,
                     const FusionMetricsOptions & options = FusionMetricsOptions());
} // namespace fusion
} // namespace itk

#endif
