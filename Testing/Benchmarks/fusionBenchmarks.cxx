/*
 * Speed of the module's filters, per backend. Not pass/fail: scripts/benchmark.sh prints the table.
 * Argument: the phantom size N (2D: N x N; 3D: N x N x 5N/8, the phantom's own shape).
 */
#include "itkConvFeatureFilter.h"
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkFusionMetricsCalculator.h"
#include "itkTDFIFFusionFilter.h"
#include "itkGLCMMeanTextureFilter.h"
#include "itkHeadPhantom.h"
#include "itkImageRegionIterator.h"
#include "itkWeightedFusionFilter.h"

#include <benchmark/benchmark.h>

#include <cmath>
#include <map>

namespace
{
using Backend = itk::FusionEnums::Backend;

template <unsigned D>
typename itk::Image<float, D>::Pointer
Phantom(itk::fusion::PhantomModality m, unsigned n)
{
  static std::map<std::pair<int, unsigned>, typename itk::Image<float, D>::Pointer> cache;
  auto & image = cache[{ static_cast<int>(m), n }];
  if (!image)
  {
    itk::fusion::HeadPhantomOptions o;
    o.size = n;
    image = itk::fusion::MakeHeadPhantom<D>(m, o);
  }
  return image;
}

template <unsigned D, Backend B>
void
WeightedFusionActivity(benchmark::State & state)
{
  const unsigned n = static_cast<unsigned>(state.range(0));
  auto           mri = Phantom<D>(itk::fusion::PhantomModality::MRI, n);
  auto           pet = Phantom<D>(itk::fusion::PhantomModality::PET, n);
  auto           filter = itk::WeightedFusionFilter<itk::Image<float, D>>::New();
  filter->SetSource(0, mri);
  filter->SetSource(1, pet);
  filter->SetActivityImage(0, mri);
  filter->SetActivityImage(1, pet);
  filter->SetBackend(B);
  for (auto _ : state)
  {
    filter->Modified();
    filter->Update();
  }
  state.SetItemsProcessed(state.iterations() * mri->GetLargestPossibleRegion().GetNumberOfPixels());
  state.SetLabel(itk::fusion::BackendName(B));
}
} // namespace

/* DWT: one level, symmetric mode, of an N^D image of random values (scripts/benchmark_dwt.py runs
 * these beside PyWavelets). Argument: N. */
template <unsigned D>
typename itk::Image<float, D>::Pointer
NoiseImage(unsigned n)
{
  auto                                    image = itk::Image<float, D>::New();
  typename itk::Image<float, D>::SizeType size;
  size.Fill(n);
  image->SetRegions(size);
  image->Allocate();
  unsigned state = 12345u;
  for (itk::ImageRegionIterator<itk::Image<float, D>> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    state = state * 1664525u + 1013904223u;
    it.Set(static_cast<float>(state >> 8) / 16777216.0f);
  }
  return image;
}

template <unsigned D, Backend B>
void
DWTDecomposeImage(benchmark::State & state, const char * wavelet)
{
  using ImageType = itk::Image<float, D>;
  auto image = NoiseImage<D>(static_cast<unsigned>(state.range(0)));
  auto dwt = itk::DWTDecomposeFilter<ImageType, ImageType>::New();
  dwt->SetInput(image);
  dwt->SetWavelet(wavelet);
  dwt->SetBackend(B);
  for (auto _ : state)
  {
    dwt->Modified();
    dwt->Update();
  }
  state.SetItemsProcessed(state.iterations() * image->GetLargestPossibleRegion().GetNumberOfPixels());
  state.SetLabel(itk::fusion::BackendName(B));
}

template <unsigned D, Backend B>
void
DWTReconstructImage(benchmark::State & state, const char * wavelet)
{
  using ImageType = itk::Image<float, D>;
  auto image = NoiseImage<D>(static_cast<unsigned>(state.range(0)));
  auto dwt = itk::DWTDecomposeFilter<ImageType, ImageType>::New();
  dwt->SetInput(image);
  dwt->SetWavelet(wavelet);
  dwt->Update();
  auto idwt = itk::DWTReconstructFilter<ImageType, ImageType>::New();
  for (unsigned i = 0; i < dwt->GetNumberOfIndexedOutputs(); ++i)
    idwt->SetInput(i, dwt->GetOutput(i));
  idwt->SetWavelet(wavelet);
  idwt->SetReferenceImage(image);
  idwt->SetBackend(B);
  for (auto _ : state)
  {
    idwt->Modified();
    idwt->Update();
  }
  state.SetItemsProcessed(state.iterations() * image->GetLargestPossibleRegion().GetNumberOfPixels());
  state.SetLabel(itk::fusion::BackendName(B));
}

// Named wrappers: BENCHMARK_CAPTURE takes a plain function name.
void
DWTDecompose2D(benchmark::State & s, const char * w)
{
  DWTDecomposeImage<2, Backend::CPU>(s, w);
}
void
DWTDecompose3D(benchmark::State & s, const char * w)
{
  DWTDecomposeImage<3, Backend::CPU>(s, w);
}
void
DWTReconstruct2D(benchmark::State & s, const char * w)
{
  DWTReconstructImage<2, Backend::CPU>(s, w);
}
void
DWTReconstruct3D(benchmark::State & s, const char * w)
{
  DWTReconstructImage<3, Backend::CPU>(s, w);
}
void
DWTDecompose2DEmulated(benchmark::State & s, const char * w)
{
  DWTDecomposeImage<2, Backend::EmulatedCUDA>(s, w);
}

BENCHMARK_CAPTURE(DWTDecompose2D, haar, "haar")->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DWTDecompose2D, db4, "db4")->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DWTDecompose3D, haar, "haar")->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DWTDecompose3D, db4, "db4")->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DWTReconstruct2D, haar, "haar")->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DWTReconstruct2D, db4, "db4")->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DWTReconstruct3D, haar, "haar")->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DWTReconstruct3D, db4, "db4")->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(DWTDecompose2DEmulated, db4, "db4")->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);

/* GLCM texture of an N^D noise image, radius 2, 8 levels, default offsets (CPU backend):
 * the quick GLCM mean alone, or all ten features (scripts/benchmark_glcm.py runs these beside
 * SciPy and scikit-image). Argument: N. */
template <unsigned D, typename TOutput>
void
GLCMTexture(benchmark::State & state, bool allFeatures)
{
  using ImageType = itk::Image<float, D>;
  using Filter = itk::GLCMMeanTextureFilter<ImageType, TOutput>;
  auto image = NoiseImage<D>(static_cast<unsigned>(state.range(0)));
  auto filter = Filter::New();
  filter->SetInput(image);
  filter->SetBackend(Backend::CPU);
  std::vector<typename Filter::Feature> features{ Filter::Feature::Mean };
  if (allFeatures)
    for (int q = 1; q < 10; ++q)
      features.push_back(static_cast<typename Filter::Feature>(q));
  filter->SetFeatures(features);
  for (auto _ : state)
  {
    filter->Modified();
    filter->Update();
  }
  state.SetItemsProcessed(state.iterations() * image->GetLargestPossibleRegion().GetNumberOfPixels());
}
void
GLCMMean2D(benchmark::State & s)
{
  GLCMTexture<2, itk::Image<float, 2>>(s, false);
}
void
GLCMMean3D(benchmark::State & s)
{
  GLCMTexture<3, itk::Image<float, 3>>(s, false);
}
void
GLCMAll2D(benchmark::State & s)
{
  GLCMTexture<2, itk::VectorImage<float, 2>>(s, true);
}
void
GLCMAll3D(benchmark::State & s)
{
  GLCMTexture<3, itk::VectorImage<float, 3>>(s, true);
}
BENCHMARK(GLCMMean2D)->Arg(64)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(GLCMMean3D)->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK(GLCMAll2D)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK(GLCMAll3D)->Arg(128)->Unit(benchmark::kMillisecond)->Iterations(1);

/* The TDFIF encoder and its channel mean (the activity map) on N x N noise, or slice by slice on
 * N^3 (scripts/benchmark_features.py runs these beside PyTorch). Argument: N. */
template <unsigned D>
void
TDFIFActivity(benchmark::State & state)
{
  using ImageType = itk::Image<float, D>;
  auto image = NoiseImage<D>(static_cast<unsigned>(state.range(0)));
  auto filter = itk::ConvFeatureFilter<ImageType>::New();
  filter->SetInput(image);
  filter->SetBackend(Backend::CPU);
  if (D == 3)
    filter->SetSliceAxis(2);
  for (auto _ : state)
  {
    filter->Modified();
    filter->Update();
  }
  state.SetItemsProcessed(state.iterations() * image->GetLargestPossibleRegion().GetNumberOfPixels());
}
BENCHMARK_TEMPLATE(TDFIFActivity, 2)->Arg(256)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(TDFIFActivity, 3)->Arg(128)->Unit(benchmark::kMillisecond);

BENCHMARK_TEMPLATE(WeightedFusionActivity, 2, Backend::CPU)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(WeightedFusionActivity, 2, Backend::EmulatedCUDA)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(WeightedFusionActivity, 3, Backend::CPU)->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(WeightedFusionActivity, 3, Backend::EmulatedCUDA)->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();

/* The fusion metrics (scripts/benchmark_metrics.py). Images: N^D smooth patterns with noise on
 * 0..255, two sources and their mean as the fused image. */
template <unsigned D>
typename itk::Image<float, D>::Pointer
SmoothImage(unsigned n, unsigned seed)
{
  auto                                    image = itk::Image<float, D>::New();
  typename itk::Image<float, D>::SizeType size;
  size.Fill(n);
  image->SetRegions(size);
  image->Allocate();
  unsigned state = seed;
  for (itk::ImageRegionIterator<itk::Image<float, D>> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    state = state * 1664525u + 1013904223u;
    const auto i = it.GetIndex();
    double     v = 0.5 + 0.2 * std::sin(0.11 * (seed % 7 + 1) * i[0]) + 0.2 * std::cos(0.07 * (seed % 5 + 1) * i[1]);
    if (D == 3)
      v += 0.05 * std::sin(0.13 * i[D - 1]);
    it.Set(static_cast<float>(std::round(255.0 * std::min(1.0, std::max(0.0, v + 0.05 * (state >> 8) / 16777216.0)))));
  }
  return image;
}

/* A whole preset (FMI off), through the calculator. Argument: N. */
template <unsigned D, Backend B>
void
FusionMetricsPreset(benchmark::State & state, const char * preset)
{
  using ImageType = itk::Image<float, D>;
  const unsigned n = static_cast<unsigned>(state.range(0));
  auto           a = SmoothImage<D>(n, 1), b = SmoothImage<D>(n, 2), f = ImageType::New();
  f->SetRegions(a->GetLargestPossibleRegion());
  f->Allocate();
  for (itk::ImageRegionIterator<ImageType> i(a, a->GetLargestPossibleRegion()),
       j(b, b->GetLargestPossibleRegion()),
       k(f, f->GetLargestPossibleRegion());
       !i.IsAtEnd();
       ++i, ++j, ++k)
    k.Set(std::round(0.5f * (i.Get() + j.Get())));
  auto calculator = itk::FusionMetricsCalculator<ImageType>::New();
  calculator->AddSource(a);
  calculator->AddSource(b);
  calculator->SetFusedImage(f);
  calculator->SetIntensityRange(0, 255);
  calculator->SetBackend(B);
  calculator->SetPreset(preset);
  for (auto _ : state)
    calculator->Compute();
}
void
FusionMetrics2D(benchmark::State & s, const char * p)
{
  FusionMetricsPreset<2, Backend::CPU>(s, p);
}
void
FusionMetrics3D(benchmark::State & s, const char * p)
{
  FusionMetricsPreset<3, Backend::CPU>(s, p);
}
BENCHMARK_CAPTURE(FusionMetrics2D, standard, "standard")->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(FusionMetrics2D, cddfuse, "cddfuse")->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(FusionMetrics2D, vifb, "vifb")->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(FusionMetrics2D, seed, "seed")->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(FusionMetrics3D, standard, "standard")->Arg(128)->Unit(benchmark::kMillisecond);

/* SSIM alone (Wang: 11^D Gaussian, L = 255), as scikit-image's structural_similarity. Argument: N. */
template <unsigned D>
void
FusionSSIM(benchmark::State & state)
{
  const unsigned              n = static_cast<unsigned>(state.range(0));
  auto                        a = SmoothImage<D>(n, 1), b = SmoothImage<D>(n, 2);
  const std::vector<double>   x(a->GetBufferPointer(),
                              a->GetBufferPointer() + a->GetLargestPossibleRegion().GetNumberOfPixels());
  const std::vector<double>   y(b->GetBufferPointer(), b->GetBufferPointer() + x.size());
  const std::array<size_t, 3> size{ { n, n, D == 3 ? n : 1u } };
  for (auto _ : state)
    benchmark::DoNotOptimize(itk::fusion::StructuralSimilarity(x.data(), y.data(), size, D));
}
BENCHMARK_TEMPLATE(FusionSSIM, 2)->Arg(256)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(FusionSSIM, 3)->Arg(128)->Unit(benchmark::kMillisecond);

/* TDFIF fusion of the phantom's MRI and PET (scripts/benchmark_fusion.py). Argument: N (2D N x N;
 * 3D the phantom's N x N x 5N/8). */
template <unsigned D>
void
TDFIFFusion(benchmark::State & state)
{
  const unsigned n = static_cast<unsigned>(state.range(0));
  auto           filter = itk::TDFIFFusionFilter<itk::Image<float, D>>::New();
  filter->SetSource(0, Phantom<D>(itk::fusion::PhantomModality::MRI, n));
  filter->SetSource(1, Phantom<D>(itk::fusion::PhantomModality::PET, n));
  filter->SetWeightPower(4);
  filter->SetBackend(Backend::CPU);
  for (auto _ : state)
  {
    filter->Modified();
    filter->Update();
  }
}
BENCHMARK_TEMPLATE(TDFIFFusion, 2)->Arg(256)->Unit(benchmark::kMillisecond);

/* TDFIF-Net: the same, then the features fused by the weights and the built-in decoder. */
template <unsigned D>
void
TDFIFNetFusion(benchmark::State & state)
{
  const unsigned n = static_cast<unsigned>(state.range(0));
  auto           filter = itk::TDFIFFusionFilter<itk::Image<float, D>>::New();
  filter->SetSource(0, Phantom<D>(itk::fusion::PhantomModality::MRI, n));
  filter->SetSource(1, Phantom<D>(itk::fusion::PhantomModality::PET, n));
  filter->SetDecoder(itk::fusion::ConvNetwork::TDFIFDecoder());
  filter->SetBackend(Backend::CPU);
  for (auto _ : state)
  {
    filter->Modified();
    filter->Update();
  }
}
BENCHMARK_TEMPLATE(TDFIFNetFusion, 2)->Arg(256)->Unit(benchmark::kMillisecond);
