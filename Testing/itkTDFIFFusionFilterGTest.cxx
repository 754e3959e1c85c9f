/*
 * TDFIFFusionFilter: the recipe's properties on the phantom (a convex combination of the normalised
 * sources with weights that sum to 1 and follow the texture ratio rule; symmetric in its sources;
 * F(A, A) = A), the texture ablation, 3D slice by slice, emulated CUDA = CPU, bad input, PrintSelf.
 */
#include "itkConvFeatureFilter.h"
#include "itkHeadPhantom.h"
#include "itkTDFIFFusionFilter.h"

#include "itkFusionTestHelpers.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

namespace
{
using fusiontest::Phantom;

template <typename TImage>
std::pair<double, double>
Range(const TImage * image)
{
  double lo = 1e300, hi = -1e300;
  for (itk::ImageRegionConstIterator<TImage> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    lo = std::min(lo, static_cast<double>(it.Get()));
    hi = std::max(hi, static_cast<double>(it.Get()));
  }
  return { lo, hi };
}
using Image2 = itk::Image<float, 2>;
using Image3 = itk::Image<float, 3>;
using Mode = itk::fusion::PhantomModality;
} // namespace

TEST(TDFIFFusionFilter, WeightsFollowTheTextureRatioAndFuseTheNormalisedSources)
{
  auto mri = Phantom<2>(Mode::MRI, 64), pet = Phantom<2>(Mode::PET, 64);
  auto filter = itk::TDFIFFusionFilter<Image2>::New();
  filter->SetSource(0, mri);
  filter->SetSource(1, pet);
  filter->SetBackend(itk::FusionEnums::Backend::CPU);
  filter->Update();
  const Image2 * fused = filter->GetOutput();
  EXPECT_EQ(fused->GetLargestPossibleRegion(), mri->GetLargestPossibleRegion());
  EXPECT_EQ(fused->GetSpacing(), mri->GetSpacing());
  EXPECT_EQ(fused->GetOrigin(), mri->GetOrigin());
  const auto w0 = filter->GetWeight(0), w1 = filter->GetWeight(1);
  const auto rm = Range<Image2>(mri), rp = Range<Image2>(pet);
  double     worst = 0.0, spread = 0.0;
  for (itk::ImageRegionConstIterator<Image2> f(fused, fused->GetLargestPossibleRegion()); !f.IsAtEnd(); ++f)
  {
    const auto   i = f.GetIndex();
    const double a = (mri->GetPixel(i) - rm.first) / (rm.second - rm.first);
    const double b = (pet->GetPixel(i) - rp.first) / (rp.second - rp.first);
    const double wa = w0->GetPixel(i), wb = w1->GetPixel(i);
    EXPECT_NEAR(wa + wb, 1.0, 1e-6);
    const double ta = filter->GetActivity(0)->GetPixel(i), tb = filter->GetActivity(1)->GetPixel(i);
    EXPECT_NEAR(wa, (ta + 1e-6) / (ta + tb + 2e-6), 1e-6);
    worst = std::max(worst, std::abs(f.Get() - (wa * a + wb * b)));
    spread = std::max(spread, std::abs(wa - 0.5));
  }
  EXPECT_LT(worst, 1e-5);
  EXPECT_GT(spread, 0.1); // the weights do vary with the texture
}

TEST(TDFIFFusionFilter, SymmetricInItsSourcesAndIdentityOnEqualSources)
{
  auto       mri = Phantom<2>(Mode::MRI, 48), ct = Phantom<2>(Mode::CT, 48);
  const auto run = [](const Image2 * a, const Image2 * b) {
    auto filter = itk::TDFIFFusionFilter<Image2>::New();
    filter->SetSource(0, a);
    filter->SetSource(1, b);
    filter->Update();
    Image2::Pointer out = filter->GetOutput();
    out->DisconnectPipeline();
    return out;
  };
  const auto ab = run(mri, ct), ba = run(ct, mri), aa = run(mri, mri);
  const auto r = Range<Image2>(mri);
  for (itk::ImageRegionConstIterator<Image2> it(ab, ab->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    EXPECT_NEAR(it.Get(), ba->GetPixel(it.GetIndex()), 1e-6);
    EXPECT_NEAR(aa->GetPixel(it.GetIndex()), (mri->GetPixel(it.GetIndex()) - r.first) / (r.second - r.first), 1e-6);
  }
}

TEST(TDFIFFusionFilter, TextureOffUsesTheEncoderActivity)
{
  auto mri = Phantom<2>(Mode::MRI, 40), pet = Phantom<2>(Mode::PET, 40);
  auto filter = itk::TDFIFFusionFilter<Image2>::New();
  filter->SetSource(0, mri);
  filter->SetSource(1, pet);
  filter->TextureOff();
  filter->Update();
  // The activity is the encoder's channel mean of the normalised source, raised to the weight power
  // (4 by default: docs/methods.md section 2).
  EXPECT_EQ(filter->GetWeightPower(), 4.0);
  const double power = filter->GetWeightPower();
  const auto   r = Range<Image2>(pet);
  auto         normalised = Image2::New();
  normalised->CopyInformation(pet);
  normalised->SetRegions(pet->GetLargestPossibleRegion());
  normalised->Allocate();
  for (itk::ImageRegionIterator<Image2> it(normalised, normalised->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    it.Set((pet->GetPixel(it.GetIndex()) - r.first) / (r.second - r.first));
  auto encoder = itk::ConvFeatureFilter<Image2, Image2>::New();
  encoder->SetInput(normalised);
  encoder->Update();
  for (itk::ImageRegionConstIterator<Image2> it(encoder->GetOutput(), encoder->GetOutput()->GetLargestPossibleRegion());
       !it.IsAtEnd();
       ++it)
    ASSERT_NEAR(filter->GetActivity(1)->GetPixel(it.GetIndex()),
                static_cast<float>(std::pow(std::max(0.0f, it.Get()), power)),
                1e-6);
}

TEST(TDFIFFusionFilter, VolumesSliceBySliceAndEmulatedCudaEqualsCpu)
{
  auto       mri = Phantom<3>(Mode::MRI, 32), pet = Phantom<3>(Mode::PET, 32);
  const auto run = [&](itk::FusionEnums::Backend backend) {
    auto filter = itk::TDFIFFusionFilter<Image3>::New();
    filter->SetSource(0, mri);
    filter->SetSource(1, pet);
    filter->SetBackend(backend);
    filter->Update();
    Image3::Pointer out = filter->GetOutput();
    out->DisconnectPipeline();
    return out;
  };
  const auto cpu = run(itk::FusionEnums::Backend::CPU), emulated = run(itk::FusionEnums::Backend::EmulatedCUDA);
  EXPECT_EQ(cpu->GetLargestPossibleRegion(), mri->GetLargestPossibleRegion());
  double worst = 0.0;
  for (itk::ImageRegionConstIterator<Image3> it(cpu, cpu->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    worst = std::max(worst, static_cast<double>(std::abs(it.Get() - emulated->GetPixel(it.GetIndex()))));
  EXPECT_LT(worst, 1e-4);
  const auto range = Range<Image3>(cpu);
  EXPECT_GE(range.first, -1e-6);
  EXPECT_LE(range.second, 1.0 + 1e-6);
}

TEST(TDFIFFusionFilter, BadInputThrowsClearErrors)
{
  auto       a = Phantom<2>(Mode::MRI, 32), b = Phantom<2>(Mode::PET, 40);
  const auto expectThrow = fusiontest::ExpectThrow<>;
  auto       filter = itk::TDFIFFusionFilter<Image2>::New();
  filter->SetSource(0, a);
  expectThrow([&] { filter->Update(); }, "at least two sources");
  filter->SetSource(1, b);
  expectThrow([&] { filter->Update(); }, "source 1 is not on the grid of source 0");
  auto nan = Phantom<2>(Mode::PET, 32);
  nan->SetPixel({ { 3, 4 } }, std::nanf(""));
  filter->SetSource(1, nan);
  expectThrow([&] { filter->Update(); }, "non-finite");
  filter->SetSource(1, a);
  filter->SetModelFileName(FUSION_TEST_DATA_DIR "/corrupt.onnx");
  expectThrow([&] { filter->Update(); }, "corrupt.onnx");
  std::ostringstream os;
  filter->Print(os);
  for (const char * field : { "NumberOfSources: 2",
                              "NumberOfLevels: 8",
                              "Radius: 2",
                              "Texture: 1",
                              "Epsilon",
                              "SliceAxis: 2",
                              "corrupt.onnx",
                              "Backend" })
    EXPECT_NE(os.str().find(field), std::string::npos) << field;
}

namespace
{
template <typename TImage>
typename TImage::Pointer
FuseWithDecoder(const std::vector<const TImage *> & sources,
                itk::FusionEnums::Backend           backend = itk::FusionEnums::Backend::CPU)
{
  auto filter = itk::TDFIFFusionFilter<TImage>::New();
  for (unsigned k = 0; k < sources.size(); ++k)
    filter->SetSource(k, sources[k]);
  filter->SetDecoder(itk::fusion::ConvNetwork::TDFIFDecoder());
  filter->SetBackend(backend);
  filter->Update();
  typename TImage::Pointer out = filter->GetOutput();
  out->DisconnectPipeline();
  return out;
}

template <typename TImage>
double
LargestDifference(const TImage * a, const TImage * b)
{
  double worst = 0.0;
  for (itk::ImageRegionConstIterator<TImage> it(a, a->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    worst = std::max(worst, static_cast<double>(std::abs(it.Get() - b->GetPixel(it.GetIndex()))));
  return worst;
}
} // namespace

// TDFIF-Net (the decoder); its values against PyTorch: Testing/Python/test_tdfif_net_torch.py.
TEST(TDFIFFusionFilter, NetFusesAnyNumberOfSourcesInAnyOrderOnTheirGrid)
{
  auto       mri = Phantom<2>(Mode::MRI, 48), ct = Phantom<2>(Mode::CT, 48), pet = Phantom<2>(Mode::PET, 48);
  const auto abc = FuseWithDecoder<Image2>({ mri, ct, pet }), cab = FuseWithDecoder<Image2>({ pet, mri, ct });
  EXPECT_EQ(abc->GetLargestPossibleRegion(), mri->GetLargestPossibleRegion());
  EXPECT_EQ(abc->GetSpacing(), mri->GetSpacing());
  EXPECT_EQ(abc->GetOrigin(), mri->GetOrigin());
  EXPECT_EQ(abc->GetDirection(), mri->GetDirection());
  EXPECT_LT(LargestDifference<Image2>(abc, cab), 1e-5); // symmetric in its sources (sums and maxima)
  const auto range = Range<Image2>(abc);
  EXPECT_GE(range.first, 0.0);
  EXPECT_LE(range.second, 1.0);
  EXPECT_GT(range.second - range.first, 0.5);
  // The decoder is used: the result is not the linear rule's.
  auto rule = itk::TDFIFFusionFilter<Image2>::New();
  rule->SetSource(0, mri);
  rule->SetSource(1, ct);
  rule->SetSource(2, pet);
  rule->Update();
  EXPECT_GT(LargestDifference<Image2>(abc, rule->GetOutput()), 0.01);
}

TEST(TDFIFFusionFilter, NetOnVolumesSliceBySliceAndEmulatedCudaEqualsCpu)
{
  auto       mri = Phantom<3>(Mode::MRI, 24), pet = Phantom<3>(Mode::PET, 24);
  const auto cpu = FuseWithDecoder<Image3>({ mri, pet });
  const auto emulated = FuseWithDecoder<Image3>({ mri, pet }, itk::FusionEnums::Backend::EmulatedCUDA);
  EXPECT_EQ(cpu->GetLargestPossibleRegion(), mri->GetLargestPossibleRegion());
  EXPECT_LT(LargestDifference<Image3>(cpu, emulated), 1e-4);
}

TEST(TDFIFFusionFilter, NetRefusesADecoderOfTheWrongShape)
{
  auto a = Phantom<2>(Mode::MRI, 32), b = Phantom<2>(Mode::PET, 32);
  auto filter = itk::TDFIFFusionFilter<Image2>::New();
  filter->SetSource(0, a);
  filter->SetSource(1, b);
  filter->SetDecoder(itk::fusion::ConvNetwork::TDFIFEncoder()); // 1 channel in, 64 out
  fusiontest::ExpectThrow<>([&] { filter->Update(); }, "the decoder's input has 1 channels, TDFIF-Net gives it 66");
  filter->SetDecoder(itk::fusion::ConvNetwork::TDFIFDecoder());
  std::ostringstream os;
  filter->Print(os);
  EXPECT_NE(os.str().find("Decoder: the built-in TDFIF-Net decoder"), std::string::npos) << os.str();
}
