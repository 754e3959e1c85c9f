/*
 * Speed of the module's filters, per backend. Not pass/fail: scripts/benchmark.sh prints the table.
 * Argument: the phantom size N (2D: N x N; 3D: N x N x 5N/8, the phantom's own shape).
 */
#include "itkHeadPhantom.h"
#include "itkWeightedFusionFilter.h"

#include <benchmark/benchmark.h>

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

BENCHMARK_TEMPLATE(WeightedFusionActivity, 2, Backend::CPU)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(WeightedFusionActivity, 2, Backend::EmulatedCUDA)->Arg(64)->Arg(512)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(WeightedFusionActivity, 3, Backend::CPU)->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);
BENCHMARK_TEMPLATE(WeightedFusionActivity, 3, Backend::EmulatedCUDA)->Arg(64)->Arg(128)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
