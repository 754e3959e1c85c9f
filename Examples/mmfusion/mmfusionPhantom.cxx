/* mmfusion phantom: the synthetic head phantom. */
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
WritePhantom(const std::string & folder, const std::string & format, unsigned int size, OutputFiles & outputs,
             std::vector<std::string> & written)
{
  itk::fusion::HeadPhantomOptions options;
  options.size = size;
  for (auto m :
       { itk::fusion::PhantomModality::MRI, itk::fusion::PhantomModality::CT, itk::fusion::PhantomModality::PET })
  {
    const std::string path =
      folder + "/" + itk::fusion::PhantomModalityName(m) + "_" + std::to_string(D) + "d." + format;
    outputs.Add(path);
    outputs.Write(path, [&](const std::string & to) {
      itk::fusion::WriteImage<D>(itk::fusion::MakeHeadPhantom<D>(m, options), to, "float");
    });
    written.push_back(path);
  }
}
int
RunPhantom(const Arguments & args)
{
  if (!args.positional.empty())
    throw UsageError("phantom takes no positional arguments");
  std::string folder = OutputOption(args, "phantom", "FOLDER");
  while (folder.size() > 1 && folder.back() == '/')
    folder.pop_back();
  const std::string dim = args.choice("--dim", "both", { "2", "3", "both" });
  const std::string format = args.choice("--format", "nii.gz", { "nii.gz", "nii", "mha", "nrrd" });
  const unsigned    size = static_cast<unsigned>(args.integer("--size", 0, 16, 1024));
  args.rejectUnread("to phantom");
  struct stat st;
  if (stat(folder.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
    throw std::runtime_error("the output folder '" + folder + "' is a file");
  OutputFiles              outputs;
  std::vector<std::string> written;
  if (dim != "3")
    WritePhantom<2>(folder, format, size, outputs, written);
  if (dim != "2")
    WritePhantom<3>(folder, format, size, outputs, written);
  outputs.Commit();
  for (const auto & path : written)
    std::cout << path << "\n";
  return 0;
}
} // namespace

const Command &
PhantomCommand()
{
  static const Command command{
    "phantom",
    "-o FOLDER [--dim 2|3|both] [--size N] [--format nii.gz|nii|mha|nrrd]",
    "      Writes the built-in synthetic head phantom (MRI, CT, PET on one grid):\n"
    "      FOLDER/{mri,ct,pet}_2d.<format> and FOLDER/{mri,ct,pet}_3d.<format>.\n",
    { shared::Output("FOLDER", "the folder (made if need be)"),
      { "--dim", "2|3|both", "which phantoms (default both)" },
      { "--size", "N", "pixels along x and y, 16 to 1024 (default 256 in 2D, 128 in 3D; z has 5/8 of it)" },
      { "--format", "nii.gz|nii|mha|nrrd", "the file format (default nii.gz)" } },
    {},
    RunPhantom
  };
  return command;
}
} // namespace mmfusion
