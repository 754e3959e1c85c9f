/* mmfusion render: the fusion scene (grey underlay, colour overlay; orthogonal slices and a 3D
 * view) rendered offscreen by VTK into a PNG (itkFusionScene.h). */
#include "mmfusionCommon.h"

#include "itkFusionImageIO.h"
#include "itkFusionMethods.h"
#include "itkFusionOutputFiles.h"
#ifdef FUSION_HAVE_VTK
#  include "itkFusionScene.h"
#endif

#include <iostream>
#include <string>
#include <vector>

namespace mmfusion
{
namespace
{
#ifdef FUSION_HAVE_VTK
template <unsigned int D>
void
Render(const Arguments & args, const std::string & output, const itk::fusion::SceneOptions & options,
       const std::string & fused, const std::string & method)
{
  OutputFiles outputs(Inputs(args, fused.empty() ? std::vector<std::string>{} : std::vector<std::string>{ fused }));
  outputs.Add(output);
  const auto                                   read = ReadingOptions(args);
  std::vector<typename FloatImage<D>::Pointer> sources;
  for (const auto & path : args.positional)
    sources.push_back(itk::fusion::ReadImage<D>(path, read));
  typename FloatImage<D>::Pointer overlay;
  if (!fused.empty())
    overlay = itk::fusion::ReadImage<D>(fused, read);
  else if (!method.empty())
  {
    auto filter = itk::fusion::FindFusionMethod<FloatImage<D>>(method).New({});
    filter->SetBackend(BackendOption(args));
    for (unsigned k = 0; k < sources.size(); ++k)
      filter->SetSource(k, sources[k]);
    filter->Update();
    overlay = filter->GetOutput();
  }
  else
    overlay = sources[1];
  outputs.Write(output, [&](const std::string & to) { itk::fusion::RenderScene<D>(sources[0], overlay, options, to); });
  outputs.Commit();
  if (!Quiet(args))
    std::cerr << "mmfusion: rendered " << D << "D scene -> " << output << "\n";
}
#endif

int
RunRender(const Arguments & args)
{
  const std::string output = args.get("-o", "");
  if (output.empty())
    throw UsageError("render needs an output: -o IMAGE.png");
  if (output.size() < 4 || output.substr(output.size() - 4) != ".png")
    throw UsageError("render writes PNG pictures: the output must end in .png, not '" + output + "'");
  if (args.positional.empty())
    throw UsageError("render takes the sources: the anatomical one first");
  if (args.positional.size() < 2 && !args.has("--fused"))
    throw UsageError("render needs an overlay: a second source, --fused F or --method M with two sources");
  if (args.has("--fused") && args.has("--method"))
    throw UsageError("--fused and --method exclude each other");
#ifdef FUSION_HAVE_VTK
  itk::fusion::SceneOptions options;
  options.view =
    itk::fusion::SceneViewFromString(args.choice("--view", "all", { "axial", "coronal", "sagittal", "3d", "all" }));
  options.colourMap = args.choice("--colour-map", "hot", { "hot", "jet" });
  options.opacity = args.real("--opacity", 0.5, 0.0, 1.0);
  if (args.has("--at"))
    options.at = args.numbers("--at", 3, "X,Y,Z (a physical point, mm)");
  const std::string size = args.get("--size", "800x800");
  const auto        x = size.find('x');
  try
  {
    if (x == std::string::npos)
      throw std::invalid_argument(size);
    options.width = static_cast<unsigned>(std::stoul(size.substr(0, x)));
    options.height = static_cast<unsigned>(std::stoul(size.substr(x + 1)));
  }
  catch (const std::exception &)
  {
    throw UsageError("--size takes WIDTHxHEIGHT in pixels, e.g. 800x600, not '" + size + "'");
  }
  BackendOption(args);
  const std::string fused = args.get("--fused", ""), method = args.get("--method", "");
  args.rejectUnread("to render");
  const unsigned int d = itk::fusion::ImageDimension(args.positional[0], ReadingOptions(args));
  if (d == 2)
    Render<2>(args, output, options, fused, method);
  else if (d == 3)
    Render<3>(args, output, options, fused, method);
  else
    throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D; render takes 2D and 3D");
  return 0;
#else
  throw std::runtime_error("this mmfusion was built without VTK (libvtk9-dev): render is not available");
#endif
}
} // namespace

const Command &
RenderCommand()
{
  static const Command command{
    "render",
    "SOURCES... [--fused F | --method M] -o IMAGE.png [options]",
    "      The fusion scene rendered offscreen by VTK (needs an X display: run under xvfb-run -a): the first\n"
    "      source in grey, the overlay (the second source, the fused image F, or the sources fused by method\n"
    "      M) in a colour map over it; axial, coronal and sagittal slices through the overlay's brightest\n"
    "      voxel (or --at) and a 3D\n"
    "      volume rendering of the overlay (a 2D pair: one view). Radiological convention (patient left on\n"
    "      the right), physical space honoured (any direction); docs/viewer.md.\n",
    { shared::Output("IMAGE.png", "the picture", false),
      { "--fused", "F", "the overlay: a fused image (on any grid; resampled in physical space)" },
      { "--method", "M", "the overlay: the sources fused by this method (default parameters)" },
      { "--view", "axial|coronal|sagittal|3d|all", "which view (default all: the four in a 2 x 2 layout)" },
      { "--size", "WxH", "the picture's size in pixels (default 800x800)" },
      { "--colour-map", "hot|jet", "the overlay's colour map (default hot)" },
      { "--opacity", "A", "the overlay's opacity, 0 to 1 (default 0.5)" },
      { "--at",
        "X,Y,Z",
        "the physical point (LPS, mm) the slices pass through (default: the overlay's brightest voxel)" },
      shared::Backend(),
      shared::Quiet(),
      shared::ReplaceNonFinite() },
    {},
    RunRender
  };
  return command;
}
} // namespace mmfusion
