/* The embedded default data: deterministic, on a real physical grid, with the documented tissues. */
#include "itkHeadPhantom.h"
#include "itkImageRegionConstIterator.h"

#include <gtest/gtest.h>

#include <cmath>

using itk::fusion::HeadPhantomOptions;
using itk::fusion::MakeHeadPhantom;
using itk::fusion::PhantomModality;

namespace
{
template <unsigned D>
float
At(const typename itk::Image<float, D>::Pointer & image, double x, double y, double z)
{
  typename itk::Image<float, D>::PointType p;
  p[0] = x;
  p[1] = y;
  if (D == 3)
    p[D - 1] = z;
  typename itk::Image<float, D>::IndexType index;
  EXPECT_TRUE(image->TransformPhysicalPointToIndex(p, index)) << "point outside the phantom grid";
  return image->GetPixel(index);
}
} // namespace

TEST(HeadPhantom, IsDeterministic)
{
  HeadPhantomOptions o;
  o.size = 48;
  for (auto m : { PhantomModality::MRI, PhantomModality::CT, PhantomModality::PET })
  {
    auto                                                a = MakeHeadPhantom<3>(m, o), b = MakeHeadPhantom<3>(m, o);
    itk::ImageRegionConstIterator<itk::Image<float, 3>> ia(a, a->GetLargestPossibleRegion()),
      ib(b, b->GetLargestPossibleRegion());
    for (; !ia.IsAtEnd(); ++ia, ++ib)
      ASSERT_EQ(ia.Get(), ib.Get());
  }
}

TEST(HeadPhantom, HasARealPhysicalGrid)
{
  auto p2 = MakeHeadPhantom<2>(PhantomModality::MRI);
  EXPECT_EQ(p2->GetLargestPossibleRegion().GetSize()[0], 256u);
  EXPECT_DOUBLE_EQ(p2->GetSpacing()[0], 0.9375);
  EXPECT_NEAR(p2->GetOrigin()[0], -119.53125, 1e-9); // centred: -(256 - 1) / 2 * 0.9375
  auto       p3 = MakeHeadPhantom<3>(PhantomModality::CT);
  const auto size = p3->GetLargestPossibleRegion().GetSize();
  EXPECT_EQ(size[0], 128u);
  EXPECT_EQ(size[2], 80u);
  EXPECT_DOUBLE_EQ(p3->GetSpacing()[0], 1.875);
  EXPECT_DOUBLE_EQ(p3->GetSpacing()[2], 2.5);
  const double tilt = 8.0 * 3.14159265358979323846 / 180.0;
  EXPECT_NEAR(p3->GetDirection()(1, 1), std::cos(tilt), 1e-12);
  EXPECT_NEAR(p3->GetDirection()(2, 1), std::sin(tilt), 1e-12);
  // The grid centre is the head centre (0, 0, 0) in physical space.
  itk::ContinuousIndex<double, 3> centre;
  for (unsigned d = 0; d < 3; ++d)
    centre[d] = 0.5 * (size[d] - 1);
  itk::Image<float, 3>::PointType p;
  p3->TransformContinuousIndexToPhysicalPoint(centre, p);
  EXPECT_NEAR(p.GetVectorFromOrigin().GetNorm(), 0.0, 1e-9);
  // All three modalities share the grid.
  auto m3 = MakeHeadPhantom<3>(PhantomModality::MRI), e3 = MakeHeadPhantom<3>(PhantomModality::PET);
  EXPECT_EQ(m3->GetDirection(), p3->GetDirection());
  EXPECT_EQ(e3->GetOrigin(), p3->GetOrigin());
  EXPECT_EQ(e3->GetLargestPossibleRegion(), p3->GetLargestPossibleRegion());
}

TEST(HeadPhantom, ShowsTheDocumentedTissues)
{
  HeadPhantomOptions o;
  o.noise = false;
  auto mri = MakeHeadPhantom<3>(PhantomModality::MRI, o);
  auto ct = MakeHeadPhantom<3>(PhantomModality::CT, o);
  auto pet = MakeHeadPhantom<3>(PhantomModality::PET, o);
  // Points (mm): lesion centre, deep white matter, skull on the x axis, outside the head.
  EXPECT_NEAR(At<3>(mri, 35, 25, 20), 70.0 * (1 + 0.05 * 35 / 120), 1.0);
  EXPECT_NEAR(At<3>(mri, -20, -30, 40), 160.0 * (1 - 0.05 * 20 / 120), 1.0);
  EXPECT_NEAR(At<3>(ct, 73, 0, 0), 1200.0, 1.0);   // q = 0.9125: skull
  EXPECT_NEAR(At<3>(ct, -20, -30, 40), 30.0, 1.0); // white matter: flat soft tissue
  EXPECT_NEAR(At<3>(ct, 0, 0, 96), -1000.0, 1.0) << "air above the head";
  EXPECT_GT(At<3>(pet, 35, 25, 20), 5.0 * At<3>(pet, -20, -30, 40)) << "the lesion is hot in PET";
  EXPECT_LT(At<3>(mri, 73, 0, 0), 40.0) << "bone is dark in T1";
  // The 2D phantom is the axial plane z = 20 mm through the lesion.
  auto pet2 = MakeHeadPhantom<2>(PhantomModality::PET, o);
  EXPECT_GT(At<2>(pet2, 35, 25, 0), 5.0);
}

TEST(HeadPhantom, RejectsTinySizes)
{
  HeadPhantomOptions o;
  o.size = 8;
  EXPECT_THROW(MakeHeadPhantom<2>(PhantomModality::CT, o), itk::ExceptionObject);
}
