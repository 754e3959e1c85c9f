/*
 * The Laplacian pyramid fusion kernels, run in the emulation under every schedule, against an
 * oracle written here in double the textbook way (whole-image zero insertion, then the 5-tap
 * filter along each axis; the kernels expand axis by axis), in 1D, 2D and 3D with odd sizes and
 * N = 2 and 3 sources; equal sources come back unchanged. (The ITK filter's CPU path is compared
 * with these kernels in Testing/itkFusionMethodsGTest.cxx.)
 */
#include "cuda_host_emulation.h"
#include "fusionKernels.h"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <random>
#include <vector>

namespace
{
using Shape = std::array<size_t, 3>;
using Volume = std::vector<double>;

size_t
Reflect(long i, long n)
{
  while (n > 1 && (i < 0 || i >= n))
    i = i < 0 ? -i : 2 * n - 2 - i;
  return n > 1 ? static_cast<size_t>(i) : 0;
}

/* Filters `v` (shape s) along axis d with [1 4 6 4 1] / 16 times `gain`. */
Volume
Filter(const Volume & v, const Shape & s, int d, double gain)
{
  const double k[5] = { 1, 4, 6, 4, 1 };
  Volume       out(v.size());
  for (size_t z = 0; z < s[2]; ++z)
    for (size_t y = 0; y < s[1]; ++y)
      for (size_t x = 0; x < s[0]; ++x)
      {
        double sum = 0;
        for (long t = -2; t <= 2; ++t)
        {
          size_t p[3] = { x, y, z };
          p[d] = Reflect(static_cast<long>(p[d]) + t, static_cast<long>(s[d]));
          sum += k[t + 2] / 16 * v[(p[2] * s[1] + p[1]) * s[0] + p[0]];
        }
        out[(z * s[1] + y) * s[0] + x] = gain * sum;
      }
  return out;
}

Volume
Reduce(const Volume & v, const Shape & s, const Shape & c, int dimension)
{
  Volume f = v;
  for (int d = 0; d < dimension; ++d)
    f = Filter(f, s, d, 1.0);
  Volume out(c[0] * c[1] * c[2]);
  for (size_t z = 0; z < c[2]; ++z)
    for (size_t y = 0; y < c[1]; ++y)
      for (size_t x = 0; x < c[0]; ++x)
        out[(z * c[1] + y) * c[0] + x] =
          f[((dimension > 2 ? 2 * z : z) * s[1] + (dimension > 1 ? 2 * y : y)) * s[0] + 2 * x];
  return out;
}

Volume
Expand(const Volume & v, const Shape & c, const Shape & s, int dimension)
{
  Volume up(s[0] * s[1] * s[2], 0.0);
  for (size_t z = 0; z < c[2]; ++z)
    for (size_t y = 0; y < c[1]; ++y)
      for (size_t x = 0; x < c[0]; ++x)
        up[((dimension > 2 ? 2 * z : z) * s[1] + (dimension > 1 ? 2 * y : y)) * s[0] + 2 * x] =
          v[(z * c[1] + y) * c[0] + x];
  for (int d = 0; d < dimension; ++d)
    up = Filter(up, s, d, 2.0);
  return up;
}

Volume
Oracle(const std::vector<Volume> & sources, Shape s, int dimension, int levels)
{
  std::vector<Shape> shapes{ s };
  for (int l = 0; l < levels; ++l)
  {
    Shape next = shapes.back();
    bool  fits = true;
    for (int d = 0; d < dimension; ++d)
      fits = fits && (next[d] = (next[d] + 1) / 2) >= 2;
    if (!fits)
      break;
    shapes.push_back(next);
  }
  const size_t        top = shapes.size() - 1;
  std::vector<Volume> details(top);
  Volume              base;
  for (size_t k = 0; k < sources.size(); ++k)
  {
    Volume g = sources[k];
    for (size_t l = 0; l < top; ++l)
    {
      const Volume coarse = Reduce(g, shapes[l], shapes[l + 1], dimension);
      const Volume up = Expand(coarse, shapes[l + 1], shapes[l], dimension);
      details[l].resize(g.size());
      for (size_t i = 0; i < g.size(); ++i)
        if (k == 0 || std::abs(g[i] - up[i]) > std::abs(details[l][i]))
          details[l][i] = g[i] - up[i];
      g = coarse;
    }
    base.resize(g.size());
    for (size_t i = 0; i < g.size(); ++i)
      base[i] = (k == 0 ? 0.0 : base[i]) + g[i] / static_cast<double>(sources.size());
  }
  for (size_t l = top; l-- > 0;)
  {
    base = Expand(base, shapes[l + 1], shapes[l], dimension);
    for (size_t i = 0; i < base.size(); ++i)
      base[i] += details[l][i];
  }
  return base;
}

class PyramidKernel : public ::testing::TestWithParam<const char *>
{};
} // namespace

TEST_P(PyramidKernel, EqualsDoubleOracleIn1D2D3D)
{
  ASSERT_TRUE(cuemu::set_schedule(GetParam()));
  struct Case
  {
    int   dimension;
    Shape shape;
    int   sources, levels;
  };
  for (const Case & c : { Case{ 1, { 37, 1, 1 }, 2, 3 },
                          Case{ 2, { 33, 20, 1 }, 3, 4 },
                          Case{ 2, { 9, 5, 1 }, 2, 6 },
                          Case{ 3, { 13, 10, 7 }, 3, 2 } })
  {
    const size_t                          count = c.shape[0] * c.shape[1] * c.shape[2];
    std::mt19937                          rng(11u + static_cast<unsigned>(count));
    std::uniform_real_distribution<float> value(0.0f, 1.0f);
    std::vector<std::vector<float>>       sources(static_cast<size_t>(c.sources), std::vector<float>(count));
    std::vector<Volume>                   asDouble;
    std::vector<const float *>            pointers;
    for (auto & s : sources)
    {
      for (float & v : s)
        v = value(rng);
      asDouble.emplace_back(s.begin(), s.end());
      pointers.push_back(s.data());
    }
    fusionkernels::PyramidFusionArguments a;
    a.dimension = c.dimension;
    for (int d = 0; d < 3; ++d)
      a.shape[d] = c.shape[static_cast<size_t>(d)];
    a.sources = pointers.data();
    a.numberOfSources = c.sources;
    a.levels = c.levels;
    std::vector<float> out(count, -7.0f);
    a.output = out.data();
    ASSERT_EQ(fusionkernels::emu::LaplacianPyramidFusion(a), 0) << fusionkernels::emu::ErrorMessage(-1);
    const Volume expected = Oracle(asDouble, c.shape, c.dimension, c.levels);
    double       worst = 0.0;
    for (size_t i = 0; i < count; ++i)
      worst = std::max(worst, std::abs(out[i] - expected[i]));
    EXPECT_LE(worst, 2e-6) << c.dimension << "D, " << c.sources << " sources, " << c.levels << " levels";

    // Equal sources: the pyramid gives the image back.
    pointers.assign(2, sources[0].data());
    a.numberOfSources = 2;
    ASSERT_EQ(fusionkernels::emu::LaplacianPyramidFusion(a), 0);
    worst = 0.0;
    for (size_t i = 0; i < count; ++i)
      worst = std::max(worst, static_cast<double>(std::abs(out[i] - sources[0][i])));
    EXPECT_LE(worst, 2e-6);
  }
  cuemu::set_schedule("forward");
}

INSTANTIATE_TEST_SUITE_P(Schedules, PyramidKernel, ::testing::Values("forward", "reverse", "random:5"));

TEST(PyramidKernelArguments, RejectsInconsistentArguments)
{
  fusionkernels::PyramidFusionArguments a;
  EXPECT_NE(fusionkernels::emu::LaplacianPyramidFusion(a), 0);
  std::vector<float> x(16, 1.0f), out(16);
  const float *      p[2] = { x.data(), x.data() };
  a.sources = p;
  a.output = out.data();
  a.shape[0] = a.shape[1] = 4;
  a.numberOfSources = 1;
  EXPECT_NE(fusionkernels::emu::LaplacianPyramidFusion(a), 0) << "one source";
  a.numberOfSources = 2;
  a.levels = 0;
  EXPECT_NE(fusionkernels::emu::LaplacianPyramidFusion(a), 0) << "no level";
  a.levels = 2;
  a.dimension = 4;
  EXPECT_NE(fusionkernels::emu::LaplacianPyramidFusion(a), 0) << "four dimensions";
  a.dimension = 2;
  EXPECT_EQ(fusionkernels::emu::LaplacianPyramidFusion(a), 0);
}
