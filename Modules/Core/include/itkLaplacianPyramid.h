/*
 * The Laplacian pyramid of Burt and Adelson (1983) on images of up to three dimensions, and the
 * classical fusion rule on it: the coarsest Gaussian level averaged over the sources, every
 * Laplacian level by the coefficient of largest magnitude, computed in double. The arithmetic
 * (kernel [1 4 6 4 1] / 16 per axis, mirrored borders, REDUCE, EXPAND, the level shapes) is
 * Modules/Kernels/pyramid_rules.h, shared with the CUDA kernels (pyramid.cuh, in float).
 */
#ifndef itkLaplacianPyramid_h
#define itkLaplacianPyramid_h

#include "MultimodalFusionExport.h"

#include <array>
#include <cstddef>
#include <vector>

namespace itk
{
namespace fusion
{
/** Fuses N >= 2 images of `size` (x fastest; unused axes 1) with `levels` >= 1 pyramid levels (fewer
 * when an axis would shrink below 2 samples). */
MultimodalFusion_EXPORT std::vector<float>
LaplacianPyramidFusion(const std::vector<const float *> & sources, const std::array<size_t, 3> & size,
                       unsigned int dimension, unsigned int levels);
} // namespace fusion
} // namespace itk

#endif
