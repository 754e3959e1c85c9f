/*
 * The DWT kernels in the emulation, ITK-free (so that the sanitizer builds run them too):
 * the Haar transform against its closed form, and decomposition + reconstruction as the identity.
 * (Equality with PyWavelets for every wavelet and mode: Testing/Python/test_dwt_pywt.py.)
 */
#include "cuda_host_emulation.h"
#include "fusionKernels.h"
#include "wavelet_rules.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace
{
const float kSqrtHalf = 0.70710678118654752f;
// db2 filters (PyWavelets): dec_lo, dec_hi; rec = reversed.
const float kDb2Lo[4] = { -0.12940952255092145f, 0.22414386804185735f, 0.836516303737469f, 0.48296291314469025f };
const float kDb2Hi[4] = { -0.48296291314469025f, 0.836516303737469f, -0.22414386804185735f, -0.12940952255092145f };

/* Every test under three schedules: the kernels' barriers make the result order-independent. */
class DWTKernels : public ::testing::TestWithParam<const char *>
{
protected:
  void
  SetUp() override
  {
    ASSERT_TRUE(cuemu::set_schedule(GetParam()));
  }
  void
  TearDown() override
  {
    cuemu::set_schedule("forward");
  }
};
} // namespace

TEST_P(DWTKernels, HaarEqualsClosedForm3D)
{
  const size_t       nx = 8, ny = 6, nz = 4, count = nx * ny * nz;
  std::vector<float> image(count);
  std::mt19937       rng(3);
  for (auto & v : image)
    v = std::uniform_real_distribution<float>(-5.0f, 5.0f)(rng);
  const float                 lo[2] = { kSqrtHalf, kSqrtHalf }, hi[2] = { -kSqrtHalf, kSqrtHalf };
  std::vector<float>          bands(count); // even sizes, haar: the bands tile the input exactly
  fusionkernels::DWTArguments a;
  a.dimension = 3;
  a.shape[0] = nx;
  a.shape[1] = ny;
  a.shape[2] = nz;
  a.filterLength = 2;
  a.lowTaps = lo;
  a.highTaps = hi;
  a.mode = fusionkernels::wavelet::Symmetric;
  a.levels = 1;
  a.source = image.data();
  a.destination = bands.data();
  ASSERT_EQ(fusionkernels::emu::DWTDecompose(a), 0) << fusionkernels::emu::ErrorMessage(1);
  const size_t hx = nx / 2, hy = ny / 2, hz = nz / 2, per = hx * hy * hz;
  const auto   x = [&](size_t i, size_t j, size_t k) { return image[i + nx * (j + ny * k)]; };
  for (unsigned code = 0; code < 8; ++code)
  {
    const float * band = bands.data() + (code == 0 ? 7 * per : (code - 1) * per);
    for (size_t k = 0; k < hz; ++k)
      for (size_t j = 0; j < hy; ++j)
        for (size_t i = 0; i < hx; ++i)
        {
          // Separable Haar (PyWavelets: dec_hi = [-1, 1]/sqrt2 applied as x[2k+1-j]): along each
          // axis a = (x0 + x1)/sqrt2, d = (x0 - x1)/sqrt2.
          double v = 0.0;
          for (unsigned corner = 0; corner < 8; ++corner)
          {
            double w = 1.0;
            for (unsigned d = 0; d < 3; ++d)
              w *= ((code >> d) & 1u) ? (((corner >> d) & 1u) ? -kSqrtHalf : kSqrtHalf) : kSqrtHalf;
            v += w * x(2 * i + (corner & 1u), 2 * j + ((corner >> 1) & 1u), 2 * k + ((corner >> 2) & 1u));
          }
          ASSERT_NEAR(band[i + hx * (j + hy * k)], v, 1e-5) << "code " << code;
        }
  }
}

TEST_P(DWTKernels, Db2DecomposeThenReconstructIsTheIdentity)
{
  for (int mode : { fusionkernels::wavelet::Symmetric,
                    fusionkernels::wavelet::Periodization,
                    fusionkernels::wavelet::Antireflect })
  {
    const size_t       nx = 13, ny = 9;
    std::vector<float> image(nx * ny);
    std::mt19937       rng(4);
    for (auto & v : image)
      v = std::uniform_real_distribution<float>(0.0f, 10.0f)(rng);
    // Packed size of 2 levels in 2D.
    size_t total = 0, sx = nx, sy = ny;
    for (int l = 1; l <= 2; ++l)
    {
      sx = static_cast<size_t>(fusionkernels::wavelet::CoefficientLength(static_cast<long long>(sx), 4, mode));
      sy = static_cast<size_t>(fusionkernels::wavelet::CoefficientLength(static_cast<long long>(sy), 4, mode));
      total += 3 * sx * sy;
    }
    total += sx * sy;
    std::vector<float>          bands(total), back(nx * ny);
    fusionkernels::DWTArguments a;
    a.dimension = 2;
    a.shape[0] = nx;
    a.shape[1] = ny;
    a.filterLength = 4;
    a.lowTaps = kDb2Lo;
    a.highTaps = kDb2Hi;
    a.mode = mode;
    a.levels = 2;
    a.source = image.data();
    a.destination = bands.data();
    ASSERT_EQ(fusionkernels::emu::DWTDecompose(a), 0);
    const float recLo[4] = { kDb2Lo[3], kDb2Lo[2], kDb2Lo[1], kDb2Lo[0] };
    const float recHi[4] = { kDb2Hi[3], kDb2Hi[2], kDb2Hi[1], kDb2Hi[0] };
    a.lowTaps = recLo;
    a.highTaps = recHi;
    a.source = bands.data();
    a.destination = back.data();
    ASSERT_EQ(fusionkernels::emu::DWTReconstruct(a), 0);
    for (size_t i = 0; i < image.size(); ++i)
      ASSERT_NEAR(back[i], image[i], 1e-4) << "mode " << mode << " sample " << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Schedules, DWTKernels, ::testing::Values("forward", "reverse", "random:5"));
