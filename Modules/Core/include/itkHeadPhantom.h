/*
 * The module's embedded default data: a deterministic synthetic head on one physical grid,
 * as T1-weighted MRI, CT and PET, in 2D (one axial slice through the lesion) and 3D.
 *
 * Anatomy (millimetres, patient LPS coordinates, head centre at the origin): scalp, skull,
 * cerebrospinal fluid (outer layer, sulci and two lateral ventricles), a folded grey-matter
 * cortex, white matter, and a lesion of 12 mm radius, left posterior. Each image is made
 * by sampling the same anatomy (2x2(x2) supersampling for partial-volume edges):
 *   MRI  T1-like arbitrary units: fat-bright scalp 180, dark skull 30, CSF 40, grey 110,
 *        white 160, hypo-intense lesion 70, a 5 % bias field and Gaussian-like noise (sd 2).
 *   CT   Hounsfield units: air -1000, bone 1200, flat soft tissue 20-45, noise (sd 5).
 *   PET  uptake (SUV-like): grey 4, white 1.2, CSF 0.2, bone 0.3, scalp 0.5, hot lesion 10;
 *        blurred to PET resolution (6 mm FWHM Gaussian), 3 % multiplicative noise.
 * The grid has real spacing (2D: 240 mm field of view; 3D: 240 x 240 x 200 mm), a centred
 * origin and, in 3D, an 8 degree gantry tilt about x (a non-identity direction).
 */
#ifndef itkHeadPhantom_h
#define itkHeadPhantom_h

#include "MultimodalFusionExport.h"
#include "itkImage.h"

#include <string>

namespace itk
{
namespace fusion
{
enum class PhantomModality
{
  MRI,
  CT,
  PET
};

MultimodalFusion_EXPORT std::string
                        PhantomModalityName(PhantomModality modality); // "mri", "ct", "pet"

struct HeadPhantomOptions
{
  /** Pixels along x and y; 0 means the default (256 in 2D, 128 in 3D). z has 5/8 of it in 3D. */
  unsigned int size = 0;
  /** Gantry tilt about the x axis in degrees; negative means the default (0 in 2D, 8 in 3D). */
  double tiltDegrees = -1.0;
  /** Add the deterministic noise. */
  bool noise = true;
};

/** One modality of the head phantom (float pixels, physical grid as documented above). */
template <unsigned int VDimension>
MultimodalFusion_EXPORT typename Image<float, VDimension>::Pointer
MakeHeadPhantom(PhantomModality modality, const HeadPhantomOptions & options = HeadPhantomOptions());

extern template MultimodalFusion_EXPORT Image<float, 2>::Pointer
                                        MakeHeadPhantom<2>(PhantomModality, const HeadPhantomOptions &);
extern template MultimodalFusion_EXPORT Image<float, 3>::Pointer
                                        MakeHeadPhantom<3>(PhantomModality, const HeadPhantomOptions &);
} // namespace fusion
} // namespace itk

#endif
