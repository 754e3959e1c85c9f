/*
 * Colour spaces for fusing a pseudo-colour functional image (PET, SPECT) with a grey one
 * (docs/methods.md section 5): the colour image's luminance is fused with the grey image, its chroma
 * kept, and the fused luminance with that chroma converted back to RGB. Values in [0, 1].
 *   YCbCr (BT.601, full range; default): Y = 0.299 R + 0.587 G + 0.114 B, Cb = 0.5 + (B - Y) / 1.772,
 *         Cr = 0.5 + (R - Y) / 1.402;
 *   YUV:  Y as above, U = 0.492 (B - Y), V = 0.877 (R - Y);
 *   IHS (fast IHS, Tu et al. 2001): I = (R + G + B) / 3, and back each channel c + (I' - I).
 */
#ifndef itkFusionColour_h
#define itkFusionColour_h

#include <algorithm>
#include "itkFusionError.h"
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>

namespace itk
{
namespace fusion
{
enum class ColourSpace
{
  YCbCr,
  YUV,
  IHS
};

inline ColourSpace
ColourSpaceFromString(const std::string & name)
{
  if (name == "ycbcr")
    return ColourSpace::YCbCr;
  if (name == "yuv")
    return ColourSpace::YUV;
  if (name == "ihs")
    return ColourSpace::IHS;
  throw InvalidInput("unknown colour space '" + name + "' (ycbcr, yuv, ihs)");
}

/** RGB -> (luminance, chroma 1, chroma 2); for IHS the chromas are R - I and G - I. */
inline std::array<double, 3>
ToLuminanceChroma(double r, double g, double b, ColourSpace space)
{
  if (space == ColourSpace::IHS)
  {
    const double i = (r + g + b) / 3.0;
    return { i, r - i, g - i };
  }
  const double y = 0.299 * r + 0.587 * g + 0.114 * b;
  if (space == ColourSpace::YUV)
    return { y, 0.492 * (b - y), 0.877 * (r - y) };
  return { y, 0.5 + (b - y) / 1.772, 0.5 + (r - y) / 1.402 };
}

/** The inverse. A colour outside [0, 1]^3 keeps its luminance (y clamped to [0, 1]) and its hue
 * and gives up saturation: its chroma is scaled towards grey until every channel fits, so that the
 * picture shows the fused luminance (clipping each channel instead would change it, e.g. darken a
 * bright red). The chroma's part of R, G, B adds up to no luminance (intensity for IHS). */
inline std::array<double, 3>
FromLuminanceChroma(double y, double c1, double c2, ColourSpace space)
{
  y = std::min(1.0, std::max(0.0, y));
  std::array<double, 3> chroma; // R, G, B minus the luminance
  if (space == ColourSpace::IHS)
    chroma = { c1, c2, -c1 - c2 }; // B - I = -(R - I) - (G - I)
  else if (space == ColourSpace::YUV)
    chroma = { c2 / 0.877, -0.114 / 0.587 / 0.492 * c1 - 0.299 / 0.587 / 0.877 * c2, c1 / 0.492 };
  else
    chroma = { 1.402 * (c2 - 0.5), -0.344136 * (c1 - 0.5) - 0.714136 * (c2 - 0.5), 1.772 * (c1 - 0.5) };
  double scale = 1.0;
  for (double c : chroma)
    if (c > 0.0 && y + c > 1.0)
      scale = std::min(scale, (1.0 - y) / c);
    else if (c < 0.0 && y + c < 0.0)
      scale = std::min(scale, y / -c);
  std::array<double, 3> rgb;
  for (unsigned i = 0; i < 3; ++i)
    rgb[i] = std::min(1.0, std::max(0.0, y + scale * chroma[i])); // clamps rounding only
  return rgb;
}
/** The colour maps of the module's pictures (the previews, the rendered scene), value v in [0, 1]
 * (clamped) to R, G, B in [0, 1]: "hot" (black, red, yellow, white) and "jet" (blue, cyan,
 * yellow, red). Throws FusionError (InvalidInput) for another name. */
inline std::array<double, 3>
MapColour(const std::string & map, double v)
{
  const auto c = [](double x) { return std::min(1.0, std::max(0.0, x)); };
  v = c(v);
  if (map == "hot")
    return { c(3 * v), c(3 * v - 1), c(3 * v - 2) };
  if (map == "jet")
    return { c(1.5 - std::abs(4 * v - 3)), c(1.5 - std::abs(4 * v - 2)), c(1.5 - std::abs(4 * v - 1)) };
  throw InvalidInput("unknown colour map '" + map + "' (hot, jet)");
}
} // namespace fusion
} // namespace itk

#endif
