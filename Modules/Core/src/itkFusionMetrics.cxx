#include "itkFusionMetrics.h"
#include "itkFusionError.h"

#include "itkFusionParallel.h"
#include "itkFusionTargetClones.h"
#include "itkMultiThreaderBase.h"
#include "itkUninitialisedAllocator.h"
#include "metrics_rules.h"

#include <fftw3.h>
#if defined(FUSION_HAVE_LIBMVEC)
#  include <immintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <map>
#include <mutex>
#include <sstream>
#include <utility>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace itk
{
namespace fusion
{
double
FusionMetricsResult::Get(const std::string & name) const
{
  for (const auto & v : values)
    if (v.first == name)
      return v.second;
  throw InvalidInput("no fusion metric named '" + name + "'");
}

namespace
{
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;
const double     kE = std::exp(1.0);
using Shape = std::array<size_t, 3>;

#include "itkFusionMetricsServices.inc"
#include "itkFusionMetricsStatistics.inc"
#include "itkFusionMetricsStructural.inc"
#include "itkFusionMetricsSpectral.inc"
#include "itkFusionMetricsFMI.inc"
#include "itkFusionMetricsEdges.inc"
#include "itkFusionMetricsRegistry.inc"

std::string
PresetList()
{
  std::string list;
  for (const auto & p : Presets())
    list += (list.empty() ? "" : ", ") + p.name;
  return list;
}
} // namespace

const std::vector<std::string> &
FusionMetricsPresets()
{
  static const std::vector<std::string> names = [] {
    std::vector<std::string> v;
    for (const auto & p : Presets())
      v.push_back(p.name);
    return v;
  }();
  return names;
}

std::string
FusionMetricsPresetError(const std::string & preset)
{
  return PresetNamed(preset) ? std::string()
                             : "unknown metrics preset '" + preset + "' (presets: " + PresetList() + ")";
}

size_t
MapToMetricScale(double * values, size_t n, bool ownRange, double lowest, double highest)
{
  const size_t bad = FirstNonFinite(values, n);
  if (bad < n)
    return bad;
  if (ownRange && n)
    std::tie(lowest, highest) = Range(values, n);
  ScaleClamped(values, n, lowest, highest > lowest ? 255.0 / (highest - lowest) : 0.0);
  return n;
}

double
StructuralSimilarity(const double * x, const double * y, const std::array<size_t, 3> & size, unsigned int dimension,
                     FusionEnums::Backend backend, unsigned int threads)
{
  if ((dimension != 2 && dimension != 3) || (dimension == 2 && size[2] != 1) || Count(size) == 0)
    throw InvalidInput("SSIM takes a non-empty 2D or 3D image");
  Engine engine{ backend == FusionEnums::Backend::Auto ? FusionEnums::Backend::CPU : backend, dimension };
  engine.threads = threads ? threads : MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  return SSIM(
    engine, x, y, size, GaussianWindow(11, 1.5), (0.01 * 255) * (0.01 * 255), (0.03 * 255) * (0.03 * 255), 1.0);
}

FusionMetricsResult
ComputeFusionMetrics(const std::vector<const double *> & sources, const double * fused,
                     const std::array<size_t, 3> & size, unsigned int dimension, const FusionMetricsOptions & options)
{
  const Preset * preset = PresetNamed(options.preset);
  if (!preset)
    throw InvalidInput(FusionMetricsPresetError(options.preset));
  if (sources.size() < 2)
    throw InvalidInput("fusion metrics need at least two sources");
  if (dimension != 2 && dimension != 3)
    throw InvalidInput("fusion metrics take 2D or 3D images");
  if (dimension == 2 && size[2] != 1)
    throw InvalidInput("a 2D image has one slice");
  const size_t n = Count(size);
  if (n == 0)
    throw InvalidInput("fusion metrics of an empty image");
  for (size_t k = 0; k <= sources.size(); ++k)
  {
    const double * x = k < sources.size() ? sources[k] : fused;
    const size_t   bad = FirstNonFinite(x, n);
    if (bad < n)
      throw InvalidInput((k < sources.size() ? "source " + std::to_string(k + 1) : std::string("the fused image")) +
                         " holds a non-finite value " + std::to_string(x[bad]) + " at offset " + std::to_string(bad));
  }
  if (options.backend == FusionEnums::Backend::CUDA && CudaDeviceCount() == 0)
    throw InvalidInput("the CUDA backend needs a CUDA device (this machine has none)");

  // What the preset reports, what that needs, the analyses as tasks, then the values.
  const auto rows = Reported(*preset, sources.size(), options.fmi);
  unsigned   needs = 0;
  for (const auto & row : rows)
    for (const Metric * m : row)
      needs |= m->needs;
  const Engine engine{ options.backend == FusionEnums::Backend::Auto ? FusionEnums::Backend::CPU : options.backend,
                       dimension };
  Run            run(sources, fused, size, dimension, engine, preset->eightBit);
  const auto     tasks = run.Schedule(needs);
  const unsigned threads =
    engine.OnDevice() ? 1u : (options.threads ? options.threads : MultiThreaderBase::GetGlobalDefaultNumberOfThreads());
  RunTasks(tasks, std::max(1u, threads));
  for (const auto & c : run.edgeChunks)
  {
    run.edges.qNum += c.qNum;
    run.edges.qDen += c.qDen;
    run.edges.nNum += c.nNum;
    run.edges.nDen += c.nDen;
  }
  FusionMetricsResult result;
  Report(rows, run, result);
  return result;
}
} // namespace fusion
} // namespace itk
