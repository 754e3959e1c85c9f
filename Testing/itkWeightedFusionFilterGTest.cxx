/*
 * itk::WeightedFusionFilter: the formula against an independent oracle, the emulated CUDA
 * kernel against the CPU path under three schedules (2D and 3D), streaming, physical space,
 * bad input, the backend rules and PrintSelf.
 */
#include "cuda_host_emulation.h"
#include "itkHeadPhantom.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkStreamingImageFilter.h"
#include "itkWeightedFusionFilter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <random>
#include <sstream>

namespace
{
template <typename TImage>
typename TImage::Pointer
RandomImage(const typename TImage::SizeType & size, unsigned seed, double lo, double hi)
{
  auto image = TImage::New();
  image->SetRegions(size);
  typename TImage::SpacingType spacing;
  typename TImage::PointType   origin;
  for (unsigned d = 0; d < TImage::ImageDimension; ++d)
  {
    spacing[d] = 0.7 + 0.3 * d;
    origin[d] = -12.5 + 4.0 * d;
  }
  typename TImage::DirectionType direction;
  direction.SetIdentity();
  direction(0, 0) = 0.0; // a permuted, non-identity direction
  direction(0, 1) = 1.0;
  direction(1, 0) = -1.0;
  direction(1, 1) = 0.0;
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->Allocate();
  std::mt19937                           rng(seed);
  std::uniform_real_distribution<double> u(lo, hi);
  for (itk::ImageRegionIterator<TImage> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    it.Set(static_cast<typename TImage::PixelType>(u(rng)));
  return image;
}

template <typename TImage>
double
MaxRelativeDifference(const TImage * a, const TImage * b)
{
  double                                worst = 0.0;
  itk::ImageRegionConstIterator<TImage> ia(a, a->GetLargestPossibleRegion()), ib(b, b->GetLargestPossibleRegion());
  for (; !ia.IsAtEnd(); ++ia, ++ib)
  {
    const double x = ia.Get(), y = ib.Get();
    worst = std::max(worst, std::abs(x - y) / std::max(1e-12, std::max(std::abs(x), std::abs(y))));
  }
  return worst;
}

template <typename TImage>
bool
SameGrid(const TImage * a, const TImage * b)
{
  return a->GetLargestPossibleRegion() == b->GetLargestPossibleRegion() && a->GetSpacing() == b->GetSpacing() &&
         a->GetOrigin() == b->GetOrigin() && a->GetDirection() == b->GetDirection();
}

enum class Mode
{
  Equal,
  Weights,
  Activities
};

/* A filter over n random sources (and weights or activities), values in [0, 100). */
template <typename TImage>
typename itk::WeightedFusionFilter<TImage>::Pointer
MakeFilter(unsigned n, const typename TImage::SizeType & size, Mode mode, unsigned seed)
{
  using Filter = itk::WeightedFusionFilter<TImage>;
  using WeightImage = typename Filter::WeightImageType;
  auto filter = Filter::New();
  for (unsigned k = 0; k < n; ++k)
  {
    filter->SetSource(k, RandomImage<TImage>(size, seed + 17 * k, 0.0, 100.0));
    if (mode == Mode::Weights)
      filter->SetWeightImage(k, RandomImage<WeightImage>(size, seed + 1000 + k, 0.0, 1.0));
    else if (mode == Mode::Activities)
    {
      auto a = RandomImage<WeightImage>(size, seed + 2000 + k, 0.0, 5.0);
      // Ties and all-zero activity in some pixels: equal weights there.
      itk::ImageRegionIterator<WeightImage> it(a, a->GetLargestPossibleRegion());
      for (size_t i = 0; !it.IsAtEnd(); ++it, ++i)
        if (i % 7 == 0)
          it.Set(0.0f);
        else if (i % 7 == 1)
          it.Set(2.5f);
      filter->SetActivityImage(k, a);
    }
  }
  return filter;
}

/* The oracle: the documented formula in double precision, pixel by pixel. */
template <typename TImage>
double
OracleError(typename itk::WeightedFusionFilter<TImage>::Pointer filter, Mode mode)
{
  const TImage * out = filter->GetOutput();
  const unsigned n = filter->GetNumberOfSources();
  const double   eps = filter->GetEpsilon();
  double         worst = 0.0;
  for (itk::ImageRegionConstIterator<TImage> it(out, out->GetRequestedRegion()); !it.IsAtEnd(); ++it)
  {
    const auto index = it.GetIndex();
    double     sum = 0.0, total = 0.0, weighted = 0.0;
    for (unsigned k = 0; k < n; ++k)
    {
      const double x = filter->GetSource(k)->GetPixel(index);
      sum += x;
      if (mode == Mode::Weights)
        weighted += static_cast<double>(filter->GetWeightImage(k)->GetPixel(index)) * x;
      if (mode == Mode::Activities)
      {
        const double a = filter->GetActivityImage(k)->GetPixel(index);
        total += a;
        weighted += (a + eps) * x;
      }
    }
    const double expected =
      mode == Mode::Equal ? sum / n : (mode == Mode::Weights ? weighted : weighted / (total + n * eps));
    worst = std::max(worst, std::abs(it.Get() - expected) / std::max(1e-9, std::abs(expected)));
  }
  return worst;
}

using Image2F = itk::Image<float, 2>;
using Image3F = itk::Image<float, 3>;
using Image2D = itk::Image<double, 2>;
using Image3D = itk::Image<double, 3>;
using Backend = itk::FusionEnums::Backend;

struct ScopedSchedule
{
  explicit ScopedSchedule(const char * s) { EXPECT_TRUE(cuemu::set_schedule(s)); }
  ~ScopedSchedule() { cuemu::set_schedule("forward"); }
};
} // namespace

TEST(WeightedFusionFilter, CpuPathEqualsOracleFloatAndDouble2DAnd3D)
{
  for (Mode mode : { Mode::Equal, Mode::Weights, Mode::Activities })
  {
    for (unsigned n : { 2u, 3u })
    {
      auto f2 = MakeFilter<Image2F>(n, { { 37, 29 } }, mode, 3);
      f2->SetBackend(Backend::CPU);
      f2->Update();
      EXPECT_LE(OracleError<Image2F>(f2, mode), 2e-6) << "2D float, n=" << n;
      auto f3 = MakeFilter<Image3F>(n, { { 13, 11, 9 } }, mode, 5);
      f3->SetBackend(Backend::CPU);
      f3->Update();
      EXPECT_LE(OracleError<Image3F>(f3, mode), 2e-6) << "3D float, n=" << n;
      auto d2 = MakeFilter<Image2D>(n, { { 37, 29 } }, mode, 7);
      d2->SetBackend(Backend::CPU);
      d2->Update();
      EXPECT_LE(OracleError<Image2D>(d2, mode), 1e-13) << "2D double, n=" << n;
      auto d3 = MakeFilter<Image3D>(n, { { 13, 11, 9 } }, mode, 9);
      d3->Update(); // Auto: double pixels have no kernel, so the CPU on any machine
      EXPECT_EQ(d3->GetLastUsedBackend(), Backend::CPU);
      EXPECT_LE(OracleError<Image3D>(d3, mode), 1e-13) << "3D double, n=" << n;
    }
  }
}

TEST(WeightedFusionFilter, RatioRuleGivesEqualWeightsForTiesAndZeroActivity)
{
  auto filter = MakeFilter<Image2F>(3, { { 8, 8 } }, Mode::Equal, 1);
  using WeightImage = itk::WeightedFusionFilter<Image2F>::WeightImageType;
  auto zero = WeightImage::New();
  zero->CopyInformation(filter->GetSource(0));
  zero->SetRegions(filter->GetSource(0)->GetLargestPossibleRegion());
  zero->Allocate(true);
  for (unsigned k = 0; k < 3; ++k)
    filter->SetActivityImage(k, zero);
  filter->Update();
  auto mean = MakeFilter<Image2F>(3, { { 8, 8 } }, Mode::Equal, 1);
  mean->Update();
  EXPECT_LE(MaxRelativeDifference<Image2F>(filter->GetOutput(), mean->GetOutput()), 1e-6);
}

class WeightedFusionSchedules : public ::testing::TestWithParam<const char *>
{};

TEST_P(WeightedFusionSchedules, EmulatedKernelEqualsCpuPath2DAnd3D)
{
  ScopedSchedule schedule(GetParam());
  for (Mode mode : { Mode::Equal, Mode::Weights, Mode::Activities })
  {
    auto cpu2 = MakeFilter<Image2F>(3, { { 67, 45 } }, mode, 11);
    cpu2->SetBackend(Backend::CPU);
    cpu2->Update();
    auto emu2 = MakeFilter<Image2F>(3, { { 67, 45 } }, mode, 11);
    emu2->SetBackend(Backend::EmulatedCUDA);
    emu2->Update();
    EXPECT_EQ(emu2->GetLastUsedBackend(), Backend::EmulatedCUDA);
    EXPECT_TRUE(SameGrid<Image2F>(emu2->GetOutput(), cpu2->GetOutput()));
    EXPECT_LE(MaxRelativeDifference<Image2F>(emu2->GetOutput(), cpu2->GetOutput()), 1e-6) << GetParam();

    auto cpu3 = MakeFilter<Image3F>(2, { { 21, 17, 13 } }, mode, 13);
    cpu3->SetBackend(Backend::CPU);
    cpu3->Update();
    auto emu3 = MakeFilter<Image3F>(2, { { 21, 17, 13 } }, mode, 13);
    emu3->SetBackend(Backend::EmulatedCUDA);
    emu3->Update();
    EXPECT_TRUE(SameGrid<Image3F>(emu3->GetOutput(), cpu3->GetOutput()));
    EXPECT_LE(MaxRelativeDifference<Image3F>(emu3->GetOutput(), cpu3->GetOutput()), 1e-6) << GetParam();
  }
}

INSTANTIATE_TEST_SUITE_P(Schedules, WeightedFusionSchedules, ::testing::Values("forward", "reverse", "random:7"));

TEST(WeightedFusionFilter, EmulatedKernelEqualsCpuPathOnThePhantom)
{
  itk::fusion::HeadPhantomOptions options;
  options.size = 32;
  auto             mri = itk::fusion::MakeHeadPhantom<3>(itk::fusion::PhantomModality::MRI, options);
  auto             pet = itk::fusion::MakeHeadPhantom<3>(itk::fusion::PhantomModality::PET, options);
  Image3F::Pointer outputs[2];
  const Backend    backends[2] = { Backend::CPU, Backend::EmulatedCUDA };
  for (int b = 0; b < 2; ++b)
  {
    auto filter = itk::WeightedFusionFilter<Image3F>::New();
    filter->SetSource(0, mri);
    filter->SetSource(1, pet);
    filter->SetActivityImage(0, mri);
    filter->SetActivityImage(1, pet);
    filter->SetBackend(backends[b]);
    filter->Update();
    outputs[b] = filter->GetOutput();
    EXPECT_TRUE(SameGrid<Image3F>(outputs[b], mri)) << "the output keeps the sources' physical grid";
  }
  EXPECT_LE(MaxRelativeDifference<Image3F>(outputs[0], outputs[1]), 1e-6);
}

TEST(WeightedFusionFilter, SubRegionAndStreamingEqualWholeImage)
{
  for (Backend backend : { Backend::CPU, Backend::EmulatedCUDA })
  {
    auto whole = MakeFilter<Image3F>(3, { { 19, 16, 12 } }, Mode::Activities, 21);
    whole->SetBackend(backend);
    whole->Update();

    auto part = MakeFilter<Image3F>(3, { { 19, 16, 12 } }, Mode::Activities, 21);
    part->SetBackend(backend);
    Image3F::RegionType sub({ { 3, 5, 2 } }, { { 11, 7, 6 } });
    part->GetOutput()->SetRequestedRegion(sub);
    part->Update();
    EXPECT_EQ(part->GetOutput()->GetBufferedRegion(), sub);
    for (itk::ImageRegionConstIterator<Image3F> it(part->GetOutput(), sub); !it.IsAtEnd(); ++it)
      ASSERT_EQ(it.Get(), whole->GetOutput()->GetPixel(it.GetIndex())) << it.GetIndex();

    auto streamed = MakeFilter<Image3F>(3, { { 19, 16, 12 } }, Mode::Activities, 21);
    streamed->SetBackend(backend);
    auto streamer = itk::StreamingImageFilter<Image3F, Image3F>::New();
    streamer->SetInput(streamed->GetOutput());
    streamer->SetNumberOfStreamDivisions(5);
    streamer->Update();
    EXPECT_EQ(MaxRelativeDifference<Image3F>(streamer->GetOutput(), whole->GetOutput()), 0.0);
  }
}

TEST(WeightedFusionFilter, OutputKeepsPhysicalSpace)
{
  auto filter = MakeFilter<Image3F>(2, { { 9, 8, 7 } }, Mode::Weights, 31);
  filter->Update();
  EXPECT_TRUE(SameGrid<Image3F>(filter->GetOutput(), filter->GetSource(0)));
  EXPECT_NE(filter->GetOutput()->GetDirection(), Image3F::DirectionType::GetIdentity());
}

TEST(WeightedFusionFilter, MismatchedGridsThrowNamingTheMismatch)
{
  const auto expectMismatch = [](const std::function<void(Image2F *)> & change, const std::string & what) {
    auto filter = MakeFilter<Image2F>(3, { { 10, 12 } }, Mode::Equal, 41);
    auto moved = RandomImage<Image2F>({ { 10, 12 } }, 99, 0.0, 1.0);
    change(moved);
    filter->SetSource(2, moved);
    try
    {
      filter->Update();
      ADD_FAILURE() << "no exception for a different " << what;
    }
    catch (const itk::ExceptionObject & e)
    {
      const std::string message = e.GetDescription();
      EXPECT_NE(message.find("source 2"), std::string::npos) << message;
      EXPECT_NE(message.find(what), std::string::npos) << message;
      EXPECT_NE(message.find("different grids"), std::string::npos) << message;
    }
  };
  expectMismatch(
    [](Image2F * i) {
      i->SetRegions(Image2F::SizeType{ { 10, 13 } });
      i->Allocate();
    },
    "size");
  expectMismatch([](Image2F * i) { i->SetSpacing(2.0); }, "spacing");
  expectMismatch(
    [](Image2F * i) {
      auto o = i->GetOrigin();
      o[1] += 1.0;
      i->SetOrigin(o);
    },
    "origin");
  expectMismatch([](Image2F * i) { i->SetDirection(Image2F::DirectionType::GetIdentity()); }, "direction");

  // A weight image on another grid is named too.
  auto filter = MakeFilter<Image2F>(2, { { 10, 12 } }, Mode::Weights, 43);
  filter->SetWeightImage(1, RandomImage<itk::Image<float, 2>>({ { 10, 11 } }, 5, 0.0, 1.0));
  try
  {
    filter->Update();
    ADD_FAILURE() << "no exception for a weight image on another grid";
  }
  catch (const itk::ExceptionObject & e)
  {
    EXPECT_NE(std::string(e.GetDescription()).find("weight image 1"), std::string::npos) << e.GetDescription();
  }
}

TEST(WeightedFusionFilter, BadInputThrowsClearErrors)
{
  const auto expectThrow = [](itk::ProcessObject * filter, const std::string & words) {
    try
    {
      filter->Update();
      ADD_FAILURE() << "no exception; expected one about: " << words;
    }
    catch (const itk::ExceptionObject & e)
    {
      EXPECT_NE(std::string(e.GetDescription()).find(words), std::string::npos) << e.GetDescription();
    }
  };
  {
    auto filter = itk::WeightedFusionFilter<Image2F>::New();
    filter->SetSource(0, RandomImage<Image2F>({ { 4, 4 } }, 1, 0.0, 1.0));
    expectThrow(filter, "required");
  }
  {
    auto filter = MakeFilter<Image2F>(3, { { 6, 5 } }, Mode::Weights, 3);
    filter->SetWeightImage(2, nullptr);
    expectThrow(filter, "weight images are set for 2 of 3 sources");
  }
  {
    auto filter = MakeFilter<Image2F>(2, { { 6, 5 } }, Mode::Weights, 3);
    filter->SetActivityImage(0, filter->GetWeightImage(0));
    filter->SetActivityImage(1, filter->GetWeightImage(1));
    expectThrow(filter, "both weight images and activity images");
  }
  {
    auto filter = MakeFilter<Image2F>(2, { { 6, 5 } }, Mode::Activities, 3);
    filter->SetEpsilon(0.0);
    expectThrow(filter, "Epsilon must be finite and > 0");
  }
  {
    auto filter = MakeFilter<Image2F>(2, { { 6, 5 } }, Mode::Equal, 3);
    auto bad = RandomImage<Image2F>({ { 6, 5 } }, 3, 0.0, 1.0);
    bad->SetPixel({ { 4, 2 } }, std::nanf(""));
    filter->SetSource(1, bad);
    expectThrow(filter, "source 1 has a non-finite value nan at index [4, 2]");
  }
  {
    auto filter = MakeFilter<Image2F>(2, { { 6, 5 } }, Mode::Activities, 3);
    auto bad = RandomImage<itk::Image<float, 2>>({ { 6, 5 } }, 3, 0.0, 1.0);
    bad->SetPixel({ { 1, 3 } }, -0.5f);
    filter->SetActivityImage(0, bad);
    expectThrow(filter, "activity image 0 has a negative value -0.5 at index [1, 3]");
  }
  {
    auto filter = MakeFilter<Image2F>(2, { { 6, 5 } }, Mode::Equal, 3);
    filter->SetWeightImage(4, RandomImage<itk::Image<float, 2>>({ { 6, 5 } }, 3, 0.0, 1.0));
    expectThrow(filter, "weight image 4 is set but there are only 2 sources");
  }
}

TEST(WeightedFusionFilter, BackendRules)
{
  itk::fusion::SetCudaDeviceCountForTesting(0); // the rules of a machine without a device, on any machine
  auto filter = MakeFilter<Image2F>(2, { { 6, 5 } }, Mode::Equal, 3);
  filter->SetBackend(Backend::CUDA);
  try
  {
    filter->Update();
    ADD_FAILURE() << "an explicit CUDA request without a device must throw";
  }
  catch (const itk::ExceptionObject & e)
  {
    const std::string m = e.GetDescription();
    EXPECT_NE(m.find("CUDA backend was requested"), std::string::npos) << m;
    EXPECT_NE(m.find("use the CPU backend"), std::string::npos) << m;
  }
  filter->SetBackend(Backend::Auto);
  filter->Update();
  EXPECT_EQ(filter->GetLastUsedBackend(), Backend::CPU);

  // FUSION_BACKEND overrides Auto, and only Auto.
  setenv("FUSION_BACKEND", "emulated", 1);
  filter->Modified();
  filter->Update();
  EXPECT_EQ(filter->GetLastUsedBackend(), Backend::EmulatedCUDA);
  filter->SetBackend(Backend::CPU);
  filter->Update();
  EXPECT_EQ(filter->GetLastUsedBackend(), Backend::CPU);
  filter->SetBackend(Backend::Auto);
  setenv("FUSION_BACKEND", "cuda", 1);
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);
  setenv("FUSION_BACKEND", "quantum", 1);
  filter->Modified();
  EXPECT_THROW(filter->Update(), itk::ExceptionObject);
  unsetenv("FUSION_BACKEND");

  // Double computations have no kernel: explicit emulated CUDA throws, Auto runs on the CPU.
  auto d = MakeFilter<Image2D>(2, { { 6, 5 } }, Mode::Equal, 3);
  d->SetBackend(Backend::EmulatedCUDA);
  EXPECT_THROW(d->Update(), itk::ExceptionObject);
  itk::fusion::SetCudaDeviceCountForTesting(-1);
}

TEST(WeightedFusionFilter, PrintSelfPrintsEveryMember)
{
  auto filter = MakeFilter<Image2F>(2, { { 6, 5 } }, Mode::Activities, 3);
  filter->SetEpsilon(0.25);
  filter->SetBackend(Backend::EmulatedCUDA);
  filter->Update();
  std::ostringstream s;
  filter->Print(s);
  const std::string text = s.str();
  for (const char * expected : { "Epsilon: 0.25",
                                 "Backend: itk::FusionEnums::Backend::EmulatedCUDA",
                                 "LastUsedBackend: itk::FusionEnums::Backend::EmulatedCUDA",
                                 "NumberOfSources: 2",
                                 "WeightingMode: ActivityRatio" })
    EXPECT_NE(text.find(expected), std::string::npos) << expected << " missing in\n" << text;
  EXPECT_STREQ(filter->GetNameOfClass(), "WeightedFusionFilter");
}

TEST(WeightedFusionFilter, IntegerOutputsAreRoundedAndClamped)
{
  using UC = itk::Image<unsigned char, 2>;
  auto        filter = itk::WeightedFusionFilter<Image2F, UC>::New();
  auto        a = RandomImage<Image2F>({ { 3, 1 } }, 1, 0.0, 1.0), b = RandomImage<Image2F>({ { 3, 1 } }, 2, 0.0, 1.0);
  const float av[3] = { 10.2f, 400.0f, -30.0f }, bv[3] = { 11.0f, 400.0f, -10.0f };
  for (int i = 0; i < 3; ++i)
  {
    a->SetPixel({ { i, 0 } }, av[i]);
    b->SetPixel({ { i, 0 } }, bv[i]);
  }
  filter->SetSource(0, a);
  filter->SetSource(1, b);
  filter->Update();
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 0, 0 } }), 11);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 1, 0 } }), 255);
  EXPECT_EQ(filter->GetOutput()->GetPixel({ { 2, 0 } }), 0);
}
