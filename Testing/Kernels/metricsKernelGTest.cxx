/*
 * The fusion-metric kernels in the emulation, ITK-free (so that the ASan and TSan builds run them
 * too): local moments against a brute-force window sum, the edge sums against the per-pixel rule
 * summed in a plain loop, the joint histograms against direct counting; 2D and 3D; bad arguments.
 * (Against the CPU path and the reference libraries: Testing/itkFusionMetricsCalculatorGTest.cxx,
 * Testing/Python/test_metrics_*.py.)
 */
#include "cuda_host_emulation.h"
#include "fusionKernels.h"
#include "metrics_rules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace
{
std::vector<double>
RandomImages(size_t count, unsigned seed)
{
  std::mt19937                           rng(seed);
  std::uniform_real_distribution<double> u(0.0, 255.0);
  std::vector<double>                    v(count);
  for (double & x : v)
    x = std::round(u(rng));
  return v;
}
} // namespace

TEST(MetricsKernels, LocalMomentsEqualBruteForceWindowSums)
{
  for (int dimension : { 2, 3 })
  {
    const size_t                         shape[3] = { 37, 29, dimension == 3 ? size_t{ 13 } : size_t{ 1 } };
    const size_t                         n = shape[0] * shape[1] * shape[2];
    const auto                           images = RandomImages(2 * n, 7 + dimension);
    const std::vector<double>            taps{ 0.1, 0.2, 0.4, 0.2, 0.1 };
    fusionkernels::LocalMomentsArguments a;
    a.dimension = dimension;
    std::copy(shape, shape + 3, a.shape);
    a.images = images.data();
    a.imageCount = 2;
    a.mapCount = 3;
    a.first[0] = 0, a.second[0] = -1; // x
    a.first[1] = 1, a.second[1] = 1;  // y^2
    a.first[2] = 0, a.second[2] = 1;  // x y
    a.taps = taps.data();
    a.tapCount = 5;
    size_t              out[3] = { shape[0] - 4, shape[1] - 4, dimension == 3 ? shape[2] - 4 : 1 };
    const size_t        m = out[0] * out[1] * out[2];
    std::vector<double> result(3 * m);
    a.output = result.data();
    ASSERT_EQ(fusionkernels::emu::LocalMoments(a), 0) << fusionkernels::emu::ErrorMessage(1);
    const auto at = [&](int image, size_t x, size_t y, size_t z) {
      return images[image * n + (z * shape[1] + y) * shape[0] + x];
    };
    double worst = 0.0;
    for (size_t z = 0; z < out[2]; ++z)
      for (size_t y = 0; y < out[1]; ++y)
        for (size_t x = 0; x < out[0]; ++x)
        {
          double s[3] = { 0, 0, 0 };
          for (int k = 0; k < (dimension == 3 ? 5 : 1); ++k)
            for (int j = 0; j < 5; ++j)
              for (int i = 0; i < 5; ++i)
              {
                const double w = taps[i] * taps[j] * (dimension == 3 ? taps[k] : 1.0);
                const double u = at(0, x + i, y + j, z + k), v = at(1, x + i, y + j, z + k);
                s[0] += w * u;
                s[1] += w * v * v;
                s[2] += w * u * v;
              }
          for (int map = 0; map < 3; ++map)
            worst = std::max(worst,
                             std::abs(result[map * m + (z * out[1] + y) * out[0] + x] - s[map]) /
                               std::max(1.0, std::abs(s[map])));
        }
    EXPECT_LT(worst, 1e-13) << dimension << "D";
  }
}

TEST(MetricsKernels, EdgeSumsEqualThePerPixelRuleSummed)
{
  const size_t                             shape[3] = { 41, 23, 3 }, n = 41 * 23 * 3;
  const auto                               images = RandomImages(3 * n, 11); // two sources and the fused image
  double                                   sums[4];
  fusionkernels::EdgePreservationArguments a;
  std::copy(shape, shape + 3, a.shape);
  a.images = images.data();
  a.sourceCount = 2;
  a.sums = sums;
  ASSERT_EQ(fusionkernels::emu::EdgePreservation(a), 0);
  fusionkernels::metrics::EdgeSums expected;
  for (size_t z = 0; z < 3; ++z)
    for (long y = 0; y < 23; ++y)
      for (long x = 0; x < 41; ++x)
        fusionkernels::metrics::AddEdgePixel(
          images.data() + z * 41 * 23, n, 2, images.data() + 2 * n + z * 41 * 23, 41, 23, x, y, expected);
  const double want[4] = { expected.qNum, expected.qDen, expected.nNum, expected.nDen };
  for (int s = 0; s < 4; ++s)
    EXPECT_NEAR(sums[s], want[s], 1e-12 * std::abs(want[s])) << s;
  EXPECT_GT(want[0], 0.0);
  EXPECT_GT(want[2], 0.0);
}

TEST(MetricsKernels, JointHistogramsEqualDirectCounts)
{
  const size_t               count = 10007;
  std::vector<unsigned char> bins(3 * count);
  std::mt19937               rng(2);
  for (auto & b : bins)
    b = static_cast<unsigned char>(rng() % 256);
  const int                              pairs[4] = { 0, 2, 1, 0 };
  std::vector<unsigned int>              counts(2 * 65536);
  fusionkernels::JointHistogramArguments a;
  a.bins = bins.data();
  a.imageCount = 3;
  a.count = count;
  a.pairs = pairs;
  a.pairCount = 2;
  a.counts = counts.data();
  ASSERT_EQ(fusionkernels::emu::JointHistograms(a), 0);
  std::vector<unsigned int> expected(2 * 65536, 0);
  for (size_t i = 0; i < count; ++i)
  {
    ++expected[bins[0 * count + i] * 256u + bins[2 * count + i]];
    ++expected[65536 + bins[1 * count + i] * 256u + bins[0 * count + i]];
  }
  EXPECT_EQ(counts, expected);
}

TEST(MetricsKernels, RejectBadArguments)
{
  std::vector<double>                  image(10 * 10, 1.0), out(100);
  const double                         taps[3] = { 0.25, 0.5, 0.25 };
  fusionkernels::LocalMomentsArguments a;
  a.shape[0] = a.shape[1] = 10;
  a.images = image.data();
  a.imageCount = 1;
  a.mapCount = 1;
  a.first[0] = 1; // no such image
  a.second[0] = -1;
  a.taps = taps;
  a.tapCount = 3;
  a.output = out.data();
  EXPECT_NE(fusionkernels::emu::LocalMoments(a), 0);
  a.first[0] = 0;
  a.tapCount = 11; // the window does not fit
  EXPECT_NE(fusionkernels::emu::LocalMoments(a), 0);
  const double skewed[3] = { 0.2, 0.5, 0.3 }; // not symmetric
  a.taps = skewed;
  a.tapCount = 3;
  EXPECT_NE(fusionkernels::emu::LocalMoments(a), 0);
  unsigned char                          bins[4] = {};
  unsigned int                           counts[65536];
  const int                              pairs[2] = { 0, 1 };
  fusionkernels::JointHistogramArguments h;
  h.bins = bins;
  h.imageCount = 1;
  h.count = 4;
  h.pairs = pairs; // image 1 does not exist
  h.pairCount = 1;
  h.counts = counts;
  EXPECT_NE(fusionkernels::emu::JointHistograms(h), 0);
  cuemu::cudaGetLastError();
}
