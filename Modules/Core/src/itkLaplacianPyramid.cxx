#include "itkLaplacianPyramid.h"
#include "itkFusionError.h"

#include "pyramid_rules.h"

#include <cmath>
#include <stdexcept>

namespace itk
{
namespace fusion
{
namespace
{
using Shape = std::array<size_t, 3>;
namespace rules = ::fusionkernels::pyramid;

/* One pass along `axis`: REDUCE (shape -> (n + 1) / 2) or EXPAND (shape -> `fine` along the axis). */
std::vector<double>
AlongAxis(const std::vector<double> & in, Shape & shape, unsigned axis, bool reduce, size_t fine = 0)
{
  Shape out = shape;
  out[axis] = reduce ? (shape[axis] + 1) / 2 : fine;
  std::vector<double> result(out[0] * out[1] * out[2]);
  const size_t        stride = axis == 0 ? 1 : (axis == 1 ? shape[0] : shape[0] * shape[1]);
  const long          n = static_cast<long>(shape[axis]);
  for (size_t z = 0; z < out[2]; ++z)
    for (size_t y = 0; y < out[1]; ++y)
      for (size_t x = 0; x < out[0]; ++x)
      {
        const size_t at[3] = { x, y, z };
        size_t       line = 0; // the input line's first sample
        for (unsigned d = 0; d < 3; ++d)
          if (d != axis)
            line += at[d] * (d == 0 ? 1 : (d == 1 ? shape[0] : shape[0] * shape[1]));
        const long i = static_cast<long>(at[axis]);
        result[(z * out[1] + y) * out[0] + x] =
          reduce ? rules::ReduceSample(in.data() + line, stride, n, i)
                 : rules::ExpandSample(in.data() + line, stride, static_cast<long>(fine), i);
      }
  shape = out;
  return result;
}

std::vector<double>
Reduce(std::vector<double> v, Shape shape, unsigned dimension)
{
  for (unsigned d = 0; d < dimension; ++d)
    v = AlongAxis(v, shape, d, true);
  return v;
}

std::vector<double>
Expand(std::vector<double> v, Shape coarse, const Shape & fine, unsigned dimension)
{
  for (unsigned d = 0; d < dimension; ++d)
    v = AlongAxis(v, coarse, d, false, fine[d]);
  return v;
}
} // namespace

std::vector<float>
LaplacianPyramidFusion(const std::vector<const float *> & sources, const std::array<size_t, 3> & size,
                       unsigned int dimension, unsigned int levels)
{
  if (sources.size() < 2 || dimension < 1 || dimension > 3 || levels < 1)
    throw fusion::InvalidInput("Laplacian pyramid fusion needs two or more sources, 1-3 dimensions, 1 or more levels");
  const size_t n = size[0] * size[1] * size[2];
  size_t       levelShapes[rules::kMaximumLevels + 1][3];
  const size_t top = static_cast<size_t>(
    rules::LevelShapes(size.data(), static_cast<int>(dimension), static_cast<int>(levels), levelShapes));
  std::vector<Shape> shapes(top + 1);
  for (size_t l = 0; l <= top; ++l)
    shapes[l] = { { levelShapes[l][0], levelShapes[l][1], levelShapes[l][2] } };
  // Fused Laplacian levels 0 .. top-1 (max-abs) and the fused top (mean).
  std::vector<std::vector<double>> fusedLevels(top);
  std::vector<double>              fusedTop;
  for (size_t k = 0; k < sources.size(); ++k)
  {
    std::vector<double> g(sources[k], sources[k] + n);
    for (size_t l = 0; l < top; ++l)
    {
      auto       coarser = Reduce(g, shapes[l], dimension);
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
      g.swap(coarser);
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
