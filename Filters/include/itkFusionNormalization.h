#ifndef itkFusionNormalization_h
#define itkFusionNormalization_h

#include "itkImage.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkMacro.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace itk
{
namespace fusion
{
/** A float copy of `image` min-max mapped to [0, 1] (a constant image becomes 0), on its grid: how
 * the fusion filters make modalities in different units (HU, SUV, MR units) comparable. Throws for
 * a non-finite value, naming `what`. */
template <typename TImage>
typename Image<float, TImage::ImageDimension>::Pointer
MinMaxNormalised(const TImage * image, const std::string & what)
{
  using FloatImage = Image<float, TImage::ImageDimension>;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (ImageRegionConstIterator<TImage> it(image, image->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    const double v = static_cast<double>(it.Get());
    if (!std::isfinite(v))
      itkGenericExceptionMacro(<< what << " holds a non-finite value at " << it.GetIndex());
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  auto out = FloatImage::New();
  out->CopyInformation(image);
  out->SetRegions(image->GetLargestPossibleRegion());
  out->Allocate();
  ImageRegionConstIterator<TImage> in(image, image->GetLargestPossibleRegion());
  for (ImageRegionIterator<FloatImage> o(out, out->GetLargestPossibleRegion()); !o.IsAtEnd(); ++o, ++in)
    o.Set(hi > lo ? static_cast<float>((static_cast<double>(in.Get()) - lo) / (hi - lo)) : 0.0f);
  return out;
}
} // namespace fusion
} // namespace itk

#endif
