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

/** The inverse, clipped to [0, 1]. */
inline std::array<double, 3>
FromLuminanceChroma(double y, double c1, double c2, ColourSpace space)
{
  std::array<double, 3> rgb;
  if (space == ColourSpace::IHS)
    rgb = { y + c1, y + c2, y - c1 - c2 }; // B - I = -(R - I) - (G - I)
  else if (space == ColourSpace::YUV)
    rgb = { y + c2 / 0.877, y - 0.114 / 0.587 / 0.492 * c1 - 0.299 / 0.587 / 0.877 * c2, y + c1 / 0.492 };
  else
    rgb = { y + 1.402 * (c2 - 0.5), y - 0.344136 * (c1 - 0.5) - 0.714136 * (c2 - 0.5), y + 1.772 * (c1 - 0.5) };
  for (double & v : rgb)
    v = std::min(1.0, std::max(0.0, v));
  return rgb;
}
} // namespace fusion
} // namespace itk

#endif
