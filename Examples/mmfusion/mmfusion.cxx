/*
 * mmfusion -- multimodal medical image fusion from the command line.
 * A thin layer over the module's filters; run `mmfusion --help`.
 */
#include "mmfusionCommon.h"

#include "itkVersion.h"

#include <iostream>
#include <string>

namespace
{
using mmfusion::UsageError;
using itk::fusion::OutputFiles;

const char * const kVersion = "0.1.0";

/* The subcommands in the order of --help. */
const std::vector<const mmfusion::Command *> &
Commands()
{
  static const std::vector<const mmfusion::Command *> commands{
    &mmfusion::PhantomCommand(), &mmfusion::FuseCommand(),     &mmfusion::DWTCommand(),     &mmfusion::IDWTCommand(),
    &mmfusion::TextureCommand(), &mmfusion::FeaturesCommand(), &mmfusion::MetricsCommand(), &mmfusion::InfoCommand(),
    &mmfusion::RenderCommand(),  &mmfusion::ExportCommand()
  };
  return commands;
}

std::string
CommandNames()
{
  std::string names;
  for (const auto * c : Commands())
    names += (names.empty() ? "" : ", ") + c->name;
  return names;
}

const char * const kFooter =
  R"(Images: anything ITK reads or writes: NIfTI (.nii, .nii.gz), MetaImage (.mha, .mhd), NRRD,
PNG, JPEG, TIFF, and DICOM series (give the folder; an OUT ending in '/' writes a series into a
new or empty folder). Every input is checked before it is read: a damaged file (cut short, a
failed checksum, impossible header fields, complex or multi-component voxels, NaN or infinite
values) is refused; --replace-non-finite (every command that reads) sets NaN and infinite
voxels to 0 instead. Outputs are written under a temporary name and renamed when complete: an
error or an interruption leaves no output behind, an output may not be an input, a folder, a
device or another output, and nothing the run did not create is removed.
Options that the command or the chosen method does not use are errors.
Exit status: 0 on success, 1 on an error (one line on stderr), 2 on a usage error.
)";

/* --help: every command's synopsis, description and options, from their tables. */
std::string
Usage()
{
  std::string usage = "mmfusion - fuse co-registered medical images (MRI with CT, PET or SPECT), 2D or 3D\n\nUsage:\n";
  for (const auto * c : Commands())
    usage += mmfusion::Help(*c) + "\n";
  return usage + kFooter;
}

int
Run(int argc, char * argv[])
{
  const std::string command = argc > 1 ? argv[1] : "";
  if (command.empty())
    throw UsageError("no command given (commands: " + CommandNames() + ")");
  if (command == "--help" || command == "-h" || command == "help")
  {
    std::cout << Usage();
    return 0;
  }
  if (command == "--version")
  {
    std::cout << "mmfusion " << kVersion << " (ITK " << ITK_VERSION_STRING
              << ", CUDA kernels: " << (itk::fusion::BuildHasCuda() ? "compiled" : "emulated only")
              << ", devices: " << itk::fusion::CudaDeviceCount() << ")\n";
    return 0;
  }
  for (int i = 2; i < argc; ++i)
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h")
    {
      std::cout << Usage();
      return 0;
    }
  for (const auto * c : Commands())
    if (c->name == command)
      return c->run(mmfusion::Parse(*c, argc, argv));
  throw UsageError("unknown command '" + command + "' (commands: " + CommandNames() + "; see mmfusion --help)");
}
} // namespace

int
main(int argc, char * argv[])
{
  OutputFiles::InstallSignalHandlers();
  itk::Object::GlobalWarningDisplayOff(); // warnings of readers and writers would break the one-line errors
  try
  {
    return Run(argc, argv);
  }
  catch (const UsageError & e)
  {
    std::cerr << "mmfusion: " << itk::fusion::OneLineMessage(e.what()) << " (see mmfusion --help)\n";
    return 2;
  }
  catch (const itk::ExceptionObject & e)
  {
    std::cerr << "mmfusion: error: " << itk::fusion::OneLineMessage(e.GetDescription()) << "\n";
    return 1;
  }
  catch (const std::bad_alloc &)
  {
    std::cerr << "mmfusion: error: out of memory\n";
    return 1;
  }
  catch (const std::exception & e)
  {
    std::cerr << "mmfusion: error: " << itk::fusion::OneLineMessage(e.what()) << "\n";
    return 1;
  }
}
