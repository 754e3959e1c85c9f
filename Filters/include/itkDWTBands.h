/*
 * Helpers shared by DWTDecomposeFilter and DWTReconstructFilter: band codes and names, the
 * geometry of each level, the packed band layout of the CUDA kernels. Internal to the module.
 */
#ifndef itkDWTBands_h
#define itkDWTBands_h

#include "itkImageBase.h"
#include "itkMacro.h"
#include "fusionKernels.h"
#include "itkWaveletFilterBank.h"

#include <string>
#include <vector>

namespace itk
{
namespace fusion
{
/** Band name (one L or H per axis) to its code (bit d set for H along axis d). */
inline unsigned int
DWTBandCode(const std::string & name, unsigned int dimension)
{
  if (name.size() != dimension)
    itkGenericExceptionMacro(<< "band name '" << name << "' must have " << dimension << " letters L or H");
  unsigned int code = 0;
  for (unsigned int d = 0; d < dimension; ++d)
  {
    if (name[d] == 'H')
      code |= 1u << d;
    else if (name[d] != 'L')
      itkGenericExceptionMacro(<< "band name '" << name << "' must have " << dimension << " letters L or H");
  }
  return code;
}

/** Physical grid of the bands of each level: [0] the image, [l] the bands of level l. */
template <unsigned int D>
struct DWTLevelGrid
{
  typename ImageBase<D>::SpacingType spacing;
  typename ImageBase<D>::PointType   origin;
};

/** Offset c of the first coefficient's support centre, in samples of the finer level. */
inline double
DWTFirstCoefficientOffset(size_t filterLength, WaveletMode mode)
{
  return mode == WaveletMode::Periodization ? 0.5 : (3.0 - static_cast<double>(filterLength)) / 2.0;
}

template <unsigned int D>
std::vector<DWTLevelGrid<D>>
DWTLevelGrids(const typename ImageBase<D>::SpacingType & spacing, const typename ImageBase<D>::PointType & origin,
              const typename ImageBase<D>::DirectionType & direction, size_t filterLength, WaveletMode mode,
              unsigned int levels)
{
  std::vector<DWTLevelGrid<D>> grids(levels + 1);
  grids[0].spacing = spacing;
  grids[0].origin = origin;
  const double c = DWTFirstCoefficientOffset(filterLength, mode);
  for (unsigned int l = 1; l <= levels; ++l)
  {
    typename ImageBase<D>::SpacingType::VectorType step;
    for (unsigned int d = 0; d < D; ++d)
    {
      grids[l].spacing[d] = 2.0 * grids[l - 1].spacing[d];
      step[d] = c * grids[l - 1].spacing[d];
    }
    grids[l].origin = grids[l - 1].origin + direction * step;
  }
  return grids;
}

/** Packed layout of all bands in one buffer (the kernels' layout): level 1 codes 1 .. 2^D - 1,
 * level 2 ..., then the approximation. Returns the offset of each (level, code) and the total. */
inline std::vector<size_t>
DWTPackedOffsets(const std::vector<std::vector<size_t>> & levelShapes, unsigned int dimension, size_t & total)
{
  const unsigned int  levels = static_cast<unsigned int>(levelShapes.size() - 1);
  const unsigned int  codes = 1u << dimension;
  std::vector<size_t> offsets((levels + 1) * codes, 0);
  total = 0;
  const auto count = [](const std::vector<size_t> & s) {
    size_t p = 1;
    for (auto v : s)
      p *= v;
    return p;
  };
  for (unsigned int l = 1; l <= levels; ++l)
    for (unsigned int code = 1; code < codes; ++code)
    {
      offsets[l * codes + code] = total;
      total += count(levelShapes[l]);
    }
  offsets[levels * codes] = total;
  total += count(levelShapes[levels]);
  return offsets;
}
/** The arguments of the DWT kernels (fusionKernels.h) for an image of `shape`: `taps` holds the
 * low- and high-pass filters in float (dec_* to decompose, rec_* to reconstruct) and must outlive
 * the call; source and destination are left to the caller. */
inline ::fusionkernels::DWTArguments
DWTKernelArguments(const std::vector<size_t> & shape, const std::vector<double> & low, const std::vector<double> & high,
                   WaveletMode mode, unsigned int levels, std::vector<float> (&taps)[2])
{
  taps[0].assign(low.begin(), low.end());
  taps[1].assign(high.begin(), high.end());
  ::fusionkernels::DWTArguments arguments;
  arguments.dimension = static_cast<int>(shape.size());
  for (unsigned int d = 0; d < 3; ++d)
    arguments.shape[d] = d < shape.size() ? shape[d] : 1;
  arguments.filterLength = static_cast<int>(low.size());
  arguments.lowTaps = taps[0].data();
  arguments.highTaps = taps[1].data();
  arguments.mode = static_cast<int>(mode);
  arguments.levels = static_cast<int>(levels);
  return arguments;
}
} // namespace fusion
} // namespace itk

#endif
