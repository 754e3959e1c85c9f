/* mmfusion dwt and idwt: the multi-level DWT and its inverse. */
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
const std::vector<std::string> kDWTFormats{ "nii.gz", "nii", "mha", "nrrd" };

template <unsigned int D>
int
Decompose(const Arguments & args, const std::string & prefix, const std::string & format, unsigned levels,
          const itk::fusion::ReadOptions & read)
{
  using ImageType = FloatImage<D>;
  auto dwt = itk::DWTDecomposeFilter<ImageType, ImageType>::New();
  dwt->SetWavelet(args.get("--wavelet", "haar"));
  dwt->SetMode(ModeOption(args));
  dwt->SetLevels(levels);
  dwt->SetBackend(BackendOption(args));
  // Every band and the description are declared (and refused, if need be) before the work.
  OutputFiles              outputs(Inputs(args));
  std::vector<std::string> bands;
  for (unsigned int i = 0; i < 1 + levels * ((1u << D) - 1u); ++i)
  {
    const itk::fusion::DWTBandOfIndex band(i, levels, D);
    bands.push_back(prefix + "_" + std::to_string(band.level) + "_" + itk::fusion::DWTBandName(band.code, D) + "." +
                    format);
    outputs.Add(bands.back());
  }
  const std::string description = prefix + "_dwt.txt";
  outputs.Add(description);
  const auto image = itk::fusion::ReadImage<D>(args.positional[0], read);
  dwt->SetInput(image);
  ShowProgress(dwt, "dwt", args);
  dwt->Update();
  for (unsigned int i = 0; i < dwt->GetNumberOfIndexedOutputs(); ++i)
  {
    typename ImageType::Pointer band = dwt->GetOutput(i);
    const std::string           name = prefix + "_" + dwt->GetOutputName(i) + "." + format;
    outputs.Write(name, [&](const std::string & to) { itk::fusion::WriteImage<D>(band, to, "float"); });
  }
  itk::fusion::DWTDescription d;
  d.source = args.positional[0];
  std::replace(d.source.begin(), d.source.end(), '\n', ' ');
  d.dimension = D;
  d.wavelet = dwt->GetWavelet();
  d.mode = itk::fusion::WaveletModeName(dwt->GetMode());
  d.levels = levels;
  d.format = format;
  typename ImageType::PointType first;
  image->TransformIndexToPhysicalPoint(image->GetLargestPossibleRegion().GetIndex(), first);
  for (unsigned int r = 0; r < D; ++r)
  {
    d.size.push_back(static_cast<double>(image->GetLargestPossibleRegion().GetSize(r)));
    d.spacing.push_back(image->GetSpacing()[r]);
    d.origin.push_back(first[r]);
    for (unsigned int c = 0; c < D; ++c)
      d.direction.push_back(image->GetDirection()(r, c));
  }
  outputs.Write(
    description, [&](const std::string & to) { itk::fusion::WriteTextFile(to, d.Format()); }, false);
  outputs.Commit();
  if (!args.has("--quiet"))
    std::cerr << "mmfusion: " << dwt->GetNumberOfIndexedOutputs() << " bands of " << dwt->GetWavelet() << " ("
              << itk::fusion::BackendName(dwt->GetLastUsedBackend()) << " backend) -> " << prefix << "_*." << format
              << "\n";
  return 0;
}

/* The description PREFIX_dwt.txt written by dwt. */
itk::fusion::DWTDescription
ReadDescription(const std::string & path)
{
  struct stat s;
  if (stat(path.c_str(), &s) != 0 || !S_ISREG(s.st_mode))
    throw std::runtime_error("cannot read '" + path + "' (written by mmfusion dwt)");
  if (s.st_size > (1 << 20))
    throw itk::fusion::InputFileError("'" + path + "' is too large for a dwt description");
  std::ifstream      in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in)
    throw std::runtime_error("cannot read '" + path + "' (written by mmfusion dwt)");
  return itk::fusion::DWTDescription::Parse(text.str(), path);
}

template <unsigned int D>
int
Reconstruct(const Arguments & args, const std::string & prefix, const itk::fusion::DWTDescription & d,
            const std::string & output, const std::string & type, const itk::fusion::ReadOptions & read)
{
  itk::fusion::CheckOutput(output, D, type);
  using ImageType = FloatImage<D>;
  auto                              reference = ImageType::New(); // the original grid, without pixels
  typename ImageType::SizeType      size;
  typename ImageType::SpacingType   spacing;
  typename ImageType::PointType     origin;
  typename ImageType::DirectionType direction;
  for (unsigned int r = 0; r < D; ++r)
  {
    size[r] = static_cast<itk::SizeValueType>(d.size[r]);
    spacing[r] = d.spacing[r];
    origin[r] = d.origin[r];
    for (unsigned int c = 0; c < D; ++c)
      direction(r, c) = d.direction[r * D + c];
  }
  reference->SetRegions(size);
  reference->SetSpacing(spacing);
  reference->SetOrigin(origin);
  try
  {
    reference->SetDirection(direction);
  }
  catch (const itk::ExceptionObject &)
  {
    throw itk::fusion::InputFileError("'" + prefix + "_dwt.txt': 'direction' is not a valid direction matrix");
  }
  auto idwt = itk::DWTReconstructFilter<ImageType, ImageType>::New();
  idwt->SetWavelet(d.wavelet);
  try
  {
    idwt->SetMode(itk::fusion::WaveletModeFromString(d.mode));
  }
  catch (const std::exception & e)
  {
    throw itk::fusion::InputFileError("'" + prefix + "_dwt.txt': " + e.what());
  }
  idwt->SetLevels(d.levels);
  idwt->SetReferenceImage(reference);
  idwt->SetBackend(BackendOption(args));
  ShowProgress(idwt, "idwt", args);
  std::vector<std::string> bands;
  for (unsigned int i = 0; i < 1 + d.levels * ((1u << D) - 1u); ++i)
  {
    const itk::fusion::DWTBandOfIndex band(i, d.levels, D);
    bands.push_back(prefix + "_" + std::to_string(band.level) + "_" + itk::fusion::DWTBandName(band.code, D) + "." +
                    d.format);
  }
  OutputFiles outputs(Inputs(args, bands));
  outputs.Add(output, itk::fusion::IsSeriesFolder(output));
  for (unsigned int i = 0; i < bands.size(); ++i)
    idwt->SetInput(i, itk::fusion::ReadImage<D>(bands[i], read));
  idwt->Update();
  typename ImageType::Pointer result = idwt->GetOutput();
  outputs.Write(output, [&](const std::string & to) { itk::fusion::WriteImage<D>(result, to, type); });
  outputs.Commit();
  if (!args.has("--quiet"))
    std::cerr << "mmfusion: reconstructed " << output << " (" << itk::fusion::BackendName(idwt->GetLastUsedBackend())
              << " backend)\n";
  return 0;
}
int
RunDWT(const Arguments & args)
{
  const std::string prefix = OutputOption(args, "dwt", "PREFIX");
  if (args.positional.size() != 1)
    throw UsageError("dwt takes one image");
  const std::string format = args.choice("--format", "nii.gz", kDWTFormats);
  const unsigned    levels = static_cast<unsigned>(args.integer("--levels", 1, 1, 16));
  const auto        read = ReadingOptions(args);
  ModeOption(args); // checked now, before any work; Decompose reads them again
  BackendOption(args);
  args.get("--wavelet");
  Quiet(args);
  args.rejectUnread("to dwt");
  const unsigned int d = itk::fusion::ImageDimension(args.positional[0], read);
  if (d == 2)
    return Decompose<2>(args, prefix, format, levels, read);
  if (d == 3)
    return Decompose<3>(args, prefix, format, levels, read);
  throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D; dwt takes 2D and 3D images");
}

int
RunIDWT(const Arguments & args)
{
  const std::string output = OutputOption(args, "idwt", "OUT");
  if (args.positional.size() != 1)
    throw UsageError("idwt takes the PREFIX given to dwt");
  const std::string type = args.choice("--type", "auto", { "auto", "float", "double", "uchar", "ushort", "short" });
  const auto        read = ReadingOptions(args);
  BackendOption(args); // checked now, before any work; Reconstruct reads it again
  Quiet(args);
  args.rejectUnread("to idwt");
  const std::string prefix = args.positional[0];
  const auto        description = ReadDescription(prefix + "_dwt.txt");
  if (description.dimension == 2)
    return Reconstruct<2>(args, prefix, description, output, type, read);
  return Reconstruct<3>(args, prefix, description, output, type, read);
}
} // namespace

const Command &
DWTCommand()
{
  static const Command command{
    "dwt",
    "IMAGE -o PREFIX [options]",
    "      Multi-level discrete wavelet transform, equal to PyWavelets' wavedecn. Writes one float image\n"
    "      per band, PREFIX_<level>_<band>.<format> (band: L or H per axis in x, y, z order; the\n"
    "      approximation is PREFIX_<L>_LL[L]), and PREFIX_dwt.txt with the parameters and the grid.\n",
    { shared::Output("PREFIX", "the prefix of the band files"),
      { "--wavelet",
        "W",
        "any discrete PyWavelets wavelet: haar, db1-db38, sym2-sym20, coif1-coif17, bior*, rbio*, dmey (default "
        "haar)" },
      { "--mode", "M", "any PyWavelets signal extension mode (default symmetric)" },
      { "--levels", "L", "decomposition levels, 1 to 16 (default 1)" },
      { "--format", "nii.gz|nii|mha|nrrd", "the band files' format (default nii.gz)" },
      shared::Backend(),
      shared::Quiet(),
      shared::Progress(),
      shared::ReplaceNonFinite() },
    {},
    RunDWT
  };
  return command;
}

const Command &
IDWTCommand()
{
  static const Command command{
    "idwt",
    "PREFIX -o OUT [options]",
    "      The inverse: reads PREFIX_dwt.txt and the bands, writes the image on its original grid.\n",
    { shared::Output("OUT", "the reconstructed image"),
      shared::Backend(),
      shared::Type(),
      shared::Quiet(),
      shared::Progress(),
      shared::ReplaceNonFinite() },
    {},
    RunIDWT
  };
  return command;
}
} // namespace mmfusion
