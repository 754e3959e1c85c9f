/*
 * FusionMetricsCalculator: the known answers of issue 6 (MI(x, x) = EN(x), SSIM(x, x) = 1, CC = 1
 * for F = A = B, SCD = 2 for F = A + B, MSE and PSNR by their formulas), the intensity domain,
 * 3D, bad input. (NumPy / SciPy / scikit-image: Testing/Python/test_metrics_reference.py.)
 */
#include "itkFusionMetricsCalculator.h"
#include "itkImageRegionIterator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

namespace
{
template <typename TImage>
typename TImage::Pointer
Smooth(const typename TImage::SizeType & size, unsigned seed, double top)
{
  auto image = TImage::New();
  image->SetRegions(size);
  image->Allocate();
  std::mt19937                           rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double                           a = u(rng) * 0.3 + 0.1, b = u(rng) * 0.3 + 0.1;
  for (itk::ImageRegionIterator<TImage> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    const auto i = it.GetIndex();
    const double v = 0.5 + 0.25 * std::sin(a * i[0]) + 0.2 * std::cos(b * i[1]) + 0.05 * u(rng);
    it.Set(static_cast<typename TImage::PixelType>(std::round(top * std::min(1.0, std::max(0.0, v)))));
  }
  return image;
}
using Image2 = itk::Image<float, 2>;
using Image3 = itk::Image<float, 3>;
using Byte2 = itk::Image<unsigned char, 2>;
} // namespace

TEST(FusionMetricsCalculator, KnownAnswers)
{
  auto a = Smooth<Image2>({ { 40, 33 } }, 1, 127), b = Smooth<Image2>({ { 40, 33 } }, 2, 127);
  auto calculator = itk::FusionMetricsCalculator<Image2>::New();
  calculator->SetIntensityRange(0, 255);
  calculator->AddSource(a);
  calculator->AddSource(b);
  calculator->SetFusedImage(a);
  calculator->Compute();
  EXPECT_NEAR(calculator->GetMetric("MI_1"), calculator->GetMetric("EN_1"), 1e-12); // MI(x, x) = EN(x)
  EXPECT_NEAR(calculator->GetMetric("SSIM_1"), 1.0, 1e-12);
  EXPECT_EQ(calculator->GetMetric("MSE_1"), 0.0);
  EXPECT_TRUE(std::isnan(calculator->GetMetric("PSNR_1"))); // identical: undefined, and reported
  EXPECT_NE(std::find(calculator->GetResult().undefined.begin(), calculator->GetResult().undefined.end(), "PSNR_1"),
            calculator->GetResult().undefined.end());
  double mse = 0.0;
  for (itk::ImageRegionConstIterator<Image2> i(a, a->GetLargestPossibleRegion()), j(b, b->GetLargestPossibleRegion());
       !i.IsAtEnd(); ++i, ++j)
    mse += (i.Get() - j.Get()) * (i.Get() - j.Get());
  mse /= static_cast<double>(a->GetLargestPossibleRegion().GetNumberOfPixels());
  EXPECT_NEAR(calculator->GetMetric("MSE_2"), mse, 1e-9 * mse);
  EXPECT_NEAR(calculator->GetMetric("PSNR_2"), 10 * std::log10(255.0 * 255.0 / mse), 1e-9);
  EXPECT_NEAR(calculator->GetMetric("MSE"), mse / 2, 1e-9 * mse);

  // CC = 1 for F = A = B; SCD = 2 for F = A + B.
  auto same = itk::FusionMetricsCalculator<Image2>::New();
  same->AddSource(a);
  same->AddSource(a);
  same->SetFusedImage(a);
  same->Compute();
  EXPECT_NEAR(same->GetMetric("CC"), 1.0, 1e-12);
  auto sum = Image2::New();
  sum->SetRegions(a->GetLargestPossibleRegion());
  sum->Allocate();
  for (itk::ImageRegionIterator<Image2> s(sum, sum->GetLargestPossibleRegion()); !s.IsAtEnd(); ++s)
    s.Set(a->GetPixel(s.GetIndex()) + b->GetPixel(s.GetIndex()));
  auto scd = itk::FusionMetricsCalculator<Image2>::New();
  scd->SetIntensityRange(0, 255);
  scd->AddSource(a);
  scd->AddSource(b);
  scd->SetFusedImage(sum);
  scd->Compute();
  EXPECT_NEAR(scd->GetMetric("SCD"), 2.0, 1e-12);
}

TEST(FusionMetricsCalculator, QabfOfIdenticalImagesHasTheReferenceTieRule)
{
  // Blocks of 0 and 200: every non-zero gradient is large, so with the tie rule (G = g_F) every
  // edge pixel scores Tg Ta / (1 + e^{-22 (1 - 0.8)}) = 0.975333 (METRICS.md 2.4); exact
  // maths would give 0.974794. VIF(A, A) = 1; Nabf(A, A, A) = 0 (no artefact).
  auto blocks = Image2::New();
  blocks->SetRegions(Image2::SizeType{ { 48, 40 } });
  blocks->Allocate();
  for (itk::ImageRegionIterator<Image2> it(blocks, blocks->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    it.Set(((it.GetIndex()[0] / 8 + it.GetIndex()[1] / 8) % 2) ? 200.0f : 0.0f);
  auto c = itk::FusionMetricsCalculator<Image2>::New();
  c->SetIntensityRange(0, 255);
  c->AddSource(blocks);
  c->AddSource(blocks);
  c->SetFusedImage(blocks);
  c->Compute();
  EXPECT_NEAR(c->GetMetric("Qabf"), 0.975333, 5e-7);
  EXPECT_NEAR(c->GetMetric("Qabf"), 0.9994 * 0.9879 / (1 + std::exp(-22 * 0.2)), 1e-9);
  EXPECT_NEAR(c->GetMetric("VIF_1"), 1.0, 1e-9); // 1 up to the 1e-10 of g = s_RD / (s_R^2 + 1e-10)
  EXPECT_EQ(c->GetMetric("Nabf"), 0.0);
}

TEST(FusionMetricsCalculator, EightBitAsIsOtherTypesMinMax)
{
  // A float image and the same values times 2 plus 10: min-max mapping makes every metric equal.
  auto a = Smooth<Image2>({ { 30, 30 } }, 3, 200), b = Smooth<Image2>({ { 30, 30 } }, 4, 200);
  auto scaled = Image2::New();
  scaled->SetRegions(a->GetLargestPossibleRegion());
  scaled->Allocate();
  for (itk::ImageRegionIterator<Image2> s(scaled, scaled->GetLargestPossibleRegion()); !s.IsAtEnd(); ++s)
    s.Set(2 * a->GetPixel(s.GetIndex()) + 10);
  auto one = itk::FusionMetricsCalculator<Image2>::New(), two = itk::FusionMetricsCalculator<Image2>::New();
  one->AddSource(a);
  one->AddSource(b);
  one->SetFusedImage(a);
  two->AddSource(scaled);
  two->AddSource(b);
  two->SetFusedImage(scaled);
  one->Compute();
  two->Compute();
  EXPECT_NEAR(one->GetMetric("SSIM"), two->GetMetric("SSIM"), 1e-9);
  EXPECT_NEAR(one->GetMetric("EN"), two->GetMetric("EN"), 1e-9);
  // 8-bit: taken as they are (no stretch): SD of a 0..100 byte image stays below 50.
  auto byte = Smooth<Byte2>({ { 30, 30 } }, 5, 100);
  auto bytes = itk::FusionMetricsCalculator<Byte2>::New();
  bytes->AddSource(byte);
  bytes->AddSource(byte);
  bytes->SetFusedImage(byte);
  bytes->Compute();
  EXPECT_LT(bytes->GetMetric("SD"), 50.0);
}

TEST(FusionMetricsCalculator, VolumesAreMeasuredVolumetrically)
{
  auto a = Smooth<Image3>({ { 16, 14, 12 } }, 6, 255), b = Smooth<Image3>({ { 16, 14, 12 } }, 7, 255);
  auto calculator = itk::FusionMetricsCalculator<Image3>::New();
  calculator->AddSource(a);
  calculator->AddSource(b);
  calculator->SetFusedImage(b);
  calculator->Compute();
  EXPECT_NEAR(calculator->GetMetric("SSIM_2"), 1.0, 1e-12);
  EXPECT_GT(calculator->GetMetric("SF"), 0.0);
  EXPECT_LT(calculator->GetMetric("SSIM_1"), 1.0);
}

TEST(FusionMetricsCalculator, BadInputThrowsClearErrors)
{
  auto a = Smooth<Image2>({ { 20, 20 } }, 8, 255), other = Smooth<Image2>({ { 21, 20 } }, 9, 255);
  const auto expectThrow = [](const std::function<void()> & f, const std::string & words) {
    try
    {
      f();
      ADD_FAILURE() << "no exception; expected: " << words;
    }
    catch (const itk::ExceptionObject & e)
    {
      EXPECT_NE(std::string(e.GetDescription()).find(words), std::string::npos) << e.GetDescription();
    }
  };
  auto c = itk::FusionMetricsCalculator<Image2>::New();
  c->AddSource(a);
  c->SetFusedImage(a);
  expectThrow([&] { c->Compute(); }, "at least two sources");
  c->AddSource(other);
  expectThrow([&] { c->Compute(); }, "source 2 and the fused image differ in size");
  expectThrow([&] { c->SetPreset("cddfuse"); }, "not implemented yet");
  expectThrow([&] { c->SetIntensityRange(5, 5); }, "highest > lowest");
  expectThrow([&] { c->GetMetric("VIF"); }, "no fusion metric named 'VIF'");
  auto nan = Smooth<Image2>({ { 20, 20 } }, 10, 255);
  nan->SetPixel({ { 1, 1 } }, std::nanf(""));
  auto d = itk::FusionMetricsCalculator<Image2>::New();
  d->AddSource(a);
  d->AddSource(a);
  d->SetFusedImage(nan);
  expectThrow([&] { d->Compute(); }, "non-finite");
  std::ostringstream os;
  c->Print(os);
  for (const char * expected : { "Sources: 2", "Preset: standard", "IntensityRange: 8-bit as is", "Metrics:" })
    EXPECT_NE(os.str().find(expected), std::string::npos) << expected;
}
