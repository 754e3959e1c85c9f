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
#include <array>
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

/** The ten features of the windows centred on the pixels of a line along x, each offset's matrix slid
 * along the line (one column of pairs out, one in: O(1) per pair and feature). `levels`: the quantised
 * image padded by the window's reach, x fastest, `grid` samples per axis; coordinates below are in
 * that padded image. Offsets have three steps (0 on the axes the image lacks). Features per window:
 * the mean over the offsets' matrices, or the features of one matrix of all offsets (pooled). */
class SlidingWindows
{
public:
  SlidingWindows(const unsigned char * levels, const std::array<long, 3> & grid, unsigned int dimension,
                 const std::vector<std::array<long, 3>> & offsets, long radius, unsigned int levelCount, bool symmetric,
                 bool pooled)
    : m_Levels(levels)
    , m_Dimension(dimension)
    , m_Offsets(offsets)
    , m_Radius(radius)
    , m_LevelCount(levelCount)
    , m_Symmetric(symmetric)
    , m_Pooled(pooled)
    , m_States(pooled ? 1 : offsets.size())
  {
    // c ln c for every count a cell can hold.
    size_t most = 2;
    for (const auto & o : offsets)
    {
      size_t n = 2;
      for (unsigned int d = 0; d < dimension; ++d)
        n *= static_cast<size_t>(2 * radius + 1 - std::abs(o[d]));
      most += n;
    }
    m_CLogC.assign(most + 1, 0.0);
    for (size_t c = 2; c <= most; ++c)
      m_CLogC[c] = static_cast<double>(c) * std::log(static_cast<double>(c));
    // Linear positions in the padded levels: strides, and each offset's distance.
    m_Stride[0] = 1;
    for (unsigned int d = 1; d < dimension; ++d)
      m_Stride[d] = m_Stride[d - 1] * grid[d - 1];
    m_Delta.assign(offsets.size(), 0);
    for (size_t k = 0; k < offsets.size(); ++k)
      for (unsigned int d = 0; d < dimension; ++d)
        m_Delta[k] += offsets[k][d] * m_Stride[d];
  }

  /** out(x, values) for the windows centred on centre + (x, 0, 0), x = 0 .. width - 1, in order;
   * values: mean, variance, contrast, dissimilarity, homogeneity, ASM, energy, entropy,
   * correlation, maxprob. */
  template <typename TOut>
  void
  Line(std::array<long, 3> centre, long width, TOut && out)
  {
    for (auto & state : m_States)
      state.Reset(m_LevelCount, m_CLogC);
    double values[10];
    for (long x = 0; x < width; ++x, ++centre[0])
    {
      for (size_t k = 0; k < m_Offsets.size(); ++k)
      {
        const auto & o = m_Offsets[k];
        if (x == 0)
        {
          for (long ax = BoxLow(o, 0, centre[0]); ax <= BoxHigh(o, 0, centre[0]); ++ax)
            Column(k, centre, ax, +1);
        }
        else
        {
          Column(k, centre, BoxLow(o, 0, centre[0] - 1), -1);
          Column(k, centre, BoxHigh(o, 0, centre[0]), +1);
        }
      }
      Features(values);
      out(static_cast<size_t>(x), values);
    }
  }

private:
  const unsigned char *            m_Levels;
  unsigned int                     m_Dimension;
  std::vector<std::array<long, 3>> m_Offsets;
  long                             m_Radius;
  unsigned int                     m_LevelCount;
  bool                             m_Symmetric;
  bool                             m_Pooled;
  std::vector<Cooccurrence>        m_States; // one per offset, or one for all (pooled)
  std::vector<double>              m_CLogC;
  long                             m_Stride[3] = { 1, 1, 1 };
  std::vector<long>                m_Delta;

  /* Box A of an offset for a window centre: a with a and a + o in the window. */
  long
  BoxLow(const std::array<long, 3> & o, unsigned int d, long c) const
  {
    return c - m_Radius + std::max<long>(0, -o[d]);
  }
  long
  BoxHigh(const std::array<long, 3> & o, unsigned int d, long c) const
  {
    return c + m_Radius - std::max<long>(0, o[d]);
  }

  /* Adds (sign +1) or removes (-1) the pairs of offset k whose first element has x = ax, over box A's
   * other axes. */
  void
  Column(size_t k, const std::array<long, 3> & centre, long ax, int sign)
  {
    const auto & o = m_Offsets[k];
    long         lo[3], hi[3], a[3];
    long         position = ax * m_Stride[0];
    for (unsigned int d = 1; d < m_Dimension; ++d)
    {
      lo[d] = BoxLow(o, d, centre[d]);
      hi[d] = BoxHigh(o, d, centre[d]);
      a[d] = lo[d];
      position += lo[d] * m_Stride[d];
    }
    Cooccurrence & state = m_States[m_Pooled ? 0 : k];
    const long     delta = m_Delta[k];
    for (;;)
    {
      const unsigned i = m_Levels[position], j = m_Levels[position + delta];
      state.Bump(i, j, sign);
      if (m_Symmetric)
        state.Bump(j, i, sign);
      unsigned int d = 1;
      for (; d < m_Dimension; ++d)
      {
        if (++a[d] <= hi[d])
        {
          position += m_Stride[d];
          break;
        }
        position -= (a[d] - 1 - lo[d]) * m_Stride[d];
        a[d] = lo[d];
      }
      if (d == m_Dimension)
        break;
    }
  }

  void
  Features(double * values) const
  {
    if (m_Pooled)
    {
      m_States[0].Features(values);
      return;
    }
    double f[10], sum[10] = { 0 };
    for (const auto & state : m_States)
    {
      state.Features(f);
      for (int q = 0; q < 10; ++q)
        sum[q] += f[q];
    }
    for (int q = 0; q < 10; ++q)
      values[q] = sum[q] / m_Offsets.size();
  }
};
} // namespace glcm
} // namespace fusion
} // namespace itk

#endif
