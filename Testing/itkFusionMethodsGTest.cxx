/*
 * The wavelet and classical fusion filters: each rule against an oracle written here (the mean,
 * the maximum, PCA weights from the covariance, DWT average/max-abs band by band with the module's
 * DWT, the Laplacian pyramid of equal sources), the DWT+CNN system's properties, 2D and 3D,
 * emulated CUDA = CPU, N = 3 sources, bad input, PrintSelf.
 */
#include "itkClassicalFusionFilter.h"
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkHeadPhantom.h"
#include "itkWaveletFeatureFusionFilter.h"

#include "itkFusionTestHelpers.h"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

namespace
{
using Image2 = itk::Image<float, 2>;
using Image3 = itk::Image<float, 3>;
using Mode = itk::fusion::PhantomModality;

template <unsigned int D>
typename itk::Image<float, D>::Pointer
Normalised(itk::fusion::PhantomModality m, unsigned size)
{
  itk::fusion::HeadPhantomOptions o;
  o.size = size;
  auto image = itk::fusion::MakeHeadPhantom<D>(m, o);
  return itk::fusion::MinMaxNormalised(image.GetPointer(), "phantom");
}

template <typename TImage>
double
MaxDifference(const TImage * a, const TImage * b)
{
  double worst = 0.0;
  for (itk::ImageRegionConstIterator<TImage> it(a, a->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    worst = std::max(worst, std::abs(static_cast<double>(it.Get()) - b->GetPixel(it.GetIndex())));
  return worst;
}

template <typename TFilter, typename TImage>
typename TImage::Pointer
FuseWith(typename TFilter::Pointer filter, const std::vector<typename TImage::Pointer> & sources)
{
  for (unsigned k = 0; k < sources.size(); ++k)
    filter->SetSource(k, sources[k]);
  filter->Update();
  typename TImage::Pointer out = filter->GetOutput();
  out->DisconnectPipeline();
  return out;
}
} // namespace

TEST(ClassicalFusionFilter, EachRuleEqualsItsOracle)
{
  const std::vector<Image2::Pointer> s{ Normalised<2>(Mode::MRI, 64), Normalised<2>(Mode::PET, 64),
                                        Normalised<2>(Mode::CT, 64) };
  using Filter = itk::ClassicalFusionFilter<Image2>;
  for (auto rule : { Filter::Rule::Average, Filter::Rule::Maximum, Filter::Rule::PCA })
  {
    auto filter = Filter::New();
    filter->SetRule(rule);
    const auto fused = FuseWith<Filter, Image2>(filter, s);
    std::vector<double> w = filter->GetWeights();
    if (rule == Filter::Rule::PCA)
    {
      // Oracle: the principal eigenvector of the 3 x 3 covariance by power iteration.
      const size_t count = s[0]->GetLargestPossibleRegion().GetNumberOfPixels();
      double       mean[3] = { 0, 0, 0 }, c[3][3] = {};
      for (int k = 0; k < 3; ++k)
        for (size_t i = 0; i < count; ++i)
          mean[k] += s[k]->GetBufferPointer()[i] / static_cast<double>(count);
      for (size_t i = 0; i < count; ++i)
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b)
            c[a][b] += (s[a]->GetBufferPointer()[i] - mean[a]) * (s[b]->GetBufferPointer()[i] - mean[b]);
      double v[3] = { 1, 1, 1 };
      for (int iteration = 0; iteration < 500; ++iteration)
      {
        double next[3] = { 0, 0, 0 }, norm = 0;
        for (int a = 0; a < 3; ++a)
          for (int b = 0; b < 3; ++b)
            next[a] += c[a][b] * v[b];
        for (double x : next)
          norm += x * x;
        for (int a = 0; a < 3; ++a)
          v[a] = next[a] / std::sqrt(norm);
      }
      const double total = std::abs(v[0]) + std::abs(v[1]) + std::abs(v[2]);
      ASSERT_EQ(w.size(), 3u);
      for (int k = 0; k < 3; ++k)
        EXPECT_NEAR(w[static_cast<size_t>(k)], std::abs(v[k]) / total, 1e-6);
    }
    for (itk::ImageRegionConstIterator<Image2> it(fused, fused->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    {
      const auto i = it.GetIndex();
      const double a = s[0]->GetPixel(i), b = s[1]->GetPixel(i), c = s[2]->GetPixel(i);
      const double expected = rule == Filter::Rule::Average ? (a + b + c) / 3
                              : rule == Filter::Rule::Maximum ? std::max(a, std::max(b, c))
                                                              : w[0] * a + w[1] * b + w[2] * c;
      ASSERT_NEAR(it.Get(), expected, 1e-5) << Filter::RuleName(rule) << " at " << i;
    }
  }
}

TEST(ClassicalFusionFilter, LaplacianPyramidReconstructsEqualSourcesAndKeepsTheStrongerDetail)
{
  using Filter = itk::ClassicalFusionFilter<Image3>;
  const auto a = Normalised<3>(Mode::MRI, 32);
  auto       filter = Filter::New();
  filter->SetRule(Filter::Rule::LaplacianPyramid);
  // Equal sources: the pyramid reconstructs the image exactly (up to rounding).
  EXPECT_LT(MaxDifference<Image3>(FuseWith<Filter, Image3>(filter, { a, a }), a), 1e-5);
  // A flat second source: every detail level comes from the first, the base is their mean.
  auto flat = Image3::New();
  flat->CopyInformation(a);
  flat->SetRegions(a->GetLargestPossibleRegion());
  flat->Allocate();
  flat->FillBuffer(0.0f);
  auto       half = Filter::New();
  half->SetRule(Filter::Rule::LaplacianPyramid);
  half->SetLevels(1);
  const auto fused = FuseWith<Filter, Image3>(half, { a, flat });
  double     meanA = 0, meanF = 0;
  const size_t count = a->GetLargestPossibleRegion().GetNumberOfPixels();
  for (size_t i = 0; i < count; ++i)
  {
    meanA += a->GetBufferPointer()[i] / count;
    meanF += fused->GetBufferPointer()[i] / count;
  }
  EXPECT_NEAR(meanF, meanA / 2, 0.02); // the base averaged with zero
  EXPECT_GT(MaxDifference<Image3>(fused, a), 0.1);
}

template <unsigned int D>
void
ExpectEmulatedCudaEqualsCpuForEveryRule(unsigned size)
{
  using ImageType = itk::Image<float, D>;
  using Filter = itk::ClassicalFusionFilter<ImageType>;
  const std::vector<typename ImageType::Pointer> s{ Normalised<D>(Mode::MRI, size), Normalised<D>(Mode::PET, size),
                                                    Normalised<D>(Mode::CT, size) };
  for (auto rule : { Filter::Rule::Average, Filter::Rule::Maximum, Filter::Rule::PCA, Filter::Rule::LaplacianPyramid })
  {
    typename ImageType::Pointer fused[2];
    for (int emulated = 0; emulated < 2; ++emulated)
    {
      auto filter = Filter::New();
      filter->SetRule(rule);
      filter->SetBackend(emulated ? itk::FusionEnums::Backend::EmulatedCUDA : itk::FusionEnums::Backend::CPU);
      fused[emulated] = FuseWith<Filter, ImageType>(filter, s);
      EXPECT_EQ(filter->GetLastUsedBackend(), filter->GetBackend()) << Filter::RuleName(rule);
    }
    // The kernels compute in float; the CPU pyramid in double.
    EXPECT_LT(MaxDifference<ImageType>(fused[0], fused[1]), 1e-5) << Filter::RuleName(rule) << " in " << D << "D";
    EXPECT_GT(MaxDifference<ImageType>(fused[1], s[0]), 0.05) << Filter::RuleName(rule); // not a copy of a source
  }
}

TEST(ClassicalFusionFilter, EmulatedCudaEqualsCpuForEveryRuleIn2DAnd3D)
{
  // Odd sizes: the pyramid's levels end in odd lengths and mirrored borders on both sides.
  ExpectEmulatedCudaEqualsCpuForEveryRule<2>(45);
  ExpectEmulatedCudaEqualsCpuForEveryRule<3>(21);
}

TEST(WaveletFeatureFusionFilter, ClassicalRuleEqualsBandByBandOracle)
{
  const std::vector<Image2::Pointer> s{ Normalised<2>(Mode::MRI, 64), Normalised<2>(Mode::CT, 64) };
  using Filter = itk::WaveletFeatureFusionFilter<Image2>;
  auto filter = Filter::New();
  filter->SetApproximationRule(Filter::Rule::Average);
  filter->SetDetailRule(Filter::Rule::MaxAbs);
  filter->SetWavelet("db2");
  filter->SetLevels(2);
  const auto fused = FuseWith<Filter, Image2>(filter, s);
  // Oracle: the module's DWT of each source, bands fused here, the module's inverse.
  using DWT = itk::DWTDecomposeFilter<Image2, Image2>;
  std::vector<DWT::Pointer> dwt;
  for (const auto & image : s)
  {
    dwt.push_back(DWT::New());
    dwt.back()->SetInput(image);
    dwt.back()->SetWavelet("db2");
    dwt.back()->SetLevels(2);
    dwt.back()->Update();
  }
  auto idwt = itk::DWTReconstructFilter<Image2, Image2>::New();
  idwt->SetWavelet("db2");
  idwt->SetLevels(2);
  idwt->SetReferenceImage(s[0]);
  for (unsigned b = 0; b < dwt[0]->GetNumberOfIndexedOutputs(); ++b)
  {
    auto band = Image2::New();
    band->Graft(dwt[0]->GetOutput(b));
    auto fusedBand = Image2::New();
    fusedBand->CopyInformation(band);
    fusedBand->SetRegions(band->GetLargestPossibleRegion());
    fusedBand->Allocate();
    for (size_t i = 0; i < band->GetLargestPossibleRegion().GetNumberOfPixels(); ++i)
    {
      const float x = dwt[0]->GetOutput(b)->GetBufferPointer()[i], y = dwt[1]->GetOutput(b)->GetBufferPointer()[i];
      fusedBand->GetBufferPointer()[i] = b == 0 ? (x + y) / 2 : (std::abs(y) > std::abs(x) ? y : x);
    }
    idwt->SetInput(b, fusedBand);
  }
  idwt->Update();
  Image2::Pointer expected = idwt->GetOutput();
  for (itk::ImageRegionIterator<Image2> it(expected, expected->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    it.Set(std::min(1.0f, std::max(0.0f, it.Get()))); // clipped to the sources' range
  EXPECT_LT(MaxDifference<Image2>(fused, expected), 1e-5);
  EXPECT_EQ(fused->GetLargestPossibleRegion(), s[0]->GetLargestPossibleRegion());
}

TEST(WaveletFeatureFusionFilter, FeatureWeightedSystemIn2DAnd3DAndEmulatedCudaEqualsCpu)
{
  using Filter2 = itk::WaveletFeatureFusionFilter<Image2>;
  const std::vector<Image2::Pointer> s{ Normalised<2>(Mode::MRI, 64), Normalised<2>(Mode::PET, 64) };
  // Equal sources: every band's weights are 1/2, the transform's inverse gives the source back.
  EXPECT_LT(MaxDifference<Image2>(FuseWith<Filter2, Image2>(Filter2::New(), { s[0], s[0] }), s[0]), 1e-5);
  const auto cpu = [&] {
    auto f = Filter2::New();
    f->SetBackend(itk::FusionEnums::Backend::CPU);
    return FuseWith<Filter2, Image2>(f, s);
  }();
  const auto emulated = [&] {
    auto f = Filter2::New();
    f->SetBackend(itk::FusionEnums::Backend::EmulatedCUDA);
    return FuseWith<Filter2, Image2>(f, s);
  }();
  EXPECT_LT(MaxDifference<Image2>(cpu, emulated), 1e-4);
  EXPECT_GT(MaxDifference<Image2>(cpu, s[0]), 0.05); // the PET does enter
  using Filter3 = itk::WaveletFeatureFusionFilter<Image3>;
  auto f3 = Filter3::New();
  f3->SetLevels(1);
  const auto v = FuseWith<Filter3, Image3>(f3, { Normalised<3>(Mode::MRI, 32), Normalised<3>(Mode::PET, 32) });
  EXPECT_EQ(v->GetLargestPossibleRegion().GetSize(), Normalised<3>(Mode::MRI, 32)->GetLargestPossibleRegion().GetSize());
}

TEST(FusionMethods, BadInputThrowsClearErrors)
{
  auto       a = Normalised<2>(Mode::MRI, 32), b = Normalised<2>(Mode::PET, 40);
  const auto expectThrow = fusiontest::ExpectThrow;
  auto classical = itk::ClassicalFusionFilter<Image2>::New();
  classical->SetSource(0, a);
  expectThrow([&] { classical->Update(); }, "at least two sources");
  classical->SetSource(1, b);
  expectThrow([&] { classical->Update(); }, "source 1 is not on the grid of source 0");
  auto wavelet = itk::WaveletFeatureFusionFilter<Image2>::New();
  wavelet->SetSource(0, a);
  wavelet->SetSource(1, b);
  expectThrow([&] { wavelet->Update(); }, "source 1 is not on the grid of source 0");
  std::ostringstream os;
  wavelet->Print(os);
  classical->Print(os);
  for (const char * field : { "Wavelet: db2", "Levels: 3", "Mode: symmetric", "ApproximationRule: ActivityWeighted",
                              "DetailRule: ActivityWeighted", "Rule: Average", "Levels: 4" })
    EXPECT_NE(os.str().find(field), std::string::npos) << field;
}
