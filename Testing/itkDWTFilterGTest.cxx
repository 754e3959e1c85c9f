/*
 * DWTDecomposeFilter / DWTReconstructFilter: physical space of the bands, exact round trip with
 * odd sizes and metadata, emulated CUDA equal to the CPU path, requested regions, bad input.
 * (Equality with PyWavelets: Testing/Python/test_dwt_pywt.py.)
 */
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <sstream>

namespace
{
using Backend = itk::FusionEnums::Backend;
using Mode = itk::fusion::WaveletMode;

template <typename TImage>
typename TImage::Pointer
MakeImage(const typename TImage::SizeType & size, unsigned seed)
{
  auto                       image = TImage::New();
  typename TImage::IndexType index;
  index.Fill(3); // a non-zero start index
  image->SetRegions(typename TImage::RegionType(index, size));
  typename TImage::SpacingType spacing;
  typename TImage::PointType   origin;
  for (unsigned d = 0; d < TImage::ImageDimension; ++d)
  {
    spacing[d] = 0.8 + 0.45 * d;
    origin[d] = 10.0 - 7.5 * d;
  }
  typename TImage::DirectionType direction;
  direction.SetIdentity();
  const double a = 0.3;
  direction(0, 0) = std::cos(a);
  direction(0, 1) = -std::sin(a);
  direction(1, 0) = std::sin(a);
  direction(1, 1) = std::cos(a);
  image->SetSpacing(spacing);
  image->SetOrigin(origin);
  image->SetDirection(direction);
  image->Allocate();
  std::mt19937                     rng(seed);
  std::normal_distribution<double> n(5.0, 3.0);
  for (itk::ImageRegionIterator<TImage> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    it.Set(static_cast<typename TImage::PixelType>(n(rng)));
  return image;
}

template <typename TA, typename TB>
double
MaxDifference(const TA * a, const TB * b)
{
  EXPECT_EQ(a->GetLargestPossibleRegion().GetSize(), b->GetLargestPossibleRegion().GetSize());
  double                            worst = 0.0;
  itk::ImageRegionConstIterator<TA> ia(a, a->GetLargestPossibleRegion());
  itk::ImageRegionConstIterator<TB> ib(b, b->GetLargestPossibleRegion());
  for (; !ia.IsAtEnd() && !ib.IsAtEnd(); ++ia, ++ib)
    worst = std::max(worst, std::abs(static_cast<double>(ia.Get()) - static_cast<double>(ib.Get())));
  return worst;
}

template <typename TImage>
double
MaxAbs(const TImage * image)
{
  double m = 0.0;
  for (itk::ImageRegionConstIterator<TImage> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
    m = std::max(m, std::abs(static_cast<double>(it.Get())));
  return m;
}

template <typename TImage>
typename itk::DWTReconstructFilter<TImage, TImage>::Pointer
ReconstructFrom(itk::DWTDecomposeFilter<TImage, TImage> * decompose, const TImage * reference, Backend backend)
{
  auto reconstruct = itk::DWTReconstructFilter<TImage, TImage>::New();
  for (unsigned i = 0; i < decompose->GetNumberOfIndexedOutputs(); ++i)
    reconstruct->SetInput(i, decompose->GetOutput(i));
  reconstruct->SetWavelet(decompose->GetWavelet());
  reconstruct->SetMode(decompose->GetMode());
  reconstruct->SetLevels(decompose->GetLevels());
  reconstruct->SetBackend(backend);
  if (reference)
    reconstruct->SetReferenceImage(reference);
  return reconstruct;
}
using Image2 = itk::Image<float, 2>;
using Image3 = itk::Image<float, 3>;
} // namespace

TEST(DWTDecomposeFilter, BandsHaveDocumentedNamesSizesAndGeometry)
{
  auto image = MakeImage<Image3>({ { 23, 18, 11 } }, 1);
  auto dwt = itk::DWTDecomposeFilter<Image3, Image3>::New();
  dwt->SetInput(image);
  dwt->SetWavelet("db2");
  dwt->SetLevels(2);
  dwt->Update();
  EXPECT_EQ(dwt->GetNumberOfIndexedOutputs(), 1u + 2u * 7u);
  EXPECT_EQ(dwt->GetOutputName(0), "2_LLL");
  EXPECT_EQ(dwt->GetOutputName(1), "1_HLL");
  EXPECT_EQ(dwt->GetOutputName(7), "1_HHH");
  EXPECT_EQ(dwt->GetOutputName(8), "2_HLL");
  EXPECT_EQ(dwt->GetBand(2, "LHL"), dwt->GetOutput(dwt->GetOutputIndex(2, 2)));
  EXPECT_EQ(dwt->GetBand(2, "LLL"), dwt->GetApproximation());
  // db2: F = 4, m = floor((n + 3) / 2); c = (3 - F) / 2 = -0.5.
  const auto * band = dwt->GetBand(1, "HHL");
  EXPECT_EQ(band->GetLargestPossibleRegion().GetSize(), (Image3::SizeType{ { 13, 10, 7 } }));
  EXPECT_EQ(band->GetLargestPossibleRegion().GetIndex(), (Image3::IndexType{ { 0, 0, 0 } }));
  EXPECT_EQ(dwt->GetApproximation()->GetLargestPossibleRegion().GetSize(), (Image3::SizeType{ { 8, 6, 5 } }));
  for (unsigned d = 0; d < 3; ++d)
  {
    EXPECT_DOUBLE_EQ(band->GetSpacing()[d], 2 * image->GetSpacing()[d]);
    EXPECT_DOUBLE_EQ(dwt->GetApproximation()->GetSpacing()[d], 4 * image->GetSpacing()[d]);
  }
  EXPECT_EQ(band->GetDirection(), image->GetDirection());
  // The first coefficient sits at the centre of its filter support: c = -0.5 samples from the
  // first pixel (index 3 here) of the input.
  itk::ContinuousIndex<double, 3> centre;
  centre.Fill(3 - 0.5);
  Image3::PointType expected;
  image->TransformContinuousIndexToPhysicalPoint(centre, expected);
  for (unsigned d = 0; d < 3; ++d)
    EXPECT_NEAR(band->GetOrigin()[d], expected[d], 1e-9) << d;
}

TEST(DWTReconstructFilter, RoundTripRestoresOddSizesAndMetadata)
{
  for (const char * wavelet : { "haar", "db3", "sym4", "bior2.4", "coif1" })
    for (Mode mode : { Mode::Symmetric, Mode::Periodization, Mode::Zero, Mode::Antireflect })
    {
      auto image = MakeImage<Image3>({ { 21, 16, 9 } }, 2);
      auto dwt = itk::DWTDecomposeFilter<Image3, Image3>::New();
      dwt->SetInput(image);
      dwt->SetWavelet(wavelet);
      dwt->SetMode(mode);
      dwt->SetLevels(2);
      dwt->Update();
      auto idwt = ReconstructFrom<Image3>(dwt, image, Backend::CPU);
      idwt->Update();
      const Image3 * out = idwt->GetOutput();
      EXPECT_EQ(out->GetLargestPossibleRegion(), image->GetLargestPossibleRegion());
      EXPECT_EQ(out->GetSpacing(), image->GetSpacing());
      EXPECT_EQ(out->GetOrigin(), image->GetOrigin());
      EXPECT_EQ(out->GetDirection(), image->GetDirection());
      EXPECT_LE(MaxDifference(out, image.GetPointer()), 1e-5 * 15) << wavelet << " " << static_cast<int>(mode);
    }
}

TEST(DWTReconstructFilter, WithoutReferenceFollowsPyWaveletsAndInvertsTheGeometry)
{
  auto image = MakeImage<Image2>({ { 20, 14 } }, 3);
  image->SetRegions(Image2::SizeType{ { 20, 14 } }); // start index 0
  image->Allocate();
  image->FillBuffer(1.0f);
  auto dwt = itk::DWTDecomposeFilter<Image2, Image2>::New();
  dwt->SetInput(image);
  dwt->SetWavelet("db2");
  dwt->SetLevels(1);
  dwt->Update();
  auto idwt = ReconstructFrom<Image2>(dwt, nullptr, Backend::CPU);
  idwt->Update();
  // Even sizes: 2m - F + 2 = the original size; the geometry is the original one.
  EXPECT_EQ(idwt->GetOutput()->GetLargestPossibleRegion().GetSize(), image->GetLargestPossibleRegion().GetSize());
  for (unsigned d = 0; d < 2; ++d)
  {
    EXPECT_NEAR(idwt->GetOutput()->GetOrigin()[d], image->GetOrigin()[d], 1e-9);
    EXPECT_NEAR(idwt->GetOutput()->GetSpacing()[d], image->GetSpacing()[d], 1e-12);
  }
  EXPECT_LE(MaxDifference(idwt->GetOutput(), image.GetPointer()), 1e-5);
}

TEST(DWTDecomposeFilter, EmulatedKernelsEqualCpuPath)
{
  // Well-conditioned modes (smooth extrapolation far past the signal amplifies float rounding; the
  // PyWavelets cross-check covers it with PyWavelets' own float32 error as the bound).
  for (Mode mode : { Mode::Symmetric, Mode::Periodization, Mode::Antisymmetric, Mode::Reflect })
  {
    auto                                             image = MakeImage<Image3>({ { 19, 12, 7 } }, 4);
    itk::DWTDecomposeFilter<Image3, Image3>::Pointer dwt[2];
    const Backend                                    backends[2] = { Backend::CPU, Backend::EmulatedCUDA };
    for (int b = 0; b < 2; ++b)
    {
      dwt[b] = itk::DWTDecomposeFilter<Image3, Image3>::New();
      dwt[b]->SetInput(image);
      dwt[b]->SetWavelet("sym3");
      dwt[b]->SetMode(mode);
      dwt[b]->SetLevels(2);
      dwt[b]->SetBackend(backends[b]);
      dwt[b]->Update();
      EXPECT_EQ(dwt[b]->GetLastUsedBackend(), backends[b]);
    }
    for (unsigned i = 0; i < dwt[0]->GetNumberOfIndexedOutputs(); ++i)
      EXPECT_LE(MaxDifference(dwt[0]->GetOutput(i), dwt[1]->GetOutput(i)), 1e-5 * MaxAbs(dwt[0]->GetOutput(i)))
        << dwt[0]->GetOutputName(i);
    auto cpu = ReconstructFrom<Image3>(dwt[0], image, Backend::CPU);
    auto emu = ReconstructFrom<Image3>(dwt[0], image, Backend::EmulatedCUDA);
    cpu->Update();
    emu->Update();
    EXPECT_EQ(emu->GetLastUsedBackend(), Backend::EmulatedCUDA);
    EXPECT_LE(MaxDifference(cpu->GetOutput(), emu->GetOutput()), 1e-5 * MaxAbs(image.GetPointer()));
  }
}

TEST(DWTDecomposeFilter, RequestingPartOfOneBandGivesTheWholeResult)
{
  auto image = MakeImage<Image2>({ { 33, 27 } }, 5);
  auto whole = itk::DWTDecomposeFilter<Image2, Image2>::New();
  whole->SetInput(image);
  whole->SetWavelet("db4");
  whole->SetLevels(2);
  whole->Update();
  auto part = itk::DWTDecomposeFilter<Image2, Image2>::New();
  part->SetInput(image);
  part->SetWavelet("db4");
  part->SetLevels(2);
  auto *             band = part->GetBand(1, "HL");
  Image2::RegionType sub({ { 2, 3 } }, { { 5, 4 } });
  part->UpdateOutputInformation();
  band->SetRequestedRegion(sub);
  band->Update();
  // The input was requested whole and every band computed whole: sub-region values equal the whole result.
  EXPECT_EQ(image->GetRequestedRegion(), image->GetLargestPossibleRegion());
  for (unsigned i = 0; i < whole->GetNumberOfIndexedOutputs(); ++i)
  {
    EXPECT_EQ(part->GetOutput(i)->GetBufferedRegion(), whole->GetOutput(i)->GetLargestPossibleRegion());
    EXPECT_EQ(MaxDifference(part->GetOutput(i), whole->GetOutput(i)), 0.0) << i;
  }
}

TEST(DWTDecomposeFilter, BadInputThrowsClearErrors)
{
  auto dwt = itk::DWTDecomposeFilter<Image2, Image2>::New();
  try
  {
    dwt->SetWavelet("db99");
    ADD_FAILURE() << "unknown wavelet accepted";
  }
  catch (const itk::ExceptionObject & e)
  {
    const std::string m = e.GetDescription();
    for (const char * family : { "haar", "db1-db38", "sym2-sym20", "coif1-coif17", "bior", "rbio", "dmey" })
      EXPECT_NE(m.find(family), std::string::npos) << m;
  }
  EXPECT_THROW(itk::fusion::WaveletModeFromString("mirror"), itk::ExceptionObject);

  // Too many levels: a warning like PyWavelets by default, an exception when strict.
  auto small = MakeImage<Image2>({ { 12, 10 } }, 6);
  dwt->SetInput(small);
  dwt->SetWavelet("db4"); // F = 8: dwt_max_level(10, 8) = 0
  dwt->SetLevels(2);
  EXPECT_NO_THROW(dwt->Update());
  dwt->StrictMaximumLevelOn();
  try
  {
    dwt->Update();
    ADD_FAILURE() << "strict maximum level did not throw";
  }
  catch (const itk::ExceptionObject & e)
  {
    EXPECT_NE(std::string(e.GetDescription()).find("dwt_max_level = 0"), std::string::npos) << e.GetDescription();
  }
  EXPECT_EQ(itk::fusion::DWTMaxLevel(512, 8), 6u); // pywt.dwt_max_level(512, 8)
  EXPECT_EQ(itk::fusion::DWTMaxLevel(6, 8), 0u);

  // NaN input.
  auto nan = MakeImage<Image2>({ { 12, 10 } }, 6);
  nan->SetPixel({ { 5, 6 } }, std::nanf(""));
  auto d2 = itk::DWTDecomposeFilter<Image2, Image2>::New();
  d2->SetInput(nan);
  EXPECT_THROW(d2->Update(), itk::ExceptionObject);

  // Unsupported dimension on the kernels: 4D runs on the CPU only.
  using Image4 = itk::Image<float, 4>;
  auto four = Image4::New();
  four->SetRegions(Image4::SizeType{ { 6, 5, 4, 3 } });
  four->Allocate(true);
  auto d4 = itk::DWTDecomposeFilter<Image4, Image4>::New();
  d4->SetInput(four);
  d4->SetBackend(Backend::EmulatedCUDA);
  EXPECT_THROW(d4->Update(), itk::ExceptionObject);
  d4->SetBackend(Backend::CPU);
  EXPECT_NO_THROW(d4->Update());
  EXPECT_EQ(d4->GetNumberOfIndexedOutputs(), 16u);
}

TEST(DWTReconstructFilter, MissingOrWrongBandsThrowNamingTheBand)
{
  auto image = MakeImage<Image2>({ { 16, 12 } }, 7);
  auto dwt = itk::DWTDecomposeFilter<Image2, Image2>::New();
  dwt->SetInput(image);
  dwt->SetLevels(2);
  dwt->Update();
  auto idwt = ReconstructFrom<Image2>(dwt, image, Backend::CPU);
  idwt->SetBand(2, "HH", nullptr);
  try
  {
    idwt->Update();
    ADD_FAILURE() << "a missing band was accepted";
  }
  catch (const itk::ExceptionObject & e)
  {
    EXPECT_NE(std::string(e.GetDescription()).find("band HH of level 2"), std::string::npos) << e.GetDescription();
  }
  idwt->SetBand(2, "HH", dwt->GetBand(1, "HH")); // a level-1 band where a level-2 one belongs
  try
  {
    idwt->Update();
    ADD_FAILURE() << "a band of the wrong size was accepted";
  }
  catch (const itk::ExceptionObject & e)
  {
    EXPECT_NE(std::string(e.GetDescription()).find("band HH of level 2 has size"), std::string::npos)
      << e.GetDescription();
  }
}

TEST(DWTFilters, PrintSelfPrintsEveryMember)
{
  auto dwt = itk::DWTDecomposeFilter<Image2, Image2>::New();
  dwt->SetWavelet("sym7");
  dwt->SetLevels(3);
  dwt->SetMode(Mode::Antisymmetric);
  std::ostringstream s;
  dwt->Print(s);
  for (const char * expected : { "Wavelet: sym7",
                                 "Levels: 3",
                                 "Mode: antisymmetric",
                                 "StrictMaximumLevel: Off",
                                 "Backend: itk::FusionEnums::Backend::Auto",
                                 "LastUsedBackend:" })
    EXPECT_NE(s.str().find(expected), std::string::npos) << expected;
  auto idwt = itk::DWTReconstructFilter<Image2, Image2>::New();
  idwt->SetWavelet("bior1.3");
  std::ostringstream t;
  idwt->Print(t);
  for (const char * expected :
       { "Wavelet: bior1.3", "Levels: 1", "Mode: symmetric", "Backend:", "LastUsedBackend:", "ReferenceImage:" })
    EXPECT_NE(t.str().find(expected), std::string::npos) << expected;
}
