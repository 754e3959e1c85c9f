#include "itkFusionVTK.h"
#include "itkFusionError.h"

#include <vtkErrorCode.h>
#include <vtkFloatArray.h>
#include <vtkMatrix3x3.h>
#include <vtkPointData.h>
#include <vtkXMLImageDataWriter.h>

#include <algorithm>

namespace itk
{
namespace fusion
{
template <unsigned int D>
vtkSmartPointer<vtkImageData>
ToVTKImage(const Image<float, D> * image, const std::string & name)
{
  if (!image)
    throw InvalidInput("no image to convert to VTK");
  const auto & region = image->GetBufferedRegion();
  int          dimensions[3] = { 1, 1, 1 };
  double       spacing[3] = { 1.0, 1.0, 1.0 }, origin[3] = { 0.0, 0.0, 0.0 };
  auto         direction = vtkSmartPointer<vtkMatrix3x3>::New(); // identity
  for (unsigned d = 0; d < D; ++d)
  {
    dimensions[d] = static_cast<int>(region.GetSize(d));
    spacing[d] = image->GetSpacing()[d];
    for (unsigned e = 0; e < D; ++e)
      direction->SetElement(static_cast<int>(d), static_cast<int>(e), image->GetDirection()(d, e));
  }
  // The origin of the buffered region's first sample (the physical point of its index).
  typename Image<float, D>::PointType first;
  image->TransformIndexToPhysicalPoint(region.GetIndex(), first);
  for (unsigned d = 0; d < D; ++d)
    origin[d] = first[d];
  auto data = vtkSmartPointer<vtkImageData>::New();
  data->SetDimensions(dimensions);
  data->SetSpacing(spacing);
  data->SetOrigin(origin);
  data->SetDirectionMatrix(direction);
  auto values = vtkSmartPointer<vtkFloatArray>::New();
  values->SetName(name.c_str());
  values->SetNumberOfComponents(1);
  const size_t count = region.GetNumberOfPixels();
  values->SetNumberOfTuples(static_cast<vtkIdType>(count));
  std::copy(image->GetBufferPointer(), image->GetBufferPointer() + count, values->GetPointer(0));
  data->GetPointData()->SetScalars(values);
  return data;
}

template <unsigned int D>
void
WriteVTI(const Image<float, D> * image, const std::string & path)
{
  auto writer = vtkSmartPointer<vtkXMLImageDataWriter>::New();
  writer->SetFileName(path.c_str());
  writer->SetInputData(ToVTKImage<D>(image));
  writer->SetDataModeToBinary();
  writer->SetCompressorTypeToZLib();
  // VTK reports through its output window; the error here is one line.
  const bool warnings = vtkObject::GetGlobalWarningDisplay();
  vtkObject::GlobalWarningDisplayOff();
  const int written = writer->Write();
  vtkObject::SetGlobalWarningDisplay(warnings);
  if (written != 1 || writer->GetErrorCode() != vtkErrorCode::NoError)
    throw Failure("cannot write '" + path + "': " +
                  (writer->GetErrorCode() ? vtkErrorCode::GetStringFromErrorCode(writer->GetErrorCode())
                                          : "VTK's XML image writer failed"));
}

template vtkSmartPointer<vtkImageData>
ToVTKImage<2>(const Image<float, 2> *, const std::string &);
template vtkSmartPointer<vtkImageData>
ToVTKImage<3>(const Image<float, 3> *, const std::string &);
template void
WriteVTI<2>(const Image<float, 2> *, const std::string &);
template void
WriteVTI<3>(const Image<float, 3> *, const std::string &);
} // namespace fusion
} // namespace itk
