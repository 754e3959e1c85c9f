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

std::vector<double>
GaussianKernel(size_t n, double sigma)
{
  std::vector<double> w(n);
  double              sum = 0.0;
  for (size_t i = 0; i < n; ++i)
  {
    const double x = static_cast<double>(i) - static_cast<double>(n - 1) / 2.0;
    sum += w[i] = std::exp(-x * x / (2.0 * sigma * sigma));
  }
  for (double & v : w)
    v /= sum;
  return w;
}

/* VIF, pixel domain, four scales (Sheikh and Bovik 2006, vifp_mscale): reference r, distorted d. */
double
VIF(const double * r, const double * d, const std::array<size_t, 3> & size, unsigned dimension)
{
  std::vector<double>   ref(r, r + size[0] * size[1] * size[2]), dist(d, d + size[0] * size[1] * size[2]);
  std::array<size_t, 3> shape = size;
  double                num = 0.0, den = 0.0;
  const double          noise = 2.0;
  for (int scale = 1; scale <= 4; ++scale)
  {
    const size_t n = (size_t{ 1 } << (5 - scale)) + 1;
    const auto   w = GaussianKernel(n, static_cast<double>(n) / 5.0);
    // An image smaller than this scale's window has nothing left to measure here or further on
    // (MATLAB's filter2 'valid' gives an empty result).
    bool fits = true;
    for (unsigned a = 0; a < dimension; ++a)
      fits = fits && shape[a] >= n;
    if (!fits)
      break;
    if (scale > 1)
    {
      std::array<size_t, 3> filtered = shape, dummy = shape;
      ref = ValidFilter(std::move(ref), filtered, dimension, w);
      dist = ValidFilter(std::move(dist), dummy, dimension, w);
      // Every second sample along each axis, from the first.
      std::array<size_t, 3> half = filtered;
      for (unsigned a = 0; a < dimension; ++a)
        half[a] = (filtered[a] + 1) / 2;
      std::vector<double> r2(half[0] * half[1] * half[2]), d2(r2.size());
      for (size_t z = 0; z < half[2]; ++z)
        for (size_t y = 0; y < half[1]; ++y)
          for (size_t x = 0; x < half[0]; ++x)
          {
            const size_t from = ((dimension > 2 ? 2 * z : z) * filtered[1] + 2 * y) * filtered[0] + 2 * x;
            const size_t to = (z * half[1] + y) * half[0] + x;
            r2[to] = ref[from];
            d2[to] = dist[from];
          }
      ref.swap(r2);
      dist.swap(d2);
      shape = half;
      for (unsigned a = 0; a < dimension; ++a)
        fits = fits && shape[a] >= n;
      if (!fits)
        break;
    }
    const size_t        m = ref.size();
    std::vector<double> maps[5];
    for (auto & v : maps)
      v.resize(m);
    for (size_t i = 0; i < m; ++i)
    {
      maps[0][i] = ref[i];
      maps[1][i] = dist[i];
      maps[2][i] = ref[i] * ref[i];
      maps[3][i] = dist[i] * dist[i];
      maps[4][i] = ref[i] * dist[i];
    }
    for (auto & v : maps)
    {
      std::array<size_t, 3> out = shape;
      v = ValidFilter(std::move(v), out, dimension, w);
    }
    for (size_t i = 0; i < maps[0].size(); ++i)
    {
      const double mu1 = maps[0][i], mu2 = maps[1][i];
      double       sR = maps[2][i] - mu1 * mu1, sD = maps[3][i] - mu2 * mu2;
      const double sRD = maps[4][i] - mu1 * mu2;
      double       g = sRD / (sR + 1e-10), sv = sD - g * sRD;
      if (sR < 1e-10)
      {
        g = 0;
        sv = sD;
        sR = 0;
      }
      if (sD < 1e-10)
      {
        g = 0;
        sv = 0;
      }
      if (g < 0)
      {
        sv = sD;
        g = 0;
      }
      if (sv <= 1e-10)
        sv = 1e-10;
      num += std::log10(1 + g * g * sR / (sv + noise));
      den += std::log10(1 + sR / noise);
    }
  }
  return den > 0 ? num / den : kNaN;
}

/* 3x3 correlation of one z-slice, borders by `border(index, length)`; kernel k[row][column]. */
template <typename TBorder>
void
Correlate3x3(const double * slice, long X, long Y, const double (&k)[3][3], TBorder border, std::vector<double> & out)
{
  out.assign(static_cast<size_t>(X * Y), 0.0);
  for (long y = 0; y < Y; ++y)
    for (long x = 0; x < X; ++x)
    {
      double s = 0.0;
      for (long a = -1; a <= 1; ++a)
        for (long b = -1; b <= 1; ++b)
        {
          const long yy = border(y + a, Y), xx = border(x + b, X);
          if (yy >= 0 && xx >= 0)
            s += k[a + 1][b + 1] * slice[yy * X + xx];
        }
      out[static_cast<size_t>(y * X + x)] = s;
    }
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

  // Qabf (Xydeas and Petrovic, with the reference codes' tie rule) and Nabf (Shreyamsha Kumar's
  // modification, the fused image as the fused image), per z-slice, sums pooled.
  const double pi = 3.14159265358979323846;
  const auto   zero = [](long i, long n) { return i >= 0 && i < n ? i : -1L; };           // zero padding
  const auto   mirror = [](long i, long n) { return n == 1 ? 0L : (i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i)); };
  const double h3[3][3] = { { -1, 0, 1 }, { -2, 0, 2 }, { -1, 0, 1 } }, h1[3][3] = { { 1, 2, 1 }, { 0, 0, 0 }, { -1, -2, -1 } };
  const double gv8[3][3] = { { -1 / 8.0, 0, 1 / 8.0 }, { -2 / 8.0, 0, 2 / 8.0 }, { -1 / 8.0, 0, 1 / 8.0 } };
  const double gh8[3][3] = { { -1 / 8.0, -2 / 8.0, -1 / 8.0 }, { 0, 0, 0 }, { 1 / 8.0, 2 / 8.0, 1 / 8.0 } };
  double       qNum = 0.0, qDen = 0.0, nNum = 0.0, nDen = 0.0;
  const size_t plane = size[0] * size[1];
  for (size_t z = 0; z < size[2]; ++z)
  {
    std::vector<double> sx, sy, gF(plane), aF(plane), nF(plane), nAF(plane);
    const auto          edges = [&](const double * slice, std::vector<double> & g, std::vector<double> & a,
                           std::vector<double> & ng, std::vector<double> & na) {
      Correlate3x3(slice, X, Y, h3, zero, sx);
      Correlate3x3(slice, X, Y, h1, zero, sy);
      g.resize(plane);
      a.resize(plane);
      for (size_t i = 0; i < plane; ++i)
      {
        g[i] = std::sqrt(sx[i] * sx[i] + sy[i] * sy[i]);
        a[i] = sx[i] == 0 ? pi / 2 : std::atan(sy[i] / sx[i]);
      }
      Correlate3x3(slice, X, Y, gv8, mirror, sx); // gv
      Correlate3x3(slice, X, Y, gh8, mirror, sy); // gh
      ng.resize(plane);
      na.resize(plane);
      for (size_t i = 0; i < plane; ++i)
      {
        ng[i] = std::sqrt(sx[i] * sx[i] + sy[i] * sy[i]);
        na[i] = (sx[i] == 0 && sy[i] == 0) ? 0.0 : std::atan(sx[i] / sy[i]);
      }
    };
    edges(fused + z * plane, gF, aF, nF, nAF);
    std::vector<double> gS, aS, nS, nAS, artefact(plane, 0.0), weights(plane, 0.0);
    std::vector<char>   brighter(plane, 1);
    for (size_t k = 0; k < N; ++k)
    {
      edges(sources[k] + z * plane, gS, aS, nS, nAS);
      for (size_t i = 0; i < plane; ++i)
      {
        const double G = gS[i] > gF[i] ? gF[i] / gS[i] : (gS[i] < gF[i] ? gS[i] / gF[i] : gF[i]); // tie: g_F
        const double A = 1 - std::abs(aS[i] - aF[i]) / (pi / 2);
        const double Q = 0.9994 / (1 + std::exp(-15 * (G - 0.5))) * 0.9879 / (1 + std::exp(-22 * (A - 0.8)));
        qNum += Q * gS[i];
        qDen += gS[i];
        const double r = (nS[i] == 0 || nF[i] == 0) ? 0.0 : std::min(nS[i], nF[i]) / std::max(nS[i], nF[i]);
        const double An = std::abs(std::abs(nAS[i] - nAF[i]) - pi / 2) * 2 / pi;
        const double Qn = std::sqrt(0.9999 / (1 + std::exp(-19 * (r - 0.5))) * 0.9995 / (1 + std::exp(-22 * (An - 0.5))));
        const double w = nS[i] >= 2 ? std::pow(nS[i], 1.5) : 0.001;
        artefact[i] += (1 - Qn) * w;
        weights[i] += w;
        brighter[i] = brighter[i] && nF[i] > nS[i];
      }
    }
    for (size_t i = 0; i < plane; ++i)
    {
      nNum += brighter[i] ? artefact[i] : 0.0;
      nDen += weights[i];
    }
  }
  std::vector<double> vif(N);
  for (size_t k = 0; k < N; ++k)
    vif[k] = VIF(sources[k], fused, size, dimension);

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
  put("VIF", sum(vif));
  put("Qabf", qDen > 0 ? qNum / qDen : kNaN);
  put("Nabf", nDen > 0 ? nNum / nDen : kNaN);
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
    put("VIF" + s, vif[k]);
  }
  return r;
}
} // namespace fusion
} // namespace itk
