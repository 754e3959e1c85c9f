/*
 * FusionMetricsCalculator: the known answers of issue 6 (MI(x, x) = EN(x), SSIM(x, x) = 1, CC = 1
 * for F = A = B, SCD = 2 for F = A + B, MSE and PSNR by their formulas), the intensity domain,
 * 3D, bad input. (NumPy / SciPy / scikit-image: Testing/Python/test_metrics_reference.py.)
 */
#include "itkFusionMetricsCalculator.h"
#include "itkImageRegionIterator.h"

#include "itkFusionTestHelpers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
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
    const auto   i = it.GetIndex();
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
       !i.IsAtEnd();
       ++i, ++j)
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
  // edge pixel scores Tg Ta / (1 + e^{-22 (1 - 0.8)}) = 0.975333 (docs/metrics.md); exact
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
  auto       a = Smooth<Image2>({ { 20, 20 } }, 8, 255), other = Smooth<Image2>({ { 21, 20 } }, 9, 255);
  const auto expectThrow = fusiontest::ExpectThrow<>;
  auto       c = itk::FusionMetricsCalculator<Image2>::New();
  c->AddSource(a);
  c->SetFusedImage(a);
  expectThrow([&] { c->Compute(); }, "at least two sources");
  c->AddSource(other);
  expectThrow([&] { c->Compute(); }, "source 2 and the fused image differ in size");
  expectThrow([&] { c->SetPreset("tang"); }, "unknown metrics preset 'tang'");
  expectThrow([&] { c->SetIntensityRange(5, 5); }, "highest > lowest");
  expectThrow([&] { c->GetMetric("VIF"); }, "no fusion metric named 'VIF'");
  auto nan = Smooth<Image2>({ { 20, 20 } }, 10, 255);
  nan->SetPixel({ { 3, 1 } }, std::nanf(""));
  auto d = itk::FusionMetricsCalculator<Image2>::New();
  d->AddSource(a);
  d->AddSource(a);
  d->SetFusedImage(nan);
  expectThrow([&] { d->Compute(); }, "the fused image holds a non-finite value nan at index [3, 1]");
  d->SetFusedImage(a);
  d->AddSource(nan);
  d->SetIntensityRange(0, 255);
  expectThrow([&] { d->Compute(); }, "source 3 holds a non-finite value nan at index [3, 1]");
  // The raw interface checks its input too.
  std::vector<double> x(30, 1.0), y(30, 2.0), z(30, 3.0);
  y[7] = std::numeric_limits<double>::infinity();
  try
  {
    itk::fusion::ComputeFusionMetrics({ x.data(), y.data() }, z.data(), { { 6, 5, 1 } }, 2);
    ADD_FAILURE() << "no exception";
  }
  catch (const itk::fusion::FusionError & e)
  {
    EXPECT_NE(std::string(e.what()).find("source 2 holds a non-finite value inf at offset 7"), std::string::npos)
      << e.what();
  }
  std::ostringstream os;
  c->Print(os);
  for (const char * expected : { "Sources: 2", "Preset: standard", "IntensityRange: 8-bit as is", "Metrics:" })
    EXPECT_NE(os.str().find(expected), std::string::npos) << expected;
}

namespace
{
/* Every metric of every preset, for the given backend and thread count. */
template <typename TImage>
std::vector<itk::fusion::FusionMetricsResult>
AllPresets(const std::vector<typename TImage::Pointer> & sources, const typename TImage::Pointer & fused,
           itk::FusionEnums::Backend backend)
{
  std::vector<itk::fusion::FusionMetricsResult> results;
  for (const auto & preset : itk::fusion::FusionMetricsPresets())
  {
    auto calculator = itk::FusionMetricsCalculator<TImage>::New();
    for (const auto & s : sources)
      calculator->AddSource(s);
    calculator->SetFusedImage(fused);
    calculator->SetPreset(preset);
    calculator->SetComputeFMI(true);
    calculator->SetBackend(backend);
    calculator->Compute();
    results.push_back(calculator->GetResult());
  }
  return results;
}

void
ExpectSameValues(const std::vector<itk::fusion::FusionMetricsResult> & a,
                 const std::vector<itk::fusion::FusionMetricsResult> & b, double tolerance)
{
  ASSERT_EQ(a.size(), b.size());
  for (size_t p = 0; p < a.size(); ++p)
  {
    ASSERT_EQ(a[p].values.size(), b[p].values.size());
    for (size_t i = 0; i < a[p].values.size(); ++i)
    {
      const double x = a[p].values[i].second, y = b[p].values[i].second;
      EXPECT_EQ(a[p].values[i].first, b[p].values[i].first);
      if (std::isnan(x) || std::isnan(y))
        EXPECT_TRUE(std::isnan(x) && std::isnan(y)) << a[p].values[i].first;
      else
        EXPECT_LE(std::abs(x - y), tolerance * std::max(1.0, std::abs(x)))
          << itk::fusion::FusionMetricsPresets()[p] << " " << a[p].values[i].first << ": " << x << " vs " << y;
    }
  }
}
} // namespace

TEST(FusionMetricsCalculator, EmulatedCudaEqualsCpu)
{
  // The local statistics are summed in the same order (equal bit for bit); the edge sums and
  // histograms only in another order.
  {
    std::vector<Image2::Pointer> sources{ Smooth<Image2>({ { 61, 47 } }, 21, 200),
                                          Smooth<Image2>({ { 61, 47 } }, 22, 255),
                                          Smooth<Image2>({ { 61, 47 } }, 23, 90) };
    auto                         fused = Smooth<Image2>({ { 61, 47 } }, 24, 255);
    ExpectSameValues(AllPresets<Image2>(sources, fused, itk::FusionEnums::Backend::CPU),
                     AllPresets<Image2>(sources, fused, itk::FusionEnums::Backend::EmulatedCUDA),
                     1e-12);
  }
  {
    std::vector<Image3::Pointer> sources{ Smooth<Image3>({ { 23, 19, 18 } }, 25, 255),
                                          Smooth<Image3>({ { 23, 19, 18 } }, 26, 255) };
    auto                         fused = Smooth<Image3>({ { 23, 19, 18 } }, 27, 255);
    ExpectSameValues(AllPresets<Image3>(sources, fused, itk::FusionEnums::Backend::CPU),
                     AllPresets<Image3>(sources, fused, itk::FusionEnums::Backend::EmulatedCUDA),
                     1e-12);
  }
  // Thin images: every pixel on a border (the CPU's row path reads them one by one).
  for (const auto & size : { Image2::SizeType{ { 2, 9 } }, Image2::SizeType{ { 9, 2 } }, Image2::SizeType{ { 1, 5 } } })
  {
    std::vector<Image2::Pointer> sources{ Smooth<Image2>(size, 41, 255), Smooth<Image2>(size, 42, 200) };
    auto                         fused = Smooth<Image2>(size, 43, 255);
    ExpectSameValues(AllPresets<Image2>(sources, fused, itk::FusionEnums::Backend::CPU),
                     AllPresets<Image2>(sources, fused, itk::FusionEnums::Backend::EmulatedCUDA),
                     1e-12);
  }
}

TEST(FusionMetricsCalculator, ResultDoesNotDependOnTheThreadCount)
{
  std::vector<const double *>            sources;
  std::vector<double>                    a(80 * 70), b(a.size()), f(a.size());
  std::mt19937                           rng(5);
  std::uniform_real_distribution<double> u(0.0, 255.0);
  for (size_t i = 0; i < a.size(); ++i)
  {
    a[i] = u(rng);
    b[i] = u(rng);
    f[i] = 0.5 * (a[i] + b[i]);
  }
  itk::fusion::FusionMetricsOptions options;
  options.fmi = true;
  options.threads = 1;
  const auto one = itk::fusion::ComputeFusionMetrics({ a.data(), b.data() }, f.data(), { { 80, 70, 1 } }, 2, options);
  options.threads = 3;
  const auto three = itk::fusion::ComputeFusionMetrics({ a.data(), b.data() }, f.data(), { { 80, 70, 1 } }, 2, options);
  ExpectSameValues({ one }, { three }, 0.0);
}

TEST(FusionMetricsCalculator, PresetsHaveTheirLayoutsAndDefinitions)
{
  auto a = Smooth<Byte2>({ { 48, 40 } }, 31, 255), b = Smooth<Byte2>({ { 48, 40 } }, 32, 180),
       f = Smooth<Byte2>({ { 48, 40 } }, 33, 230);
  const auto run = [&](const std::string & preset) {
    auto c = itk::FusionMetricsCalculator<Byte2>::New();
    c->AddSource(a);
    c->AddSource(b);
    c->SetFusedImage(f);
    c->SetPreset(preset);
    c->Compute();
    std::vector<std::string> names;
    for (const auto & v : c->GetResult().values)
      names.push_back(v.first);
    return std::make_pair(names, c);
  };
  const auto standard = run("standard"), cdd = run("cddfuse"), vifb = run("vifb"), seed = run("seed");
  EXPECT_EQ(
    cdd.first,
    (std::vector<std::string>{ "EN", "SD", "SF", "AG", "MI", "MSE", "CC", "PSNR", "SCD", "VIF", "Qabf", "SSIM" }));
  EXPECT_EQ(vifb.first,
            (std::vector<std::string>{
              "AG", "CE", "EI", "EN", "MI", "PSNR", "Qabf", "Q_CB", "Q_CV", "RMSE", "SF", "SSIM", "SD" }));
  EXPECT_EQ(seed.first,
            (std::vector<std::string>{ "MSE_1",
                                       "PSNR_1",
                                       "RMSE_1",
                                       "SSIM_1",
                                       "MI_1",
                                       "MSE_2",
                                       "PSNR_2",
                                       "RMSE_2",
                                       "SSIM_2",
                                       "MI_2",
                                       "EN_1",
                                       "EN_2",
                                       "EN",
                                       "JE_1_2",
                                       "JE_1",
                                       "JE_2" }));
  const auto S = [](const auto & r, const char * name) { return r.second->GetMetric(name); };
  // The CDDFuse Evaluator: MI in nats, PSNR with the peak max(F).
  EXPECT_NEAR(S(cdd, "MI"), S(standard, "MI_nats"), 1e-12);
  double maxF = 0;
  for (itk::ImageRegionConstIterator<Byte2> it(f, f->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    maxF = std::max(maxF, static_cast<double>(it.Get()));
  EXPECT_NEAR(S(cdd, "PSNR"), 10 * std::log10(maxF * maxF / S(standard, "MSE")), 1e-9);
  EXPECT_NEAR(S(cdd, "Qabf"), S(standard, "Qabf"), 1e-12);
  // VIFB: mse() = sqrt(SSE) / (MN); SF sums over MN; AG over (M-1)(N-1).
  const double n = 48.0 * 40.0;
  const double rmse = (std::sqrt(S(standard, "MSE_1") * n) / n + std::sqrt(S(standard, "MSE_2") * n) / n) / 2;
  EXPECT_NEAR(S(vifb, "RMSE"), rmse, 1e-12);
  EXPECT_NEAR(S(vifb, "PSNR"), 20 * std::log10(255 / std::sqrt(rmse)), 1e-9);
  EXPECT_NEAR(S(vifb, "AG"), S(standard, "AG") * n / (47.0 * 39.0), 1e-12);
  EXPECT_LT(S(vifb, "SF"), S(standard, "SF"));
  EXPECT_NEAR(S(vifb, "SSIM"), S(standard, "SSIM"), 1e-12);
  EXPECT_NEAR(S(vifb, "Q_CB"), S(standard, "Q_CB"), 1e-12);
  // The seed report: H(A, B) is a joint entropy between H(A) and H(A) + H(B).
  EXPECT_GE(S(seed, "JE_1_2"), std::max(S(seed, "EN_1"), S(seed, "EN_2")) - 1e-12);
  EXPECT_LE(S(seed, "JE_1_2"), S(seed, "EN_1") + S(seed, "EN_2") + 1e-12);
  EXPECT_NEAR(S(seed, "RMSE_1"), std::sqrt(S(seed, "MSE_1")), 1e-12);
}

/* The presets are lists of the registry's metrics: a row of per-source metrics goes source by source,
 * pairs of sources in order, Q_Y only for two sources, FMI only when asked for. */
TEST(FusionMetricsCalculator, PresetsListRegistryMetrics)
{
  const std::array<size_t, 3>      size{ { 24, 20, 1 } };
  std::vector<std::vector<double>> images;
  for (int k = 0; k < 4; ++k)
  {
    images.emplace_back(size[0] * size[1]);
    for (size_t i = 0; i < images.back().size(); ++i)
      images.back()[i] = static_cast<double>((i * (7 + 2 * k) + 13 * k) % 256);
  }
  const std::vector<const double *> three{ images[0].data(), images[1].data(), images[2].data() };
  const auto                        names = [&](const std::string & preset, bool fmi) {
    itk::fusion::FusionMetricsOptions options;
    options.preset = preset;
    options.fmi = fmi;
    std::vector<std::string> v;
    for (const auto & m : itk::fusion::ComputeFusionMetrics(three, images[3].data(), size, 2, options).values)
      v.push_back(m.first);
    return v;
  };
  const auto seed = names("seed", false);
  EXPECT_EQ(
    std::vector<std::string>(seed.begin() + 15, seed.end()),
    (std::vector<std::string>{ "EN_1", "EN_2", "EN_3", "EN", "JE_1_2", "JE_1_3", "JE_2_3", "JE_1", "JE_2", "JE_3" }));
  EXPECT_EQ(std::vector<std::string>(seed.begin(), seed.begin() + 6),
            (std::vector<std::string>{ "MSE_1", "PSNR_1", "RMSE_1", "SSIM_1", "MI_1", "MSE_2" }));
  const auto standard = names("standard", false), withFMI = names("standard", true);
  EXPECT_EQ(std::count(standard.begin(), standard.end(), "Q_Y"), 0) << "Q_Y is defined for two sources";
  EXPECT_EQ(withFMI.size(), standard.size() + 3);
  const auto qcv = std::find(withFMI.begin(), withFMI.end(), "Q_CV");
  ASSERT_NE(qcv, withFMI.end());
  EXPECT_EQ(std::vector<std::string>(qcv + 1, qcv + 5),
            (std::vector<std::string>{ "FMI_pixel", "FMI_gradient", "FMI_dct", "EN_1" }));
  EXPECT_EQ(standard.back(), "VIF_3");
  EXPECT_EQ(itk::fusion::FusionMetricsPresetError("seed"), "");
  EXPECT_EQ(itk::fusion::FusionMetricsPresetError("tang"),
            "unknown metrics preset 'tang' (presets: standard, cddfuse, vifb, seed)");
  itk::fusion::FusionMetricsOptions unknown;
  unknown.preset = "tang";
  try
  {
    itk::fusion::ComputeFusionMetrics(three, images[3].data(), size, 2, unknown);
    ADD_FAILURE() << "no exception";
  }
  catch (const itk::fusion::FusionError & e)
  {
    EXPECT_EQ(e.GetKind(), itk::fusion::FusionError::Kind::InvalidInput);
    EXPECT_STREQ(e.what(), "unknown metrics preset 'tang' (presets: standard, cddfuse, vifb, seed)");
  }
}

TEST(FusionMetricsCalculator, PerceptualMetricsKnownAnswers)
{
  // F = A = B: Q_Y = 1, Q_CB = 1, Q_CV = 0 (no difference), FMI = 1 (every window identical).
  auto a = Smooth<Image2>({ { 64, 64 } }, 41, 255);
  auto c = itk::FusionMetricsCalculator<Image2>::New();
  c->AddSource(a);
  c->AddSource(a);
  c->SetFusedImage(a);
  c->ComputeFMIOn();
  c->Compute();
  EXPECT_NEAR(c->GetMetric("Q_Y"), 1.0, 1e-9);
  EXPECT_NEAR(c->GetMetric("Q_CB"), 1.0, 1e-12);
  EXPECT_NEAR(c->GetMetric("Q_CV"), 0.0, 1e-12);
  EXPECT_NEAR(c->GetMetric("FMI_pixel"), 1.0, 1e-12);
  EXPECT_NEAR(c->GetMetric("FMI_gradient"), 1.0, 1e-12);
  EXPECT_NEAR(c->GetMetric("FMI_dct"), 1.0, 1e-12);
  // A fused image that drops B's detail scores lower on all of them.
  auto b = Smooth<Image2>({ { 64, 64 } }, 42, 255);
  auto d = itk::FusionMetricsCalculator<Image2>::New();
  d->AddSource(a);
  d->AddSource(b);
  d->SetFusedImage(a);
  d->ComputeFMIOn();
  d->Compute();
  EXPECT_LT(d->GetMetric("Q_Y"), 0.99);
  EXPECT_LT(d->GetMetric("Q_CB"), 0.99);
  EXPECT_GT(d->GetMetric("Q_CV"), 1.0);
  EXPECT_LT(d->GetMetric("FMI_pixel"), 0.99);
  EXPECT_GT(d->GetMetric("FMI_pixel"), 0.0);
}

TEST(FusionMetricsCalculator, ColourSourcesEnterAsBT601Luma)
{
  using RGB2 = itk::Image<itk::RGBPixel<unsigned char>, 2>;
  auto colour = RGB2::New();
  colour->SetRegions(RGB2::SizeType{ { 30, 30 } });
  colour->Allocate();
  auto luma = Byte2::New();
  luma->SetRegions(Byte2::SizeType{ { 30, 30 } });
  luma->Allocate();
  std::mt19937 rng(3);
  for (itk::ImageRegionIterator<RGB2> it(colour, colour->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    itk::RGBPixel<unsigned char> p;
    for (int c = 0; c < 3; ++c)
      p[c] = static_cast<unsigned char>(rng() % 256);
    it.Set(p);
    luma->SetPixel(it.GetIndex(), static_cast<unsigned char>(std::round(0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2])));
  }
  auto grey = Smooth<Byte2>({ { 30, 30 } }, 44, 255);
  auto byColour = itk::FusionMetricsCalculator<Byte2>::New(), byLuma = itk::FusionMetricsCalculator<Byte2>::New();
  byColour->AddSource(grey);
  byColour->AddSource(colour);
  byColour->SetFusedImage(grey);
  byLuma->AddSource(grey);
  byLuma->AddSource(luma);
  byLuma->SetFusedImage(grey);
  byColour->Compute();
  byLuma->Compute();
  ExpectSameValues({ byColour->GetResult() }, { byLuma->GetResult() }, 0.0);
}
