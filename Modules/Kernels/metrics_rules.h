/*
 * metrics_rules.h -- the per-pixel arithmetic of the Qabf and Nabf fusion metrics, written once for
 * the CPU (Modules/Core/src/itkFusionMetrics.cxx) and the CUDA kernel (fusion_metrics.cuh), so
 * both compute every pixel alike. They differ in the order of the final sums and in the
 * arctangents and exponentials: the kernel takes them pixel by pixel (AddEdgePixel), the CPU for a
 * row at once from the pieces below (with glibc's vector functions where the CPU has AVX2).
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

namespace fusionkernels
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

/* Partial results of one source at one pixel: the arguments of the two exponentials of a sigmoid
 * product (Qabf's strength and orientation terms, or Nabf's). */
struct Exponents
{
  double strength, orientation;
};

FUSION_METRICS_HD long
MirrorIndex(long i, long n)
{
  return n == 1 ? 0 : (i < 0 ? -i : (i >= n ? 2 * n - 2 - i : i));
}

FUSION_METRICS_HD EdgeSample
Readings(double sx, double sy, double gv, double gh)
{
  EdgeSample e;
  e.sx = sx;
  e.sy = sy;
  e.g = sqrt(sx * sx + sy * sy);
  e.gv = gv;
  e.gh = gh;
  e.ng = sqrt(gv * gv + gh * gh);
  return e;
}

/* A pixel inside the image, where both paddings read the same pixels (Sobel / 8 is the same sums
 * scaled by 1/8, exact): c points at it, its rows X apart. */
FUSION_METRICS_HD EdgeSample
InsideEdge(const double * c, long X)
{
  const double *u = c - X, *d = c + X;
  const double  sx = (u[1] - u[-1]) + 2.0 * (c[1] - c[-1]) + (d[1] - d[-1]);
  const double  sy = (u[-1] + 2.0 * u[0] + u[1]) - (d[-1] + 2.0 * d[0] + d[1]);
  return Readings(sx, sy, sx * 0.125, (0.0 - sy) * 0.125); // +0 for a zero sum, as EdgeAt's loop gives it
}

/* slice: X by Y doubles, x fastest. */
FUSION_METRICS_HD EdgeSample
EdgeAt(const double * slice, long X, long Y, long x, long y)
{
  if (x > 0 && y > 0 && x + 1 < X && y + 1 < Y)
    return InsideEdge(slice + y * X + x, X);
  double sx = 0.0, sy = 0.0, gv = 0.0, gh = 0.0;
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
  return Readings(sx, sy, gv, gh);
}

/* The angles, each as the argument of its arctangent and the angle given that arctangent (callers
 * may take arctangents of many arguments at once). Xydeas-Petrovic's atan(Sy / Sx), pi/2 where
 * Sx = 0; Shreyamsha Kumar's atan(gv / gh), 0 where both are 0. */
FUSION_METRICS_HD double
AlphaArgument(const EdgeSample & e)
{
  return e.sy / e.sx;
}
FUSION_METRICS_HD double
AlphaOf(const EdgeSample & e, double arctangent)
{
  return e.sx == 0.0 ? 1.57079632679489661923 : arctangent;
}
FUSION_METRICS_HD double
KumarArgument(const EdgeSample & e)
{
  return e.gv / e.gh;
}
FUSION_METRICS_HD double
KumarAlphaOf(const EdgeSample & e, double arctangent)
{
  return (e.gv == 0.0 && e.gh == 0.0) ? 0.0 : arctangent;
}
FUSION_METRICS_HD double
Alpha(const EdgeSample & e)
{
  return e.sx == 0.0 ? 1.57079632679489661923 : atan(AlphaArgument(e));
}
FUSION_METRICS_HD double
KumarAlpha(const EdgeSample & e)
{
  return (e.gv == 0.0 && e.gh == 0.0) ? 0.0 : atan(KumarArgument(e));
}

/* Qabf of source s at a pixel: the exponents of its strength and orientation sigmoids (the reference
 * codes' tie rule G = g_F where g_S = g_F), then Q from their exponentials. */
FUSION_METRICS_HD Exponents
QabfExponents(const EdgeSample & s, const EdgeSample & f, double alphaS, double alphaF)
{
  const double pi = 3.14159265358979323846;
  const double G = s.g > f.g ? f.g / s.g : (s.g < f.g ? s.g / f.g : f.g);
  const double A = 1.0 - fabs(alphaS - alphaF) / (pi / 2.0);
  Exponents    e;
  e.strength = -15.0 * (G - 0.5);
  e.orientation = -22.0 * (A - 0.8);
  return e;
}
FUSION_METRICS_HD double
QabfValue(double expStrength, double expOrientation)
{
  return 0.9994 / (1.0 + expStrength) * 0.9879 / (1.0 + expOrientation);
}

/* Nabf: a source's weight w = g^1.5 where g >= 2 else 0.001; the exponents of its artefact sigmoids;
 * Q_n from their exponentials. */
FUSION_METRICS_HD double
NabfWeight(double ng)
{
  return ng >= 2.0 ? ng * sqrt(ng) : 0.001;
}
FUSION_METRICS_HD Exponents
NabfExponents(const EdgeSample & s, const EdgeSample & f, double kumarS, double kumarF)
{
  const double pi = 3.14159265358979323846;
  const double r = (s.ng == 0.0 || f.ng == 0.0) ? 0.0 : (s.ng < f.ng ? s.ng / f.ng : f.ng / s.ng);
  const double An = fabs(fabs(kumarS - kumarF) - pi / 2.0) * 2.0 / pi;
  Exponents    e;
  e.strength = -19.0 * (r - 0.5);
  e.orientation = -22.0 * (An - 0.5);
  return e;
}
FUSION_METRICS_HD double
NabfValue(double expStrength, double expOrientation)
{
  return sqrt(0.9999 / (1.0 + expStrength) * 0.9995 / (1.0 + expOrientation));
}

/* Adds pixel (x, y) of one z-slice to the sums: `count` sources back to back `stride` apart, then
 * the fused slice. Qabf: sum_k Q_kF g_k / sum_k g_k; a source without gradient adds nothing (its
 * weight g_S is 0). Nabf: artefacts counted only where g_F exceeds every source's g (elsewhere they
 * are not needed), weighted by NabfWeight. */
FUSION_METRICS_HD void
AddEdgePixel(const double * sources, unsigned long long stride, int count, const double * fused, long X, long Y, long x,
             long y, EdgeSums & sums)
{
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
      const Exponents e = QabfExponents(s, f, Alpha(s), alphaF);
      sums.qNum += QabfValue(exp(e.strength), exp(e.orientation)) * s.g;
      sums.qDen += s.g;
    }
    weights += NabfWeight(s.ng);
    brighter = brighter && f.ng > s.ng;
  }
  sums.nDen += weights;
  if (!brighter)
    return;
  const double kumarF = KumarAlpha(f);
  double       artefact = 0.0;
  for (int k = 0; k < count; ++k)
  {
    const EdgeSample s = EdgeAt(sources + static_cast<unsigned long long>(k) * stride, X, Y, x, y);
    const Exponents  e = NabfExponents(s, f, KumarAlpha(s), kumarF);
    artefact += (1.0 - NabfValue(exp(e.strength), exp(e.orientation))) * NabfWeight(s.ng);
  }
  sums.nNum += artefact;
}
} // namespace metrics
} // namespace fusionkernels

#endif
