/*
 * The grey-level co-occurrence matrix of a window and its features, as GLCMMeanTextureFilter's CPU
 * path slides it along x: the quantisation of the values to levels, and a matrix kept with the
 * running sums of its ten features (docs/methods.md section 4). The GLCM mean alone has its own
 * O(1) operator (itkGLCMQuickMean.h); the kernels are glcm.cuh.
 */
#ifndef itkGLCMCooccurrence_h
#define itkGLCMCooccurrence_h

#include "itkIntTypes.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

namespace itk
{
namespace fusion
{
namespace glcm
{
inline const std::vector<std::string> &
FeatureNames()
{
  static const std::vector<std::string> names = { "mean", "variance", "contrast", "dissimilarity", "homogeneity",
                                                  "asm",  "energy",   "entropy",  "correlation",   "maxprob" };
  return names;
}

/* A co-occurrence matrix kept with the running sums its features need: adding or removing one
 * count costs O(1), and the features need no scan of the L x L cells. The sums of integer-valued
 * terms stay exact in double; the entropy uses sum c ln c from a table (cLogC[c] = c ln c), the
 * maximum a count of counts. */
struct Cooccurrence
{
  unsigned                    levels = 0;
  const std::vector<double> * cLogC = nullptr;
  std::vector<unsigned>       cells, countOfCounts;
  unsigned                    maximum = 0;
  double total = 0, si = 0, sj = 0, sii = 0, sjj = 0, sij = 0, contrast = 0, dissimilarity = 0, homogeneity = 0,
         squares = 0, entropyTerms = 0;

  void
  Reset(unsigned L, const std::vector<double> & table)
  {
    levels = L;
    cLogC = &table;
    cells.assign(L * L, 0u);
    countOfCounts.assign(table.size(), 0u);
    maximum = 0;
    total = si = sj = sii = sjj = sij = contrast = dissimilarity = homogeneity = squares = entropyTerms = 0;
  }
  void
  Bump(unsigned i, unsigned j, int sign)
  {
    unsigned &     cell = cells[i * levels + j];
    const unsigned before = cell, after = static_cast<unsigned>(static_cast<int>(before) + sign);
    cell = after;
    const double s = sign, d = static_cast<double>(i) - static_cast<double>(j);
    total += s;
    si += s * i;
    sj += s * j;
    sii += s * i * i;
    sjj += s * j * j;
    sij += s * i * j;
    contrast += s * d * d;
    dissimilarity += s * std::abs(d);
    homogeneity += s / (1.0 + d * d);
    squares += static_cast<double>(after) * after - static_cast<double>(before) * before;
    entropyTerms += (*cLogC)[after] - (*cLogC)[before];
    if (before)
      --countOfCounts[before];
    if (after)
      ++countOfCounts[after];
    if (after > maximum)
      maximum = after;
    else
      while (maximum > 0 && countOfCounts[maximum] == 0)
        --maximum;
  }
  /* mean, variance, contrast, dissimilarity, homogeneity, ASM, energy, entropy, correlation, maxprob */
  void
  Features(double * f) const
  {
    const double meanI = si / total, meanJ = sj / total;
    const double varI = std::max(0.0, sii / total - meanI * meanI), varJ = std::max(0.0, sjj / total - meanJ * meanJ);
    const double covariance = sij / total - meanI * meanJ;
    const double spread = std::sqrt(varI * varJ);
    f[0] = meanI;
    f[1] = varI;
    f[2] = contrast / total;
    f[3] = dissimilarity / total;
    f[4] = homogeneity / total;
    f[5] = squares / (total * total);
    f[6] = std::sqrt(f[5]);
    f[7] = std::log(total) - entropyTerms / total;
    f[8] = spread < 1e-15 ? 1.0 : covariance / spread;
    f[9] = maximum / total;
  }
};
/** Levels floor((v - lowest) * scale) clamped to [0, top] (NaN: 0) of n values src[i], or
 * src[index[i]] with an index. With `check`, false when one of them is infinite or NaN. */
template <typename T>
bool
Quantize(const T * __restrict src, const IndexValueType * __restrict index, unsigned char * __restrict out, size_t n,
         double lowest, double scale, int top, bool check)
{
  const double highest = top;
  if (index)
    for (size_t i = 0; i < n; ++i)
      out[i] = static_cast<unsigned char>(
        static_cast<int>(std::min(highest, std::max(0.0, (static_cast<double>(src[index[i]]) - lowest) * scale))));
  else
    for (size_t i = 0; i < n; ++i)
      out[i] = static_cast<unsigned char>(
        static_cast<int>(std::min(highest, std::max(0.0, (static_cast<double>(src[i]) - lowest) * scale))));
  if (check)
    for (size_t i = 0; i < n; ++i)
      if (!std::isfinite(static_cast<double>(index ? src[index[i]] : src[i])))
        return false;
  return true;
}
} // namespace glcm
} // namespace fusion
} // namespace itk

#endif
