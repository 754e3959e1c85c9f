/*
 * ConvFeatureFilter: the built-in TDFIF encoder against a direct convolution written here, tiles
 * and streamed sub-regions equal to one whole evaluation, the output grid, bounded memory for a
 * 256^3 activity map, bad input. (PyTorch, VGG19, AlexNet, DenseNet, 3D networks:
 * Testing/Python/test_convfeature_torch.py.)
 */
#include "itkConvFeatureFilter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include <gtest/gtest.h>

#include <sys/resource.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

namespace
{
using Image2 = itk::Image<float, 2>;
using Image3 = itk::Image<float, 3>;

template <typename TImage>
typename TImage::Pointer
RandomImage(const typename TImage::SizeType & size, unsigned seed)
{
  auto image = TImage::New();
  image->SetRegions(size);
  image->Allocate();
  std::mt19937                          rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (itk::ImageRegionIterator<TImage> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    it.Set(u(rng));
  return image;
}

template <typename TImage>
double
MaxDifference(const TImage * a, const TImage * b, const typename TImage::RegionType & region)
{
  double worst = 0.0;
  for (itk::ImageRegionConstIterator<TImage> i(a, region), j(b, region); !i.IsAtEnd(); ++i, ++j)
    worst = std::max(worst, std::abs(static_cast<double>(i.Get()) - static_cast<double>(j.Get())));
  return worst;
}
} // namespace

TEST(ConvFeatureFilter, DefaultIsTheBuiltInTDFIFEncoder)
{
  const auto network = itk::ConvFeatureFilter<Image2>::New()->GetNetwork();
  ASSERT_TRUE(network);
  EXPECT_EQ(network->SpatialDimension(), 2u);
  EXPECT_EQ(network->InputChannels(), 1u);
  EXPECT_EQ(network->OutputChannels(), 64u);
  const auto g = network->Geometry();
  EXPECT_EQ(g[0].stride, 1);
  EXPECT_EQ(g[0].offset, 0.0);
  EXPECT_EQ(g[0].field, 5);
  EXPECT_EQ(network->Describe().size(), 4u); // conv, relu (fused), conv, relu
}

TEST(ConvFeatureFilter, KnownNetworkEqualsADirectConvolution)
{
  // Testing/Data/known_conv.onnx: conv 1->3, 3x3, zero padding 1, weights (k - 13) / 10 in
  // ONNX order, biases 0.5, -0.25, 0; ReLU; max pooling 2x2 with stride 2.
  auto image = RandomImage<Image2>({ { 13, 10 } }, 8);
  using Vector2 = itk::VectorImage<float, 2>;
  auto filter = itk::ConvFeatureFilter<Image2, Vector2>::New();
  filter->SetInput(image);
  filter->SetModelFileName(FUSION_TEST_DATA_DIR "/known_conv.onnx");
  filter->Update();
  const Vector2 * out = filter->GetOutput();
  ASSERT_EQ(out->GetLargestPossibleRegion().GetSize(), (Image2::SizeType{ { 6, 5 } }));
  EXPECT_EQ(out->GetNumberOfComponentsPerPixel(), 3u);
  EXPECT_DOUBLE_EQ(out->GetSpacing()[0], 2.0);
  EXPECT_DOUBLE_EQ(out->GetOrigin()[0], 0.5); // the centre of the first 2x2 window
  const float bias[3] = { 0.5f, -0.25f, 0.0f };
  const auto  conv = [&](unsigned c, long x, long y) {
    double sum = bias[c];
    for (long ky = 0; ky < 3; ++ky)
      for (long kx = 0; kx < 3; ++kx)
      {
        const long ix = x + kx - 1, iy = y + ky - 1;
        if (ix >= 0 && iy >= 0 && ix < 13 && iy < 10)
          sum += (static_cast<double>(c * 9 + ky * 3 + kx) - 13.0) / 10.0 * image->GetPixel({ { ix, iy } });
      }
    return std::max(sum, 0.0);
  };
  double worst = 0.0;
  for (long y = 0; y < 5; ++y)
    for (long x = 0; x < 6; ++x)
      for (unsigned c = 0; c < 3; ++c)
      {
        double best = 0.0;
        for (long dy = 0; dy < 2; ++dy)
          for (long dx = 0; dx < 2; ++dx)
            best = std::max(best, conv(c, 2 * x + dx, 2 * y + dy));
        worst = std::max(worst, std::abs(out->GetPixel({ { x, y } })[c] - best));
      }
  EXPECT_LE(worst, 1e-5);
}

TEST(ConvFeatureFilter, ReductionsAgreeWithEveryChannel)
{
  auto image = RandomImage<Image2>({ { 23, 19 } }, 1);
  auto mean = itk::ConvFeatureFilter<Image2>::New();
  mean->SetInput(image);
  mean->Update();
  using Vector2 = itk::VectorImage<float, 2>;
  auto all = itk::ConvFeatureFilter<Image2, Vector2>::New();
  all->SetInput(image);
  all->Update();
  auto l1 = itk::ConvFeatureFilter<Image2>::New();
  l1->SetInput(image);
  l1->SetReduction(itk::ConvFeatureFilter<Image2>::Reduction::L1);
  l1->Update();
  auto max = itk::ConvFeatureFilter<Image2>::New();
  max->SetInput(image);
  max->SetReduction(itk::ConvFeatureFilter<Image2>::Reduction::Max);
  max->Update();
  double worst = 0.0;
  for (itk::ImageRegionConstIterator<Vector2> it(all->GetOutput(), all->GetOutput()->GetLargestPossibleRegion());
       !it.IsAtEnd();
       ++it)
  {
    const auto v = it.Get();
    ASSERT_EQ(v.GetSize(), 64u);
    double sum = 0.0, abs = 0.0, best = -1e300;
    for (unsigned c = 0; c < 64; ++c)
    {
      EXPECT_GE(v[c], 0.0f); // after ReLU
      sum += v[c];
      abs += std::abs(v[c]);
      best = std::max(best, static_cast<double>(v[c]));
    }
    worst = std::max(worst, std::abs(mean->GetOutput()->GetPixel(it.GetIndex()) - sum / 64.0));
    worst = std::max(worst, std::abs(l1->GetOutput()->GetPixel(it.GetIndex()) - abs) / 64.0);
    worst = std::max(worst, std::abs(max->GetOutput()->GetPixel(it.GetIndex()) - best));
  }
  EXPECT_LE(worst, 1e-5);
}

TEST(ConvFeatureFilter, TilesAndStreamedRegionsEqualOneWholeEvaluation)
{
  // 3D, slice by slice along z (tiles along y inside each slice), and along x.
  auto volume = RandomImage<Image3>({ { 31, 27, 9 } }, 2);
  for (int axis : { 2, 0 })
  {
    using Filter = itk::ConvFeatureFilter<Image3>;
    auto whole = Filter::New();
    whole->SetInput(volume);
    whole->SetSliceAxis(axis);
    whole->Update();
    auto tiled = Filter::New();
    tiled->SetInput(volume);
    tiled->SetSliceAxis(axis);
    tiled->SetMaximumTileBytes(200000); // a few lines per tile
    tiled->Update();
    EXPECT_LE(MaxDifference<Image3>(whole->GetOutput(), tiled->GetOutput(), volume->GetLargestPossibleRegion()), 1e-6)
      << "axis " << axis;

    auto part = Filter::New();
    part->SetInput(volume);
    part->SetSliceAxis(axis);
    Image3::RegionType region({ { 9, 7, 3 } }, { { 11, 13, 4 } });
    part->GetOutput()->SetRequestedRegion(region);
    part->Update();
    const auto requested = volume->GetRequestedRegion();
    EXPECT_LT(requested.GetNumberOfPixels(), volume->GetLargestPossibleRegion().GetNumberOfPixels());
    EXPECT_TRUE(requested.IsInside(region));
    EXPECT_LE(MaxDifference<Image3>(whole->GetOutput(), part->GetOutput(), region), 1e-6) << "axis " << axis;
  }
}

TEST(ConvFeatureFilter, OutputKeepsTheGridOfAStrideOneNetwork)
{
  auto                  image = RandomImage<Image2>({ { 17, 12 } }, 3);
  const double          spacing[2] = { 0.7, 1.9 };
  const double          origin[2] = { -4.0, 12.5 };
  Image2::DirectionType direction;
  direction(0, 0) = 0.0;
  direction(0, 1) = 1.0;
  direction(1, 0) = -1.0;
  direction(1, 1) = 0.0;
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  auto filter = itk::ConvFeatureFilter<Image2>::New();
  filter->SetInput(image);
  filter->Update();
  const Image2 * out = filter->GetOutput();
  EXPECT_EQ(out->GetLargestPossibleRegion().GetSize(), image->GetLargestPossibleRegion().GetSize());
  EXPECT_EQ(out->GetSpacing(), image->GetSpacing());
  EXPECT_EQ(out->GetOrigin(), image->GetOrigin());
  EXPECT_EQ(out->GetDirection(), image->GetDirection());
}

TEST(ConvFeatureFilter, ActivityMapOf256CubedStaysUnder2GiB)
{
  // The reduced TDFIF activity of a 256^3 volume, slice by slice: the image, the map and one
  // slice's 64 channels, not 64 channels of the volume (which alone would be 4 GiB).
  auto volume = Image3::New();
  volume->SetRegions(Image3::SizeType{ { 256, 256, 256 } });
  volume->Allocate();
  float v = 0.0f;
  for (itk::ImageRegionIterator<Image3> it(volume, volume->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    it.Set(v = std::fmod(v + 0.37f, 1.0f));
  auto filter = itk::ConvFeatureFilter<Image3>::New();
  filter->SetInput(volume);
  filter->SetSliceAxis(2);
  filter->Update();
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const double peakGiB = static_cast<double>(usage.ru_maxrss) / (1024.0 * 1024.0); // ru_maxrss: KiB
  std::cout << "peak resident memory: " << peakGiB << " GiB" << std::endl;
  EXPECT_LE(peakGiB, 2.0);
  EXPECT_GT(filter->GetOutput()->GetPixel({ { 128, 128, 128 } }), 0.0f);
}

TEST(ConvFeatureFilter, BadInputThrowsClearErrors)
{
  using Filter = itk::ConvFeatureFilter<Image2>;
  auto       image = RandomImage<Image2>({ { 16, 16 } }, 4);
  const auto expectThrow =
    [&](const std::function<void(Filter *)> & set, const std::string & words, Image2 * input = nullptr) {
      auto f = Filter::New();
      f->SetInput(input ? input : image.GetPointer());
      try
      {
        set(f);
        f->Update();
        ADD_FAILURE() << "no exception; expected: " << words;
      }
      catch (const itk::ExceptionObject & e)
      {
        EXPECT_NE(std::string(e.GetDescription()).find(words), std::string::npos) << e.GetDescription();
      }
    };
  auto withNaN = RandomImage<Image2>({ { 16, 16 } }, 5);
  withNaN->SetPixel({ { 3, 4 } }, std::nanf(""));
  expectThrow([](Filter *) {}, "non-finite value", withNaN);
  auto tiny = RandomImage<Image2>({ { 3, 9 } }, 6);
  expectThrow([](Filter *) {}, "smaller than the network's receptive field of 5", tiny);
  expectThrow([](Filter * f) { f->SetReduction(Filter::Reduction::None); }, "needs a reduction");
  expectThrow(
    [](Filter * f) {
      f->SetChannelNormalization({ 0.1, 0.2 }, { 1.0, 1.0 });
    },
    "2 values for a network of 1");
  expectThrow([](Filter * f) { f->SetChannelNormalization({ 0.1 }, { 0.0 }); }, "std must be positive");
  expectThrow([](Filter * f) { f->SetSliceAxis(1); }, "slice by slice needs a 2D network, a 3D image");
  expectThrow([](Filter * f) { f->SetModelFileName("/no/such/model.onnx"); }, "cannot open the ONNX file");
  EXPECT_THROW(Filter::ReductionFromString("median"), itk::ExceptionObject);
  EXPECT_EQ(Filter::ReductionFromString("L1"), Filter::Reduction::L1);

  using Filter3 = itk::ConvFeatureFilter<Image3>;
  auto f3 = Filter3::New();
  f3->SetInput(RandomImage<Image3>({ { 8, 8, 8 } }, 7));
  EXPECT_THROW(f3->Update(), itk::ExceptionObject); // a 2D network on a volume without a slice axis
}

TEST(ConvFeatureFilter, EmulatedKernelsEqualTheCpuPath)
{
  // The TDFIF encoder (reduced in the last convolution, and every channel), the known network
  // (pooling), slice by slice in 3D.
  using Vector2 = itk::VectorImage<float, 2>;
  auto       image = RandomImage<Image2>({ { 21, 18 } }, 9);
  const auto run = [&](auto filter, itk::FusionEnums::Backend backend) {
    filter->SetInput(image);
    filter->SetBackend(backend);
    filter->Update();
    EXPECT_EQ(filter->GetLastUsedBackend(), backend);
    return filter->GetOutput();
  };
  for (auto reduction :
       { itk::fusion::ChannelReduction::Mean, itk::fusion::ChannelReduction::L1, itk::fusion::ChannelReduction::Max })
  {
    auto cpu = itk::ConvFeatureFilter<Image2>::New(), emulated = itk::ConvFeatureFilter<Image2>::New();
    cpu->SetReduction(reduction);
    emulated->SetReduction(reduction);
    const Image2 * a = run(cpu, itk::FusionEnums::Backend::CPU);
    const Image2 * b = run(emulated, itk::FusionEnums::Backend::EmulatedCUDA);
    EXPECT_LE(MaxDifference<Image2>(a, b, a->GetLargestPossibleRegion()), 1e-5 * 64)
      << itk::ConvFeatureFilter<Image2>::ReductionName(reduction);
  }
  for (const char * model : { "", FUSION_TEST_DATA_DIR "/known_conv.onnx" })
  {
    auto cpu = itk::ConvFeatureFilter<Image2, Vector2>::New(),
         emulated = itk::ConvFeatureFilter<Image2, Vector2>::New();
    if (*model)
    {
      cpu->SetModelFileName(model);
      emulated->SetModelFileName(model);
    }
    const Vector2 * a = run(cpu, itk::FusionEnums::Backend::CPU);
    const Vector2 * b = run(emulated, itk::FusionEnums::Backend::EmulatedCUDA);
    double          worst = 0.0;
    for (itk::ImageRegionConstIterator<Vector2> i(a, a->GetLargestPossibleRegion()),
         j(b, a->GetLargestPossibleRegion());
         !i.IsAtEnd();
         ++i, ++j)
      for (unsigned c = 0; c < a->GetNumberOfComponentsPerPixel(); ++c)
        worst = std::max(worst, static_cast<double>(std::abs(i.Get()[c] - j.Get()[c])));
    EXPECT_LE(worst, 1e-5) << (*model ? model : "TDFIF");
  }
  auto volume = RandomImage<Image3>({ { 12, 10, 5 } }, 10);
  auto cpu = itk::ConvFeatureFilter<Image3>::New(), emulated = itk::ConvFeatureFilter<Image3>::New();
  for (auto f : { cpu, emulated })
  {
    f->SetInput(volume);
    f->SetSliceAxis(1);
  }
  cpu->SetBackend(itk::FusionEnums::Backend::CPU);
  emulated->SetBackend(itk::FusionEnums::Backend::EmulatedCUDA);
  cpu->Update();
  emulated->Update();
  EXPECT_LE(MaxDifference<Image3>(cpu->GetOutput(), emulated->GetOutput(), volume->GetLargestPossibleRegion()), 1e-5);
}

TEST(ConvFeatureFilter, PrintSelfPrintsEveryMember)
{
  auto               filter = itk::ConvFeatureFilter<Image2>::New();
  std::ostringstream os;
  filter->Print(os);
  for (const char * expected : { "Network: the built-in TDFIF encoder",
                                 "NetworkOutput: features (64 channels, 2D)",
                                 "Conv '",
                                 "Reduction: mean",
                                 "ChannelMean:",
                                 "ChannelStd:",
                                 "SliceAxis: -1",
                                 "MaximumTileBytes: 67108864",
                                 "Backend: ",
                                 "LastUsedBackend: " })
    EXPECT_NE(os.str().find(expected), std::string::npos) << expected << "\n" << os.str();
}
