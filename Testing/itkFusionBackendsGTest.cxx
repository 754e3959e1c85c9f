/* Every filter with kernels on every backend, from one test source (RTK's pattern): each test is
 * instantiated for CPU, EmulatedCUDA and CUDA (fusiontest::TestBackends), runs the filter on the
 * backend of its parameter and compares with the CPU path on the same input, within the stated
 * tolerance of that filter's kernels (they compute in float). The CUDA cases run where a device is
 * present and skip themselves elsewhere; ctest labels them `cuda`. */
#include "itkConvFeatureFilter.h"
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkFusionMethods.h"
#include "itkFusionMetricsCalculator.h"
#include "itkFusionTestHelpers.h"
#include "itkGLCMMeanTextureFilter.h"
#include "itkHeadPhantom.h"
#include "itkWeightedFusionFilter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <type_traits>

namespace
{
using Backend = itk::FusionEnums::Backend;
using Image2 = itk::Image<float, 2>;
using Image3 = itk::Image<float, 3>;

template <typename TImage>
typename TImage::Pointer
Random(unsigned size, unsigned seed)
{
  auto                      image = TImage::New();
  typename TImage::SizeType s;
  s.Fill(size);
  image->SetRegions(s);
  image->Allocate();
  std::mt19937                          generator(seed);
  std::uniform_real_distribution<float> value(0.0f, 1.0f);
  for (size_t i = 0; i < image->GetPixelContainer()->Size(); ++i)
    image->GetBufferPointer()[i] = value(generator);
  return image;
}

using fusiontest::Phantom;

template <typename TImage>
double
MaxAbs(const TImage * a)
{
  double m = 0.0;
  for (size_t i = 0; i < a->GetPixelContainer()->Size(); ++i)
    m = std::max(m, std::abs(static_cast<double>(a->GetBufferPointer()[i])));
  return m;
}

template <typename TImage>
double
MaxDifference(const TImage * a, const TImage * b)
{
  double       worst = 0.0;
  const size_t n = a->GetPixelContainer()->Size();
  EXPECT_EQ(n, b->GetPixelContainer()->Size());
  for (size_t i = 0; i < n && i < b->GetPixelContainer()->Size(); ++i)
    worst = std::max(worst, std::abs(static_cast<double>(a->GetBufferPointer()[i]) - b->GetBufferPointer()[i]));
  return worst;
}

class Backends : public testing::TestWithParam<Backend>
{
protected:
  void
  SetUp() override
  {
    FUSION_SKIP_WITHOUT_DEVICE(GetParam());
  }
};

/* Runs `make()` (a configured filter) on `backend` and returns its output, checking that it ran there. */
template <typename TMake>
auto
RunOn(Backend backend, TMake && make)
{
  auto filter = make();
  filter->SetBackend(backend);
  filter->Update();
  EXPECT_EQ(filter->GetLastUsedBackend(), backend) << filter->GetNameOfClass();
  using OutputType = std::remove_pointer_t<decltype(filter->GetOutput())>;
  typename OutputType::Pointer output = filter->GetOutput(); // held before the filter lets it go
  output->DisconnectPipeline();
  return output;
}

TEST_P(Backends, WeightedFusionEqualsCpu)
{
  const auto a = Random<Image2>(37, 1), b = Random<Image2>(37, 2), wa = Random<Image2>(37, 3),
             wb = Random<Image2>(37, 4);
  const auto make = [&] {
    auto f = itk::WeightedFusionFilter<Image2>::New();
    f->SetSource(0, a);
    f->SetSource(1, b);
    f->SetActivityImage(0, wa);
    f->SetActivityImage(1, wb);
    return f;
  };
  EXPECT_LT(MaxDifference<Image2>(RunOn(GetParam(), make), RunOn(Backend::CPU, make)), 1e-6);
}

TEST_P(Backends, GLCMMeanEqualsCpuIn2DAnd3D)
{
  const auto image2 = Phantom<2>(itk::fusion::PhantomModality::MRI, 40);
  const auto make2 = [&] {
    auto f = itk::GLCMMeanTextureFilter<Image2>::New();
    f->SetInput(image2);
    return f;
  };
  EXPECT_LT(MaxDifference<Image2>(RunOn(GetParam(), make2), RunOn(Backend::CPU, make2)), 1e-5);
  const auto image3 = Phantom<3>(itk::fusion::PhantomModality::PET, 16);
  const auto make3 = [&] {
    auto f = itk::GLCMMeanTextureFilter<Image3>::New();
    f->SetInput(image3);
    f->SetRadius(1);
    return f;
  };
  EXPECT_LT(MaxDifference<Image3>(RunOn(GetParam(), make3), RunOn(Backend::CPU, make3)), 1e-5);
}

TEST_P(Backends, DWTRoundTripEqualsCpu)
{
  const auto image = Phantom<3>(itk::fusion::PhantomModality::CT, 27); // odd sizes: the modes' borders
  std::vector<Image3::Pointer> bands[2];
  for (int run = 0; run < 2; ++run)
  {
    auto dwt = itk::DWTDecomposeFilter<Image3>::New();
    dwt->SetInput(image);
    dwt->SetWavelet("db2");
    dwt->SetLevels(2);
    dwt->SetBackend(run == 0 ? Backend::CPU : GetParam());
    dwt->Update();
    EXPECT_EQ(dwt->GetLastUsedBackend(), run == 0 ? Backend::CPU : GetParam());
    for (unsigned b = 0; b < dwt->GetNumberOfIndexedOutputs(); ++b)
      bands[run].push_back(dwt->GetOutput(b));
  }
  ASSERT_EQ(bands[0].size(), 15u);
  // CT numbers reach thousands: the float kernels agree with the CPU to float rounding of the band's scale
  // (a device contracts multiply-adds: 1e-5 of it).
  for (size_t b = 0; b < bands[0].size(); ++b)
    EXPECT_LE(MaxDifference<Image3>(bands[1][b], bands[0][b]), 1e-5 * std::max(1.0, MaxAbs<Image3>(bands[0][b])))
      << "band " << b;
  auto idwt = itk::DWTReconstructFilter<Image3>::New();
  idwt->SetWavelet("db2");
  idwt->SetLevels(2);
  idwt->SetReferenceImage(image);
  for (unsigned b = 0; b < bands[1].size(); ++b)
    idwt->SetInput(b, bands[1][b]);
  idwt->SetBackend(GetParam());
  idwt->Update();
  EXPECT_EQ(idwt->GetLastUsedBackend(), GetParam());
  EXPECT_LE(MaxDifference<Image3>(idwt->GetOutput(), image), 1e-5 * MaxAbs<Image3>(image)); // perfect reconstruction
}

TEST_P(Backends, EncoderEqualsCpu)
{
  const auto image = Phantom<2>(itk::fusion::PhantomModality::MRI, 48);
  const auto make = [&] {
    auto f = itk::ConvFeatureFilter<Image2, Image2>::New();
    f->SetInput(image);
    return f;
  };
  EXPECT_LT(MaxDifference<Image2>(RunOn(GetParam(), make), RunOn(Backend::CPU, make)), 1e-4);
}

/* Every method of the registry, 2D and 3D: the composites pass the backend on and report it. */
template <unsigned D>
void
ExpectEveryMethodEqualsCpu(Backend backend, unsigned size)
{
  using Image = itk::Image<float, D>;
  const auto mri = Phantom<D>(itk::fusion::PhantomModality::MRI, size);
  const auto pet = Phantom<D>(itk::fusion::PhantomModality::PET, size);
  for (const auto & method : itk::fusion::FusionMethods<Image>())
  {
    const auto make = [&] {
      auto f = method.New();
      f->SetSource(0, mri);
      f->SetSource(1, pet);
      return f;
    };
    // TDFIF's fourth power magnifies a float rounding of the encoder that moves a pixel across a
    // texture quantisation level (itkFusionMethodsGTest); the other methods agree to 1e-4.
    EXPECT_LT(MaxDifference<Image>(RunOn(backend, make), RunOn(Backend::CPU, make)),
              method.name == "tdfif" ? 1e-3 : 1e-4)
      << method.name << " in " << D << "D";
  }
}

TEST_P(Backends, EveryFusionMethodEqualsCpuIn2DAnd3D)
{
  ExpectEveryMethodEqualsCpu<2>(GetParam(), 40);
  ExpectEveryMethodEqualsCpu<3>(GetParam(), 16);
}

TEST_P(Backends, MetricsEqualCpu)
{
  const auto mri = Phantom<2>(itk::fusion::PhantomModality::MRI, 48);
  const auto pet = Phantom<2>(itk::fusion::PhantomModality::PET, 48);
  const auto fused = Random<Image2>(48, 7);
  fused->CopyInformation(mri);
  itk::fusion::FusionMetricsResult results[2];
  for (int run = 0; run < 2; ++run)
  {
    auto calculator = itk::FusionMetricsCalculator<Image2>::New();
    calculator->AddSource(mri);
    calculator->AddSource(pet);
    calculator->SetFusedImage(fused);
    calculator->SetBackend(run == 0 ? Backend::CPU : GetParam());
    calculator->Compute();
    EXPECT_EQ(calculator->GetLastUsedBackend(), run == 0 ? Backend::CPU : GetParam());
    results[run] = calculator->GetResult();
  }
  ASSERT_EQ(results[0].values.size(), results[1].values.size());
  for (const auto & v : results[0].values)
  {
    const double other = results[1].Get(v.first);
    if (std::isnan(v.second))
      EXPECT_TRUE(std::isnan(other)) << v.first;
    else // the metric kernels compute in double
      EXPECT_NEAR(other, v.second, 1e-9 * std::max(1.0, std::abs(v.second))) << v.first;
  }
}

INSTANTIATE_TEST_SUITE_P(, Backends, testing::ValuesIn(fusiontest::TestBackends()), fusiontest::BackendTestName);

/* The rules of a machine with a device, checked on any machine by faking the device count. */
TEST(FusionBackend, AutoChoosesTheDeviceWhereOneIsPresent)
{
  unsetenv("FUSION_BACKEND");
  itk::fusion::SetCudaDeviceCountForTesting(1);
  EXPECT_EQ(itk::fusion::CudaDeviceCount(), 1);
  EXPECT_EQ(itk::fusion::ResolveBackend(Backend::Auto, true, "F"), Backend::CUDA);
  EXPECT_EQ(itk::fusion::ResolveBackend(Backend::Auto, false, "F"), Backend::CPU) << "pixel types the kernels refuse";
  EXPECT_EQ(itk::fusion::ResolveBackend(Backend::CPU, true, "F"), Backend::CPU);
  itk::fusion::SetCudaDeviceCountForTesting(0);
  EXPECT_EQ(itk::fusion::ResolveBackend(Backend::Auto, true, "F"), Backend::CPU);
  fusiontest::ExpectThrow([] { itk::fusion::ResolveBackend(Backend::CUDA, true, "SomeFilter"); }, "SomeFilter");
  itk::fusion::SetCudaDeviceCountForTesting(-1);
}
} // namespace
