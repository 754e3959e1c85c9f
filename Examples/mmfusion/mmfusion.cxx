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

const char * const kUsageBeforeMethods =
  R"(mmfusion - fuse co-registered medical images (MRI with CT, PET or SPECT), 2D or 3D

Usage:
  mmfusion phantom -o FOLDER [--dim 2|3|both] [--size N] [--format nii.gz|mha|nrrd]
      Writes the built-in synthetic head phantom (MRI, CT, PET on one grid):
      FOLDER/{mri,ct,pet}_2d.<format> and FOLDER/{mri,ct,pet}_3d.<format>.

  mmfusion fuse A B [C ...] -o OUT [options]
      Fuses N >= 2 images on the first image's grid. Each source is min-max normalised to [0, 1]
      first (modalities in different units become comparable); the result lies in [0, 1].
      --register rigid|affine|none
                                  register every other source onto the first (ITK v4, Mattes
                                  mutual information, three resolutions) and resample it onto
                                  the first's grid (default none: the grids must match)
      --resample-only             resample the sources onto the first's grid by physical space
)";
/* (here: the methods of fuse and their options, from the registry: MethodsHelp) */
const char * const kUsageAfterMethods = R"(
      --colour-space ycbcr|yuv|ihs
                                  a colour source (RGB PET/SPECT) is fused by its luminance and
                                  the result takes its chroma: an RGB output (default ycbcr,
                                  BT.601); RGB files with equal channels are grey
      --backend auto|cpu|cuda|emulated
                                  where the kernels run (default auto: a GPU if present, else
                                  all CPU cores; env FUSION_BACKEND overrides auto); emulated
                                  runs the CUDA kernels on the CPU (for testing)
      --type auto|float|double|uchar|ushort|short
                                  output pixels (default auto: float; uchar for PNG/JPEG;
                                  ushort for a DICOM series); the integer types hold the
                                  [0, 1] result scaled to their range (255, 65535, 32767)
      --preview FILE.png          a montage: the first source in grey, the others in a colour map
                                  (hot), tdfif's weight map of the first source, the fused image
                                  (3D: the middle axial, coronal and sagittal slices)
      --metrics FILE.json         the quality metrics of the result (as `mmfusion metrics --json`)
      --metrics-preset P          their preset (default standard; see metrics)
      --quiet                     no progress or summary on stderr
      --progress                  the progress bar even when stderr is not a terminal

  mmfusion dwt IMAGE -o PREFIX [--wavelet W] [--mode M] [--levels L] [--format nii.gz|mha|nrrd]
                [--backend ...]
      Multi-level discrete wavelet transform, equal to PyWavelets' wavedecn: any discrete
      PyWavelets wavelet (haar, db1-db38, sym2-sym20, coif1-coif17, bior*, rbio*, dmey; default
      haar), any PyWavelets mode (default symmetric), L levels (default 1). Writes one float image
      per band, PREFIX_<level>_<band>.<format> (band: L or H per axis in x, y, z order; the
      approximation is PREFIX_<L>_LL[L]), and PREFIX_dwt.txt with the parameters and the grid.

  mmfusion idwt PREFIX -o OUT [--backend ...]
      The inverse: reads PREFIX_dwt.txt and the bands, writes the image on its original grid.

  mmfusion texture IMAGE -o OUT [--features mean[,contrast,...]] [--radius R] [--glcm-levels L]
                    [--range LO,HI] [--pooled] [--asymmetric]
      Per-pixel grey-level co-occurrence texture (2D and 3D) in a (2R+1)^D window (default R 2)
      of the image quantised to L levels (default 8) over its min..max (or --range): features
      mean (default), variance, contrast, dissimilarity, homogeneity, asm, energy, entropy,
      correlation, maxprob; several features make a vector image in the order given.
      Offsets: the unit directions (4 in 2D, 13 in 3D), features averaged over them
      (--pooled: one matrix of all offsets); symmetric unless --asymmetric.

  mmfusion features IMAGE -o OUT [--model tdfif|FILE.onnx] [--output-tensor NAME]
                     [--reduce mean|l1|max|none] [--slice-axis 0|1|2] [--raw]
                     [--mean M[,M,...] --std S[,S,...]] [--tile-mb N] [--backend ...]
      Convolutional feature maps of a 2D or 3D image: the built-in TDFIF encoder (default) or
      an ONNX network (Conv, Relu, MaxPool, AveragePool, BatchNormalization, Concat, Add,
      Identity) up to the tensor --output-tensor (default: the graph's output). The image is scaled to
      [0, 1] first (--raw: its values as they are), replicated to the network's input channels,
      then (v - mean) / std per channel when given. --reduce: the channel mean (default), L1
      norm or maximum as one float image, or none: every channel, a vector image. A 2D network
      on a volume runs slice by slice along --slice-axis. --tile-mb: feature-map memory per tile
      (default 64, per thread; the result depends on it only by float rounding).

  mmfusion metrics A B [C ...] F [--preset standard|cddfuse|vifb|seed] [--json FILE]
                   [--range LO,HI] [--fmi] [--backend auto|cpu|cuda|emulated]
      Quality metrics of the fused image F (last) against the sources (docs/metrics.md). Presets:
      standard (default): EN, SD, SF, AG, EI, MI (bits; MI_nats), Q_MI, CE, MSE, RMSE, PSNR, CC,
        SCD, SSIM, VIF, Qabf, Nabf, Q_Y (two sources), Q_CB, Q_CV, and per source (_1, _2, ...):
        EN, JE, MI, MSE, RMSE, PSNR, CC, SSIM, VIF; --fmi adds FMI_pixel, FMI_gradient, FMI_dct;
      cddfuse: the CDDFuse Evaluator's EN, SD, SF, AG, MI (nats), MSE, CC, PSNR, SCD, VIF, Qabf,
        SSIM, quirks included; vifb: VIFB's AG, CE, EI, EN, MI, PSNR, Qabf, Q_CB, Q_CV, RMSE, SF,
        SSIM, SD; seed: MSE, PSNR, RMSE, SSIM, MI per source, EN of each image, joint entropies.
      Grey levels 0..255: 8-bit files as they are (when every input is 8-bit), otherwise each
      image min-max mapped, or --range LO,HI for all; colour files as BT.601 luma. Prints a
      table; --json FILE writes the values (undefined ones as null, and listed).

  mmfusion info IMAGE
      Prints the grid (size, spacing, origin, direction) and the value range of an image.

Images: anything ITK reads or writes: NIfTI (.nii, .nii.gz), MetaImage (.mha, .mhd), NRRD,
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

int
Run(int argc, char * argv[])
{
  const std::string command = argc > 1 ? argv[1] : "";
  if (command.empty())
    throw UsageError("no command given (commands: phantom, fuse, dwt, idwt, texture, features, metrics, info)");
  if (command == "--help" || command == "-h" || command == "help")
  {
    std::cout << kUsageBeforeMethods << mmfusion::MethodsHelp() << kUsageAfterMethods;
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
      std::cout << kUsageBeforeMethods << mmfusion::MethodsHelp() << kUsageAfterMethods;
      return 0;
    }
  if (command == "fuse")
    return mmfusion::CommandFuse(argc, argv);
  if (command == "phantom")
    return mmfusion::CommandPhantom(argc, argv);
  if (command == "info")
    return mmfusion::CommandInfo(argc, argv);
  if (command == "dwt")
    return mmfusion::CommandDWT(argc, argv);
  if (command == "idwt")
    return mmfusion::CommandIDWT(argc, argv);
  if (command == "texture")
    return mmfusion::CommandTexture(argc, argv);
  if (command == "features")
    return mmfusion::CommandFeatures(argc, argv);
  if (command == "metrics")
    return mmfusion::CommandMetrics(argc, argv);
  throw UsageError("unknown command '" + command +
                   "' (commands: phantom, fuse, dwt, idwt, texture, features, metrics, info; see mmfusion --help)");
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
