/*
 * The GLCM kernel in the emulation, ITK-free (so that the ASan and TSan builds run it too): the
 * features of one window against counts built here by brute force, 2D and 3D.
 * (Against the CPU filter and scikit-image: Testing/itkGLCMMeanTextureFilterGTest.cxx and
 * Testing/Python/test_glcm_skimage.py.)
 */
#include "cuda_host_emulation.h"
#include "fusionKernels.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace
{
/* Contrast and ASM of the counts of the window at (cx, cy, cz) for one offset. */
void
BruteForce(const std::vector<unsigned char> & levels, const int padded[3], int cx, int cy, int cz, const int r[3],
           const int o[3], int L, double & contrast, double & asm_)
{
  std::vector<double> counts(L * L, 0.0);
  double              total = 0;
  for (int z = cz - r[2]; z <= cz + r[2]; ++z)
    for (int y = cy - r[1]; y <= cy + r[1]; ++y)
      for (int x = cx - r[0]; x <= cx + r[0]; ++x)
      {
        const int bx = x + o[0], by = y + o[1], bz = z + o[2];
        if (bx < cx - r[0] || bx > cx + r[0] || by < cy - r[1] || by > cy + r[1] || bz < cz - r[2] || bz > cz + r[2])
          continue;
        const int i = levels[(z * padded[1] + y) * padded[0] + x], j = levels[(bz * padded[1] + by) * padded[0] + bx];
        counts[i * L + j] += 1;
        counts[j * L + i] += 1;
        total += 2;
      }
  contrast = asm_ = 0;
  for (int i = 0; i < L; ++i)
    for (int j = 0; j < L; ++j)
    {
      const double p = counts[i * L + j] / total;
      contrast += (i - j) * (i - j) * p;
      asm_ += p * p;
    }
}
} // namespace

TEST(GLCMKernel, FeaturesEqualBruteForce2DAnd3D)
{
  for (int dimension : { 2, 3 })
  {
    const int                    L = 5;
    fusionkernels::GLCMArguments a;
    const int                    pad = 2;
    const int                    size[3] = { 7, 6, dimension == 3 ? 4 : 1 };
    int                          padded[3], r[3];
    for (int d = 0; d < 3; ++d)
    {
      const bool used = d < dimension;
      padded[d] = size[d] + (used ? 2 * pad : 0);
      r[d] = used ? 1 : 0;
      a.padded[d] = padded[d];
      a.origin[d] = used ? pad : 0;
      a.size[d] = size[d];
      a.radius[d] = r[d];
    }
    std::vector<unsigned char> levels(static_cast<size_t>(padded[0]) * padded[1] * padded[2]);
    std::mt19937               rng(static_cast<unsigned>(dimension));
    for (auto & v : levels)
      v = static_cast<unsigned char>(rng() % L);
    const std::vector<int> offsets =
      dimension == 2 ? std::vector<int>{ 1, 0, 0, 1, 1, 0 } : std::vector<int>{ 1, 0, 0, 0, 1, 1 };
    std::vector<float> out(static_cast<size_t>(size[0]) * size[1] * size[2] * 10);
    a.levels = levels.data();
    a.offsets = offsets.data();
    a.offsetCount = 2;
    a.numberOfLevels = L;
    a.output = out.data();
    ASSERT_EQ(fusionkernels::emu::GLCMFeatures(a), 0) << fusionkernels::emu::ErrorMessage(1);
    size_t id = 0;
    for (int z = 0; z < size[2]; ++z)
      for (int y = 0; y < size[1]; ++y)
        for (int x = 0; x < size[0]; ++x, ++id)
        {
          double contrast = 0, asm_ = 0;
          for (int k = 0; k < 2; ++k)
          {
            double c = 0, s = 0;
            BruteForce(levels, padded, x + a.origin[0], y + a.origin[1], z + a.origin[2], r, &offsets[3 * k], L, c, s);
            contrast += c / 2;
            asm_ += s / 2;
          }
          ASSERT_NEAR(out[id * 10 + 2], contrast, 1e-5) << dimension << "D contrast at " << x << "," << y << "," << z;
          ASSERT_NEAR(out[id * 10 + 5], asm_, 1e-6) << dimension << "D ASM";
        }
  }
}

TEST(GLCMKernel, RejectsTooManyLevels)
{
  fusionkernels::GLCMArguments a;
  std::vector<unsigned char>   levels(9, 0);
  std::vector<float>           out(10);
  const int                    offsets[3] = { 1, 0, 0 };
  a.levels = levels.data();
  a.offsets = offsets;
  a.offsetCount = 1;
  a.output = out.data();
  a.numberOfLevels = fusionkernels::kGLCMMaximumLevels + 1;
  EXPECT_NE(fusionkernels::emu::GLCMFeatures(a), 0);
}
