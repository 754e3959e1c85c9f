/*
 * The weighted fusion kernel, run in the emulation, against a double-precision
 * reference of its formula (every weighting and the maximum), under every schedule. (The ITK filter's CPU path is
 * compared with the same kernel in Testing/itkWeightedFusionFilterGTest.cxx.)
 */
#include "cuda_host_emulation.h"
#include "fusionKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace
{
struct Data
{
  std::vector<std::vector<float>> sources, perPixel;
  std::vector<const float *>      sourcePointers, perPixelPointers;
};

Data
make(int n, size_t count, unsigned seed, bool zeroActivities)
{
  Data                                  d;
  std::mt19937                          rng(seed);
  std::uniform_real_distribution<float> value(0.0f, 300.0f), weight(0.0f, 2.0f);
  d.sources.assign(n, std::vector<float>(count));
  d.perPixel.assign(n, std::vector<float>(count));
  for (int k = 0; k < n; ++k)
    for (size_t i = 0; i < count; ++i)
    {
      d.sources[k][i] = value(rng);
      d.perPixel[k][i] = (zeroActivities && i % 3 == 0) ? 0.0f : weight(rng);
    }
  for (int k = 0; k < n; ++k)
  {
    d.sourcePointers.push_back(d.sources[k].data());
    d.perPixelPointers.push_back(d.perPixel[k].data());
  }
  return d;
}

double
reference(const Data & d, int n, size_t i, int mode, double eps)
{
  double sum = 0.0, total = 0.0;
  for (int k = 0; k < n; ++k)
  {
    const double x = d.sources[k][i], w = d.perPixel[k][i];
    if (mode == 3)
      sum = k == 0 ? x : std::max(sum, x);
    else if (mode == 0)
      sum += x / n;
    else if (mode == 1)
      sum += w * x;
    else
    {
      total += w;
      sum += (w + eps) * x;
    }
  }
  return mode == 2 ? sum / (total + n * eps) : sum;
}

class WeightedFusionKernel : public ::testing::TestWithParam<const char *>
{};
} // namespace

TEST_P(WeightedFusionKernel, EqualsDoubleReferenceInEveryMode)
{
  ASSERT_TRUE(cuemu::set_schedule(GetParam()));
  for (int n : { 2, 3, 5 })
  {
    const size_t count = 3001 + n; // not a multiple of the block size
    const Data   d = make(n, count, 7u + n, true);
    for (int mode = 0; mode < 4; ++mode) // equal weights, given weights, ratio of activities, maximum
    {
      fusionkernels::WeightedFusionArguments a;
      a.sources = d.sourcePointers.data();
      a.weights = mode == 1 ? d.perPixelPointers.data() : nullptr;
      a.activities = mode == 2 ? d.perPixelPointers.data() : nullptr;
      a.numberOfSources = n;
      a.count = count;
      a.epsilon = 1e-3f;
      a.maximum = mode == 3;
      std::vector<float> out(count, -1.0f);
      a.output = out.data();
      ASSERT_EQ(fusionkernels::emu::WeightedFusion(a), 0) << fusionkernels::emu::ErrorMessage(-1);
      double worst = 0.0;
      for (size_t i = 0; i < count; ++i)
      {
        const double r = reference(d, n, i, mode, 1e-3);
        worst = std::max(worst, std::abs(out[i] - r) / std::max(1.0, std::abs(r)));
      }
      EXPECT_LE(worst, 1e-6) << "n=" << n << " mode=" << mode;
    }
  }
  cuemu::set_schedule("forward");
}

INSTANTIATE_TEST_SUITE_P(Schedules, WeightedFusionKernel, ::testing::Values("forward", "reverse", "random:3"));

TEST(WeightedFusionKernelArguments, RejectsInconsistentArguments)
{
  fusionkernels::WeightedFusionArguments a;
  EXPECT_NE(fusionkernels::emu::WeightedFusion(a), 0);
  std::vector<float> x(4, 1.0f), out(4);
  const float *      p[2] = { x.data(), x.data() };
  a.sources = p;
  a.weights = p;
  a.activities = p;
  a.numberOfSources = 2;
  a.count = 4;
  a.output = out.data();
  EXPECT_NE(fusionkernels::emu::WeightedFusion(a), 0) << "weights and activities together";
  a.activities = nullptr;
  a.maximum = true;
  EXPECT_NE(fusionkernels::emu::WeightedFusion(a), 0) << "maximum with weights";
  EXPECT_EQ(fusionkernels::emu::DeviceCount(), 1);
}
