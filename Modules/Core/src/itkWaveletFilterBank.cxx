#include "itkWaveletFilterBank.h"
#include "itkFusionParallel.h"
#include "itkFusionError.h"

#include "wavelet_rules.h"
#include "itkFusionTargetClones.h"

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


const std::vector<std::string> kModeNames = { "zero",   "constant",      "symmetric",     "reflect",    "periodic",
                                              "smooth", "periodization", "antisymmetric", "antireflect" };

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

/* Below this many multiply-adds a pass runs on the calling thread: measured on this project's
 * 2-core machines, handing a 512 x 512 pass (Haar or db4) to ITK's thread pool costs more than it
 * saves; 128^3 passes gain from both cores. */
constexpr size_t kParallelWork = size_t{ 1 } << 22;

/* Runs f(first, last) over [0, count) in chunks on the threads of ITK's global default (fusion::ParallelFor);
 * each chunk keeps its scratch. */
template <typename F>
void
ParallelChunks(size_t count, F && f, bool parallel = true)
{
  ParallelFor(count, parallel ? MultiThreaderBase::GetGlobalDefaultNumberOfThreads() : 1u, f);
}

/* The hot loops of one level, each a function of its own so that it is also compiled for AVX2. */

// One tap over unit-stride coefficients: lo[k] += tl x[k], hi[k] += th x[k].
template <typename T>
FUSION_TARGET_CLONES void
TapPass(T * __restrict lo, T * __restrict hi, const T * __restrict x, T tl, T th, size_t m)
{
  for (size_t k = 0; k < m; ++k)
  {
    lo[k] += tl * x[k];
    hi[k] += th * x[k];
  }
}

// m outputs of L lanes from the extended samples (row-major by position, L per row), taps in
// PyWavelets' order; output k of lane l goes to lo[k * outStride + l * laneStride].
template <typename T>
FUSION_TARGET_CLONES void
FilterLanes(const T * buffer, long L, size_t m, long step, long offset, const T * lowTaps, const T * highTaps, long F,
            T * lo, T * hi, size_t outStride, size_t laneStride)
{
  T accLo[kLanes], accHi[kLanes];
  for (size_t k = 0; k < m; ++k)
  {
    const T * centre = buffer + (static_cast<long>(k) * step + offset) * L;
    for (long l = 0; l < L; ++l)
      accLo[l] = accHi[l] = 0;
    for (long j = 0; j < F; ++j)
    {
      const T   tl = lowTaps[j], th = highTaps[j];
      const T * row = centre - j * L;
      for (long l = 0; l < L; ++l)
      {
        accLo[l] += tl * row[l];
        accHi[l] += th * row[l];
      }
    }
    for (long l = 0; l < L; ++l)
    {
      lo[k * outStride + static_cast<size_t>(l) * laneStride] = accLo[l];
      hi[k * outStride + static_cast<size_t>(l) * laneStride] = accHi[l];
    }
  }
}

// One reconstruction tap over unit-stride coefficients: out[k] += tl lo[k] + th hi[k] (hi may be absent).
template <typename T>
FUSION_TARGET_CLONES void
SpreadPass(T * __restrict out, const T * __restrict lo, const T * __restrict hi, T tl, T th, size_t m)
{
  if (hi)
    for (size_t k = 0; k < m; ++k)
      out[k] += tl * lo[k] + th * hi[k];
  else
    for (size_t k = 0; k < m; ++k)
      out[k] += tl * lo[k] + th * T(0);
}

// The full convolution of m upsampled coefficients of L lanes with the reconstruction taps, added
// into buffer (row-major by position, L per row); coefficient k of lane l is at k * inStride + l * laneStride.
template <typename T>
FUSION_TARGET_CLONES void
SpreadLanes(const T * lo, const T * hi, long m, long L, size_t inStride, size_t laneStride, const T * lowTaps,
            const T * highTaps, long F, T * buffer)
{
  T lanesLo[kLanes], lanesHi[kLanes];
  for (long k = 0; k < m; ++k)
  {
    for (long l = 0; l < L; ++l)
    {
      lanesLo[l] = lo[static_cast<size_t>(k) * inStride + static_cast<size_t>(l) * laneStride];
      lanesHi[l] = hi ? hi[static_cast<size_t>(k) * inStride + static_cast<size_t>(l) * laneStride] : T(0);
    }
    T * row = buffer + 2 * k * L;
    for (long j = 0; j < F; ++j)
    {
      const T tl = lowTaps[j], th = highTaps[j];
      T *     r = row + j * L;
      for (long l = 0; l < L; ++l)
        r[l] += tl * lanesLo[l] + th * lanesHi[l];
    }
  }
}

/* One level along one axis: input of `shape`, lo and hi with shape[axis] = coefficient length.
 * Lines along the axis are gathered (with the boundary extension) into a buffer of up to kLanes
 * neighbouring lines, row-major by position, then filtered across all lanes at once. */
template <typename T>
void
DecomposeAxis(const T * in, const std::vector<size_t> & shape, unsigned int axis, const WaveletFilterBank & bank,
              WaveletMode mode, T * lo, T * hi, bool parallel = true)
{
  const AxisLayout a(shape, axis);
  const long       n = static_cast<long>(a.length);
  const long       F = static_cast<long>(bank.Length());
  const size_t     m = DWTCoefficientLength(a.length, bank.Length(), mode);
  const int        modeNumber = static_cast<int>(mode);
  // Index range of the extended samples that the outputs read.
  const long first = static_cast<long>(::fusionkernels::wavelet::Centre(0, F, modeNumber)) - (F - 1);
  const long last = static_cast<long>(::fusionkernels::wavelet::Centre(static_cast<long long>(m) - 1, F, modeNumber));
  const long extent = last - first + 1;
  const long step = static_cast<long>(::fusionkernels::wavelet::Centre(1, F, modeNumber) -
                                      ::fusionkernels::wavelet::Centre(0, F, modeNumber));
  const long offset = static_cast<long>(::fusionkernels::wavelet::Centre(0, F, modeNumber)) - first;
  // Sums in the storage type T, tap by tap in PyWavelets' order (j = 0 .. F-1), as PyWavelets does.
  const std::vector<T> lowTaps(bank.decLo.begin(), bank.decLo.end()), highTaps(bank.decHi.begin(), bank.decHi.end());
  if (a.inner == 1 && a.length >= 256)
  {
    // Long contiguous lines (axis 0 of large images): each line extended once and split into its
    // even and odd samples, so that every tap is a unit-stride pass over the coefficients: with
    // c = centre(0) in the extended line, x[c + 2k - j] is even[(c - j) / 2 + k] or odd[(c - j - 1) / 2 + k].
    parallel = parallel && a.length * a.outer * static_cast<size_t>(F) > kParallelWork;
    ParallelChunks(
      a.outer,
      [&](size_t begin, size_t end) {
        SampleVector<T> phase[2];
        phase[0].resize(static_cast<size_t>(extent) / 2 + 1);
        phase[1].resize(static_cast<size_t>(extent) / 2 + 1);
        for (size_t o = begin; o < end; ++o)
        {
          const T * source = in + o * a.length;
          for (long p = 0; p < extent; ++p)
          {
            const long idx = first + p;
            phase[p & 1][static_cast<size_t>(p / 2)] =
              (idx >= 0 && idx < n) ? source[idx] : ::fusionkernels::wavelet::Extended(source, 1LL, n, idx, modeNumber);
          }
          T * __restrict al = lo + o * m;
          T * __restrict ah = hi + o * m;
          std::fill(al, al + m, T(0));
          std::fill(ah, ah + m, T(0));
          for (long j = 0; j < F; ++j)
          {
            const long c = offset - j; // >= 0 since offset >= F - 1
            TapPass(al, ah, phase[c & 1].data() + c / 2, lowTaps[j], highTaps[j], m);
          }
        }
      },
      parallel);
    return;
  }
  if (a.inner >= kLanes)
  {
    // Axes > 0: the samples across the axis are contiguous runs of `inner`, so every tap is a pass
    // over whole runs, from the input itself (the runs past the ends extended once per job).
    constexpr size_t block = 1024; // samples of a run per job
    const size_t     blocks = (a.inner + block - 1) / block;
    parallel = parallel && a.inner * a.length * a.outer * static_cast<size_t>(F) > kParallelWork;
    ParallelChunks(
      a.outer * blocks,
      [&](size_t begin, size_t end) {
        SampleVector<T> outside; // extended runs, for positions first .. -1 and n .. last
        for (size_t job = begin; job < end; ++job)
        {
          const size_t o = job / blocks, c0 = (job % blocks) * block, width = std::min(block, a.inner - c0);
          const T *    base = in + o * a.inner * a.length + c0;
          const long   before = std::max(0L, -first), after = std::max(0L, last - (n - 1));
          outside.resize(static_cast<size_t>(before + after) * width);
          const auto run = [&](long idx) -> const T * {
            if (idx >= 0 && idx < n)
              return base + static_cast<size_t>(idx) * a.inner;
            return outside.data() + static_cast<size_t>(idx < 0 ? idx + before : before + idx - n) * width;
          };
          for (long idx = first; idx <= last; ++idx)
            if (idx < 0 || idx >= n)
            {
              T * r = const_cast<T *>(run(idx));
              for (size_t l = 0; l < width; ++l)
                r[l] =
                  ::fusionkernels::wavelet::Extended(base + l, static_cast<long long>(a.inner), n, idx, modeNumber);
            }
          T * loBase = lo + o * a.inner * m + c0;
          T * hiBase = hi + o * a.inner * m + c0;
          for (size_t k = 0; k < m; ++k)
          {
            T * al = loBase + k * a.inner;
            T * ah = hiBase + k * a.inner;
            std::fill(al, al + width, T(0));
            std::fill(ah, ah + width, T(0));
            const long centre = first + static_cast<long>(k) * step + offset;
            for (long j = 0; j < F; ++j)
              TapPass(
                al, ah, run(centre - j), lowTaps[static_cast<size_t>(j)], highTaps[static_cast<size_t>(j)], width);
          }
        }
      },
      parallel);
    return;
  }
  // Lanes: neighbouring lines across the axis (axis > 0), or successive lines (axis 0, gathered).
  const bool   acrossOuter = a.inner == 1;
  const size_t laneCount = acrossOuter ? a.outer : a.inner;
  const size_t laneIn = acrossOuter ? a.length : 1, laneOut = acrossOuter ? m : 1;
  const size_t batches = (laneCount + kLanes - 1) / kLanes;
  parallel = parallel && a.inner * a.length * a.outer * static_cast<size_t>(F) > kParallelWork;
  ParallelChunks(
    batches * (acrossOuter ? 1 : a.outer),
    [&](size_t begin, size_t end) {
      SampleVector<T> buffer(static_cast<size_t>(extent) * std::min(kLanes, laneCount));
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
              row[l] = ::fusionkernels::wavelet::Extended(
                base + l * laneIn, static_cast<long long>(a.inner), n, idx, modeNumber);
        }
        FilterLanes(
          buffer.data(), L, m, step, offset, lowTaps.data(), highTaps.data(), F, loBase, hiBase, a.inner, laneOut);
      }
    },
    parallel);
}

/* The inverse along one axis: lo and hi (coefficients along `axis`, coefficient shape `shape`)
 * to `target` samples along the axis. Each coefficient k adds rec_lo[j] lo[k] + rec_hi[j] hi[k]
 * at position 2k + j of the full convolution of the upsampled coefficients (length 2m + F - 2),
 * accumulated in a buffer of up to kLanes neighbouring lines; the output is the stretch from
 * index F - 2, or for periodization the buffer wrapped with period 2m from index F/2 - 1. */
template <typename T>
void
ReconstructAxis(const T * lo, const T * hi, const std::vector<size_t> & shape, unsigned int axis,
                const WaveletFilterBank & bank, WaveletMode mode, size_t target, T * out, bool parallel = true)
{
  const AxisLayout a(shape, axis);
  const long       m = static_cast<long>(a.length);
  const long       F = static_cast<long>(bank.Length());
  const bool       periodization = mode == WaveletMode::Periodization;
  const long       full = 2 * m + F - 2; // positions 0 .. 2m + F - 3
  const long       shift = periodization ? F / 2 - 1 : F - 2;
  // Sums in the storage type T, as PyWavelets does.
  const std::vector<T> lowTaps(bank.recLo.begin(), bank.recLo.end()), highTaps(bank.recHi.begin(), bank.recHi.end());
  // The full convolution of L lanes (row-major by position) to the output: cut from `shift`, or
  // for periodization folded onto one period of 2m samples first. Lane l of output x goes to
  // outBase[x * outStride + l * laneOut].
  const auto emit = [&](T * buffer, long L, T * outBase, size_t outStride, size_t laneOut) {
    if (periodization)
    {
      const long period = 2 * m;
      for (long p = period; p < full; ++p)
        for (long l = 0; l < L; ++l)
          buffer[static_cast<size_t>((p % period) * L + l)] += buffer[static_cast<size_t>(p * L + l)];
    }
    for (long x = 0; x < static_cast<long>(target); ++x)
    {
      const T * r = buffer + (periodization ? (x + shift) % (2 * m) : x + shift) * L;
      for (long l = 0; l < L; ++l)
        outBase[static_cast<size_t>(x) * outStride + static_cast<size_t>(l) * laneOut] = r[l];
    }
  };
  if (a.inner == 1 && a.length >= 128)
  {
    // Long contiguous lines (axis 0 of large images): the even and odd output positions apart, so
    // that every tap is a unit-stride pass (position 2k + j is phase j mod 2, index k + j / 2).
    // Taps from the last to the first: each position sums its terms in increasing k, as below.
    parallel = parallel && a.length * a.outer * static_cast<size_t>(F) > kParallelWork;
    ParallelChunks(
      a.outer,
      [&](size_t begin, size_t end) {
        SampleVector<T> phase[2], buffer(static_cast<size_t>(full));
        phase[0].resize(static_cast<size_t>(full + 1) / 2 + 1);
        phase[1].resize(static_cast<size_t>(full + 1) / 2 + 1);
        for (size_t o = begin; o < end; ++o)
        {
          std::fill(phase[0].begin(), phase[0].end(), T(0));
          std::fill(phase[1].begin(), phase[1].end(), T(0));
          const T * lineLo = lo + o * a.length;
          const T * lineHi = hi ? hi + o * a.length : nullptr;
          for (long j = F - 1; j >= 0; --j)
            SpreadPass(phase[j & 1].data() + j / 2,
                       lineLo,
                       lineHi,
                       lowTaps[static_cast<size_t>(j)],
                       highTaps[static_cast<size_t>(j)],
                       a.length);
          T * line = out + o * target;
          if (!periodization) // interleave the phases straight into the output, from `shift`
          {
            const T * even = phase[shift & 1].data() + shift / 2;
            const T * odd = phase[(shift + 1) & 1].data() + (shift + 1) / 2;
            for (size_t x = 0; x + 1 < target; x += 2)
            {
              line[x] = even[x / 2];
              line[x + 1] = odd[x / 2];
            }
            if (target & 1)
              line[target - 1] = even[target / 2];
            continue;
          }
          for (long p = 0; p < full; ++p)
            buffer[static_cast<size_t>(p)] = phase[p & 1][static_cast<size_t>(p / 2)];
          emit(buffer.data(), 1, line, 1, 1);
        }
      },
      parallel);
    return;
  }
  if (a.inner >= kLanes && !periodization)
  {
    // Axes > 0: the samples across the axis are contiguous runs of `inner`, so output run x takes
    // rec_lo[j] lo[k] + rec_hi[j] hi[k] run by run (2k + j = x + shift) straight into the output;
    // k ascending: each output sums its terms in the order of the lanes below.
    constexpr size_t block = 1024; // samples of a run per job
    const size_t     blocks = (a.inner + block - 1) / block;
    parallel = parallel && a.inner * a.length * a.outer * static_cast<size_t>(F) > kParallelWork;
    ParallelChunks(
      a.outer * blocks,
      [&](size_t begin, size_t end) {
        for (size_t job = begin; job < end; ++job)
        {
          const size_t o = job / blocks, c0 = (job % blocks) * block, width = std::min(block, a.inner - c0);
          const T *    loBase = lo + o * a.inner * a.length + c0;
          const T *    hiBase = hi ? hi + o * a.inner * a.length + c0 : nullptr;
          T *          outBase = out + o * a.inner * target + c0;
          for (size_t x = 0; x < target; ++x)
            std::fill(outBase + x * a.inner, outBase + x * a.inner + width, T(0));
          for (long k = 0; k < m; ++k)
            for (long j = 0; j < F; ++j)
            {
              const long x = 2 * k + j - shift;
              if (x >= 0 && x < static_cast<long>(target))
                SpreadPass(outBase + static_cast<size_t>(x) * a.inner,
                           loBase + static_cast<size_t>(k) * a.inner,
                           hiBase ? hiBase + static_cast<size_t>(k) * a.inner : nullptr,
                           lowTaps[static_cast<size_t>(j)],
                           highTaps[static_cast<size_t>(j)],
                           width);
            }
        }
      },
      parallel);
    return;
  }
  const bool   acrossOuter = a.inner == 1; // axis 0: lanes are successive lines
  const size_t laneCount = acrossOuter ? a.outer : a.inner;
  const size_t laneIn = acrossOuter ? a.length : 1, laneOut = acrossOuter ? target : 1;
  const size_t batches = (laneCount + kLanes - 1) / kLanes;
  parallel = parallel && a.inner * a.length * a.outer * static_cast<size_t>(F) > kParallelWork;
  ParallelChunks(
    batches * (acrossOuter ? 1 : a.outer),
    [&](size_t begin, size_t end) {
      std::vector<T> buffer(static_cast<size_t>(full) * std::min(kLanes, laneCount));
      for (size_t job = begin; job < end; ++job)
      {
        const size_t o = acrossOuter ? 0 : job / batches, l0 = (job % batches) * kLanes;
        const size_t lanes = std::min(kLanes, laneCount - l0);
        const long   L = static_cast<long>(lanes);
        const T *    loBase = lo + o * a.inner * a.length + l0 * laneIn;
        const T *    hiBase = hi ? hi + o * a.inner * a.length + l0 * laneIn : nullptr;
        std::fill(buffer.begin(), buffer.begin() + full * L, T(0));
        SpreadLanes(loBase, hiBase, m, L, a.inner, laneIn, lowTaps.data(), highTaps.data(), F, buffer.data());
        emit(buffer.data(), L, out + o * a.inner * target + l0 * laneOut, a.inner, laneOut);
      }
    },
    parallel);
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
  itkFusionInvalidInputMacro(<< "unknown wavelet mode '" << name << "' (valid: " << valid.str() << ")");
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
    itkFusionInvalidInputMacro(<< "unknown wavelet '" << name
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
  return static_cast<size_t>(::fusionkernels::wavelet::CoefficientLength(
    static_cast<long long>(length), static_cast<long long>(filterLength), static_cast<int>(mode)));
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
        itkFusionInvalidInputMacro(<< "DWT: axis " << d << " has no samples at level " << l - 1);
      next[d] = DWTCoefficientLength(shapes.back()[d], filterLength, mode);
    }
    shapes.push_back(next);
  }
  return shapes;
}

template <typename T>
void
DWTDecompose(const T * input, const std::vector<size_t> & shape, const WaveletFilterBank & bank, WaveletMode mode,
             unsigned int levels, T * const * bands)
{
  const unsigned int dimension = static_cast<unsigned int>(shape.size());
  if (levels < 1)
    itkFusionInvalidInputMacro(<< "DWT: the number of levels must be at least 1");
  const auto         shapes = DWTLevelShapes(shape, bank.Length(), mode, levels);
  const unsigned int codes = 1u << dimension;
  SampleVector<T>    approximation; // the approximation between levels
  for (unsigned int level = 1; level <= levels; ++level)
  {
    // Per code: where its data is and its shape; split axis by axis. The last axis writes the
    // bands of this level straight into the caller's buffers (the approximation too at the last level).
    std::vector<const T *>           data(codes, nullptr);
    std::vector<std::vector<size_t>> shapeOf(codes, shapes[level - 1]);
    std::vector<SampleVector<T>>     scratch(codes);
    SampleVector<T>                  nextApproximation;
    data[0] = level == 1 ? input : approximation.data();
    unsigned int firstAxis = 0;
    if (dimension >= 3)
    {
      // Axes 0 and 1 slab by slab (a slab is one index of the axes >= 2), in cache, on all cores.
      const size_t        n0 = shapeOf[0][0], n1 = shapeOf[0][1], m0 = shapes[level][0], m1 = shapes[level][1];
      const size_t        slabs = Product(shapeOf[0]) / (n0 * n1);
      std::vector<size_t> bandShape = shapeOf[0];
      bandShape[0] = m0;
      bandShape[1] = m1;
      for (unsigned int code = 0; code < 4; ++code)
        scratch[code].resize(Product(bandShape));
      const T * from = data[0];
      ParallelChunks(slabs, [&](size_t begin, size_t end) {
        SampleVector<T> low(m0 * n1), high(m0 * n1);
        for (size_t z = begin; z < end; ++z)
        {
          DecomposeAxis(from + z * n0 * n1, { n0, n1 }, 0, bank, mode, low.data(), high.data(), false);
          DecomposeAxis(low.data(),
                        { m0, n1 },
                        1,
                        bank,
                        mode,
                        scratch[0].data() + z * m0 * m1,
                        scratch[2].data() + z * m0 * m1,
                        false);
          DecomposeAxis(high.data(),
                        { m0, n1 },
                        1,
                        bank,
                        mode,
                        scratch[1].data() + z * m0 * m1,
                        scratch[3].data() + z * m0 * m1,
                        false);
        }
      });
      for (unsigned int code = 0; code < 4; ++code)
      {
        data[code] = scratch[code].data();
        shapeOf[code] = bandShape;
      }
      firstAxis = 2;
    }
    for (unsigned int axis = firstAxis; axis < dimension; ++axis)
    {
      const unsigned int           bit = 1u << axis;
      const bool                   lastAxis = axis + 1 == dimension;
      std::vector<SampleVector<T>> made(codes);
      for (unsigned int code = 0; code < bit; ++code)
      {
        std::vector<size_t> outShape = shapeOf[code];
        outShape[axis] = shapes[level][axis];
        size_t count = 1;
        for (auto v : outShape)
          count *= v;
        T * low = nullptr;
        T * high = nullptr;
        if (lastAxis)
        {
          high = bands[DWTBandIndex(level, code | bit, dimension)];
          if (code != 0 || level == levels)
            low = bands[DWTBandIndex(level, code, dimension)];
          else
          {
            nextApproximation.resize(count);
            low = nextApproximation.data();
          }
        }
        else
        {
          made[code].resize(count);
          made[code | bit].resize(count);
          low = made[code].data();
          high = made[code | bit].data();
        }
        DecomposeAxis(data[code], shapeOf[code], axis, bank, mode, low, high);
        shapeOf[code] = shapeOf[code | bit] = outShape;
      }
      if (!lastAxis)
        for (unsigned int code = 0; code < 2 * bit; ++code)
        {
          scratch[code] = std::move(made[code]);
          data[code] = scratch[code].data();
        }
    }
    approximation = std::move(nextApproximation);
  }
}

template <typename T>
void
DWTReconstruct(const T * const * bands, const std::vector<size_t> & shape, const WaveletFilterBank & bank,
               WaveletMode mode, unsigned int levels, T * output)
{
  const unsigned int dimension = static_cast<unsigned int>(shape.size());
  if (levels < 1)
    itkFusionInvalidInputMacro(<< "DWT reconstruction: the number of levels must be at least 1");
  const auto         shapes = DWTLevelShapes(shape, bank.Length(), mode, levels);
  const unsigned int codes = 1u << dimension;
  SampleVector<T>    approximation; // the reconstructed approximation between levels
  for (unsigned int level = levels; level >= 1; --level)
  {
    // Bands of this level (read in place); combine along the axes from the last to the first.
    std::vector<const T *>           data(codes);
    std::vector<SampleVector<T>>     owned(codes);
    std::vector<std::vector<size_t>> shapeOf(codes, shapes[level]);
    for (unsigned int code = 0; code < codes; ++code)
      data[code] = (code == 0 && level != levels) ? approximation.data() : bands[DWTBandIndex(level, code, dimension)];
    const int lastSeparateAxis = dimension >= 3 ? 2 : 0; // axes 1 and 0 go slab by slab below
    for (int axis = static_cast<int>(dimension) - 1; axis >= lastSeparateAxis; --axis)
    {
      const unsigned int bit = 1u << axis;
      for (unsigned int code = 0; code < bit; ++code)
      {
        std::vector<size_t> outShape = shapeOf[code];
        outShape[axis] = shapes[level - 1][axis];
        SampleVector<T> combined;
        T *             destination = output; // the last pass writes the image
        if (!(axis == 0 && level == 1))
        {
          combined.resize(Product(outShape));
          destination = combined.data();
        }
        ReconstructAxis(data[code],
                        data[code | bit],
                        shapeOf[code],
                        static_cast<unsigned>(axis),
                        bank,
                        mode,
                        outShape[axis],
                        destination);
        if (destination != output)
          owned[code] = std::move(combined); // frees the source it replaces only now
        data[code] = destination;
        shapeOf[code] = outShape;
      }
    }
    if (dimension >= 3)
    {
      const size_t        m0 = shapeOf[0][0], m1 = shapeOf[0][1], t0 = shapes[level - 1][0], t1 = shapes[level - 1][1];
      const size_t        slabs = Product(shapeOf[0]) / (m0 * m1);
      std::vector<size_t> outShape = shapeOf[0];
      outShape[0] = t0;
      outShape[1] = t1;
      SampleVector<T> combined;
      T *             destination = output;
      if (level > 1)
      {
        combined.resize(Product(outShape));
        destination = combined.data();
      }
      ParallelChunks(slabs, [&](size_t begin, size_t end) {
        SampleVector<T> low(m0 * t1), high(m0 * t1);
        for (size_t z = begin; z < end; ++z)
        {
          const size_t in = z * m0 * m1;
          ReconstructAxis(data[0] + in, data[2] + in, { m0, m1 }, 1, bank, mode, t1, low.data(), false);
          ReconstructAxis(data[1] + in, data[3] + in, { m0, m1 }, 1, bank, mode, t1, high.data(), false);
          ReconstructAxis(low.data(), high.data(), { m0, t1 }, 0, bank, mode, t0, destination + z * t0 * t1, false);
        }
      });
      if (level > 1)
        owned[0] = std::move(combined);
    }
    if (level > 1)
      approximation = std::move(owned[0]);
  }
}

template void
DWTDecompose(const float *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode, unsigned int,
             float * const *);
template void
DWTDecompose(const double *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode, unsigned int,
             double * const *);
template void
DWTReconstruct(const float * const *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode, unsigned int,
               float *);
template void
DWTReconstruct(const double * const *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode,
               unsigned int, double *);
} // namespace fusion
} // namespace itk
