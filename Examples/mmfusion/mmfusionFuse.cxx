/* mmfusion fuse: N sources by a method of the registry (itkFusionMethods.h). */
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
/* The registry of fusion methods (the parameters do not depend on the dimension). */
const std::vector<itk::fusion::FusionMethod<FloatImage<2>>> &
Methods()
{
  return itk::fusion::FusionMethods<FloatImage<2>>();
}

struct FuseSettings
{
  std::string                   method, type, registration, preview, metrics, metricsPreset, model;
  bool                          quiet = false, resampleOnly = false;
  itk::FusionEnums::Backend     backend = itk::FusionEnums::Backend::Auto;
  itk::fusion::ColourSpace      colourSpace = itk::fusion::ColourSpace::YCbCr;
  itk::fusion::ReadOptions      read;
  itk::fusion::MethodParameters parameters; // the method's options the user gave; the rest: the filter's defaults
};

/* Every option of `fuse`, read and checked before any file is touched. */
FuseSettings
ReadFuseSettings(const Arguments & args)
{
  FuseSettings s;
  s.method = args.get("--method", Methods().front().name);
  const itk::fusion::FusionMethod<FloatImage<2>> * method = nullptr;
  try
  {
    method = &itk::fusion::FindFusionMethod<FloatImage<2>>(s.method);
  }
  catch (const itk::fusion::FusionError & e)
  {
    throw UsageError(e.what());
  }
  s.quiet = Quiet(args);
  s.backend = BackendOption(args);
  s.read = ReadingOptions(args);
  s.type = args.choice("--type", "auto", { "auto", "float", "double", "uchar", "ushort", "short" });
  s.colourSpace = itk::fusion::ColourSpaceFromString(args.choice("--colour-space", "ycbcr", { "ycbcr", "yuv", "ihs" }));
  s.registration = args.choice("--register", "none", { "rigid", "affine", "none" });
  s.resampleOnly = args.has("--resample-only");
  if (s.registration != "none" && s.resampleOnly)
    throw UsageError("--register and --resample-only exclude each other");
  s.preview = args.get("--preview", "");
  if (args.has("--preview") && !itk::fusion::HasExtension(s.preview, { ".png" }))
    throw UsageError("--preview writes a .png file, not '" + s.preview + "'");
  s.metrics = args.get("--metrics", "");
  if (args.has("--metrics-preset") && !args.has("--metrics"))
    throw UsageError("--metrics-preset needs --metrics FILE.json");
  if (args.has("--metrics"))
    s.metricsPreset = args.choice("--metrics-preset", "standard", itk::fusion::FusionMetricsPresets());
  if (args.has("--output-tensor") && !args.has("--model"))
    throw UsageError("--output-tensor names a tensor of --model FILE.onnx");
  for (const auto & p : method->parameters)
    if (args.has("--" + p.name))
      s.parameters[p.name] = args.get("--" + p.name);
  if (s.parameters.count("model"))
    s.model = s.parameters.at("model"); // an input: no output may be it
  try
  {
    method->New(s.parameters); // every value checked now, before any file is read
  }
  catch (const itk::fusion::FusionError & e)
  {
    throw UsageError(e.what());
  }
  args.rejectUnread("to --method " + s.method);
  return s;
}

/* Whether two images overlap in physical space (their bounding boxes of voxel centres, padded by
 * half a voxel). */
template <unsigned int D>
bool
Overlap(const FloatImage<D> * a, const FloatImage<D> * b)
{
  const auto box = [](const FloatImage<D> * image) {
    std::array<double, D> lo, hi;
    lo.fill(std::numeric_limits<double>::max());
    hi.fill(std::numeric_limits<double>::lowest());
    const auto region = image->GetLargestPossibleRegion();
    for (unsigned corner = 0; corner < (1u << D); ++corner)
    {
      itk::ContinuousIndex<double, D> index;
      for (unsigned d = 0; d < D; ++d)
        index[d] = region.GetIndex(d) - 0.5 + ((corner >> d) & 1u ? static_cast<double>(region.GetSize(d)) : 0.0);
      typename FloatImage<D>::PointType p;
      image->TransformContinuousIndexToPhysicalPoint(index, p);
      for (unsigned d = 0; d < D; ++d)
      {
        lo[d] = std::min(lo[d], p[d]);
        hi[d] = std::max(hi[d], p[d]);
      }
    }
    return std::make_pair(lo, hi);
  };
  const auto x = box(a), y = box(b);
  for (unsigned d = 0; d < D; ++d)
    if (x.second[d] <= y.first[d] || y.second[d] <= x.first[d])
      return false;
  return true;
}

template <unsigned int D>
int
Fuse(const Arguments & args, const FuseSettings & s, const std::string & output, OutputFiles & outputs)
{
  using Image = FloatImage<D>;
  const bool                       quiet = s.quiet;
  const std::vector<std::string> & names = args.positional;

  // Sources: grey images as they are; a colour source (RGB PET / SPECT) enters as its luminance,
  // and the first one's chroma colours the result.
  std::vector<typename Image::Pointer> sources;
  std::vector<typename Image::Pointer> chroma; // luminance, chroma 1, chroma 2 of the colour source
  size_t                               chromaSource = 0;
  for (const auto & path : names)
  {
    const auto channels = itk::fusion::ReadColourChannels<D>(path, s.read);
    if (channels.size() < 3)
    {
      sources.push_back(channels.empty() ? itk::fusion::ReadImage<D>(path, s.read) : channels[0]);
      continue;
    }
    std::vector<typename Image::Pointer> lc(3);
    for (auto & c : lc)
    {
      c = Image::New();
      c->CopyInformation(channels[0]);
      c->SetRegions(channels[0]->GetLargestPossibleRegion());
      c->Allocate();
    }
    const size_t n = channels[0]->GetLargestPossibleRegion().GetNumberOfPixels();
    for (size_t i = 0; i < n; ++i)
    {
      const auto v = itk::fusion::ToLuminanceChroma(channels[0]->GetBufferPointer()[i],
                                                    channels[1]->GetBufferPointer()[i],
                                                    channels[2]->GetBufferPointer()[i],
                                                    s.colourSpace);
      for (unsigned c = 0; c < 3; ++c)
        lc[c]->GetBufferPointer()[i] = static_cast<float>(v[c]);
    }
    sources.push_back(lc[0]);
    if (chroma.empty())
    {
      chroma = lc;
      chromaSource = sources.size() - 1;
    }
  }

  // The output can take the result (format, dimension, pixel type) before any work is done.
  itk::fusion::CheckOutput(output, D, s.type, !chroma.empty());
  if (!chroma.empty() && s.type != "auto")
    throw UsageError("--type does not apply to a colour result (8-bit RGB)");

  // Grids: every source onto the first one's, by registration or by physical space alone.
  if (s.registration != "none" || s.resampleOnly)
    for (size_t k = 1; k < sources.size(); ++k)
    {
      typename itk::Transform<double, D, D>::Pointer transform;
      if (s.registration != "none")
      {
        if (!quiet)
          std::cerr << "mmfusion: registering '" << names[k] << "' onto '" << names[0] << "' (" << s.registration
                    << ")\n";
        try
        {
          transform = itk::fusion::Register(sources[0].GetPointer(),
                                            sources[k].GetPointer(),
                                            s.registration == "rigid" ? itk::fusion::RegistrationKind::Rigid
                                                                      : itk::fusion::RegistrationKind::Affine);
        }
        catch (const itk::ExceptionObject & e)
        {
          throw std::runtime_error("registering '" + names[k] + "' failed: " + e.GetDescription());
        }
      }
      else if (!Overlap<D>(sources[0].GetPointer(), sources[k].GetPointer()))
        throw std::runtime_error("'" + names[k] + "' does not overlap '" + names[0] +
                                 "' in physical space: --resample-only would give an empty image (check the origins, "
                                 "or use --register rigid|affine)");
      if (!chroma.empty() && chromaSource == k)
        for (size_t c = 1; c < 3; ++c)
          chroma[c] =
            itk::fusion::ResampleOnto(chroma[c].GetPointer(), sources[0].GetPointer(), transform.GetPointer());
      sources[k] = itk::fusion::ResampleOnto(sources[k].GetPointer(), sources[0].GetPointer(), transform.GetPointer());
    }

  const auto filter = itk::fusion::FindFusionMethod<Image>(s.method).New(s.parameters);
  filter->SetBackend(s.backend);
  for (unsigned k = 0; k < sources.size(); ++k)
    filter->SetSource(k, sources[k]);
  const auto * tdfif = dynamic_cast<const itk::TDFIFFusionFilter<Image> *>(filter.GetPointer());
  ShowProgress(filter, "fusing", args);
  const auto start = std::chrono::steady_clock::now();
  try
  {
    filter->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    std::string what = e.GetDescription();
    if (what.find("different grids") != std::string::npos)
      what +=
        " (mmfusion: use --register rigid|affine, or --resample-only when the images already share physical space)";
    throw std::runtime_error(what);
  }
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  typename Image::Pointer fused = filter->GetOutput();
  fused->DisconnectPipeline();

  // The fused image, its metrics, its preview: each to its temporary, checked, then all renamed.
  if (chroma.empty())
    outputs.Write(output, [&](const std::string & to) { itk::fusion::WriteImage<D>(fused, to, s.type); });
  else
  {
    // The fused luminance with the colour source's chroma, back to RGB.
    std::vector<typename Image::Pointer> rgb(3);
    for (auto & c : rgb)
    {
      c = Image::New();
      c->CopyInformation(fused);
      c->SetRegions(fused->GetLargestPossibleRegion());
      c->Allocate();
    }
    const size_t n = fused->GetLargestPossibleRegion().GetNumberOfPixels();
    for (size_t i = 0; i < n; ++i)
    {
      const auto v = itk::fusion::FromLuminanceChroma(fused->GetBufferPointer()[i],
                                                      chroma[1]->GetBufferPointer()[i],
                                                      chroma[2]->GetBufferPointer()[i],
                                                      s.colourSpace);
      for (unsigned c = 0; c < 3; ++c)
        rgb[c]->GetBufferPointer()[i] = static_cast<float>(v[c]);
    }
    outputs.Write(output, [&](const std::string & to) { itk::fusion::WriteColourImage<D>(rgb, to); });
  }
  if (!s.metrics.empty())
    outputs.Write(
      s.metrics,
      [&](const std::string & to) {
        ReportMetrics<D>(args, s.metricsPreset, sources, names, fused, output, false, false, to);
      },
      false);
  if (!s.preview.empty())
  {
    // The anatomical first source in grey, the functional ones in a colour map, TDFIF's weight map
    // of the first source and the fused image in grey.
    auto              shown = sources;
    std::vector<bool> hot(sources.size(), true);
    hot[0] = false;
    if (tdfif)
      shown.push_back(tdfif->GetWeight(0));
    shown.push_back(fused);
    hot.resize(shown.size(), false);
    outputs.Write(s.preview, [&](const std::string & to) { itk::fusion::WritePreview<D>(shown, to, hot); });
  }
  outputs.Commit();
  if (!quiet)
    std::cerr << "mmfusion: fused " << sources.size() << " " << D << "D images (" << s.method << ", "
              << itk::fusion::BackendName(filter->GetLastUsedBackend()) << " backend, " << ms << " ms) -> " << output
              << "\n";
  return 0;
}

/* fuse's --help after its options: --method and every method's options, from the registry. */
std::string
MethodsHelp()
{
  std::ostringstream out;
  std::string        names;
  for (const auto & m : Methods())
    names += (names.empty() ? "" : "|") + m.name;
  HelpRow(out, "--method " + names, "the fusion method (default " + Methods().front().name + "):");
  for (const auto & m : Methods())
  {
    HelpRow(out, "  " + m.name, m.summary);
    for (const auto & p : m.parameters)
    {
      std::string left = "    --" + p.name, text = p.description;
      if (p.kind == itk::fusion::ParameterKind::Integer || p.kind == itk::fusion::ParameterKind::Real)
      {
        left += p.kind == itk::fusion::ParameterKind::Integer ? " N" : " X";
        text += " (" + itk::fusion::NumberText(p.minimum) + " to " + itk::fusion::NumberText(p.maximum) + ", default " +
                p.defaultValue + ")";
      }
      else if (p.kind == itk::fusion::ParameterKind::Choice)
      {
        std::string choices;
        for (const auto & c : p.choices)
          choices += (choices.empty() ? "" : "|") + c;
        if (choices.size() < 20)
        {
          left += " " + choices;
          text += " (default " + p.defaultValue + ")";
        }
        else
        {
          left += " M";
          text += " (default " + p.defaultValue + "): " + p.choices.front();
          for (size_t c = 1; c < p.choices.size(); ++c)
            text += ", " + p.choices[c];
        }
      }
      else if (p.kind == itk::fusion::ParameterKind::Text)
      {
        left += " " + p.placeholder;
        text += p.defaultValue.empty() ? "" : " (default " + p.defaultValue + ")";
      }
      HelpRow(out, left, text);
    }
  }
  return out.str();
}

int
RunFuse(const Arguments & args)
{
  const std::string  output = OutputOption(args, "fuse", "OUT");
  const FuseSettings s = ReadFuseSettings(args);
  if (args.positional.size() < 2)
    throw UsageError("fuse needs at least two images, got " + std::to_string(args.positional.size()));
  OutputFiles outputs(Inputs(args, { s.model }));
  outputs.Add(output, itk::fusion::IsSeriesFolder(output));
  if (!s.metrics.empty())
    outputs.Add(s.metrics);
  if (!s.preview.empty())
    outputs.Add(s.preview);
  const unsigned int d = CommonDimension(args.positional, s.read, "sources");
  if (d == 2)
    return Fuse<2>(args, s, output, outputs);
  if (d == 3)
    return Fuse<3>(args, s, output, outputs);
  throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) +
                           "D; mmfusion fuses 2D and 3D images");
}
} // namespace

const Command &
FuseCommand()
{
  static const Command command = [] {
    Command c{
      "fuse",
      "A B [C ...] -o OUT [options]",
      "      Fuses N >= 2 images on the first image's grid. Each source is min-max normalised to [0, 1]\n"
      "      first (modalities in different units become comparable); the result lies in [0, 1].\n",
      { shared::Output("OUT", "the fused image (a folder ending in '/': a DICOM series)"),
        { "--register",
          "rigid|affine|none",
          "register every other source onto the first (ITK v4, Mattes mutual information, three resolutions) and "
          "resample it onto the first's grid (default none: the grids must match)" },
        { "--resample-only", "", "resample the sources onto the first's grid by physical space" },
        { "--colour-space",
          "ycbcr|yuv|ihs",
          "a colour source (RGB PET/SPECT) is fused by its luminance and the result takes its chroma: an RGB "
          "output (default ycbcr, BT.601); RGB files with equal channels are grey" },
        shared::Backend(),
        shared::Type(),
        { "--preview",
          "FILE.png",
          "a montage: the first source in grey, the others in a colour map (hot), tdfif's weight map of the first "
          "source, the fused image (3D: the middle axial, coronal and sagittal slices)" },
        { "--metrics", "FILE.json", "the quality metrics of the result (as `mmfusion metrics --json`)" },
        { "--metrics-preset", "P", "their preset (default standard; see metrics)" },
        shared::Quiet(),
        shared::Progress(),
        shared::ReplaceNonFinite(),
        { "--method", "M", "", "", false } },
      {},
      RunFuse,
      MethodsHelp
    };
    // Every method's parameters, each option once; MethodsHelp prints them under their methods.
    for (const auto & m : Methods())
      for (const auto & p : m.parameters)
      {
        const std::string name = "--" + p.name;
        bool              known = false;
        for (const auto & o : c.options)
          known = known || o.name == name;
        if (!known)
          c.options.push_back({ name, p.kind == itk::fusion::ParameterKind::Flag ? "" : "V", "", "", false });
      }
    return c;
  }();
  return command;
}
} // namespace mmfusion
