/*
 * metrics_rules.h -- the per-pixel arithmetic of the Qabf and Nabf fusion metrics, written once for
 * the CPU (Modules/Core/src/itkFusionMetrics.cxx) and the CUDA kernel (fusion_metrics.cuh), so
 * both compute every pixel alike and differ only in the order of the final sums.
 * Plain C++ that nvcc also compiles for the device; no ITK, no CUDA types.
 */
#ifndef metrics_rules_h
#define metrics_rules_h

#if defined(__CUDACC__)
#  define FUSION_METRICS_HD __host__ __device__ __forceinline__
#else
#  include <cmath>
#  define FUSION_METRICS_HD inline
#endif

namespace fusion
{
namespace metrics
{
/* Partial sums of Qabf (numerator, denominator) and Nabf (numerator, denominator). */
struct EdgeSums
{
  double qNum = 0.0, qDen = 0.0, nNum = 0.0, nDen = 0.0;
};

/* The two Sobel readings of one pixel: Xydeas-Petrovic's (zero padding: Sx, Sy, magnitude g) and
 * Shreyamsha Kumar's (Sobel / 8, mirrored borders: gv, gh, magnitude ng). The angles, which cost
 * an arctangent each, are taken only where a sum needs them (Alpha, KumarAlpha). */
struct EdgeSample
{
  double sx, sy, g, gv, gh, ng;
};

FUSION_METRICS_HD long
MirrorIndex(long i, long n)
{
  return n == 1 ? 0 : (i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i));
}

/* slice: X by Y doubles, x fastest. */
FUSION_METRICS_HD EdgeSample
EdgeAt(const double * slice, long X, long Y, long x, long y)
{
  double sx = 0.0, sy = 0.0, gv = 0.0, gh = 0.0;
  if (x > 0 && y > 0 && x + 1 < X && y + 1 < Y)
  {
    // Inside, both paddings read the same pixels: Sobel / 8 is the same sums scaled by 1/8 (exact).
    const double *u = slice + (y - 1) * X + x, *c = u + X, *d = c + X;
    sx = (u[1] - u[-1]) + 2.0 * (c[1] - c[-1]) + (d[1] - d[-1]);
    sy = (u[-1] + 2.0 * u[0] + u[1]) - (d[-1] + 2.0 * d[0] + d[1]);
    gv = sx * 0.125;
    gh = (0.0 - sy) * 0.125; // +0 for a zero sum, as the loop below gives it (atan(gv / gh) sees the sign)
  }
  else
    for (long a = -1; a <= 1; ++a)
      for (long b = -1; b <= 1; ++b)
      {
        const long   yy = y + a, xx = x + b;
        const double zero = (yy >= 0 && yy < Y && xx >= 0 && xx < X) ? slice[yy * X + xx] : 0.0;
        const double mirror = slice[MirrorIndex(yy, Y) * X + MirrorIndex(xx, X)];
        const double wx = static_cast<double>(b) * (a == 0 ? 2.0 : 1.0);  // [-1 0 1; -2 0 2; -1 0 1]
        const double wy = -static_cast<double>(a) * (b == 0 ? 2.0 : 1.0); // [1 2 1; 0 0 0; -1 -2 -1]
        sx += wx * zero;
        sy += wy * zero;
        gv += wx / 8.0 * mirror;
        gh += -wy / 8.0 * mirror;
      }
  EdgeSample e;
  e.sx = sx;
  e.sy = sy;
  e.g = sqrt(sx * sx + sy * sy);
  e.gv = gv;
  e.gh = gh;
  e.ng = sqrt(gv * gv + gh * gh);
  return e;
}

/* Xydeas-Petrovic's angle atan(Sy / Sx), pi/2 where Sx = 0. */
FUSION_METRICS_HD double
Alpha(const EdgeSample & e)
{
  return e.sx == 0.0 ? 1.57079632679489661923 : atan(e.sy / e.sx);
}

/* Shreyamsha Kumar's angle atan(gv / gh), 0 where both are 0. */
FUSION_METRICS_HD double
KumarAlpha(const EdgeSample & e)
{
  return (e.gv == 0.0 && e.gh == 0.0) ? 0.0 : atan(e.gv / e.gh);
}

/* Adds pixel (x, y) of one z-slice to the sums: `count` sources back to back `stride` apart, then
 * the fused slice. Qabf: the reference codes' tie rule G = g_F where g_S = g_F; a source without
 * gradient adds nothing (its weight g_S is 0). Nabf: w = g^1.5 where g >= 2 else 0.001, artefacts
 * counted only where g_F exceeds every source's g (elsewhere they are not needed). */
FUSION_METRICS_HD void
AddEdgePixel(const double * sources, unsigned long long stride, int count, const double * fused, long X, long Y,
             long x, long y, EdgeSums & sums)
{
  const double     pi = 3.14159265358979323846;
  const EdgeSample f = EdgeAt(fused, X, Y, x, y);
  double           alphaF = 0.0, weights = 0.0;
  bool             haveAlphaF = false, brighter = true;
  for (int k = 0; k < count; ++k)
  {
    const EdgeSample s = EdgeAt(sources + static_cast<unsigned long long>(k) * stride, X, Y, x, y);
    if (s.g > 0.0)
    {
      if (!haveAlphaF)
      {
        alphaF = Alpha(f);
        haveAlphaF = true;
      }
      const double G = s.g > f.g ? f.g / s.g : (s.g < f.g ? s.g / f.g : f.g);
      const double A = 1.0 - fabs(Alpha(s) - alphaF) / (pi / 2.0);
      const double Q = 0.9994 / (1.0 + exp(-15.0 * (G - 0.5))) * 0.9879 / (1.0 + exp(-22.0 * (A - 0.8)));
      sums.qNum += Q * s.g;
      sums.qDen += s.g;
    }
    weights += s.ng >= 2.0 ? s.ng * sqrt(s.ng) : 0.001; // g^1.5
    brighter = brighter && f.ng > s.ng;
  }
  sums.nDen += weights;
  if (!brighter)
    return;
  const double alphaKumarF = KumarAlpha(f);
  double       artefact = 0.0;
  for (int k = 0; k < count; ++k)
  {
    const EdgeSample s = EdgeAt(sources + static_cast<unsigned long long>(k) * stride, X, Y, x, y);
    const double     r = (s.ng == 0.0 || f.ng == 0.0) ? 0.0 : (s.ng < f.ng ? s.ng / f.ng : f.ng / s.ng);
    const double     An = fabs(fabs(KumarAlpha(s) - alphaKumarF) - pi / 2.0) * 2.0 / pi;
    const double     Qn = sqrt(0.9999 / (1.0 + exp(-19.0 * (r - 0.5))) * 0.9995 / (1.0 + exp(-22.0 * (An - 0.5))));
    artefact += (1.0 - Qn) * (s.ng >= 2.0 ? s.ng * sqrt(s.ng) : 0.001);
  }
  sums.nNum += artefact;
}
} // namespace metrics
} // namespace fusion

#endif
