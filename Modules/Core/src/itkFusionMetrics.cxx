#include "itkFusionMetrics.h"

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
  throw std::out_of_range("no fusion metric named '" + name + "'");
}

const std::vector<std::string> &
FusionMetricsPresets()
{
  static const std::vector<std::string> presets{ "standard", "cddfuse", "vifb", "seed" };
  return presets;
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

} // namespace

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
    throw std::invalid_argument("SSIM takes a non-empty 2D or 3D image");
  Engine engine{ backend == FusionEnums::Backend::Auto ? FusionEnums::Backend::CPU : backend, dimension };
  engine.threads = threads ? threads : MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  return SSIM(
    engine, x, y, size, GaussianWindow(11, 1.5), (0.01 * 255) * (0.01 * 255), (0.03 * 255) * (0.03 * 255), 1.0);
}

FusionMetricsResult
ComputeFusionMetrics(const std::vector<const double *> & sourcesIn, const double * fusedIn,
                     const std::array<size_t, 3> & size, unsigned int dimension, const FusionMetricsOptions & options)
{
  const std::string & preset = options.preset;
  const auto &        presets = FusionMetricsPresets();
  if (std::find(presets.begin(), presets.end(), preset) == presets.end())
    throw std::invalid_argument("unknown metrics preset '" + preset + "' (presets: standard, cddfuse, vifb, seed)");
  if (sourcesIn.size() < 2)
    throw std::invalid_argument("fusion metrics need at least two sources");
  if (dimension != 2 && dimension != 3)
    throw std::invalid_argument("fusion metrics take 2D or 3D images");
  if (dimension == 2 && size[2] != 1)
    throw std::invalid_argument("a 2D image has one slice");
  const size_t n = Count(size);
  if (n == 0)
    throw std::invalid_argument("fusion metrics of an empty image");
  for (size_t k = 0; k <= sourcesIn.size(); ++k)
  {
    const double * x = k < sourcesIn.size() ? sourcesIn[k] : fusedIn;
    const size_t   bad = FirstNonFinite(x, n);
    if (bad < n)
      throw std::invalid_argument(
        (k < sourcesIn.size() ? "source " + std::to_string(k + 1) : std::string("the fused image")) +
        " holds a non-finite value " + std::to_string(x[bad]) + " at offset " + std::to_string(bad));
  }
  if (options.backend == FusionEnums::Backend::CUDA && CudaDeviceCount() == 0)
    throw std::invalid_argument("the CUDA backend needs a CUDA device (this machine has none)");

  const size_t N = sourcesIn.size();
  const bool   eightBit = preset == "cddfuse" || preset == "vifb"; // the evaluators read 8-bit files
  // The images: the sources, then F; rounded copies for the 8-bit presets.
  Values                      rounded(eightBit ? (N + 1) * n : 0);
  std::vector<const double *> all(N + 1);
  for (size_t k = 0; k <= N; ++k)
  {
    all[k] = k < N ? sourcesIn[k] : fusedIn;
    if (eightBit)
    {
      double * to = rounded.data() + k * n;
      for (size_t i = 0; i < n; ++i)
        to[i] = std::nearbyint(all[k][i]);
      all[k] = to;
    }
  }
  const std::vector<const double *> S(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(N));
  const double *                    F = all[N];
  const Engine engine{ options.backend == FusionEnums::Backend::Auto ? FusionEnums::Backend::CPU : options.backend,
                       dimension };
  const bool standard = preset == "standard", seed = preset == "seed", cdd = preset == "cddfuse",
             vifb = preset == "vifb";
  const double total = static_cast<double>(n);
  const size_t X = size[0], Y = size[1], Z = size[2];

  // Results filled by the tasks (each writes only its own slots).
  std::vector<double>                hs(N), je(N), mi(N), ce(N), mse(N), cc(N), ssim(N), vif(N), qcvNum(N), qcvDen(N);
  std::vector<std::array<double, 3>> fmi(N);
  std::vector<Values>                contrast(N + 1);
  std::vector<double>                jePairs(N * N, kNaN);
  double                             HF = 0, sd = 0, sf = 0, ag = 0, ei = 0, scd = 0, qy = kNaN, miVifb = 0;
  std::vector<::fusionkernels::metrics::EdgeSums> edgeChunks;
  // Heavy tasks first, so that the light ones fill the gaps at the end.
  std::vector<std::function<void()>> tasks, light;

  const bool needVIF = standard || cdd, needEdges = standard || cdd || vifb;
  const bool needQY = standard && N == 2, needQCB = standard || vifb, needQCV = standard || vifb;
  // Q_CB, Q_CV and VIFB's MI see the images through normalize1, each image normalised once.
  std::vector<Values>               normalised(N + 1);
  std::unique_ptr<std::once_flag[]> normalisedOnce(new std::once_flag[N + 1]);
  const auto                        Normalised = [&](size_t k) -> const Values & {
    std::call_once(normalisedOnce[k], [&] { normalised[k] = Normalize1(all[k], n); });
    return normalised[k];
  };
  // Histograms: H(F), per source H(S), H(S, F), CE; seed: H(S_j, S_k).
  light.emplace_back([&] {
    std::vector<uint8_t> bins((N + 1) * n);
    for (size_t k = 0; k <= N; ++k)
      Bins(all[k], n, bins.data() + k * n);
    std::vector<std::pair<int, int>> pairs;
    for (size_t k = 0; k < N; ++k)
      pairs.emplace_back(static_cast<int>(k), static_cast<int>(N));
    if (seed)
      for (size_t j = 0; j < N; ++j)
        for (size_t k = j + 1; k < N; ++k)
          pairs.emplace_back(static_cast<int>(j), static_cast<int>(k));
    const auto joints = engine.JointHistograms(bins, n, pairs);
    for (size_t k = 0; k < N; ++k)
    {
      const Marginals m = MarginalsOf(joints.data() + k * 65536);
      if (k == 0)
        HF = Entropy(m.columns.data(), 256, total, 2.0);
      hs[k] = Entropy(m.rows.data(), 256, total, 2.0);
      je[k] = Entropy(joints.data() + k * 65536, 65536, total, 2.0);
      mi[k] = hs[k] + HF - je[k];
      double d = 0.0;
      for (size_t b = 0; b < 256; ++b)
        if (m.rows[b] > 0 && m.columns[b] > 0)
          d += m.rows[b] / total * std::log2(m.rows[b] / m.columns[b]);
      ce[k] = d;
    }
    for (size_t p = N, j = 0; j < N; ++j)
      for (size_t k = j + 1; k < N && seed; ++k, ++p)
        jePairs[j * N + k] = Entropy(joints.data() + p * 65536, 65536, total, 2.0);
    if (vifb)
    {
      // VIFB's mutinf: each image min-max normalised, int16(x * 255) bins, natural logarithm.
      std::vector<uint8_t> vb((N + 1) * n);
      for (size_t k = 0; k <= N; ++k)
        Bins(Normalised(k).data(), n, vb.data() + k * n);
      std::vector<std::pair<int, int>> p;
      for (size_t k = 0; k < N; ++k)
        p.emplace_back(static_cast<int>(k), static_cast<int>(N));
      const auto vj = engine.JointHistograms(vb, n, p);
      for (size_t k = 0; k < N; ++k)
      {
        const Marginals m = MarginalsOf(vj.data() + k * 65536);
        miVifb += Entropy(m.rows.data(), 256, total, kE) + Entropy(m.columns.data(), 256, total, kE) -
                  Entropy(vj.data() + k * 65536, 65536, total, kE);
      }
    }
  });
  // Statistics of F and against each source.
  light.emplace_back([&] {
    sd = std::sqrt(CentredSquares(F, n, Mean(F, n)) / total);
    for (unsigned d = 0; d < dimension; ++d)
    {
      // Every pixel with a successor along d: blocks of len lines `stride` long, each block's lines
      // 1.. against its lines 0..len-2.
      const size_t stride = d == 0 ? 1 : (d == 1 ? X : X * Y), len = size[d], blocks = n / (stride * len);
      double       s = 0.0;
      for (size_t block = 0; block < blocks && len > 1; ++block)
      {
        const double * a = F + block * len * stride;
        s += SquaredDistance(a + stride, a, (len - 1) * stride);
      }
      const size_t count = blocks * (len - 1) * stride;
      sf += vifb ? s / total : (count ? s / static_cast<double>(count) : 0.0);
    }
    sf = std::sqrt(sf);
    Values difference(n);
    for (size_t k = 0; k < N; ++k)
    {
      const double s = SquaredDistance(S[k], F, n);
      mse[k] = vifb ? std::sqrt(s) / total : s / total; // VIFB's mse() is sqrt(SSE) / (MN)
      cc[k] = Pearson(S[k], F, n);
      std::copy(F, F + n, difference.begin());
      for (size_t j = 0; j < N; ++j)
        for (size_t i = 0; i < n && j != k; ++i)
          difference[i] -= S[j][i];
      scd += Pearson(difference.data(), S[k], n);
    }
  });
  // AG and EI per z-slice (gradients within the x-y plane), pooled.
  light.emplace_back([&] {
    const long lx = static_cast<long>(X), ly = static_cast<long>(Y);
    const auto at = [&](size_t z, long x, long y) {
      x = std::min(std::max(x, 0L), lx - 1);
      y = std::min(std::max(y, 0L), ly - 1);
      return F[(z * Y + static_cast<size_t>(y)) * X + static_cast<size_t>(x)];
    };
    const auto gradient = [](double minus, double here, double plus, long i, long len) {
      if (len == 1)
        return 0.0;
      if (i == 0)
        return plus - here;
      if (i == len - 1)
        return here - minus;
      return (plus - minus) / 2.0;
    };
    for (size_t z = 0; z < Z; ++z)
      for (long y = 0; y < ly; ++y)
        for (long x = 0; x < lx; ++x)
        {
          const double gx = gradient(at(z, x - 1, y), at(z, x, y), at(z, x + 1, y), x, lx);
          const double gy = gradient(at(z, x, y - 1), at(z, x, y), at(z, x, y + 1), y, ly);
          ag += std::sqrt((gx * gx + gy * gy) / 2.0);
          const double sx = (at(z, x - 1, y - 1) + 2 * at(z, x, y - 1) + at(z, x + 1, y - 1)) -
                            (at(z, x - 1, y + 1) + 2 * at(z, x, y + 1) + at(z, x + 1, y + 1));
          const double sy = (at(z, x - 1, y - 1) + 2 * at(z, x - 1, y) + at(z, x - 1, y + 1)) -
                            (at(z, x + 1, y - 1) + 2 * at(z, x + 1, y) + at(z, x + 1, y + 1));
          ei += std::sqrt(sx * sx + sy * sy);
        }
  });
  // SSIM per source: Wang's (standard, seed, vifb) or scikit-image 0.19's defaults on float32 (cddfuse).
  const double  L = cdd ? 2.0 : 255.0, windowSize = std::pow(cdd ? 7.0 : 11.0, dimension);
  const auto    ssimWindow = cdd ? std::vector<double>(7, 1.0 / 7.0) : GaussianWindow(11, 1.5);
  SharedMoments vifF;
  for (size_t k = 0; k < N; ++k)
    tasks.emplace_back([&, k] {
      ssim[k] = SSIM(engine,
                     S[k],
                     F,
                     size,
                     ssimWindow,
                     (0.01 * L) * (0.01 * L),
                     (0.03 * L) * (0.03 * L),
                     cdd ? windowSize / (windowSize - 1.0) : 1.0);
    });
  // The fused image's VIF pyramid first; the VIF tasks come after the other heavy ones, by when it is
  // ready (else they wait for it).
  const auto vifPyramid = [&]() -> const std::vector<SharedMoments::Level> & {
    return vifF.Get([&] { return VIFPyramid(engine, F, size, true); });
  };
  if (needVIF)
    tasks.insert(tasks.begin(), [&] { vifPyramid(); });
  if (needQY)
    tasks.emplace_back([&] { qy = QY(engine, S[0], S[1], F, size); });
  // Q_CB and Q_CV filter the normalised images in the frequency domain, each image's spectra taken once.
  std::vector<Spectra>              spectra(N + 1);
  std::unique_ptr<std::once_flag[]> spectraOnce(new std::once_flag[N + 1]);
  const auto                        Spectrum = [&](size_t k) -> const Spectra & {
    std::call_once(spectraOnce[k], [&] { spectra[k] = SliceSpectra(Normalised(k), size); });
    return spectra[k];
  };
  // Q_CB: each image's masked contrast computed once, by its task, or by the pooling task if that comes
  // first (which then waits for the ones under way).
  std::unique_ptr<std::once_flag[]> contrastOnce(new std::once_flag[N + 1]);
  const auto                        Contrast = [&](size_t k) {
    std::call_once(contrastOnce[k],
                   [&] { contrast[k] = ChenBlumContrast(Spectrum(k), size, GainFor(Sensitivity::ChenBlum, size)); });
  };
  if (needQCB)
    for (size_t k = 0; k <= N; ++k)
      tasks.emplace_back([&, k] { Contrast(k); });
  if (needQCV)
    for (size_t k = 0; k < N; ++k)
      tasks.emplace_back([&, k] {
        std::tie(qcvNum[k], qcvDen[k]) =
          ChenVarshney(Normalised(k), Spectrum(k), Spectrum(N), size, GainFor(Sensitivity::MannosSakrison, size));
      });
  if (needVIF)
    for (size_t k = 0; k < N; ++k)
      tasks.emplace_back([&, k] { vif[k] = VIF(engine, S[k], size, F, vifPyramid()); });
  double qcb = kNaN;
  if (needQCB)
    tasks.emplace_back([&] {
      for (size_t k = 0; k <= N; ++k)
        Contrast(k);
      qcb = ChenBlum(contrast);
    });
  if (standard && options.fmi)
    for (size_t k = 0; k < N; ++k)
      for (int feature = 0; feature < 3; ++feature)
        tasks.emplace_back([&, k, feature] {
          if (feature == 0)
            fmi[k][0] = FeatureMutualInformation(S[k], F, size);
          else if (feature == 1)
            fmi[k][1] = FeatureMutualInformation(GradientX(S[k], size).data(), GradientX(F, size).data(), size);
          else
            fmi[k][2] = FeatureMutualInformation(DCT(S[k], size).data(), DCT(F, size).data(), size);
        });
  if (needEdges)
  {
    if (engine.OnDevice())
    {
      edgeChunks.resize(1);
      tasks.emplace_back([&] {
        std::vector<double> packed((N + 1) * n); // the kernel's layout: the images back to back
        for (size_t k = 0; k <= N; ++k)
          std::copy(all[k], all[k] + n, packed.begin() + static_cast<std::ptrdiff_t>(k * n));
        ::fusionkernels::EdgePreservationArguments a;
        std::copy(size.begin(), size.end(), a.shape);
        a.images = packed.data();
        a.sourceCount = static_cast<int>(N);
        double sums[4];
        a.sums = sums;
        RunKernel(engine.backend, "edge preservation", &::fusionkernels::KernelTable::EdgePreservation, a);
        edgeChunks[0] = ::fusionkernels::metrics::EdgeSums{ sums[0], sums[1], sums[2], sums[3] };
      });
    }
    else
    {
      const size_t rows = Y * Z, chunk = 32;
      edgeChunks.resize((rows + chunk - 1) / chunk);
      for (size_t c = 0; c < edgeChunks.size(); ++c)
        light.emplace_back(
          [&, c, rows, chunk] { edgeChunks[c] = EdgeRows(all, X, Y, c * chunk, std::min(rows, (c + 1) * chunk)); });
    }
  }
  tasks.insert(tasks.end(), light.begin(), light.end());
  const bool     device = engine.OnDevice();
  const unsigned threads =
    device ? 1u : (options.threads ? options.threads : MultiThreaderBase::GetGlobalDefaultNumberOfThreads());
  RunTasks(tasks, std::max(1u, threads));

  ::fusionkernels::metrics::EdgeSums edges;
  for (const auto & c : edgeChunks)
  {
    edges.qNum += c.qNum;
    edges.qDen += c.qDen;
    edges.nNum += c.nNum;
    edges.nDen += c.nDen;
  }
  const double qabf = edges.qDen > 0 ? edges.qNum / edges.qDen : kNaN;
  const double nabf = edges.nDen > 0 ? edges.nNum / edges.nDen : kNaN;
  double       qcvN = 0.0, qcvD = 0.0;
  for (size_t k = 0; k < N; ++k)
  {
    qcvN += qcvNum[k];
    qcvD += qcvDen[k];
  }
  const double qcv = qcvD > 0 ? qcvN / qcvD : kNaN;

  const auto sum = [](const std::vector<double> & v) {
    double s = 0.0;
    for (double x : v)
      s += x;
    return s;
  };
  const double Nd = static_cast<double>(N);
  const double mseMean = sum(mse) / Nd;
  const auto   psnr = [](double m) { return m > 0 ? 10.0 * std::log10(255.0 * 255.0 / m) : kNaN; };
  double       qmi = 0.0, rmse = 0.0;
  for (size_t k = 0; k < N; ++k)
  {
    qmi += hs[k] + HF > 0 ? 2.0 * mi[k] / (hs[k] + HF) : kNaN;
    rmse += std::sqrt(mse[k]) / Nd;
  }

  FusionMetricsResult r;
  const auto          put = [&r](const std::string & name, double v) {
    r.values.emplace_back(name, v);
    if (std::isnan(v))
      r.undefined.push_back(name);
  };
  const auto suffix = [](size_t k) { return "_" + std::to_string(k + 1); };
  if (standard)
  {
    put("EN", HF);
    put("SD", sd);
    put("SF", sf);
    put("AG", ag / total);
    put("EI", ei / total);
    put("MI", sum(mi));
    put("MI_nats", sum(mi) * std::log(2.0));
    put("Q_MI", qmi);
    put("CE", sum(ce) / Nd);
    put("MSE", mseMean);
    put("RMSE", rmse);
    put("PSNR", psnr(mseMean));
    put("CC", sum(cc) / Nd);
    put("SCD", scd);
    put("SSIM", sum(ssim));
    put("VIF", sum(vif));
    put("Qabf", qabf);
    put("Nabf", nabf);
    if (needQY)
      put("Q_Y", qy);
    put("Q_CB", qcb);
    put("Q_CV", qcv);
    if (options.fmi)
    {
      const char * names[3] = { "FMI_pixel", "FMI_gradient", "FMI_dct" };
      for (int feature = 0; feature < 3; ++feature)
      {
        double m = 0.0;
        for (size_t k = 0; k < N; ++k)
          m += fmi[k][static_cast<size_t>(feature)] / Nd;
        put(names[feature], m);
      }
    }
    for (size_t k = 0; k < N; ++k)
    {
      put("EN" + suffix(k), hs[k]);
      put("JE" + suffix(k), je[k]);
      put("MI" + suffix(k), mi[k]);
      put("MSE" + suffix(k), mse[k]);
      put("RMSE" + suffix(k), std::sqrt(mse[k]));
      put("PSNR" + suffix(k), psnr(mse[k]));
      put("CC" + suffix(k), cc[k]);
      put("SSIM" + suffix(k), ssim[k]);
      put("VIF" + suffix(k), vif[k]);
    }
  }
  else if (cdd)
  {
    double vifSum = 0.0;
    for (double v : vif)
      vifSum += std::isnan(v) ? 1.0 : v;
    const double maxF = *std::max_element(F, F + n);
    put("EN", HF);
    put("SD", sd);
    put("SF", sf);
    put("AG", ag / total);
    put("MI", sum(mi) * std::log(2.0));
    put("MSE", mseMean);
    put("CC", sum(cc) / Nd);
    put("PSNR", mseMean > 0 ? 10.0 * std::log10(maxF * maxF / mseMean) : kNaN);
    put("SCD", scd);
    put("VIF", vifSum);
    put("Qabf", qabf);
    put("SSIM", sum(ssim));
  }
  else if (vifb)
  {
    // AG: sum / ((M - 1)(N - 1)) per slice.
    const double agDenominator =
      static_cast<double>(Z) * static_cast<double>(X > 1 ? X - 1 : 1) * static_cast<double>(Y > 1 ? Y - 1 : 1);
    put("AG", ag / agDenominator);
    put("CE", sum(ce) / Nd);
    put("EI", ei / total);
    put("EN", HF);
    put("MI", miVifb);
    const double rmseVifb = mseMean; // mse[k] holds VIFB's sqrt(SSE) / (MN) here
    put("PSNR", rmseVifb > 0 ? 20.0 * std::log10(255.0 / std::sqrt(rmseVifb)) : kNaN);
    put("Qabf", qabf);
    put("Q_CB", qcb);
    put("Q_CV", qcv);
    put("RMSE", rmseVifb);
    put("SF", sf);
    put("SSIM", sum(ssim));
    put("SD", sd);
  }
  else // seed
  {
    for (size_t k = 0; k < N; ++k)
    {
      put("MSE" + suffix(k), mse[k]);
      put("PSNR" + suffix(k), psnr(mse[k]));
      put("RMSE" + suffix(k), std::sqrt(mse[k]));
      put("SSIM" + suffix(k), ssim[k]);
      put("MI" + suffix(k), mi[k]);
    }
    for (size_t k = 0; k < N; ++k)
      put("EN" + suffix(k), hs[k]);
    put("EN", HF);
    for (size_t j = 0; j < N; ++j)
      for (size_t k = j + 1; k < N; ++k)
        put("JE" + suffix(j) + suffix(k), jePairs[j * N + k]);
    for (size_t k = 0; k < N; ++k)
      put("JE" + suffix(k), je[k]);
  }
  return r;
}
} // namespace fusion
} // namespace itk
