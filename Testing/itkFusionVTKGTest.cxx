/*
 * The ITK -> VTK bridge (itkFusionVTK.h): the samples, spacing, origin and direction of a 2D and an
 * oblique 3D image, the same physical point for the same sample in both libraries, and a .vti file
 * read back by VTK's reader with its Direction.
 */
#include "itkFusionVTK.h"
#include "itkHeadPhantom.h"

#include "itkFusionTestHelpers.h"

#include <vtkFloatArray.h>
#include <vtkMatrix3x3.h>
#include <vtkPointData.h>
#include <vtkXMLImageDataReader.h>

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>

namespace
{
using Image3 = itk::Image<float, 3>;

Image3::Pointer
Oblique()
{
  itk::fusion::HeadPhantomOptions options;
  options.size = 24;
  auto                  image = itk::fusion::MakeHeadPhantom<3>(itk::fusion::PhantomModality::PET, options);
  Image3::DirectionType direction;
  const double          a = 0.4;
  direction.SetIdentity();
  direction(0, 0) = -std::cos(a); // x reversed and turned about z
  direction(0, 1) = -std::sin(a);
  direction(1, 0) = -std::sin(a);
  direction(1, 1) = std::cos(a);
  image->SetDirection(direction);
  const double spacing[3] = { 0.7, 1.1, 2.5 }, origin[3] = { 12.0, -30.5, 4.25 };
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  return image;
}

/* The physical point of sample (i, j, k) in VTK: origin + Direction (spacing * index). */
std::array<double, 3>
VTKPoint(vtkImageData * data, int i, int j, int k)
{
  double spacing[3], origin[3], index[3] = { static_cast<double>(i), static_cast<double>(j), static_cast<double>(k) };
  data->GetSpacing(spacing);
  data->GetOrigin(origin);
  std::array<double, 3> p{};
  for (int r = 0; r < 3; ++r)
  {
    p[r] = origin[r];
    for (int c = 0; c < 3; ++c)
      p[r] += data->GetDirectionMatrix()->GetElement(r, c) * spacing[c] * index[c];
  }
  return p;
}

void
ExpectSameImage(const Image3 * image, vtkImageData * data)
{
  int dimensions[3];
  data->GetDimensions(dimensions);
  const auto size = image->GetLargestPossibleRegion().GetSize();
  for (unsigned d = 0; d < 3; ++d)
    ASSERT_EQ(static_cast<size_t>(dimensions[d]), size[d]);
  auto * values = vtkFloatArray::SafeDownCast(data->GetPointData()->GetScalars());
  ASSERT_NE(values, nullptr);
  for (const auto & index :
       { Image3::IndexType{ { 0, 0, 0 } }, Image3::IndexType{ { 5, 17, 3 } }, Image3::IndexType{ { 23, 23, 14 } } })
  {
    const vtkIdType id = data->ComputePointId(const_cast<int *>(
      std::array<int, 3>{ { static_cast<int>(index[0]), static_cast<int>(index[1]), static_cast<int>(index[2]) } }
        .data()));
    EXPECT_EQ(values->GetValue(id), image->GetPixel(index));
    Image3::PointType itkPoint;
    image->TransformIndexToPhysicalPoint(index, itkPoint);
    const auto vtkPoint =
      VTKPoint(data, static_cast<int>(index[0]), static_cast<int>(index[1]), static_cast<int>(index[2]));
    for (unsigned d = 0; d < 3; ++d)
      EXPECT_NEAR(vtkPoint[d], itkPoint[d], 1e-9) << "axis " << d << " at " << index;
  }
}
} // namespace

TEST(FusionVTK, ImageDataKeepsSamplesAndPhysicalSpace)
{
  const auto image = Oblique();
  ExpectSameImage(image, itk::fusion::ToVTKImage<3>(image));
  // 2D: the z = 0 plane.
  auto         flat = itk::fusion::MakeHeadPhantom<2>(itk::fusion::PhantomModality::MRI, {});
  const double flatOrigin[2] = { -3.0, 8.0 };
  flat->SetOrigin(flatOrigin);
  const auto data = itk::fusion::ToVTKImage<2>(flat);
  int        dimensions[3];
  data->GetDimensions(dimensions);
  EXPECT_EQ(dimensions[2], 1);
  EXPECT_EQ(data->GetOrigin()[0], -3.0);
  EXPECT_EQ(data->GetDirectionMatrix()->GetElement(2, 2), 1.0);
}

TEST(FusionVTK, VTIFilesKeepTheDirection)
{
  const auto        image = Oblique();
  const std::string path = std::string(FUSION_TEST_OUTPUT_DIR) + "/fusion_vtk_oblique.vti";
  itk::fusion::WriteVTI<3>(image, path);
  auto reader = vtkSmartPointer<vtkXMLImageDataReader>::New();
  reader->SetFileName(path.c_str());
  reader->Update();
  ExpectSameImage(image, reader->GetOutput());
  std::remove(path.c_str());
  fusiontest::ExpectThrow<>([&] { itk::fusion::WriteVTI<3>(image, "/nonexistent/folder/x.vti"); }, "x.vti");
}
