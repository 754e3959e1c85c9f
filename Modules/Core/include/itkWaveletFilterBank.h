/*
 * Wavelet filter banks and the separable discrete wavelet transform, as PyWavelets defines them.
 *
 * The filter banks of every discrete wavelet of PyWavelets (haar, db1-db38, sym2-sym20,
 * coif1-coif17, bior*, rbio*, dmey) live in src/itkWaveletFilterBanks.inc, generated from
 * PyWavelets by scripts/generate_wavelet_filter_banks.py. The nine boundary modes are PyWavelets':
 *
 *   zero           ... 0 0 | x0 ... xn-1 | 0 0 ...
 *   constant       ... x0 x0 | x0 ... xn-1 | xn-1 xn-1 ...
 *   symmetric      ... x1 x0 | x0 ... xn-1 | xn-1 xn-2 ...      (half-sample reflection, default)
 *   reflect        ... x2 x1 | x0 ... xn-1 | xn-2 xn-3 ...      (whole-sample reflection)
 *   periodic       ... xn-2 xn-1 | x0 ... xn-1 | x0 x1 ...
 *   smooth         linear extrapolation of the first and last two samples
 *   periodization  periodic, output length ceil(n/2) (odd n: the last sample is repeated)
 *   antisymmetric  ... -x1 -x0 | x0 ... xn-1 | -xn-1 -xn-2 ...
 *   antireflect    ... 2x0-x2 2x0-x1 | x0 ... xn-1 | 2xn-1-xn-2 ...
 * Extensions longer than the signal repeat the rule, as PyWavelets does. A single sample
 * (n = 1) extends as a constant in every mode but zero (PyWavelets loops forever there).
 *
 * One level along one axis (PyWavelets' dwt): with filter length F and n samples,
 *   a[k] = sum_j dec_lo[j] x[2k + 1 - j],  d[k] = sum_j dec_hi[j] x[2k + 1 - j],
 *   k = 0 .. floor((n + F - 1) / 2) - 1, x extended by the mode;
 * periodization: i = F/2 + 2k, k = 0 .. ceil(n/2) - 1, x periodic with period n + (n mod 2).
 * The inverse (idwt) is the full convolution of the upsampled coefficients with rec_lo and
 * rec_hi, from index F - 2 (periodization: circular, shifted by F/2 - 1), cut to the target length.
 */
#ifndef itkWaveletFilterBank_h
#define itkWaveletFilterBank_h

#include "MultimodalFusionExport.h"
#include "wavelet_modes.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <utility>
#include <string>
#include <vector>

namespace itk
{
namespace fusion
{
/** PyWavelets' signal extension modes (WaveletMode::Symmetric, ...): one numbering with the kernels. */
using WaveletMode = ::fusionkernels::wavelet::Mode;

/** PyWavelets' name of a mode ("symmetric", ...). */
MultimodalFusion_EXPORT std::string
                        WaveletModeName(WaveletMode mode);
/** Parses a PyWavelets mode name; throws FusionError (InvalidInput) listing the valid ones. */
MultimodalFusion_EXPORT WaveletMode
                              WaveletModeFromString(const std::string & name);
MultimodalFusion_EXPORT const std::vector<std::string> &
                              WaveletModeNames();

struct WaveletFilterBank
{
  std::string         name;
  std::string         family; // haar, db, sym, coif, bior, rbio, dmey
  std::vector<double> decLo, decHi, recLo, recHi;
  size_t
  Length() const
  {
    return decLo.size();
  }
};

/** The filter bank of a PyWavelets wavelet name; throws FusionError (InvalidInput) listing the families. */
MultimodalFusion_EXPORT const WaveletFilterBank &
GetWaveletFilterBank(const std::string & name);
/** All wavelet names, or those of one family. */
MultimodalFusion_EXPORT std::vector<std::string>
                        WaveletNames(const std::string & family = "");

/** pywt.dwt_coeff_len: coefficients per axis after one level. */
MultimodalFusion_EXPORT size_t
DWTCoefficientLength(size_t length, size_t filterLength, WaveletMode mode);
/** pywt.dwt_max_level: floor(log2(length / (filterLength - 1))), 0 when length < filterLength - 1. */
MultimodalFusion_EXPORT unsigned int
DWTMaxLevel(size_t length, size_t filterLength);

/** An allocator that leaves new elements uninitialised (the transform overwrites every one):
 * no pass over the memory just to zero it. */
template <typename T>
struct UninitializedAllocator : std::allocator<T>
{
  template <typename U>
  struct rebind
  {
    using other = UninitializedAllocator<U>;
  };
  UninitializedAllocator() = default;
  template <typename U>
  UninitializedAllocator(const UninitializedAllocator<U> &) noexcept
  {}
  template <typename U>
  void
  construct(U * p) noexcept(std::is_nothrow_default_constructible<U>::value)
  {
    ::new (static_cast<void *>(p)) U; // default-initialisation: no value for arithmetic types
  }
  template <typename U, typename... Args>
  void
  construct(U * p, Args &&... args)
  {
    ::new (static_cast<void *>(p)) U(std::forward<Args>(args)...);
  }
};

template <typename T>
using SampleVector = std::vector<T, UninitializedAllocator<T>>;

/** The band's name: one letter per axis in axis order, L or H (2D: LL, HL, LH, HH); `code` has
 * bit d set when the band is high-pass (H) along axis d. */
MultimodalFusion_EXPORT std::string
                        DWTBandName(unsigned int code, unsigned int dimension);

/** Index of a band in the order of DWTDecomposeFilter's outputs: 0 for the approximation of the
 * last level, 1 + (level - 1)(2^D - 1) + (code - 1) for a detail band. */
inline unsigned int
DWTBandIndex(unsigned int level, unsigned int code, unsigned int dimension)
{
  return code == 0 ? 0u : 1u + (level - 1u) * ((1u << dimension) - 1u) + (code - 1u);
}

/** The inverse of DWTBandIndex for a decomposition of `levels` levels: index -> (level, code). */
struct DWTBandOfIndex
{
  unsigned int level, code;
  DWTBandOfIndex(unsigned int index, unsigned int levels, unsigned int dimension)
    : level(index == 0 ? levels : 1u + (index - 1u) / ((1u << dimension) - 1u))
    , code(index == 0 ? 0u : 1u + (index - 1u) % ((1u << dimension) - 1u))
  {}
};

/** Shapes of the approximations: [0] the input, [l] after level l. Throws when a level would
 * leave an axis without samples. */
MultimodalFusion_EXPORT std::vector<std::vector<size_t>>
DWTLevelShapes(const std::vector<size_t> & shape, size_t filterLength, WaveletMode mode, unsigned int levels);

/** Multi-level N-D decomposition (pywt.wavedecn) on all CPU cores, into the caller's buffers:
 * bands[DWTBandIndex(level, code)] holds that band (shape DWTLevelShapes(...)[level], axis 0
 * fastest). T (float or double) is the type of the data and of the sums, as in PyWavelets. */
template <typename T>
void
DWTDecompose(const T * input, const std::vector<size_t> & shape, const WaveletFilterBank & bank, WaveletMode mode,
             unsigned int levels, T * const * bands);

/** The inverse (pywt.waverecn, cut to `shape`) from bands laid out as DWTDecompose writes them. */
template <typename T>
void
DWTReconstruct(const T * const * bands, const std::vector<size_t> & shape, const WaveletFilterBank & bank,
               WaveletMode mode, unsigned int levels, T * output);

extern template MultimodalFusion_EXPORT void
DWTDecompose(const float *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode, unsigned int,
             float * const *);
extern template MultimodalFusion_EXPORT void
DWTDecompose(const double *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode, unsigned int,
             double * const *);
extern template MultimodalFusion_EXPORT void
DWTReconstruct(const float * const *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode, unsigned int,
               float *);
extern template MultimodalFusion_EXPORT void
DWTReconstruct(const double * const *, const std::vector<size_t> &, const WaveletFilterBank &, WaveletMode,
               unsigned int, double *);
} // namespace fusion
} // namespace itk

#endif
