/*
 * The quick GLCM mean (docs/methods.md section 4) as a separable operator on the quantised image.
 *
 * The GLCM mean of a window is a weighted sum of the levels over a few boxes of that window (for
 * every offset o: the pairs (a, a + o) inside the window, a over a box A and a + o over A + o).
 * Every box lies inside the window [-r, r]^D, so along each axis its indicator is the window's
 * F = [-r, r] minus the unit impulses at the excluded positions j:  1_[lo, hi] = F - sum_j delta_j.
 * Expanding the product over the axes gives
 *
 *   mean(p) = sum over b in basis_0 x basis_1 x basis_2 of  G[b] * (Op_b0 Op_b1 Op_b2 levels)(p),
 *
 * with Op_F a running box sum of radius r along that axis and Op_delta_j a shift by j. With the
 * default unit offsets the basis per axis is {F, delta_-r, delta_+r}: 3^D terms per pixel, each
 * read from one of the 2^D partial box sums of a z-slice (levels, box along x, box along y, box
 * along x and y), then a running combination along z. O(1) per pixel for any radius, exact in
 * integers up to the final weighted sum (double).
 *
 * Images of up to three dimensions; missing axes have size 1 and radius 0.
 */
#ifndef itkGLCMQuickMean_h
#define itkGLCMQuickMean_h

#include "MultimodalFusionExport.h"

#include <cstddef>
#include <functional>
#include <vector>

namespace itk
{
namespace fusion
{
class MultimodalFusion_EXPORT GLCMQuickMean
{
public:
  /** A window of radius `radius[d]` per axis (0 beyond the image's dimension). */
  explicit GLCMQuickMean(const long radius[3]);

  /** Adds weight * (sum of the levels over the box [low, high] relative to the window centre). */
  void
  AddBox(const long low[3], const long high[3], double weight);

  /** Number of terms read per pixel (for tests and documentation). */
  size_t
  NumberOfTerms() const;

  /** The mean over the output block starting at `origin` (in the level grid) of size `size`.
   * `levels` holds the quantised image over a grid of `gridSize` (x fastest) that covers the
   * block padded by the radius. `line(y, z, values)` receives each output line along x (y and z
   * relative to the block), in increasing z then y. */
  void
  Evaluate(const unsigned char * levels, const size_t gridSize[3], const long origin[3], const size_t size[3],
           const std::function<void(size_t, size_t, const double *)> & line) const;

private:
  struct Box
  {
    long   low[3], high[3];
    double weight;
  };
  long             m_Radius[3];
  std::vector<Box> m_Boxes;
};
} // namespace fusion
} // namespace itk

#endif
