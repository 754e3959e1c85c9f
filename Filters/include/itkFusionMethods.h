#ifndef itkFusionMethods_h
#define itkFusionMethods_h

#include "itkClassicalFusionFilter.h"
#include "itkTDFIFFusionFilter.h"
#include "itkWaveletFeatureFusionFilter.h"

#include <string>
#include <vector>

namespace itk
{
namespace fusion
{
/** The registry of fusion methods: every method of the module by name, with its parameters and a
 * factory of the configured filter (itkFusionMethod.h). `mmfusion fuse`, the tests and the Python
 * package build their fusions from it. A new method is a filter file that describes itself (see
 * TDFIFMethods), its #include and one line in the list below. The first method is the default. */
template <typename TImage>
const std::vector<FusionMethod<TImage>> &
FusionMethods()
{
  static const std::vector<FusionMethod<TImage>> methods = [] {
    std::vector<FusionMethod<TImage>> all;
    for (auto group : {
           TDFIFMethods<TImage>(),           // tdfif
           WaveletFusionMethods<TImage>(),   // dwt-cnn, dwt
           ClassicalFusionMethods<TImage>(), // average, max, pca, laplacian, activity
         })
      all.insert(all.end(), group.begin(), group.end());
    return all;
  }();
  return methods;
}

/** The method called `name`; FusionError (InvalidInput) naming the known ones otherwise. */
template <typename TImage>
const FusionMethod<TImage> &
FindFusionMethod(const std::string & name)
{
  std::string known;
  for (const auto & m : FusionMethods<TImage>())
  {
    if (m.name == name)
      return m;
    known += (known.empty() ? "" : ", ") + m.name;
  }
  throw InvalidInput("unknown method '" + name + "' (methods: " + known + ")");
}
} // namespace fusion
} // namespace itk

#endif
