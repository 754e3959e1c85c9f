/* mmfusion info: the grid and value range of an image. */
#include "mmfusionCommon.h"

#include "itkCommand.h"
#include "itkConvFeatureFilter.h"
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkFusionColour.h"
#include "itkFusionDWTDescription.h"
#include "itkFusionFileChecks.h"
#include "itkFusionImageIO.h"
#include "itkFusionMethods.h"
#include "itkFusionMetricsCalculator.h"
#include "itkFusionNormalization.h"
#include "itkFusionOutputFiles.h"
#include "itkFusionRegistration.h"
#include "itkGLCMMeanTextureFilter.h"
#include "itkHeadPhantom.h"
#include "itkImageFileWriter.h"
#include "itkImageIOFactory.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkMinimumMaximumImageCalculator.h"
#include "itkTDFIFFusionFilter.h"
#include "itkWaveletFeatureFusionFilter.h"
#include "itkWeightedFusionFilter.h"

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace mmfusion
{
namespace
{
template <unsigned int D>
void
PrintInfo(const std::string & path, const itk::fusion::ReadOptions & read)
{
  auto image = itk::fusion::ReadImage<D>(path, read);
  auto range = itk::MinimumMaximumImageCalculator<FloatImage<D>>::New();
  range->SetImage(image);
  range->Compute();
  std::cout << "file: " << path << "\n"
            << "dimension: " << D << "\n"
            << "size: " << image->GetLargestPossibleRegion().GetSize() << "\n"
            << "spacing: " << image->GetSpacing() << "\n"
            << "origin: " << image->GetOrigin() << "\n"
            << "direction:";
  for (unsigned int r = 0; r < D; ++r)
    for (unsigned int c = 0; c < D; ++c)
      std::cout << " " << image->GetDirection()(r, c);
  std::cout << "\n"
            << "range: [" << range->GetMinimum() << ", " << range->GetMaximum() << "]\n";
}
int
RunInfo(const Arguments & args)
{
  if (args.positional.size() != 1)
    throw UsageError("info takes one image");
  const auto         read = ReadingOptions(args);
  const unsigned int d = itk::fusion::ImageDimension(args.positional[0], read);
  if (d == 2)
    PrintInfo<2>(args.positional[0], read);
  else if (d == 3)
    PrintInfo<3>(args.positional[0], read);
  else
    throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D");
  return 0;
}
} // namespace

const Command &
InfoCommand()
{
  static const Command command{
    "info",
    "IMAGE",
    "      Prints the grid (size, spacing, origin, direction) and the value range of an image.\n",
    { shared::ReplaceNonFinite() },
    {},
    RunInfo
  };
  return command;
}
} // namespace mmfusion
