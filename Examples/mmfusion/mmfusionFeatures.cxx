/* mmfusion features: convolutional feature maps. */
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
RunFeatures(const Arguments & args, const std::string & output)
{
  using Filter = itk::ConvFeatureFilter<FloatImage<D>, TOutput>;
  auto              filter = Filter::New();
  const std::string model = args.get("--model", "tdfif");
  if (model == "tdfif" && args.has("--output-tensor"))
    throw UsageError("--output-tensor names a tensor of an ONNX model (--model FILE.onnx)");
  const std::string tensor = args.get("--output-tensor", "");
  filter->SetReduction(Filter::ReductionFromString(args.choice("--reduce", "mean", { "mean", "l1", "max", "none" })));
  if (args.has("--mean") || args.has("--std"))
    filter->SetChannelNormalization(
      args.has("--mean") ? args.numbers("--mean", 0, "numbers separated by commas") : std::vector<double>{ 0.0 },
      args.has("--std") ? args.numbers("--std", 0, "numbers separated by commas") : std::vector<double>{ 1.0 });
  if (args.has("--slice-axis"))
    filter->SetSliceAxis(std::stoi(args.choice("--slice-axis", "", { "0", "1", "2" })));
  if (args.has("--tile-mb"))
    filter->SetMaximumTileBytes(static_cast<size_t>(args.real("--tile-mb", 64, 0.001, 1048576) * 1048576.0));
  filter->SetBackend(BackendOption(args));
  const bool raw = args.has("--raw"), quiet = Quiet(args);
  const auto read = ReadingOptions(args);
  args.rejectUnread("to features");
  itk::fusion::CheckOutput(output, D, "float");
  OutputFiles outputs(Inputs(args, { model }));
  outputs.Add(output);
  if (model != "tdfif")
    filter->SetModelFileName(model, tensor);
  auto image = itk::fusion::ReadImage<D>(args.positional[0], read);
  if (!raw)
  {
    auto range = itk::MinimumMaximumImageCalculator<FloatImage<D>>::New();
    range->SetImage(image);
    range->Compute();
    const double lo = range->GetMinimum(), hi = range->GetMaximum();
    const double scale = hi > lo ? 1.0 / (hi - lo) : 0.0;
    for (itk::ImageRegionIterator<FloatImage<D>> it(image, image->GetBufferedRegion()); !it.IsAtEnd(); ++it)
      it.Set(static_cast<float>((it.Get() - lo) * scale));
  }
  filter->SetInput(image);
  UpdateAndWrite(filter.GetPointer(), "features", args, output, outputs);
  if (!quiet)
    std::cerr << "mmfusion: " << filter->GetNetwork()->OutputChannels() << " feature channel(s), "
              << Filter::ReductionName(filter->GetReduction()) << " -> " << output << "\n";
}
int
RunFeaturesCommand(const Arguments & args)
{
  const std::string output = args.get("-o", "");
  if (output.empty())
    throw UsageError("features needs an output: -o OUT");
  if (args.positional.size() != 1)
    throw UsageError("features takes one image");
  const bool         all = args.get("--reduce", "mean") == "none";
  const unsigned int d = itk::fusion::ImageDimension(args.positional[0], ReadingOptions(args));
  if (d == 2)
    all ? RunFeatures<2, itk::VectorImage<float, 2>>(args, output) : RunFeatures<2, FloatImage<2>>(args, output);
  else if (d == 3)
    all ? RunFeatures<3, itk::VectorImage<float, 3>>(args, output) : RunFeatures<3, FloatImage<3>>(args, output);
  else
    throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D; features takes 2D and 3D");
  return 0;
}
} // namespace

const Command &
FeaturesCommand()
{
  static const Command command{
    "features",
    "IMAGE -o OUT [options]",
    "      Convolutional feature maps of a 2D or 3D image: the built-in TDFIF encoder (default) or an ONNX\n"
    "      network (Conv, Relu, MaxPool, AveragePool, BatchNormalization, Concat, Add, Identity). The image\n"
    "      is scaled to [0, 1] first, replicated to the network's input channels, then (v - mean) / std\n"
    "      per channel when given. A 2D network on a volume runs slice by slice.\n",
    { shared::Output("OUT", "the feature image", false),
      { "--model", "tdfif|FILE.onnx", "the network (default tdfif, the built-in encoder)" },
      { "--output-tensor", "NAME", "the tensor to compute (default: the graph's output)" },
      { "--reduce",
        "mean|l1|max|none",
        "the channel mean (default), L1 norm or maximum as one float image, or none: every channel, a vector "
        "image" },
      { "--slice-axis", "0|1|2", "the axis a 2D network steps along in a volume" },
      { "--raw", "", "the image's values as they are (no scaling to [0, 1])" },
      { "--mean", "M[,M,...]", "per-channel means subtracted (with --std)" },
      { "--std", "S[,S,...]", "per-channel standard deviations divided by (with --mean)" },
      { "--tile-mb",
        "N",
        "feature-map memory per tile (default 64, per thread; the result depends on it only by float rounding)" },
      shared::Backend(),
      shared::Quiet(),
      shared::Progress(),
      shared::ReplaceNonFinite() },
    { { "--output", "--output-tensor (the output file is -o)" } },
    RunFeaturesCommand
  };
  return command;
}
} // namespace mmfusion
