/*
 * The ITK -> VTK bridge of the module (target MultimodalFusionVTK, built when VTK 9 is found).
 * An itk::Image<float, D> becomes a vtkImageData with the same samples (x fastest, the same
 * layout), spacing, origin and direction (vtkImageData's direction matrix, VTK >= 9; a 2D image
 * is the z = 0 plane with the identity along z), so a result opens in ParaView where ITK and the
 * DICOM/NIfTI readers put it. WriteVTI writes that as a .vti file (VTK's XML image format, which
 * keeps the Direction; zlib-compressed, binary).
 */
#ifndef itkFusionVTK_h
#define itkFusionVTK_h

#include "itkImage.h"

#include <vtkImageData.h>
#include <vtkSmartPointer.h>

#include <string>

namespace itk
{
namespace fusion
{
/** A deep copy of `image` as VTK image data (one float component, named `name`). */
template <unsigned int D>
vtkSmartPointer<vtkImageData>
ToVTKImage(const Image<float, D> * image, const std::string & name = "values");

/** Writes `image` as a .vti file; throws FusionError (Failure) naming the path when VTK cannot. */
template <unsigned int D>
void
WriteVTI(const Image<float, D> * image, const std::string & path);

extern template vtkSmartPointer<vtkImageData>
ToVTKImage<2>(const Image<float, 2> *, const std::string &);
extern template vtkSmartPointer<vtkImageData>
ToVTKImage<3>(const Image<float, 3> *, const std::string &);
extern template void
WriteVTI<2>(const Image<float, 2> *, const std::string &);
extern template void
WriteVTI<3>(const Image<float, 3> *, const std::string &);
} // namespace fusion
} // namespace itk

#endif
