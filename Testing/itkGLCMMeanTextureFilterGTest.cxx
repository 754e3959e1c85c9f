/*
 * GLCMMeanTextureFilter: the quick GLCM mean and every feature against a brute-force oracle that
 * builds each window's co-occurrence matrix from scratch (borders included), 2D and 3D, both offset
 * combinations, symmetric or not; streaming; bad input. (scikit-image: Testing/Python/test_glcm_skimage.py.)
 */
#include "itkGLCMMeanTextureFilter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkStreamingImageFilter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <functional>
#include <sstream>

namespace
{
template <typename TImage>
typename TImage::Pointer
RandomImage(const typename TImage::SizeType & size, unsigned seed)
{
  auto image = TImage::New();
  image->SetRegions(size);
  image->Allocate();
  std::mt19937                           rng(seed);
  std::uniform_real_distribution<double> u(-20.0, 80.0);
  for (itk::ImageRegionIterator<TImage> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    it.Set(static_cast<typename TImage::PixelType>(u(rng)));
  return image;
}

/* The oracle: per pixel, the GLCM of each offset built from scratch over the mirrored window. */
template <typename TFilter, typename TImage>
std::vector<double>
Oracle(const TFilter * filter, const TImage * image, const typename TImage::IndexType & centre)
{
  constexpr unsigned D = TImage::ImageDimension;
  const auto &       largest = image->GetLargestPossibleRegion();
  double             lo = 1e300, hi = -1e300;
  for (itk::ImageRegionConstIterator<TImage> it(image, largest); !it.IsAtEnd(); ++it)
  {
    lo = std::min(lo, static_cast<double>(it.Get()));
    hi = std::max(hi, static_cast<double>(it.Get()));
  }
  const unsigned L = filter->GetNumberOfLevels();
  const auto     level = [&](typename TImage::IndexType i) {
    for (unsigned d = 0; d < D; ++d)
    {
      const long n = static_cast<long>(largest.GetSize(d));
      long       x = i[d];
      while (x < 0 || x >= n)
        x = x < 0 ? -x : 2 * (n - 1) - x;
      i[d] = x;
    }
    const int q = static_cast<int>(std::floor(L * (image->GetPixel(i) - lo) / (hi - lo)));
    return std::min(std::max(q, 0), static_cast<int>(L) - 1);
  };
  const long                         r = filter->GetRadius();
  std::vector<std::vector<unsigned>> glcms;
  for (const auto & o : filter->GetOffsets())
  {
    std::vector<unsigned> g(L * L, 0);
    // every a in the window with a + o in the window
    typename TImage::IndexType a;
    std::vector<long>          lowA(D), highA(D);
    for (unsigned d = 0; d < D; ++d)
    {
      lowA[d] = centre[d] - r;
      highA[d] = centre[d] + r;
      a[d] = lowA[d];
    }
    for (;;)
    {
      bool inside = true;
      for (unsigned d = 0; d < D; ++d)
        inside = inside && a[d] + o[d] >= centre[d] - r && a[d] + o[d] <= centre[d] + r;
      if (inside)
      {
        const int i = level(a), j = level(a + o);
        ++g[i * L + j];
        if (filter->GetSymmetric())
          ++g[j * L + i];
      }
      unsigned d = 0;
      for (; d < D; ++d)
      {
        if (++a[d] <= highA[d])
          break;
        a[d] = lowA[d];
      }
      if (d == D)
        break;
    }
    glcms.push_back(g);
  }
  const auto features = [&](const std::vector<unsigned> & g) {
    double total = 0;
    for (auto c : g)
      total += c;
    double mi = 0, mj = 0;
    for (unsigned i = 0; i < L; ++i)
      for (unsigned j = 0; j < L; ++j)
      {
        mi += i * g[i * L + j] / total;
        mj += j * g[i * L + j] / total;
      }
    double vi = 0, vj = 0, cov = 0, con = 0, dis = 0, hom = 0, asm_ = 0, ent = 0, mx = 0;
    for (unsigned i = 0; i < L; ++i)
      for (unsigned j = 0; j < L; ++j)
      {
        const double p = g[i * L + j] / total;
        const double d = double(i) - double(j);
        vi += (i - mi) * (i - mi) * p;
        vj += (j - mj) * (j - mj) * p;
        cov += (i - mi) * (j - mj) * p;
        con += d * d * p;
        dis += std::abs(d) * p;
        hom += p / (1 + d * d);
        asm_ += p * p;
        if (p > 0)
          ent -= p * std::log(p);
        mx = std::max(mx, p);
      }
    const double s = std::sqrt(vi * vj);
    return std::vector<double>{ mi, vi, con, dis, hom, asm_, std::sqrt(asm_), ent, s < 1e-15 ? 1.0 : cov / s, mx };
  };
  std::vector<double> result(10, 0.0);
  if (filter->GetOffsetCombination() == TFilter::OffsetCombination::PooledHistogram)
  {
    std::vector<unsigned> pool(L * L, 0);
    for (const auto & g : glcms)
      for (unsigned b = 0; b < L * L; ++b)
        pool[b] += g[b];
    return features(pool);
  }
  for (const auto & g : glcms)
  {
    const auto f = features(g);
    for (int q = 0; q < 10; ++q)
      result[q] += f[q] / glcms.size();
  }
  return result;
}

using Image2 = itk::Image<float, 2>;
using Image3 = itk::Image<float, 3>;
using Vector2 = itk::VectorImage<float, 2>;
using Vector3 = itk::VectorImage<float, 3>;

template <typename TInput, typename TVector>
void
CheckAllFeatures(const typename TInput::SizeType & size, unsigned radius, bool symmetric, bool pooled, unsigned seed)
{
  using Filter = itk::GLCMMeanTextureFilter<TInput, TVector>;
  auto image = RandomImage<TInput>(size, seed);
  auto filter = Filter::New();
  filter->SetInput(image);
  filter->SetRadius(radius);
  filter->SetNumberOfLevels(6);
  filter->SetSymmetric(symmetric);
  filter->SetOffsetCombination(pooled ? Filter::OffsetCombination::PooledHistogram
                                      : Filter::OffsetCombination::AverageFeatures);
  std::vector<typename Filter::Feature> all;
  for (int q = 0; q < 10; ++q)
    all.push_back(static_cast<typename Filter::Feature>(q));
  filter->SetFeatures(all);
  filter->Update();
  double worst = 0.0;
  for (itk::ImageRegionConstIterator<TVector> it(filter->GetOutput(), filter->GetOutput()->GetLargestPossibleRegion());
       !it.IsAtEnd();
       ++it)
  {
    const auto expected = Oracle(filter.GetPointer(), image.GetPointer(), it.GetIndex());
    const auto value = it.Get();
    for (unsigned q = 0; q < 10; ++q)
      worst = std::max(worst, std::abs(value[q] - expected[q]) / std::max(1.0, std::abs(expected[q])));
  }
  EXPECT_LE(worst, 1e-5) << "radius " << radius << " symmetric " << symmetric << " pooled " << pooled;
}
} // namespace

TEST(GLCMMeanTextureFilter, DefaultOffsetsAreTheUnitDirections)
{
  const auto o2 = itk::GLCMMeanTextureFilter<Image2>::DefaultOffsets();
  ASSERT_EQ(o2.size(), 4u);
  EXPECT_EQ(o2[0], (itk::Offset<2>{ { 1, 0 } }));
  EXPECT_EQ(o2[1], (itk::Offset<2>{ { 1, 1 } }));
  EXPECT_EQ(o2[2], (itk::Offset<2>{ { 0, 1 } }));
  EXPECT_EQ(o2[3], (itk::Offset<2>{ { -1, 1 } }));
  EXPECT_EQ(itk::GLCMMeanTextureFilter<Image3>::DefaultOffsets().size(), 13u);
}

TEST(GLCMMeanTextureFilter, QuickMeanEqualsBruteForceEverywhere)
{
  for (bool symmetric : { true, false })
    for (bool pooled : { false, true })
    {
      using Filter = itk::GLCMMeanTextureFilter<Image2>;
      auto image = RandomImage<Image2>({ { 23, 17 } }, 3);
      auto filter = Filter::New();
      filter->SetInput(image);
      filter->SetSymmetric(symmetric);
      filter->SetOffsetCombination(pooled ? Filter::OffsetCombination::PooledHistogram
                                          : Filter::OffsetCombination::AverageFeatures);
      filter->Update();
      double worst = 0.0;
      for (itk::ImageRegionConstIterator<Image2> it(filter->GetOutput(), image->GetLargestPossibleRegion());
           !it.IsAtEnd();
           ++it)
        worst = std::max(worst, std::abs(it.Get() - Oracle(filter.GetPointer(), image.GetPointer(), it.GetIndex())[0]));
      EXPECT_LE(worst, 1e-6) << "symmetric " << symmetric << " pooled " << pooled;

      using Filter3 = itk::GLCMMeanTextureFilter<Image3>;
      auto volume = RandomImage<Image3>({ { 9, 8, 7 } }, 4);
      auto f3 = Filter3::New();
      f3->SetInput(volume);
      f3->SetRadius(1);
      f3->SetSymmetric(symmetric);
      f3->SetOffsetCombination(pooled ? Filter3::OffsetCombination::PooledHistogram
                                      : Filter3::OffsetCombination::AverageFeatures);
      f3->Update();
      worst = 0.0;
      for (itk::ImageRegionConstIterator<Image3> it(f3->GetOutput(), volume->GetLargestPossibleRegion()); !it.IsAtEnd();
           ++it)
        worst = std::max(worst, std::abs(it.Get() - Oracle(f3.GetPointer(), volume.GetPointer(), it.GetIndex())[0]));
      EXPECT_LE(worst, 1e-6) << "3D symmetric " << symmetric << " pooled " << pooled;

      // Offsets longer than one and a larger window: more impulses per axis in the separable form.
      filter->SetRadius(3);
      filter->SetOffsets({ itk::Offset<2>{ { 2, 0 } }, itk::Offset<2>{ { 1, -3 } }, itk::Offset<2>{ { 0, 1 } } });
      filter->Update();
      worst = 0.0;
      for (itk::ImageRegionConstIterator<Image2> it(filter->GetOutput(), image->GetLargestPossibleRegion());
           !it.IsAtEnd();
           ++it)
        worst = std::max(worst, std::abs(it.Get() - Oracle(filter.GetPointer(), image.GetPointer(), it.GetIndex())[0]));
      EXPECT_LE(worst, 1e-6) << "long offsets, symmetric " << symmetric << " pooled " << pooled;
      f3->SetRadius(2);
      f3->SetOffsets({ itk::Offset<3>{ { 2, -1, 0 } }, itk::Offset<3>{ { 0, 0, 3 } } });
      f3->Update();
      worst = 0.0;
      for (itk::ImageRegionConstIterator<Image3> it(f3->GetOutput(), volume->GetLargestPossibleRegion()); !it.IsAtEnd();
           ++it)
        worst = std::max(worst, std::abs(it.Get() - Oracle(f3.GetPointer(), volume.GetPointer(), it.GetIndex())[0]));
      EXPECT_LE(worst, 1e-6) << "3D long offsets, symmetric " << symmetric << " pooled " << pooled;
    }
}

TEST(GLCMQuickMean, DefaultOffsetsCostAtMostThreeTermsPerAxis)
{
  // The 13 unit offsets of a radius-2 window in 3D: {box, shift -r, shift +r} per axis.
  const long                 radius[3] = { 2, 2, 2 };
  itk::fusion::GLCMQuickMean mean(radius);
  for (const auto & o : itk::GLCMMeanTextureFilter<Image3>::DefaultOffsets())
  {
    long low[3], high[3];
    for (unsigned d = 0; d < 3; ++d)
    {
      low[d] = -2 + std::max<long>(0, -o[d]);
      high[d] = 2 - std::max<long>(0, o[d]);
    }
    mean.AddBox(low, high, 1.0);
  }
  EXPECT_GT(mean.NumberOfTerms(), 0u);
  EXPECT_LE(mean.NumberOfTerms(), 27u); // at most 3 x 3 x 3, whatever the radius
  const long outside[3] = { -3, -2, -2 }, inside[3] = { 2, 2, 2 };
  EXPECT_THROW(mean.AddBox(outside, inside, 1.0), itk::fusion::FusionError);
}

TEST(GLCMMeanTextureFilter, EveryFeatureEqualsBruteForce2DAnd3D)
{
  for (bool symmetric : { true, false })
    for (bool pooled : { false, true })
    {
      CheckAllFeatures<Image2, Vector2>({ { 19, 14 } }, 2, symmetric, pooled, 5);
      CheckAllFeatures<Image3, Vector3>({ { 8, 7, 6 } }, 1, symmetric, pooled, 6);
    }
}

TEST(GLCMMeanTextureFilter, StreamingEqualsTheWholeImage)
{
  for (auto backend : { itk::FusionEnums::Backend::CPU, itk::FusionEnums::Backend::EmulatedCUDA })
  {
    using Filter = itk::GLCMMeanTextureFilter<Image2, Vector2>;
    auto       image = RandomImage<Image2>({ { 40, 33 } }, 7);
    const auto make = [&] {
      auto f = Filter::New();
      f->SetBackend(backend);
      f->SetInput(image);
      f->SetQuantizationRange(-20.0, 80.0); // a fixed range lets the filter stream
      f->SetFeatures({ Filter::Feature::Mean, Filter::Feature::Contrast, Filter::Feature::Correlation });
      return f;
    };
    auto whole = make();
    whole->Update();
    auto streamed = make();
    auto streamer = itk::StreamingImageFilter<Vector2, Vector2>::New();
    streamer->SetInput(streamed->GetOutput());
    streamer->SetNumberOfStreamDivisions(6);
    streamer->Update();
    itk::ImageRegionConstIterator<Vector2> a(whole->GetOutput(), image->GetLargestPossibleRegion()),
      b(streamer->GetOutput(), image->GetLargestPossibleRegion());
    for (; !a.IsAtEnd(); ++a, ++b)
      for (unsigned q = 0; q < 3; ++q)
        ASSERT_EQ(a.Get()[q], b.Get()[q]) << a.GetIndex();
    // A sub-region request pads the input by radius + offset, not more.
    auto               part = make();
    Image2::RegionType sub({ { 10, 10 } }, { { 5, 4 } });
    part->GetOutput()->SetRequestedRegion(sub);
    part->Update();
    EXPECT_EQ(image->GetRequestedRegion(), Image2::RegionType({ { 7, 7 } }, { { 11, 10 } }));
    auto full = make();
    full->Update();
    for (itk::ImageRegionConstIterator<Vector2> it(part->GetOutput(), sub); !it.IsAtEnd(); ++it)
      for (unsigned q = 0; q < 3; ++q)
        ASSERT_EQ(it.Get()[q], full->GetOutput()->GetPixel(it.GetIndex())[q]) << it.GetIndex();
  }
}

TEST(GLCMMeanTextureFilter, ConstantImageHasDefinedFeatures)
{
  using Filter = itk::GLCMMeanTextureFilter<Image2, Vector2>;
  auto image = Image2::New();
  image->SetRegions(Image2::SizeType{ { 9, 9 } });
  image->Allocate();
  image->FillBuffer(3.0f);
  auto filter = Filter::New();
  filter->SetInput(image);
  std::vector<Filter::Feature> all;
  for (int q = 0; q < 10; ++q)
    all.push_back(static_cast<Filter::Feature>(q));
  filter->SetFeatures(all);
  filter->Update();
  const auto   v = filter->GetOutput()->GetPixel({ { 4, 4 } });
  const double expected[10] = { 0, 0, 0, 0, 1, 1, 1, 0, 1, 1 }; // one level: P(0,0) = 1
  for (unsigned q = 0; q < 10; ++q)
    EXPECT_DOUBLE_EQ(v[q], expected[q]) << Filter::FeatureName(static_cast<Filter::Feature>(q));
}

TEST(GLCMMeanTextureFilter, BadInputThrowsClearErrors)
{
  using Filter = itk::GLCMMeanTextureFilter<Image2>;
  auto       image = RandomImage<Image2>({ { 9, 9 } }, 8);
  const auto expectThrow = [&](const std::function<void(Filter *)> & set, const std::string & words) {
    auto f = Filter::New();
    f->SetInput(image);
    set(f);
    try
    {
      f->Update();
      ADD_FAILURE() << "no exception; expected: " << words;
    }
    catch (const itk::ExceptionObject & e)
    {
      EXPECT_NE(std::string(e.GetDescription()).find(words), std::string::npos) << e.GetDescription();
    }
  };
  expectThrow([](Filter * f) { f->SetNumberOfLevels(1); }, "NumberOfLevels must be 2 .. 256");
  expectThrow([](Filter * f) { f->SetRadius(0); }, "Radius must be at least 1");
  expectThrow(
    [](Filter * f) {
      f->SetFeatures({ Filter::Feature::Mean, Filter::Feature::ASM });
    },
    "need a VectorImage");
  expectThrow([](Filter * f) { f->SetOffsets({ itk::Offset<2>{ { 5, 0 } } }); }, "reaches beyond a window");
  EXPECT_THROW(Filter::FeatureFromString("smoothness"), itk::ExceptionObject);
  EXPECT_THROW(Filter::New()->SetQuantizationRange(2.0, 1.0), itk::ExceptionObject);
  auto nan = RandomImage<Image2>({ { 9, 9 } }, 8);
  nan->SetPixel({ { 3, 3 } }, std::nanf(""));
  auto f = Filter::New();
  f->SetInput(nan);
  EXPECT_THROW(f->Update(), itk::ExceptionObject);
}

TEST(GLCMMeanTextureFilter, PrintSelfPrintsEveryMember)
{
  auto               f = itk::GLCMMeanTextureFilter<Image2>::New();
  std::ostringstream s;
  f->Print(s);
  for (const char * expected : { "Radius: 2",
                                 "NumberOfLevels: 8",
                                 "Symmetric: On",
                                 "OffsetCombination: AverageFeatures",
                                 "AutomaticQuantizationRange: On",
                                 "QuantizationMinimum:",
                                 "QuantizationMaximum:",
                                 "Offsets: [1, 0] [1, 1] [0, 1] [-1, 1]",
                                 "Features: mean",
                                 "Backend: itk::FusionEnums::Backend::Auto",
                                 "LastUsedBackend:" })
    EXPECT_NE(s.str().find(expected), std::string::npos) << expected << "\n" << s.str();
}

TEST(GLCMMeanTextureFilter, EmulatedKernelEqualsCpuPath2DAnd3D)
{
  const auto compare = [](auto image, unsigned radius, bool symmetric, bool pooled) {
    using InputType = typename std::remove_pointer_t<decltype(image.GetPointer())>;
    constexpr unsigned D = InputType::ImageDimension;
    using VectorType = itk::VectorImage<float, D>;
    using Filter = itk::GLCMMeanTextureFilter<InputType, VectorType>;
    std::vector<typename Filter::Feature> all;
    for (int q = 0; q < 10; ++q)
      all.push_back(static_cast<typename Filter::Feature>(q));
    typename Filter::Pointer        f[2];
    const itk::FusionEnums::Backend backends[2] = { itk::FusionEnums::Backend::CPU,
                                                    itk::FusionEnums::Backend::EmulatedCUDA };
    for (int b = 0; b < 2; ++b)
    {
      f[b] = Filter::New();
      f[b]->SetInput(image);
      f[b]->SetRadius(radius);
      f[b]->SetSymmetric(symmetric);
      f[b]->SetOffsetCombination(pooled ? Filter::OffsetCombination::PooledHistogram
                                        : Filter::OffsetCombination::AverageFeatures);
      f[b]->SetFeatures(all);
      f[b]->SetBackend(backends[b]);
      f[b]->Update();
      EXPECT_EQ(f[b]->GetLastUsedBackend(), backends[b]);
    }
    double                                    worst = 0.0;
    itk::ImageRegionConstIterator<VectorType> a(f[0]->GetOutput(), image->GetLargestPossibleRegion()),
      e(f[1]->GetOutput(), image->GetLargestPossibleRegion());
    for (; !a.IsAtEnd(); ++a, ++e)
      for (unsigned q = 0; q < 10; ++q)
        worst = std::max(worst,
                         static_cast<double>(std::abs(a.Get()[q] - e.Get()[q]) / std::max(1.0f, std::abs(a.Get()[q]))));
    EXPECT_LE(worst, 1e-5) << D << "D symmetric " << symmetric << " pooled " << pooled;
  };
  for (bool symmetric : { true, false })
    for (bool pooled : { false, true })
    {
      compare(RandomImage<Image2>({ { 21, 16 } }, 9), 2, symmetric, pooled);
      compare(RandomImage<Image3>({ { 9, 8, 7 } }, 10), 1, symmetric, pooled);
    }
  // The kernel keeps its counters in shared memory: more than 16 levels run on the CPU only.
  auto f = itk::GLCMMeanTextureFilter<Image2>::New();
  f->SetInput(RandomImage<Image2>({ { 9, 9 } }, 11));
  f->SetNumberOfLevels(32);
  f->SetBackend(itk::FusionEnums::Backend::EmulatedCUDA);
  EXPECT_THROW(f->Update(), itk::ExceptionObject);
  f->SetBackend(itk::FusionEnums::Backend::Auto);
  EXPECT_NO_THROW(f->Update());
  EXPECT_EQ(f->GetLastUsedBackend(), itk::FusionEnums::Backend::CPU);
}
