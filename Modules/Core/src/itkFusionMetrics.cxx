#include "itkFusionMetrics.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>

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

namespace
{
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::vector<uint8_t>
Bins(const double * x, size_t n)
{
  std::vector<uint8_t> b(n);
  for (size_t i = 0; i < n; ++i)
    b[i] = static_cast<uint8_t>(std::min(255.0, std::max(0.0, std::round(x[i]))));
  return b;
}

double
Entropy(const std::vector<double> & counts, double total)
{
  double h = 0.0;
  for (double c : counts)
    if (c > 0)
    {
      const double p = c / total;
      h -= p * std::log2(p);
    }
  return h;
}

std::vector<double>
Histogram(const std::vector<uint8_t> & b)
{
  std::vector<double> h(256, 0.0);
  for (uint8_t v : b)
    h[v] += 1.0;
  return h;
}

double
Mean(const double * x, size_t n)
{
  double s = 0.0;
  for (size_t i = 0; i < n; ++i)
    s += x[i];
  return s / static_cast<double>(n);
}

double
Pearson(const std::vector<double> & a, const double * b)
{
  const size_t n = a.size();
  const double ma = Mean(a.data(), n), mb = Mean(b, n);
  double       sab = 0.0, saa = 0.0, sbb = 0.0;
  for (size_t i = 0; i < n; ++i)
  {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : kNaN;
}

/* 'valid' separable filtering with a symmetric kernel along the first `dimension` axes. */
std::vector<double>
ValidFilter(std::vector<double> x, std::array<size_t, 3> & size, unsigned dimension, const std::vector<double> & w)
{
  const size_t k = w.size();
  for (unsigned d = 0; d < dimension; ++d)
  {
    std::array<size_t, 3> out = size;
    out[d] = size[d] - k + 1;
    size_t stride = 1;
    for (unsigned e = 0; e < d; ++e)
      stride *= size[e];
    const size_t        outer = (d + 1 < 3 ? size[d + 1] : 1) * (d + 2 < 3 ? size[d + 2] : 1);
    std::vector<double> y(out[0] * out[1] * out[2], 0.0);
    for (size_t o = 0; o < outer; ++o)
      for (size_t j = 0; j < out[d]; ++j)
      {
        double *       to = y.data() + (o * out[d] + j) * stride;
        for (size_t t = 0; t < k; ++t)
        {
          const double * from = x.data() + (o * size[d] + j + t) * stride;
          for (size_t i = 0; i < stride; ++i)
            to[i] += w[t] * from[i];
        }
      }
    x.swap(y);
    size = out;
  }
  return x;
}

double
SSIM(const double * a, const double * b, const std::array<size_t, 3> & size, unsigned dimension)
{
  for (unsigned d = 0; d < dimension; ++d)
    if (size[d] < 11)
      return kNaN; // smaller than the window
  std::vector<double> w(11);
  double              sum = 0.0;
  for (int i = 0; i < 11; ++i)
    sum += w[static_cast<size_t>(i)] = std::exp(-(i - 5) * (i - 5) / (2.0 * 1.5 * 1.5));
  for (double & v : w)
    v /= sum;
  const size_t        n = size[0] * size[1] * size[2];
  std::vector<double> maps[5];
  for (auto & m : maps)
    m.resize(n);
  for (size_t i = 0; i < n; ++i)
  {
    maps[0][i] = a[i];
    maps[1][i] = b[i];
    maps[2][i] = a[i] * a[i];
    maps[3][i] = b[i] * b[i];
    maps[4][i] = a[i] * b[i];
  }
  std::array<size_t, 3> out{};
  for (auto & m : maps)
  {
    out = size;
    m = ValidFilter(std::move(m), out, dimension, w);
  }
  const double C1 = (0.01 * 255) * (0.01 * 255), C2 = (0.03 * 255) * (0.03 * 255);
  double       total = 0.0;
  const size_t m = maps[0].size();
  for (size_t i = 0; i < m; ++i)
  {
    const double mx = maps[0][i], my = maps[1][i];
    const double sxx = maps[2][i] - mx * mx, syy = maps[3][i] - my * my, sxy = maps[4][i] - mx * my;
    total += ((2 * mx * my + C1) * (2 * sxy + C2)) / ((mx * mx + my * my + C1) * (sxx + syy + C2));
  }
  return total / static_cast<double>(m);
}
} // namespace

FusionMetricsResult
ComputeFusionMetrics(const std::vector<const double *> & sources, const double * fused,
                     const std::array<size_t, 3> & size, unsigned int dimension)
{
  if (sources.size() < 2)
    throw std::invalid_argument("fusion metrics need at least two sources");
  if (dimension != 2 && dimension != 3)
    throw std::invalid_argument("fusion metrics take 2D or 3D images");
  const size_t n = size[0] * size[1] * size[2];
  if (n == 0)
    throw std::invalid_argument("fusion metrics of an empty image");
  for (const double * s : sources)
    for (size_t i = 0; i < n; ++i)
      if (!std::isfinite(s[i]))
        throw std::invalid_argument("a source holds a non-finite value");
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(fused[i]))
      throw std::invalid_argument("the fused image holds a non-finite value");
  const size_t        N = sources.size();
  const double        total = static_cast<double>(n);
  FusionMetricsResult r;
  const auto          put = [&r](const std::string & name, double v) {
    r.values.emplace_back(name, v);
    if (std::isnan(v))
      r.undefined.push_back(name);
  };

  // Statistics of F.
  const auto   binsF = Bins(fused, n);
  const auto   histF = Histogram(binsF);
  const double HF = Entropy(histF, total);
  const double meanF = Mean(fused, n);
  double       var = 0.0;
  for (size_t i = 0; i < n; ++i)
    var += (fused[i] - meanF) * (fused[i] - meanF);
  double sf = 0.0;
  for (unsigned d = 0; d < dimension; ++d)
  {
    size_t stride = 1;
    for (unsigned e = 0; e < d; ++e)
      stride *= size[e];
    double       s = 0.0;
    size_t       count = 0;
    const size_t len = size[d];
    for (size_t i = 0; i < n; ++i)
      if ((i / stride) % len + 1 < len)
      {
        const double diff = fused[i + stride] - fused[i];
        s += diff * diff;
        ++count;
      }
    sf += count ? s / static_cast<double>(count) : 0.0;
  }
  // AG and EI per z-slice (gradients within the x-y plane), pooled.
  double       ag = 0.0, ei = 0.0;
  const long   X = static_cast<long>(size[0]), Y = static_cast<long>(size[1]);
  const auto   at = [&](size_t z, long x, long y) {
    x = std::min(std::max(x, 0L), X - 1);
    y = std::min(std::max(y, 0L), Y - 1);
    return fused[(z * size[1] + static_cast<size_t>(y)) * size[0] + static_cast<size_t>(x)];
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
  for (size_t z = 0; z < size[2]; ++z)
    for (long y = 0; y < Y; ++y)
      for (long x = 0; x < X; ++x)
      {
        const double gx = gradient(at(z, x - 1, y), at(z, x, y), at(z, x + 1, y), x, X);
        const double gy = gradient(at(z, x, y - 1), at(z, x, y), at(z, x, y + 1), y, Y);
        ag += std::sqrt((gx * gx + gy * gy) / 2.0);
        const double sx = (at(z, x - 1, y - 1) + 2 * at(z, x, y - 1) + at(z, x + 1, y - 1)) -
                          (at(z, x - 1, y + 1) + 2 * at(z, x, y + 1) + at(z, x + 1, y + 1));
        const double sy = (at(z, x - 1, y - 1) + 2 * at(z, x - 1, y) + at(z, x - 1, y + 1)) -
                          (at(z, x + 1, y - 1) + 2 * at(z, x + 1, y) + at(z, x + 1, y + 1));
        ei += std::sqrt(sx * sx + sy * sy);
      }

  // Per source.
  std::vector<double> je(N), mi(N), mse(N), cc(N), ssim(N), hs(N), ce(N);
  std::vector<double> fusedCopy(fused, fused + n);
  for (size_t k = 0; k < N; ++k)
  {
    const auto          bins = Bins(sources[k], n);
    const auto          hist = Histogram(bins);
    std::vector<double> joint(256 * 256, 0.0);
    for (size_t i = 0; i < n; ++i)
      joint[bins[i] * 256u + binsF[i]] += 1.0;
    hs[k] = Entropy(hist, total);
    je[k] = Entropy(joint, total);
    mi[k] = hs[k] + HF - je[k];
    double d = 0.0;
    for (int b = 0; b < 256; ++b)
      if (hist[static_cast<size_t>(b)] > 0 && histF[static_cast<size_t>(b)] > 0)
        d += hist[static_cast<size_t>(b)] / total *
             std::log2(hist[static_cast<size_t>(b)] / histF[static_cast<size_t>(b)]);
    ce[k] = d;
    double s = 0.0;
    for (size_t i = 0; i < n; ++i)
      s += (sources[k][i] - fused[i]) * (sources[k][i] - fused[i]);
    mse[k] = s / total;
    cc[k] = Pearson(std::vector<double>(sources[k], sources[k] + n), fused);
    ssim[k] = SSIM(sources[k], fused, size, dimension);
  }
  double scd = 0.0;
  for (size_t k = 0; k < N; ++k)
  {
    std::vector<double> difference(fusedCopy);
    for (size_t j = 0; j < N; ++j)
      if (j != k)
        for (size_t i = 0; i < n; ++i)
          difference[i] -= sources[j][i];
    scd += Pearson(difference, sources[k]);
  }
  const auto sum = [](const std::vector<double> & v) {
    double s = 0.0;
    for (double x : v)
      s += x;
    return s;
  };
  const double mseMean = sum(mse) / static_cast<double>(N);
  double       qmi = 0.0, rmse = 0.0;
  for (size_t k = 0; k < N; ++k)
  {
    qmi += hs[k] + HF > 0 ? 2.0 * mi[k] / (hs[k] + HF) : kNaN;
    rmse += std::sqrt(mse[k]) / static_cast<double>(N);
  }
  const auto psnr = [](double m) { return m > 0 ? 10.0 * std::log10(255.0 * 255.0 / m) : kNaN; };

  put("EN", HF);
  put("SD", std::sqrt(var / total));
  put("SF", std::sqrt(sf));
  put("AG", ag / total);
  put("EI", ei / total);
  put("MI", sum(mi));
  put("MI_nats", sum(mi) * std::log(2.0));
  put("Q_MI", qmi);
  put("CE", sum(ce) / static_cast<double>(N));
  put("MSE", mseMean);
  put("RMSE", rmse);
  put("PSNR", psnr(mseMean));
  put("CC", sum(cc) / static_cast<double>(N));
  put("SCD", scd);
  put("SSIM", sum(ssim));
  for (size_t k = 0; k < N; ++k)
  {
    const std::string s = "_" + std::to_string(k + 1);
    put("EN" + s, hs[k]);
    put("JE" + s, je[k]);
    put("MI" + s, mi[k]);
    put("MSE" + s, mse[k]);
    put("PSNR" + s, psnr(mse[k]));
    put("CC" + s, cc[k]);
    put("SSIM" + s, ssim[k]);
  }
  return r;
}
} // namespace fusion
} // namespace itk
