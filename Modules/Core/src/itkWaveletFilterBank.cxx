#include "itkWaveletFilterBank.h"

#include "wavelet_rules.h"

#include "itkMacro.h"
#include "itkMultiThreaderBase.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <sstream>

namespace itk
{
namespace fusion
{
namespace
{
struct BankData
{
  const char *        name;
  const char *        family;
  int                 length;
  std::vector<double> decLo, decHi, recLo, recHi;
};

const std::vector<BankData> &
AllBanks()
{
  static const std::vector<BankData> banks = {
#include "itkWaveletFilterBanks.inc"
  };
  return banks;
}

const std::vector<std::string> kModeNames = { "zero",     "constant",      "symmetric",     "reflect",    "periodic",
                                              "smooth",   "periodization", "antisymmetric", "antireflect" };

constexpr size_t kLanes = 16; // lines processed together along strided axes (vectorised)

/* Splits an axis of `shape` into (inner stride, length, outer count). */
struct AxisLayout
{
  size_t inner = 1, length = 1, outer = 1;
  AxisLayout(const std::vector<size_t> & shape, unsigned int axis)
  {
    for (unsigned int d = 0; d < shape.size(); ++d)
      (d < axis ? inner : (d == axis ? length : outer)) *= shape[d];
  }
};

template <typename F>
void
ParallelFor(size_t count, F && f)
{
  MultiThreaderBase::New()->ParallelizeArray(
    0, count, [&f](SizeValueType i) { f(static_cast<size_t>(i)); }, nullptr);
}

/* One level along one axis: input of `shape`, lo and hi with shape[axis] = coefficient length. */
template <typename T>
void
DecomposeAxis(const T * in, const std::vector<size_t> & shape, unsigned int axis, const WaveletFilterBank & bank,
              WaveletMode mode, T * lo, T * hi)
{
  const AxisLayout a(shape, axis);
  const long       n = static_cast<long>(a.length);
  const long       F = static_cast<long>(bank.Length());
  const size_t     m = DWTCoefficientLength(a.length, bank.Length(), mode);
  // Index range of the extended samples that the outputs read.
  const long first = static_cast<long>(::fusion::wavelet::Centre(0, F, static_cast<int>(mode))) - (F - 1);
  const long last = static_cast<long>(::fusion::wavelet::Centre(static_cast<long long>(m) - 1, F, static_cast<int>(mode)));
  const long extent = last - first + 1;
  std::vector<T> lowTaps(bank.decLo.begin(), bank.decLo.end()), highTaps(bank.decHi.begin(), bank.decHi.end());
  const size_t   batches = (a.inner + kLanes - 1) / kLanes;
  ParallelFor(batches * a.outer, [&](size_t job) {
    const size_t   o = job / batches, i0 = (job % batches) * kLanes, lanes = std::min(kLanes, a.inner - i0);
    std::vector<T> buffer(static_cast<size_t>(extent) * lanes);
    std::vector<T> accLo(lanes), accHi(lanes);
    const T *      base = in + o * a.inner * a.length + i0;
    for (long p = 0; p < extent; ++p)
    {
      const long idx = first + p;
      T *        row = buffer.data() + p * lanes;
      if (idx >= 0 && idx < n)
        for (size_t l = 0; l < lanes; ++l)
          row[l] = base[l + static_cast<size_t>(idx) * a.inner];
      else
        for (size_t l = 0; l < lanes; ++l)
          row[l] = ::fusion::wavelet::Extended(base + l, static_cast<long long>(a.inner), n, idx, static_cast<int>(mode));
    }
    T * loBase = lo + o * a.inner * m + i0;
    T * hiBase = hi + o * a.inner * m + i0;
    for (size_t k = 0; k < m; ++k)
    {
      const long centre = static_cast<long>(::fusion::wavelet::Centre(static_cast<long long>(k), F, static_cast<int>(mode))) - first;
      std::fill(accLo.begin(), accLo.end(), T(0));
      std::fill(accHi.begin(), accHi.end(), T(0));
      for (long j = 0; j < F; ++j)
      {
        const T * row = buffer.data() + (centre - j) * static_cast<long>(lanes);
        const T   hl = lowTaps[j], hh = highTaps[j];
        for (size_t l = 0; l < lanes; ++l)
        {
          accLo[l] += hl * row[l];
          accHi[l] += hh * row[l];
        }
      }
      for (size_t l = 0; l < lanes; ++l)
      {
        loBase[l + k * a.inner] = accLo[l];
        hiBase[l + k * a.inner] = accHi[l];
      }
    }
  });
}

/* The inverse along one axis: lo and hi (coefficients along `axis`, coefficient shape `shape`)
 * to `target` samples along the axis. `hi` may be null (zero). */
template <typename T>
void
ReconstructAxis(const T * lo, const T * hi, const std::vector<size_t> & shape, unsigned int axis,
                const WaveletFilterBank & bank, WaveletMode mode, size_t target, T * out)
{
  const AxisLayout a(shape, axis);
  const long       m = static_cast<long>(a.length);
  const long       F = static_cast<long>(bank.Length());
  const bool       periodization = mode == WaveletMode::Periodization;
  const long       shift = F / 2 - 1;
  std::vector<T>   lowTaps(bank.recLo.begin(), bank.recLo.end()), highTaps(bank.recHi.begin(), bank.recHi.end());
  const size_t     batches = (a.inner + kLanes - 1) / kLanes;
  ParallelFor(batches * a.outer, [&](size_t job) {
    const size_t   o = job / batches, i0 = (job % batches) * kLanes, lanes = std::min(kLanes, a.inner - i0);
    std::vector<T> acc(lanes);
    const T *      loBase = lo + o * a.inner * a.length + i0;
    const T *      hiBase = hi ? hi + o * a.inner * a.length + i0 : nullptr;
    T *            outBase = out + o * a.inner * target + i0;
    for (long x = 0; x < static_cast<long>(target); ++x)
    {
      std::fill(acc.begin(), acc.end(), T(0));
      if (periodization)
      {
        // x = 2k + j - shift (mod 2m): for each tap j of the right parity, k = (x + shift - j) / 2 (mod m).
        const long period = 2 * m;
        for (long j = ((x + shift) % 2 + 2) % 2; j < F; j += 2)
        {
          long k = (((x + shift - j) % period) + period) % period / 2;
          const T hl = lowTaps[j], hh = highTaps[j];
          for (size_t l = 0; l < lanes; ++l)
            acc[l] += hl * loBase[l + k * a.inner] + (hiBase ? hh * hiBase[l + k * a.inner] : T(0));
        }
      }
      else
      {
        // Full convolution of the upsampled coefficients, from index F - 2.
        const long t = x + F - 2;
        const long kFirst = std::max(0L, (t - F + 2) / 2), kLast = std::min(m - 1, t / 2);
        for (long k = kFirst; k <= kLast; ++k)
        {
          const long j = t - 2 * k;
          if (j < 0 || j >= F)
            continue;
          const T hl = lowTaps[j], hh = highTaps[j];
          for (size_t l = 0; l < lanes; ++l)
            acc[l] += hl * loBase[l + k * a.inner] + (hiBase ? hh * hiBase[l + k * a.inner] : T(0));
        }
      }
      for (size_t l = 0; l < lanes; ++l)
        outBase[l + x * a.inner] = acc[l];
    }
  });
}

size_t
Product(const std::vector<size_t> & shape)
{
  size_t p = 1;
  for (auto s : shape)
    p *= s;
  return p;
}
} // namespace

std::string
WaveletModeName(WaveletMode mode)
{
  return kModeNames.at(static_cast<size_t>(mode));
}

WaveletMode
WaveletModeFromString(const std::string & name)
{
  for (size_t i = 0; i < kModeNames.size(); ++i)
    if (kModeNames[i] == name)
      return static_cast<WaveletMode>(i);
  std::ostringstream valid;
  for (const auto & m : kModeNames)
    valid << (&m == &kModeNames.front() ? "" : ", ") << m;
  itkGenericExceptionMacro(<< "unknown wavelet mode '" << name << "' (valid: " << valid.str() << ")");
}

const std::vector<std::string> &
WaveletModeNames()
{
  return kModeNames;
}

const WaveletFilterBank &
GetWaveletFilterBank(const std::string & name)
{
  static const std::map<std::string, WaveletFilterBank> banks = [] {
    std::map<std::string, WaveletFilterBank> m;
    for (const auto & b : AllBanks())
      m[b.name] = WaveletFilterBank{ b.name, b.family, b.decLo, b.decHi, b.recLo, b.recHi };
    return m;
  }();
  const auto it = banks.find(name);
  if (it == banks.end())
    itkGenericExceptionMacro(<< "unknown wavelet '" << name
                             << "' (valid: haar, db1-db38, sym2-sym20, coif1-coif17, bior1.1-bior6.8, "
                                "rbio1.1-rbio6.8, dmey; continuous wavelets have no filter bank)");
  return it->second;
}

std::vector<std::string>
WaveletNames(const std::string & family)
{
  std::vector<std::string> names;
  for (const auto & b : AllBanks())
    if (family.empty() || family == b.family)
      names.emplace_back(b.name);
  return names;
}

size_t
DWTCoefficientLength(size_t length, size_t filterLength, WaveletMode mode)
{
  return static_cast<size_t>(::fusion::wavelet::CoefficientLength(static_cast<long long>(length),
                                                                   static_cast<long long>(filterLength),
                                                                   static_cast<int>(mode)));
}

unsigned int
DWTMaxLevel(size_t length, size_t filterLength)
{
  if (filterLength < 2 || length < filterLength - 1)
    return 0;
  return static_cast<unsigned int>(std::floor(std::log2(static_cast<double>(length) / (filterLength - 1))));
}

std::string
DWTBandName(unsigned int code, unsigned int dimension)
{
  std::string name;
  for (unsigned int d = 0; d < dimension; ++d)
    name += (code >> d) & 1u ? 'H' : 'L';
  return name;
}

std::vector<std::vector<size_t>>
DWTLevelShapes(const std::vector<size_t> & shape, size_t filterLength, WaveletMode mode, unsigned int levels)
{
  std::vector<std::vector<size_t>> shapes{ shape };
  for (unsigned int l = 1; l <= levels; ++l)
  {
    std::vector<size_t> next(shape.size());
    for (size_t d = 0; d < shape.size(); ++d)
    {
      if (shapes.back()[d] == 0)
        itkGenericExceptionMacro(<< "DWT: axis " << d << " has no samples at level " << l - 1);
      next[d] = DWTCoefficientLength(shapes.back()[d], filterLength, mode);
    }
    shapes.push_back(next);
  }
  return shapes;
}

template <typename T>
std::vector<DWTBand<T>>
DWTDecompose(const T * input, const std::vector<size_t> & shape, const WaveletFilterBank & bank, WaveletMode mode,
             unsigned int levels)
{
  const unsigned int dimension = static_cast<unsigned int>(shape.size());
  if (levels < 1)
    itkGenericExceptionMacro(<< "DWT: the number of levels must be at least 1");
  DWTLevelShapes(shape, bank.Length(), mode, levels); // validates
  std::vector<DWTBand<T>> result;
  DWTBand<T>              approximation;
  approximation.shape = shape;
  approximation.data.assign(input, input + Product(shape));
  for (unsigned int level = 1; level <= levels; ++level)
  {
    std::vector<DWTBand<T>> bands(1);
    bands[0] = std::move(approximation);
    for (unsigned int axis = 0; axis < dimension; ++axis)
    {
      std::vector<DWTBand<T>> split;
      for (auto & band : bands)
      {
        DWTBand<T> low, high;
        low.level = high.level = level;
        low.code = band.code;
        high.code = band.code | (1u << axis);
        low.shape = high.shape = band.shape;
        low.shape[axis] = high.shape[axis] = DWTCoefficientLength(band.shape[axis], bank.Length(), mode);
        low.data.resize(Product(low.shape));
        high.data.resize(Product(high.shape));
        DecomposeAxis(band.data.data(), band.shape, axis, bank, mode, low.data.data(), high.data.data());
        split.push_back(std::move(low));
        split.push_back(std::move(high));
      }
      bands = std::move(split);
    }
    std::sort(bands.begin(), bands.end(), [](const DWTBand<T> & x, const DWTBand<T> & y) { return x.code < y.code; });
    approximation = std::move(bands[0]);
    for (size_t b = 1; b < bands.size(); ++b)
      result.push_back(std::move(bands[b]));
  }
  result.push_back(std::move(approximation));
  return result;
}

template <typename T>
std::vector<T>
DWTReconstruct(const std::vector<DWTBand<T>> & bands, const std::vector<size_t> & shape, const WaveletFilterBank & bank,
               WaveletMode mode)
{
  const unsigned int dimension = static_cast<unsigned int>(shape.size());
  unsigned int       levels = 0;
  for (const auto & b : bands)
    levels = std::max(levels, b.level);
  const auto   shapes = DWTLevelShapes(shape, bank.Length(), mode, levels);
  const size_t count = size_t{ 1 } << dimension;
  const auto   find = [&](unsigned int level, unsigned int code) -> const DWTBand<T> & {
    for (const auto & b : bands)
      if (b.level == level && b.code == code)
      {
        if (b.shape != shapes[level])
          itkGenericExceptionMacro(<< "DWT reconstruction: band " << DWTBandName(code, dimension) << " of level "
                                   << level << " has the wrong size for an image of this size");
        return b;
      }
    itkGenericExceptionMacro(<< "DWT reconstruction: band " << DWTBandName(code, dimension) << " of level " << level
                             << " is missing");
  };
  std::vector<T> approximation = find(levels, 0).data;
  for (unsigned int level = levels; level >= 1; --level)
  {
    // Bands of this level by code; combine along the axes from the last to the first.
    std::vector<std::vector<T>>           data(count);
    std::vector<std::vector<size_t>>      shapeOf(count, shapes[level]);
    data[0] = std::move(approximation);
    for (unsigned int code = 1; code < count; ++code)
      data[code] = find(level, code).data;
    for (int axis = static_cast<int>(dimension) - 1; axis >= 0; --axis)
    {
      const unsigned int bit = 1u << axis;
      for (unsigned int code = 0; code < count; ++code)
      {
        if ((code & bit) || (code >> (axis + 1)) != 0)
          continue; // pairs (code, code | bit) with no higher axis left
        std::vector<size_t> outShape = shapeOf[code];
        outShape[axis] = shapes[level - 1][axis];
        std::vector<T> combined(Product(outShape));
        ReconstructAxis(data[code].data(), data[code | bit].data(), shapeOf[code], static_cast<unsigned>(axis), bank,
                        mode, outShape[axis], combined.data());
        data[code] = std::move(combined);
        shapeOf[code] = outShape;
      }
    }
    approximation = std::move(data[0]);
  }
  return approximation;
}

template std::vector<DWTBand<float>>
DWTDecompose(const float *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode, unsigned int);
template std::vector<DWTBand<double>>
DWTDecompose(const double *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode, unsigned int);
template std::vector<float>
DWTReconstruct(const std::vector<DWTBand<float>> &, const std::vector<size_t> &, const WaveletFilterBank &,
               WaveletMode);
template std::vector<double>
DWTReconstruct(const std::vector<DWTBand<double>> &, const std::vector<size_t> &, const WaveletFilterBank &,
               WaveletMode);
} // namespace fusion
} // namespace itk
