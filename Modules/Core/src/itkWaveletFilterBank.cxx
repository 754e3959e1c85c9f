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

/* Runs f(first, last) over [0, count) in chunks on all threads; each chunk keeps its scratch. */
template <typename F>
void
ParallelChunks(size_t count, F && f)
{
  auto         threader = MultiThreaderBase::New();
  const size_t chunks = std::min<size_t>(count, 8 * static_cast<size_t>(threader->GetMaximumNumberOfThreads()));
  if (chunks <= 1)
  {
    f(size_t{ 0 }, count);
    return;
  }
  threader->ParallelizeArray(
    0, chunks,
    [&](SizeValueType c) {
      f(count * static_cast<size_t>(c) / chunks, count * (static_cast<size_t>(c) + 1) / chunks);
    },
    nullptr);
}

/* One level along one axis: input of `shape`, lo and hi with shape[axis] = coefficient length.
 * Lines along the axis are gathered (with the boundary extension) into a buffer of up to kLanes
 * neighbouring lines, row-major by position, then filtered across all lanes at once. */
template <typename T>
void
DecomposeAxis(const T * in, const std::vector<size_t> & shape, unsigned int axis, const WaveletFilterBank & bank,
              WaveletMode mode, T * lo, T * hi)
{
  const AxisLayout a(shape, axis);
  const long       n = static_cast<long>(a.length);
  const long       F = static_cast<long>(bank.Length());
  const size_t     m = DWTCoefficientLength(a.length, bank.Length(), mode);
  const int        modeNumber = static_cast<int>(mode);
  // Index range of the extended samples that the outputs read.
  const long first = static_cast<long>(::fusion::wavelet::Centre(0, F, modeNumber)) - (F - 1);
  const long last = static_cast<long>(::fusion::wavelet::Centre(static_cast<long long>(m) - 1, F, modeNumber));
  const long extent = last - first + 1;
  const long step = static_cast<long>(::fusion::wavelet::Centre(1, F, modeNumber) - ::fusion::wavelet::Centre(0, F, modeNumber));
  const long offset = static_cast<long>(::fusion::wavelet::Centre(0, F, modeNumber)) - first;
  // Sums in double whatever the storage type T, tap by tap in PyWavelets' order (j = 0 .. F-1).
  const std::vector<double> & lowTaps = bank.decLo;
  const std::vector<double> & highTaps = bank.decHi;
  // Lanes: neighbouring lines across the axis (axis > 0), or successive lines (axis 0, gathered).
  const bool   acrossOuter = a.inner == 1;
  const size_t laneCount = acrossOuter ? a.outer : a.inner;
  const size_t laneIn = acrossOuter ? a.length : 1, laneOut = acrossOuter ? m : 1;
  const size_t batches = (laneCount + kLanes - 1) / kLanes;
  ParallelChunks(batches * (acrossOuter ? 1 : a.outer), [&](size_t begin, size_t end) {
    SampleVector<T> buffer(static_cast<size_t>(extent) * std::min(kLanes, laneCount));
    double          accLo[kLanes], accHi[kLanes];
    for (size_t job = begin; job < end; ++job)
    {
      const size_t o = acrossOuter ? 0 : job / batches, l0 = (job % batches) * kLanes;
      const size_t lanes = std::min(kLanes, laneCount - l0);
      const long   L = static_cast<long>(lanes);
      const T *    base = in + o * a.inner * a.length + l0 * laneIn;
      T *          loBase = lo + o * a.inner * m + l0 * laneOut;
      T *          hiBase = hi + o * a.inner * m + l0 * laneOut;
      for (long p = 0; p < extent; ++p)
      {
        const long idx = first + p;
        T *        row = buffer.data() + p * L;
        if (idx >= 0 && idx < n)
          for (size_t l = 0; l < lanes; ++l)
            row[l] = base[l * laneIn + static_cast<size_t>(idx) * a.inner];
        else
          for (size_t l = 0; l < lanes; ++l)
            row[l] = ::fusion::wavelet::Extended(base + l * laneIn, static_cast<long long>(a.inner), n, idx, modeNumber);
      }
      for (size_t k = 0; k < m; ++k)
      {
        const T * centre = buffer.data() + (static_cast<long>(k) * step + offset) * L;
        for (size_t l = 0; l < lanes; ++l)
          accLo[l] = accHi[l] = 0;
        for (long j = 0; j < F; ++j)
        {
          const double tl = lowTaps[j], th = highTaps[j];
          const T *    row = centre - j * L;
          for (size_t l = 0; l < lanes; ++l)
          {
            accLo[l] += tl * static_cast<double>(row[l]);
            accHi[l] += th * static_cast<double>(row[l]);
          }
        }
        for (size_t l = 0; l < lanes; ++l)
        {
          loBase[k * a.inner + l * laneOut] = static_cast<T>(accLo[l]);
          hiBase[k * a.inner + l * laneOut] = static_cast<T>(accHi[l]);
        }
      }
    }
  });
}

/* The inverse along one axis: lo and hi (coefficients along `axis`, coefficient shape `shape`)
 * to `target` samples along the axis. Each coefficient k adds rec_lo[j] lo[k] + rec_hi[j] hi[k]
 * at position 2k + j of the full convolution of the upsampled coefficients (length 2m + F - 2),
 * accumulated in a buffer of up to kLanes neighbouring lines; the output is the stretch from
 * index F - 2, or for periodization the buffer wrapped with period 2m from index F/2 - 1. */
template <typename T>
void
ReconstructAxis(const T * lo, const T * hi, const std::vector<size_t> & shape, unsigned int axis,
                const WaveletFilterBank & bank, WaveletMode mode, size_t target, T * out)
{
  const AxisLayout a(shape, axis);
  const long       m = static_cast<long>(a.length);
  const long       F = static_cast<long>(bank.Length());
  const bool       periodization = mode == WaveletMode::Periodization;
  const long       full = 2 * m + F - 2; // positions 0 .. 2m + F - 3
  const long       shift = periodization ? F / 2 - 1 : F - 2;
  const std::vector<double> & lowTaps = bank.recLo;
  const std::vector<double> & highTaps = bank.recHi;
  const bool                  acrossOuter = a.inner == 1; // axis 0: lanes are successive lines
  const size_t                laneCount = acrossOuter ? a.outer : a.inner;
  const size_t                laneIn = acrossOuter ? a.length : 1, laneOut = acrossOuter ? target : 1;
  const size_t                batches = (laneCount + kLanes - 1) / kLanes;
  ParallelChunks(batches * (acrossOuter ? 1 : a.outer), [&](size_t begin, size_t end) {
    std::vector<double> buffer(static_cast<size_t>(full) * std::min(kLanes, laneCount)); // sums in double
    double              lanesLo[kLanes], lanesHi[kLanes];
    for (size_t job = begin; job < end; ++job)
    {
      const size_t o = acrossOuter ? 0 : job / batches, l0 = (job % batches) * kLanes;
      const size_t lanes = std::min(kLanes, laneCount - l0);
      const long   L = static_cast<long>(lanes);
      const T *    loBase = lo + o * a.inner * a.length + l0 * laneIn;
      const T *    hiBase = hi ? hi + o * a.inner * a.length + l0 * laneIn : nullptr;
      T *          outBase = out + o * a.inner * target + l0 * laneOut;
      std::fill(buffer.begin(), buffer.begin() + full * L, 0.0);
      for (long k = 0; k < m; ++k)
      {
        for (long l = 0; l < L; ++l)
        {
          lanesLo[l] = static_cast<double>(loBase[k * static_cast<long>(a.inner) + l * static_cast<long>(laneIn)]);
          lanesHi[l] =
            hiBase ? static_cast<double>(hiBase[k * static_cast<long>(a.inner) + l * static_cast<long>(laneIn)]) : 0.0;
        }
        double * row = buffer.data() + 2 * k * L;
        for (long j = 0; j < F; ++j)
        {
          const double tl = lowTaps[j], th = highTaps[j];
          double *     r = row + j * L;
          for (long l = 0; l < L; ++l)
            r[l] += tl * lanesLo[l] + th * lanesHi[l];
        }
      }
      if (periodization)
      {
        // Fold the full convolution onto one period of 2m samples, starting at `shift`.
        const long period = 2 * m;
        for (long p = period; p < full; ++p)
          for (long l = 0; l < L; ++l)
            buffer[static_cast<size_t>((p % period) * L + l)] += buffer[static_cast<size_t>(p * L + l)];
        for (long x = 0; x < static_cast<long>(target); ++x)
        {
          const double * r = buffer.data() + ((x + shift) % period) * L;
          for (long l = 0; l < L; ++l)
            outBase[x * static_cast<long>(a.inner) + l * static_cast<long>(laneOut)] = static_cast<T>(r[l]);
        }
      }
      else
        for (long x = 0; x < static_cast<long>(target); ++x)
        {
          const double * r = buffer.data() + (x + shift) * L;
          for (long l = 0; l < L; ++l)
            outBase[x * static_cast<long>(a.inner) + l * static_cast<long>(laneOut)] = static_cast<T>(r[l]);
        }
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
  DWTBand<T>              approximation; // empty at level 1: the input is read in place
  for (unsigned int level = 1; level <= levels; ++level)
  {
    const T *                 source = level == 1 ? input : approximation.data.data();
    const std::vector<size_t> sourceShape = level == 1 ? shape : approximation.shape;
    std::vector<DWTBand<T>>   bands;
    for (unsigned int axis = 0; axis < dimension; ++axis)
    {
      std::vector<DWTBand<T>> split;
      const size_t            parts = axis == 0 ? 1 : bands.size();
      for (size_t b = 0; b < parts; ++b)
      {
        const T *                   from = axis == 0 ? source : bands[b].data.data();
        const std::vector<size_t> & fromShape = axis == 0 ? sourceShape : bands[b].shape;
        const unsigned int          fromCode = axis == 0 ? 0u : bands[b].code;
        DWTBand<T>                  low, high;
        low.level = high.level = level;
        low.code = fromCode;
        high.code = fromCode | (1u << axis);
        low.shape = high.shape = fromShape;
        low.shape[axis] = high.shape[axis] = DWTCoefficientLength(fromShape[axis], bank.Length(), mode);
        low.data.resize(Product(low.shape));
        high.data.resize(Product(high.shape));
        DecomposeAxis(from, fromShape, axis, bank, mode, low.data.data(), high.data.data());
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
SampleVector<T>
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
  SampleVector<T> approximation; // owned once the coarsest level is reconstructed
  const T *      approximationData = find(levels, 0).data.data();
  for (unsigned int level = levels; level >= 1; --level)
  {
    // Bands of this level by code (read in place); combine along the axes from the last to the first.
    std::vector<const T *>           data(count);
    std::vector<SampleVector<T>>     owned(count);
    std::vector<std::vector<size_t>> shapeOf(count, shapes[level]);
    data[0] = approximationData;
    for (unsigned int code = 1; code < count; ++code)
      data[code] = find(level, code).data.data();
    for (int axis = static_cast<int>(dimension) - 1; axis >= 0; --axis)
    {
      const unsigned int bit = 1u << axis;
      for (unsigned int code = 0; code < bit; ++code)
      {
        std::vector<size_t> outShape = shapeOf[code];
        outShape[axis] = shapes[level - 1][axis];
        SampleVector<T> combined(Product(outShape));
        ReconstructAxis(data[code], data[code | bit], shapeOf[code], static_cast<unsigned>(axis), bank, mode,
                        outShape[axis], combined.data());
        owned[code] = std::move(combined);
        data[code] = owned[code].data();
        shapeOf[code] = outShape;
      }
    }
    approximation = std::move(owned[0]);
    approximationData = approximation.data();
  }
  return approximation;
}

template std::vector<DWTBand<float>>
DWTDecompose(const float *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode, unsigned int);
template std::vector<DWTBand<double>>
DWTDecompose(const double *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode, unsigned int);
template SampleVector<float>
DWTReconstruct(const std::vector<DWTBand<float>> &, const std::vector<size_t> &, const WaveletFilterBank &,
               WaveletMode);
template SampleVector<double>
DWTReconstruct(const std::vector<DWTBand<double>> &, const std::vector<size_t> &, const WaveletFilterBank &,
               WaveletMode);
} // namespace fusion
} // namespace itk
