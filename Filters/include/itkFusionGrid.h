#ifndef itkFusionGrid_h
#define itkFusionGrid_h

#include "itkImageBase.h"

#include <cmath>
#include <sstream>
#include <string>

namespace itk
{
namespace fusion
{
/** How `image` differs from `reference`'s grid: "" when they share size, index, spacing, origin
 * and direction (within the tolerances, ITK's coordinate tolerance times the spacing), else a list
 * such as " spacing [1, 1] vs [2, 2]; origin ...". Fusion compares images pixel by pixel: every
 * filter that does checks its inputs with this. */
template <unsigned int D>
std::string
GridDifference(const ImageBase<D> * reference, const ImageBase<D> * image, double coordinateTolerance,
               double directionTolerance)
{
  std::ostringstream what;
  const double       tolerance = std::abs(coordinateTolerance * reference->GetSpacing()[0]);
  const auto &       a = reference->GetLargestPossibleRegion();
  const auto &       b = image->GetLargestPossibleRegion();
  if (a != b)
    what << " size/index " << b.GetSize() << " at " << b.GetIndex() << " vs " << a.GetSize() << " at " << a.GetIndex()
         << ";";
  if (!reference->GetSpacing().GetVnlVector().is_equal(image->GetSpacing().GetVnlVector(), tolerance))
    what << " spacing " << image->GetSpacing() << " vs " << reference->GetSpacing() << ";";
  if (!reference->GetOrigin().GetVnlVector().is_equal(image->GetOrigin().GetVnlVector(), tolerance))
    what << " origin " << image->GetOrigin() << " vs " << reference->GetOrigin() << ";";
  if (!reference->GetDirection().GetVnlMatrix().as_ref().is_equal(image->GetDirection().GetVnlMatrix().as_ref(),
                                                                  directionTolerance))
    what << " direction " << image->GetDirection().GetVnlMatrix().as_ref() << " vs "
         << reference->GetDirection().GetVnlMatrix().as_ref() << ";";
  std::string details = what.str();
  if (!details.empty())
    details.pop_back();
  return details;
}
} // namespace fusion
} // namespace itk

#endif
