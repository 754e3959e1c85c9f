#include "itkLaplacianPyramid.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace itk
{
namespace fusion
{
namespace
{
using Shape = std::array<size_t, 3>;
constexpr double kKernel[5] = { 1.0 / 16, 4.0 / 16, 6.0 / 16, 4.0 / 16, 1.0 / 16 };

long
Mirror(long i, long n)
{
  if (n == 1)
    return 0;
  while (i < 0 || i >= n)
    i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/* Filters along `axis` with the kernel times `gain`; with `reduce`, keeps every second sample. */
std::vector<double>
FilterAxis(const std::vector<double> & in, Shape & shape, unsigned axis, double gain, bool reduce)
{
  Shape out = shape;
  out[axis] = reduce ? (shape[axis] + 1) / 2 : shape[axis];
  std::vector<double> result(out[0] * out[1] * out[2]);
  const size_t        stride = axis == 0 ? 1 : (axis == 1 ? shape[0] : shape[0] * shape[1]);
  const long          n = static_cast<long>(shape[axis]);
  for (size_t z = 0; z < out[2]; ++z)
    for (size_t y = 0; y < out[1]; ++y)
      for (size_t x = 0; x < out[0]; ++x)
      {
        const size_t at[3] = { x, y, z };
        const long   centre = static_cast<long>(at[axis]) * (reduce ? 2 : 1);
        const size_t outBase = (z * out[1] + y) * out[0] + x;
        size_t       base = 0;
        for (unsigned d = 0; d < 3; ++d)
          if (d != axis)
            base += at[d] * (d == 0 ? 1 : (d == 1 ? shape[0] : shape[0] * shape[1]));
        double sum = 0.0;
        for (long t = -2; t <= 2; ++t)
          sum += kKernel[t + 2] * in[base + static_cast<size_t>(Mirror(centre + t, n)) * stride];
        result[outBase] = gain * sum;
      }
  shape = out;
  return result;
}

std::vector<double>
Reduce(const std::vector<double> & in, Shape & shape, unsigned dimension)
{
  std::vector<double> v = in;
  for (unsigned d = 0; d < dimension; ++d)
    v = FilterAxis(v, shape, d, 1.0, true);
  return v;
}

/* Back to `fine` (each axis (n + 1) / 2 -> n): zeros inserted, filtered with twice the kernel. */
std::vector<double>
Expand(const std::vector<double> & in, const Shape & coarse, const Shape & fine, unsigned dimension)
{
  std::vector<double> v(fine[0] * fine[1] * fine[2], 0.0);
  for (size_t z = 0; z < coarse[2]; ++z)
    for (size_t y = 0; y < coarse[1]; ++y)
      for (size_t x = 0; x < coarse[0]; ++x)
      {
        const size_t fz = dimension > 2 ? 2 * z : z, fy = dimension > 1 ? 2 * y : y;
        v[(fz * fine[1] + fy) * fine[0] + 2 * x] = in[(z * coarse[1] + y) * coarse[0] + x];
      }
  Shape s = fine;
  for (unsigned d = 0; d < dimension; ++d)
    v = FilterAxis(v, s, d, 2.0, false);
  return v;
}
} // namespace

std::vector<float>
LaplacianPyramidFusion(const std::vector<const float *> & sources, const std::array<size_t, 3> & size,
                       unsigned int dimension, unsigned int levels)
{
  if (sources.size() < 2 || dimension < 1 || dimension > 3 || levels < 1)
    throw std::invalid_argument("Laplacian pyramid fusion needs two or more sources, 1-3 dimensions, 1 or more levels");
  const size_t n = size[0] * size[1] * size[2];
  // The levels that fit: every axis keeps at least 2 samples.
  std::vector<Shape> shapes{ size };
  while (shapes.size() <= levels)
  {
    Shape next = shapes.back();
    bool  fits = true;
    for (unsigned d = 0; d < dimension; ++d)
    {
      next[d] = (next[d] + 1) / 2;
      fits = fits && next[d] >= 2;
    }
    if (!fits)
      break;
    shapes.push_back(next);
  }
  const size_t top = shapes.size() - 1;
  // Fused Laplacian levels 0 .. top-1 (max-abs) and the fused top (mean).
  std::vector<std::vector<double>> fusedLevels(top);
  std::vector<double>              fusedTop;
  for (size_t k = 0; k < sources.size(); ++k)
  {
    std::vector<double> g(sources[k], sources[k] + n);
    for (size_t l = 0; l < top; ++l)
    {
      Shape      s = shapes[l];
      const auto coarser = Reduce(g, s, dimension);
      const auto up = Expand(coarser, shapes[l + 1], shapes[l], dimension);
      auto &     fusedLevel = fusedLevels[l];
      if (k == 0)
        fusedLevel.assign(g.size(), 0.0);
      for (size_t i = 0; i < g.size(); ++i)
      {
        const double laplacian = g[i] - up[i];
        if (k == 0 || std::abs(laplacian) > std::abs(fusedLevel[i]))
          fusedLevel[i] = laplacian;
      }
      g = coarser;
    }
    if (k == 0)
      fusedTop.assign(g.size(), 0.0);
    for (size_t i = 0; i < g.size(); ++i)
      fusedTop[i] += g[i] / static_cast<double>(sources.size());
  }
  std::vector<double> f = fusedTop;
  for (size_t l = top; l-- > 0;)
  {
    auto up = Expand(f, shapes[l + 1], shapes[l], dimension);
    for (size_t i = 0; i < up.size(); ++i)
      up[i] += fusedLevels[l][i];
    f.swap(up);
  }
  return std::vector<float>(f.begin(), f.end());
}
} // namespace fusion
} // namespace itk
