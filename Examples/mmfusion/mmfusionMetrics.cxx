/* mmfusion metrics: the quality metrics of a fused image. */
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
bool
IsEightBitFile(const std::string & path)
{
  if (itk::fusion::IsSeriesFolder(path))
    return false;
  auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::ReadMode);
  if (!io)
    return false;
  io->SetFileName(path);
  io->ReadImageInformation();
  return io->GetComponentType() == itk::IOComponentEnum::UCHAR;
}
} // namespace

/* The metrics of `fused` against `sources` (options --fmi, --backend, --range where the command
 * takes them): printed as a table unless `print` is false, written as JSON to `json` when it is not
 * empty. Grey levels: 8-bit files as they are when every input is 8-bit, otherwise per-image
 * min-max (or --range). */
template <unsigned int D>
void
ReportMetrics(const Arguments & args, const std::string & preset,
              const std::vector<typename FloatImage<D>::Pointer> & sources,
              const std::vector<std::string> & sourceNames, const typename FloatImage<D>::Pointer & fused,
              const std::string & fusedName, bool eightBit, bool print, const std::string & json)
{
  using Calculator = itk::FusionMetricsCalculator<FloatImage<D>>;
  auto calculator = Calculator::New();
  calculator->SetPreset(preset);
  calculator->SetComputeFMI(args.has("--fmi"));
  calculator->SetBackend(BackendOption(args));
  for (const auto & s : sources)
    calculator->AddSource(s);
  calculator->SetFusedImage(fused);
  if (args.has("--range"))
  {
    const auto range = args.numbers("--range", 2, "LO,HI (two numbers, LO < HI)");
    if (!(range[0] < range[1]))
      throw UsageError("--range takes LO,HI (two numbers, LO < HI), not '" + args.get("--range") + "'");
    calculator->SetIntensityRange(range[0], range[1]);
  }
  else if (eightBit)
    calculator->SetIntensityRange(0.0, 255.0);
  calculator->Compute();
  const auto & result = calculator->GetResult();
  if (print)
  {
    for (const auto & v : result.values)
      std::cout << std::left << std::setw(12) << v.first << " " << v.second << "\n";
    if (!result.undefined.empty())
    {
      std::cout << "undefined:";
      for (const auto & u : result.undefined)
        std::cout << " " << u;
      std::cout << "\n";
    }
  }
  if (json.empty())
    return;
  const auto quoted = [](const std::string & text) {
    std::string q = "\"";
    for (unsigned char c : text)
    {
      if (c == '"' || c == '\\')
        q += std::string("\\") + static_cast<char>(c);
      else if (c < 0x20)
      {
        char escaped[8];
        std::snprintf(escaped, sizeof escaped, "\\u%04x", c);
        q += escaped;
      }
      else
        q += static_cast<char>(c);
    }
    return q + "\"";
  };
  std::ostringstream out;
  out << std::setprecision(17) << "{\n  \"preset\": \"" << calculator->GetPreset() << "\",\n  \"sources\": [";
  for (size_t k = 0; k < sourceNames.size(); ++k)
    out << (k ? ", " : "") << quoted(sourceNames[k]);
  out << "],\n  \"fused\": " << quoted(fusedName) << ",\n  \"metrics\": {";
  for (size_t i = 0; i < result.values.size(); ++i)
  {
    out << (i ? "," : "") << "\n    \"" << result.values[i].first << "\": ";
    if (std::isfinite(result.values[i].second))
      out << result.values[i].second;
    else
      out << "null";
  }
  out << "\n  },\n  \"undefined\": [";
  for (size_t i = 0; i < result.undefined.size(); ++i)
    out << (i ? ", " : "") << "\"" << result.undefined[i] << "\"";
  out << "]\n}\n";
  itk::fusion::WriteTextFile(json, out.str());
}

template void
ReportMetrics<2>(const Arguments &, const std::string &, const std::vector<FloatImage<2>::Pointer> &,
                 const std::vector<std::string> &, const FloatImage<2>::Pointer &, const std::string &, bool, bool,
                 const std::string &);
template void
ReportMetrics<3>(const Arguments &, const std::string &, const std::vector<FloatImage<3>::Pointer> &,
                 const std::vector<std::string> &, const FloatImage<3>::Pointer &, const std::string &, bool, bool,
                 const std::string &);

namespace
{
template <unsigned int D>
void
RunMetrics(const Arguments & args, const std::string & preset, const std::string & json,
           const itk::fusion::ReadOptions & read)
{
  std::vector<typename FloatImage<D>::Pointer> sources;
  std::vector<std::string>                     names(args.positional.begin(), args.positional.end() - 1);
  bool                                         eightBit = true;
  OutputFiles                                  outputs(Inputs(args));
  if (!json.empty())
    outputs.Add(json);
  for (const auto & path : names)
  {
    sources.push_back(itk::fusion::ReadImage<D>(path, read));
    eightBit = eightBit && IsEightBitFile(path);
  }
  const std::string fused = args.positional.back();
  eightBit = eightBit && IsEightBitFile(fused);
  const auto image = itk::fusion::ReadImage<D>(fused, read);
  if (json.empty())
    ReportMetrics<D>(args, preset, sources, names, image, fused, eightBit, true, std::string());
  else
  {
    outputs.Write(
      json,
      [&](const std::string & to) { ReportMetrics<D>(args, preset, sources, names, image, fused, eightBit, true, to); },
      false);
    outputs.Commit();
  }
}
int
RunMetricsCommand(const Arguments & args)
{
  if (args.positional.size() < 3)
    throw UsageError("metrics takes two or more sources and the fused image (last)");
  const std::string preset = args.get("--preset", "standard");
  const std::string presetError = itk::fusion::FusionMetricsPresetError(preset);
  if (!presetError.empty())
    throw std::runtime_error(presetError);
  const std::string json = args.get("--json", "");
  if (args.has("--json") && json.empty())
    throw UsageError("--json needs a file name");
  const auto read = ReadingOptions(args);
  BackendOption(args); // checked now, before any work; ReportMetrics reads them again
  args.has("--fmi");
  if (args.has("--range"))
    args.numbers("--range", 2, "LO,HI (two numbers, LO < HI)");
  args.rejectUnread("to metrics");
  const unsigned int d = itk::fusion::ImageDimension(args.positional.back(), read);
  for (const auto & p : args.positional)
    if (itk::fusion::ImageDimension(p, read) != d)
      throw std::runtime_error("'" + p + "' is not " + std::to_string(d) + "D like the fused image");
  if (d == 2)
    RunMetrics<2>(args, preset, json, read);
  else if (d == 3)
    RunMetrics<3>(args, preset, json, read);
  else
    throw std::runtime_error("metrics take 2D and 3D images, '" + args.positional.back() + "' is " + std::to_string(d) +
                             "D");
  return 0;
}
} // namespace

const Command &
MetricsCommand()
{
  static const Command command{
    "metrics",
    "A B [C ...] F [options]",
    "      Quality metrics of the fused image F (last) against the sources (docs/metrics.md). Presets:\n"
    "      standard (default): EN, SD, SF, AG, EI, MI (bits; MI_nats), Q_MI, CE, MSE, RMSE, PSNR, CC,\n"
    "        SCD, SSIM, VIF, Qabf, Nabf, Q_Y (two sources), Q_CB, Q_CV, and per source (_1, _2, ...):\n"
    "        EN, JE, MI, MSE, RMSE, PSNR, CC, SSIM, VIF; --fmi adds FMI_pixel, FMI_gradient, FMI_dct;\n"
    "      cddfuse: the CDDFuse Evaluator's EN, SD, SF, AG, MI (nats), MSE, CC, PSNR, SCD, VIF, Qabf,\n"
    "        SSIM, quirks included; vifb: VIFB's AG, CE, EI, EN, MI, PSNR, Qabf, Q_CB, Q_CV, RMSE, SF,\n"
    "        SSIM, SD; seed: MSE, PSNR, RMSE, SSIM, MI per source, EN of each image, joint entropies.\n"
    "      Grey levels 0..255: 8-bit files as they are (when every input is 8-bit), otherwise each\n"
    "      image min-max mapped (or --range); colour files as BT.601 luma. Prints a table.\n",
    { { "--preset", "standard|cddfuse|vifb|seed", "the metrics and their definitions (default standard)" },
      { "--json", "FILE", "also write the values to FILE (undefined ones as null, and listed)" },
      { "--range", "LO,HI", "map [LO, HI] of every image to 0..255 (values outside clamped)" },
      { "--fmi", "", "add FMI_pixel, FMI_gradient and FMI_dct (standard preset)" },
      shared::Backend(),
      shared::ReplaceNonFinite() },
    {},
    RunMetricsCommand
  };
  return command;
}
} // namespace mmfusion
