/* mmfusion texture: per-pixel GLCM features. */
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
template <unsigned int D, typename TOutput>
void
RunTexture(const Arguments & args, const std::string & output, const std::vector<std::string> & names)
{
  using Filter = itk::GLCMMeanTextureFilter<FloatImage<D>, TOutput>;
  auto                                  filter = Filter::New();
  std::vector<typename Filter::Feature> features;
  for (const auto & n : names)
    features.push_back(Filter::FeatureFromString(n));
  filter->SetFeatures(features);
  if (args.has("--radius")) // unset options keep the filter's defaults
    filter->SetRadius(static_cast<unsigned>(args.integer("--radius", 0, 0, 32)));
  if (args.has("--glcm-levels"))
    filter->SetNumberOfLevels(static_cast<unsigned>(args.integer("--glcm-levels", 0, 2, 256)));
  filter->SetSymmetric(!args.has("--asymmetric"));
  if (args.has("--pooled"))
    filter->SetOffsetCombination(Filter::OffsetCombination::PooledHistogram);
  if (args.has("--range"))
  {
    const auto range = args.numbers("--range", 2, "LO,HI (two numbers, LO < HI)");
    if (!(range[0] < range[1]))
      throw UsageError("--range takes LO,HI (two numbers, LO < HI), not '" + args.get("--range") + "'");
    filter->SetQuantizationRange(range[0], range[1]);
  }
  const auto read = ReadingOptions(args);
  const bool quiet = Quiet(args);
  args.rejectUnread("to texture");
  itk::fusion::CheckOutput(output, D, "float");
  OutputFiles outputs(Inputs(args));
  outputs.Add(output);
  filter->SetInput(itk::fusion::ReadImage<D>(args.positional[0], read));
  UpdateAndWrite(filter.GetPointer(), "texture", args, output, outputs);
  if (!quiet)
    std::cerr << "mmfusion: " << names.size() << " texture feature(s) -> " << output << "\n";
}
int
RunTextureCommand(const Arguments & args)
{
  const std::string output = OutputOption(args, "texture", "OUT");
  if (args.positional.size() != 1)
    throw UsageError("texture takes one image");
  std::vector<std::string> names;
  std::string              list = args.get("--features", "mean");
  for (size_t start = 0; start <= list.size();)
  {
    const size_t comma = std::min(list.find(',', start), list.size());
    names.push_back(list.substr(start, comma - start));
    start = comma + 1;
  }
  const unsigned int d = itk::fusion::ImageDimension(args.positional[0], ReadingOptions(args));
  if (d == 2)
    names.size() == 1 ? RunTexture<2, FloatImage<2>>(args, output, names)
                      : RunTexture<2, itk::VectorImage<float, 2>>(args, output, names);
  else if (d == 3)
    names.size() == 1 ? RunTexture<3, FloatImage<3>>(args, output, names)
                      : RunTexture<3, itk::VectorImage<float, 3>>(args, output, names);
  else
    throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D; texture takes 2D and 3D");
  return 0;
}
} // namespace

const Command &
TextureCommand()
{
  static const Command command{
    "texture",
    "IMAGE -o OUT [options]",
    "      Per-pixel grey-level co-occurrence texture (2D and 3D) in a (2R+1)^D window of the image\n"
    "      quantised to L levels over its min..max (or --range). Offsets: the unit directions (4 in 2D,\n"
    "      13 in 3D), features averaged over them. Several features make a vector image in the order\n"
    "      given.\n",
    { shared::Output("OUT", "the texture image"),
      { "--features",
        "F[,F...]",
        "mean (default), variance, contrast, dissimilarity, homogeneity, asm, energy, entropy, correlation, "
        "maxprob" },
      { "--radius", "R", "the window's radius, 0 to 32 (default 2)" },
      { "--glcm-levels", "L", "grey levels of the quantisation, 2 to 256 (default 8)" },
      { "--range", "LO,HI", "quantise [LO, HI] instead of the image's min..max" },
      { "--pooled", "", "one matrix of all offsets instead of the mean over the offsets" },
      { "--asymmetric", "", "count each pair once (default: symmetric matrices)" },
      shared::Quiet(),
      shared::Progress(),
      shared::ReplaceNonFinite() },
    { { "--levels", "--glcm-levels" } },
    RunTextureCommand
  };
  return command;
}
} // namespace mmfusion
