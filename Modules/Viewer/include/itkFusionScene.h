/*
 * The fusion scene (target MultimodalFusionVTK): a grey underlay (the anatomical image) with a
 * colour overlay (the functional image or the fused one), in three orthogonal slices and a 3D view,
 * rendered offscreen by VTK (Debian's VTK renders through X: run under Xvfb, e.g. xvfb-run -a).
 *
 * Physical space: both images are resampled (linear) onto one axis-aligned grid in LPS, the
 * bounding box of the underlay at its finest spacing, so that any direction, including a
 * reversed axis, shows the patient the same way. Views, in radiological convention:
 * The slices pass through one physical point: SceneOptions::at, by default the overlay's brightest
 * voxel (a PET or SPECT hot spot, or the fused image's).
 *   axial    the slice along z; screen right = +x (patient left),
 *            screen up = -y (anterior);
 *   coronal  the slice along y; screen right = +x, up = +z (superior);
 *   sagittal the slice along x; screen right = +y (posterior), up = +z;
 *   3d       the overlay volume-rendered in its colour map, seen from the front (anterior).
 * A 2D pair is one view, the image itself (right = +x, up = -y).
 * Colours: the underlay in grey, windowed to its 1st..99th percentile; the overlay mapped over its
 * minimum..maximum by the colour map (hot or jet), blended where it is above 5 % of that range:
 * pixel = (1 - opacity) grey + opacity colour.
 * Each view fills its viewport with square pixels, centred (black bands where the aspect differs).
 */
#ifndef itkFusionScene_h
#define itkFusionScene_h

#include "itkImage.h"

#include <string>
#include <vector>

namespace itk
{
namespace fusion
{
enum class SceneView
{
  Axial,
  Coronal,
  Sagittal,
  Volume,
  All
};

struct SceneOptions
{
  SceneView   view = SceneView::All;
  unsigned    width = 800, height = 800;
  std::string colourMap = "hot"; // hot or jet
  double      opacity = 0.5;     // of the overlay, 0..1
  /** The physical point the slices pass through (D values); empty: the overlay's brightest voxel. */
  std::vector<double> at;
};

/** "axial", "coronal", "sagittal", "3d", "all"; throws FusionError (InvalidInput) otherwise. */
SceneView
SceneViewFromString(const std::string & name);

/** Renders the scene offscreen and writes it as an 8-bit RGB PNG. Throws FusionError: InvalidInput
 * for bad options, Failure without an X display (naming xvfb-run) or when the PNG cannot be
 * written. */
template <unsigned int D>
void
RenderScene(const Image<float, D> * underlay, const Image<float, D> * overlay, const SceneOptions & options,
            const std::string & png);

extern template void
RenderScene<2>(const Image<float, 2> *, const Image<float, 2> *, const SceneOptions &, const std::string &);
extern template void
RenderScene<3>(const Image<float, 3> *, const Image<float, 3> *, const SceneOptions &, const std::string &);
} // namespace fusion
} // namespace itk

#endif
