/* mmfusion export: an image (any result) as a VTK .vti file for ParaView, its grid kept. */
#include "mmfusionCommon.h"

#include "itkFusionImageIO.h"
#include "itkFusionOutputFiles.h"
#ifdef FUSION_HAVE_VTK
#  include "itkFusionVTK.h"
#endif

#include <iostream>
#include <string>

namespace mmfusion
{
namespace
{
template <unsigned int D>
void
Export(const std::string & input, const std::string & output, const Arguments & args)
{
#ifdef FUSION_HAVE_VTK
  OutputFiles outputs(Inputs(args));
  outputs.Add(output);
  auto image = itk::fusion::ReadImage<D>(input, ReadingOptions(args));
  outputs.Write(
    output, [&](const std::string & to) { itk::fusion::WriteVTI<D>(image, to); }, false);
  outputs.Commit();
  if (!Quiet(args))
    std::cerr << "mmfusion: wrote " << output << " (" << D << "D, spacing, origin and direction kept)\n";
#else
  (void)input;
  (void)output;
  (void)args;
  throw std::runtime_error("this mmfusion was built without VTK (libvtk9-dev): export is not available");
#endif
}

int
RunExport(const Arguments & args)
{
  const std::string output = args.get("-o", "");
  if (output.empty())
    throw UsageError("export needs an output: -o OUT.vti");
  if (output.size() < 4 || output.substr(output.size() - 4) != ".vti")
    throw UsageError("export writes VTK image files: the output must end in .vti, not '" + output + "'");
  if (args.positional.size() != 1)
    throw UsageError("export takes one image");
  const unsigned int d = itk::fusion::ImageDimension(args.positional[0], ReadingOptions(args));
  args.rejectUnread("to export");
  if (d == 2)
    Export<2>(args.positional[0], output, args);
  else if (d == 3)
    Export<3>(args.positional[0], output, args);
  else
    throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D; export takes 2D and 3D");
  return 0;
}
} // namespace

const Command &
ExportCommand()
{
  static const Command command{
    "export",
    "IMAGE -o OUT.vti",
    "      An image (a fused result, a source, a band) as a VTK XML image (.vti, binary, zlib) for\n"
    "      ParaView: float values, spacing, origin and direction kept.\n",
    { shared::Output("OUT.vti", "the VTK image file", false), shared::Quiet(), shared::ReplaceNonFinite() },
    {},
    RunExport
  };
  return command;
}
} // namespace mmfusion
