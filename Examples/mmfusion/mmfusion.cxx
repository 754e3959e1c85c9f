/*
 * mmfusion -- multimodal medical image fusion from the command line.
 * A thin layer over the module's filters; run `mmfusion --help`.
 */
#include "itkClassicalFusionFilter.h"
#include "itkCommand.h"
#include "itkConvFeatureFilter.h"
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkFusionColour.h"
#include "itkFusionDWTDescription.h"
#include "itkFusionFileChecks.h"
#include "itkFusionImageIO.h"
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
#include "mmfusionArguments.h"

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
#include <vector>

namespace
{
using mmfusion::Arguments;
using mmfusion::UsageError;
using itk::fusion::OutputFiles;

const char * const kVersion = "0.1.0";

const char * const kUsage = R"(mmfusion - fuse co-registered medical images (MRI with CT, PET or SPECT), 2D or 3D

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
      --method M                  tdfif (default): TDFIF encoder activity, GLCM-mean texture,
                                    ratio weights, linear fusion (METHODS.md 2)
                                  dwt-cnn: DWT, per-band CNN activity weights, inverse DWT
                                  average | max | pca | laplacian: the classical rules
                                  dwt: DWT, approximation averaged, details max-abs
                                  activity: each normalised source weighs itself
      --glcm-levels L, --radius R, --no-texture, --weight-sigma S, --weight-power P
                                  tdfif: GLCM levels (8), window radius (2), the texture
                                  ablation, Gaussian smoothing of the weights (0), the power of
                                  the weights' inputs (4)
      --model NET.onnx [--output-tensor NAME]
                                  tdfif, dwt-cnn: another feature network (same-size output)
      --wavelet W, --levels L, --mode M, --detail-rule weighted|maxabs
                                  dwt, dwt-cnn: wavelet (db2), levels (3), PyWavelets mode
                                  (symmetric); laplacian: --levels (4)
      --epsilon E                 activity: eps of the ratio rule (default 1e-6)
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

  mmfusion dwt IMAGE -o PREFIX [--wavelet W] [--mode M] [--levels L] [--format nii.gz|mha|nrrd]
                [--backend ...]
      Multi-level discrete wavelet transform, equal to PyWavelets' wavedecn: any discrete
      PyWavelets wavelet (haar, db1-db38, sym2-sym20, coif1-coif17, bior*, rbio*, dmey; default
      haar), any PyWavelets mode (default symmetric), L levels (default 1). Writes one float image
      per band, PREFIX_<level>_<band>.<format> (band: L or H per axis in x, y, z order; the
      approximation is PREFIX_<L>_LL[L]), and PREFIX_dwt.txt with the parameters and the grid.

  mmfusion idwt PREFIX -o OUT [--backend ...]
      The inverse: reads PREFIX_dwt.txt and the bands, writes the image on its original grid.

  mmfusion texture IMAGE -o OUT [--features mean[,contrast,...]] [--radius R] [--levels L]
                    [--range MIN,MAX] [--pooled] [--asymmetric]
      Per-pixel grey-level co-occurrence texture (2D and 3D) in a (2R+1)^D window (default R 2)
      of the image quantised to L levels (default 8) over its min..max (or --range): features
      mean (default), variance, contrast, dissimilarity, homogeneity, asm, energy, entropy,
      correlation, maxprob; several features make a vector image in the order given.
      Offsets: the unit directions (4 in 2D, 13 in 3D), features averaged over them
      (--pooled: one matrix of all offsets); symmetric unless --asymmetric.

  mmfusion features IMAGE -o OUT [--model tdfif|FILE.onnx] [--output NAME]
                     [--reduce mean|l1|max|none] [--slice-axis 0|1|2] [--raw]
                     [--mean M[,M,...] --std S[,S,...]] [--tile-mb N] [--backend ...]
      Convolutional feature maps of a 2D or 3D image: the built-in TDFIF encoder (default) or
      an ONNX network (Conv, Relu, MaxPool, AveragePool, BatchNormalization, Concat, Add,
      Identity) up to the tensor --output (default: the graph's output). The image is scaled to
      [0, 1] first (--raw: its values as they are), replicated to the network's input channels,
      then (v - mean) / std per channel when given. --reduce: the channel mean (default), L1
      norm or maximum as one float image, or none: every channel, a vector image. A 2D network
      on a volume runs slice by slice along --slice-axis. --tile-mb: feature-map memory per tile
      (default 64, per thread; the result depends on it only by float rounding).

  mmfusion metrics A B [C ...] F [--preset standard|cddfuse|vifb|seed] [--json FILE]
                   [--range LO,HI] [--fmi] [--backend auto|cpu|cuda|emulated]
      Quality metrics of the fused image F (last) against the sources (METRICS.md). Presets:
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

/* A progress bar on stderr for work that lasts more than a second. */
class ProgressBar : public itk::Command
{
public:
  ITK_DISALLOW_COPY_AND_MOVE(ProgressBar);
  using Self = ProgressBar;
  using Pointer = itk::SmartPointer<Self>;
  itkNewMacro(Self);

  void
  SetLabel(const std::string & label)
  {
    m_Label = label;
    m_Start = std::chrono::steady_clock::now();
    m_Shown = false;
  }
  void
  Execute(itk::Object * caller, const itk::EventObject & event) override
  {
    Execute(static_cast<const itk::Object *>(caller), event);
  }
  void
  Execute(const itk::Object * caller, const itk::EventObject & event) override
  {
    const auto * process = dynamic_cast<const itk::ProcessObject *>(caller);
    if (!process || !m_Enabled)
      return;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - m_Start).count();
    if (itk::ProgressEvent().CheckEvent(&event) && (m_Shown || seconds > 1.0))
    {
      m_Shown = true;
      const int width = 30, filled = static_cast<int>(process->GetProgress() * width + 0.5f);
      std::fprintf(stderr, "\r%s [%s%s] %3d%%", m_Label.c_str(), std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), static_cast<int>(process->GetProgress() * 100 + 0.5f));
    }
    if (itk::EndEvent().CheckEvent(&event) && m_Shown)
    {
      std::fprintf(stderr, "\n");
      m_Shown = false;
    }
  }
  bool m_Enabled = true;

protected:
  ProgressBar() = default;

private:
  std::string                           m_Label;
  std::chrono::steady_clock::time_point m_Start = std::chrono::steady_clock::now();
  bool                                  m_Shown = false;
};

/* A progress bar on `process` (shown after a second of work), unless quiet. */
ProgressBar::Pointer
ShowProgress(itk::ProcessObject * process, const std::string & label, bool quiet)
{
  auto progress = ProgressBar::New();
  progress->SetLabel(label);
  progress->m_Enabled = !quiet;
  process->AddObserver(itk::ProgressEvent(), progress);
  process->AddObserver(itk::EndEvent(), progress);
  return progress;
}

template <unsigned int D>
using FloatImage = itk::Image<float, D>;

/* --replace-non-finite: how the command reads its inputs. */
itk::fusion::ReadOptions
ReadingOptions(const Arguments & args)
{
  itk::fusion::ReadOptions options;
  options.replaceNonFinite = args.has("--replace-non-finite");
  return options;
}

itk::FusionEnums::Backend
BackendOption(const Arguments & args)
{
  return itk::fusion::BackendFromString(args.choice("--backend", "auto", { "auto", "cpu", "cuda", "emulated" }));
}

/* The output path of -o (or --output where the command takes it). */
std::string
OutputOption(const Arguments & args, const std::string & command, const std::string & what)
{
  if (args.has("-o") && args.has("--output"))
    throw UsageError(command + ": give -o or --output, not both");
  const std::string output = args.get("-o", args.get("--output", ""));
  if (output.empty())
    throw UsageError(command + " needs an output: -o " + what);
  return output;
}

/* The number of dimensions of every path, which must agree. */
unsigned int
CommonDimension(const std::vector<std::string> & paths, const itk::fusion::ReadOptions & read, const char * what)
{
  const unsigned int d = itk::fusion::ImageDimension(paths.front(), read);
  for (const auto & p : paths)
  {
    const unsigned int e = itk::fusion::ImageDimension(p, read);
    if (e != d)
      throw std::runtime_error(std::string("the ") + what + " have different dimensions ('" + paths.front() + "' is " +
                               std::to_string(d) + "D, '" + p + "' is " + std::to_string(e) + "D)");
  }
  return d;
}

template <unsigned int D>
void
ReportMetrics(const Arguments & args, const std::string & preset,
              const std::vector<typename FloatImage<D>::Pointer> & sources, const std::vector<std::string> & sourceNames,
              const typename FloatImage<D>::Pointer & fused, const std::string & fusedName, bool eightBit, bool print,
              const std::string & json);

/* The fusion methods of `mmfusion fuse` and the options each one reads. */
const std::vector<std::string> kFusionMethods{ "tdfif", "dwt-cnn", "average", "max", "dwt", "laplacian", "pca", "activity" };

struct FuseSettings
{
  std::string              method, type, registration, preview, metrics, metricsPreset, model, outputTensor;
  bool                     quiet = false, resampleOnly = false, texture = true;
  itk::FusionEnums::Backend     backend = itk::FusionEnums::Backend::Auto;
  itk::fusion::ColourSpace colourSpace = itk::fusion::ColourSpace::YCbCr;
  itk::fusion::ReadOptions read;
  unsigned                 glcmLevels = 8, radius = 2, levels = 3;
  double                   weightSigma = 0, weightPower = 4, epsilon = 1e-6;
  std::string              wavelet = "db2", detailRule = "weighted";
  itk::fusion::WaveletMode mode = itk::fusion::WaveletMode::Symmetric;
};

itk::fusion::WaveletMode
ModeOption(const Arguments & args)
{
  try
  {
    return itk::fusion::WaveletModeFromString(args.get("--mode", "symmetric"));
  }
  catch (const std::exception & e)
  {
    throw UsageError(e.what());
  }
}

/* Every option of `fuse`, read and checked before any file is touched. */
FuseSettings
ReadFuseSettings(const Arguments & args)
{
  FuseSettings s;
  s.method = args.get("--method", "tdfif");
  if (std::find(kFusionMethods.begin(), kFusionMethods.end(), s.method) == kFusionMethods.end())
  {
    std::string known;
    for (const auto & m : kFusionMethods)
      known += (known.empty() ? "" : ", ") + m;
    throw UsageError("unknown method '" + s.method + "' (methods: " + known + ")");
  }
  s.quiet = args.has("--quiet");
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
  const bool tdfif = s.method == "tdfif", dwt = s.method == "dwt", dwtCnn = s.method == "dwt-cnn";
  if (args.has("--output-tensor") && !args.has("--model"))
    throw UsageError("--output-tensor names a tensor of --model FILE.onnx");
  if (tdfif)
  {
    s.glcmLevels = static_cast<unsigned>(args.integer("--glcm-levels", 8, 2, 256));
    s.radius = static_cast<unsigned>(args.integer("--radius", 2, 0, 32));
    s.texture = !args.has("--no-texture");
    s.weightSigma = args.real("--weight-sigma", 0, 0, 1000);
    s.weightPower = args.real("--weight-power", 4, 0, 64); // the quality table's choice (README)
  }
  if (dwt || dwtCnn)
  {
    s.wavelet = args.get("--wavelet", "db2");
    s.levels = static_cast<unsigned>(args.integer("--levels", 3, 1, 16));
    s.mode = ModeOption(args);
  }
  if (dwtCnn)
    s.detailRule = args.choice("--detail-rule", "weighted", { "weighted", "maxabs" });
  if (tdfif || dwtCnn)
  {
    s.model = args.get("--model", "");
    s.outputTensor = args.get("--output-tensor", "");
  }
  if (s.method == "laplacian")
    s.levels = static_cast<unsigned>(args.integer("--levels", 4, 1, 16));
  if (s.method == "activity")
    s.epsilon = args.real("--epsilon", 1e-6, 1e-30, 1.0);
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
  const bool quiet = s.quiet;
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
      const auto v = itk::fusion::ToLuminanceChroma(channels[0]->GetBufferPointer()[i], channels[1]->GetBufferPointer()[i],
                                                    channels[2]->GetBufferPointer()[i], s.colourSpace);
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
          std::cerr << "mmfusion: registering '" << names[k] << "' onto '" << names[0] << "' (" << s.registration << ")\n";
        try
        {
          transform = itk::fusion::Register(sources[0].GetPointer(), sources[k].GetPointer(),
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
          chroma[c] = itk::fusion::ResampleOnto(chroma[c].GetPointer(), sources[0].GetPointer(), transform.GetPointer());
      sources[k] = itk::fusion::ResampleOnto(sources[k].GetPointer(), sources[0].GetPointer(), transform.GetPointer());
    }

  typename itk::ImageToImageFilter<Image, Image>::Pointer filter;
  typename itk::TDFIFFusionFilter<Image>::Pointer         tdfif;
  if (s.method == "tdfif")
  {
    tdfif = itk::TDFIFFusionFilter<Image>::New();
    tdfif->SetNumberOfLevels(s.glcmLevels);
    tdfif->SetRadius(s.radius);
    tdfif->SetTexture(s.texture);
    tdfif->SetWeightSmoothingSigma(s.weightSigma);
    tdfif->SetWeightPower(s.weightPower);
    if (!s.model.empty())
      tdfif->SetModelFileName(s.model, s.outputTensor);
    tdfif->SetBackend(s.backend);
    for (unsigned k = 0; k < sources.size(); ++k)
      tdfif->SetSource(k, sources[k]);
    filter = tdfif;
  }
  else if (s.method == "dwt" || s.method == "dwt-cnn")
  {
    using Wavelet = itk::WaveletFeatureFusionFilter<Image>;
    auto w = Wavelet::New();
    w->SetWavelet(s.wavelet);
    w->SetLevels(s.levels);
    w->SetMode(s.mode);
    if (s.method == "dwt")
    {
      w->SetApproximationRule(Wavelet::Rule::Average);
      w->SetDetailRule(Wavelet::Rule::MaxAbs);
    }
    else
    {
      w->SetDetailRule(s.detailRule == "maxabs" ? Wavelet::Rule::MaxAbs : Wavelet::Rule::ActivityWeighted);
      if (!s.model.empty())
        w->SetModelFileName(s.model, s.outputTensor);
    }
    w->SetBackend(s.backend);
    for (unsigned k = 0; k < sources.size(); ++k)
      w->SetSource(k, sources[k]);
    filter = w;
  }
  else if (s.method == "activity")
  {
    // Activity weights: each normalised source is its own activity (the foundation's rule).
    auto w = itk::WeightedFusionFilter<Image>::New();
    for (unsigned k = 0; k < sources.size(); ++k)
    {
      const auto normalised = itk::fusion::MinMaxNormalised(sources[k].GetPointer(), "'" + names[k] + "'");
      w->SetSource(k, normalised);
      w->SetActivityImage(k, normalised);
    }
    w->SetEpsilon(s.epsilon);
    w->SetBackend(s.backend);
    filter = w;
  }
  else
  {
    using Classical = itk::ClassicalFusionFilter<Image>;
    auto c = Classical::New();
    c->SetRule(s.method == "average" ? Classical::Rule::Average
                                     : (s.method == "max" ? Classical::Rule::Maximum
                                                          : (s.method == "pca" ? Classical::Rule::PCA
                                                                               : Classical::Rule::LaplacianPyramid)));
    c->SetLevels(s.method == "laplacian" ? s.levels : 4);
    c->SetBackend(s.backend);
    for (unsigned k = 0; k < sources.size(); ++k)
      c->SetSource(k, sources[k]);
    filter = c;
  }
  ShowProgress(filter, "fusing", quiet);
  const auto start = std::chrono::steady_clock::now();
  try
  {
    filter->Update();
  }
  catch (const itk::ExceptionObject & e)
  {
    std::string what = e.GetDescription();
    if (what.find("different grids") != std::string::npos)
      what += " (mmfusion: use --register rigid|affine, or --resample-only when the images already share physical space)";
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
      const auto v = itk::fusion::FromLuminanceChroma(fused->GetBufferPointer()[i], chroma[1]->GetBufferPointer()[i],
                                                      chroma[2]->GetBufferPointer()[i], s.colourSpace);
      for (unsigned c = 0; c < 3; ++c)
        rgb[c]->GetBufferPointer()[i] = static_cast<float>(v[c]);
    }
    outputs.Write(output, [&](const std::string & to) { itk::fusion::WriteColourImage<D>(rgb, to); });
  }
  if (!s.metrics.empty())
    outputs.Write(
      s.metrics,
      [&](const std::string & to) { ReportMetrics<D>(args, s.metricsPreset, sources, names, fused, output, false, false, to); },
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
              << itk::fusion::BackendName(itk::fusion::ResolveBackend(s.backend, true, "mmfusion fuse")) << " backend, "
              << ms << " ms) -> " << output << "\n";
  return 0;
}

/* The inputs of a command (its positional paths and any model file): no output may be one. */
std::vector<std::string>
Inputs(const Arguments & args, const std::vector<std::string> & more = {})
{
  std::vector<std::string> inputs = args.positional;
  inputs.insert(inputs.end(), more.begin(), more.end());
  return inputs;
}

int
CommandFuse(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2,
                       { "-o", "--output", "--method", "--epsilon", "--backend", "--type", "--preview", "--metrics",
                         "--metrics-preset", "--glcm-levels", "--radius", "--weight-sigma", "--weight-power", "--model",
                         "--output-tensor", "--wavelet", "--levels", "--mode", "--detail-rule", "--colour-space",
                         "--register" },
                       { "--quiet", "--no-texture", "--resample-only", "--replace-non-finite" });
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
  throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D; mmfusion fuses 2D and 3D images");
}

template <unsigned int D>
void
WritePhantom(const std::string & folder, const std::string & format, unsigned int size, OutputFiles & outputs,
             std::vector<std::string> & written)
{
  itk::fusion::HeadPhantomOptions options;
  options.size = size;
  for (auto m : { itk::fusion::PhantomModality::MRI, itk::fusion::PhantomModality::CT, itk::fusion::PhantomModality::PET })
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
CommandPhantom(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2, { "-o", "--output", "--dim", "--size", "--format" }, {});
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
  ShowProgress(dwt, "dwt", args.has("--quiet"));
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
  outputs.Write(description, [&](const std::string & to) { itk::fusion::WriteTextFile(to, d.Format()); }, false);
  outputs.Commit();
  if (!args.has("--quiet"))
    std::cerr << "mmfusion: " << dwt->GetNumberOfIndexedOutputs() << " bands of " << dwt->GetWavelet() << " ("
              << itk::fusion::BackendName(dwt->GetLastUsedBackend()) << " backend) -> " << prefix << "_*." << format
              << "\n";
  return 0;
}

int
CommandDWT(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2, { "-o", "--output", "--wavelet", "--mode", "--levels", "--format", "--backend" },
                       { "--quiet", "--replace-non-finite" });
  const std::string prefix = OutputOption(args, "dwt", "PREFIX");
  if (args.positional.size() != 1)
    throw UsageError("dwt takes one image");
  const std::string format = args.choice("--format", "nii.gz", kDWTFormats);
  const unsigned    levels = static_cast<unsigned>(args.integer("--levels", 1, 1, 16));
  const auto        read = ReadingOptions(args);
  ModeOption(args);    // checked now, before any work; Decompose reads them again
  BackendOption(args);
  args.get("--wavelet");
  args.has("--quiet");
  args.rejectUnread("to dwt");
  const unsigned int d = itk::fusion::ImageDimension(args.positional[0], read);
  if (d == 2)
    return Decompose<2>(args, prefix, format, levels, read);
  if (d == 3)
    return Decompose<3>(args, prefix, format, levels, read);
  throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D; dwt takes 2D and 3D images");
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
  auto reference = ImageType::New(); // the original grid, without pixels
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
  ShowProgress(idwt, "idwt", args.has("--quiet"));
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
    std::cerr << "mmfusion: reconstructed " << output << " ("
              << itk::fusion::BackendName(idwt->GetLastUsedBackend()) << " backend)\n";
  return 0;
}

int
CommandIDWT(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2, { "-o", "--output", "--backend", "--type" }, { "--quiet", "--replace-non-finite" });
  const std::string output = OutputOption(args, "idwt", "OUT");
  if (args.positional.size() != 1)
    throw UsageError("idwt takes the PREFIX given to dwt");
  const std::string type = args.choice("--type", "auto", { "auto", "float", "double", "uchar", "ushort", "short" });
  const auto        read = ReadingOptions(args);
  BackendOption(args); // checked now, before any work; Reconstruct reads it again
  args.has("--quiet");
  args.rejectUnread("to idwt");
  const std::string prefix = args.positional[0];
  const auto        description = ReadDescription(prefix + "_dwt.txt");
  if (description.dimension == 2)
    return Reconstruct<2>(args, prefix, description, output, type, read);
  return Reconstruct<3>(args, prefix, description, output, type, read);
}

/* Runs a filter with the progress bar and writes its float output (compressed where the format
 * can) through `outputs`, where `output` was declared before the work. */
template <typename TFilter>
void
UpdateAndWrite(TFilter * filter, const char * what, bool quiet, const std::string & output, OutputFiles & outputs)
{
  ShowProgress(filter, what, quiet);
  filter->Update();
  using OutputImage = typename TFilter::OutputImageType;
  const auto * result = filter->GetOutput();
  const auto * p = result->GetBufferPointer();
  for (size_t i = 0, n = result->GetPixelContainer()->Size(); i < n; ++i)
    if (!std::isfinite(p[i]))
      throw std::runtime_error(std::string(what) + ": the result holds a non-finite value; nothing was written");
  outputs.Write(output, [&](const std::string & to) {
    auto writer = itk::ImageFileWriter<OutputImage>::New();
    writer->SetInput(result);
    writer->SetFileName(to);
    writer->SetUseCompression(true);
    itk::fusion::QuietThirdParty quiet;
    writer->Update();
  });
  outputs.Commit();
}

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
  filter->SetRadius(static_cast<unsigned>(args.integer("--radius", 2, 0, 32)));
  filter->SetNumberOfLevels(static_cast<unsigned>(args.integer("--levels", 8, 2, 256)));
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
  const bool quiet = args.has("--quiet");
  args.rejectUnread("to texture");
  itk::fusion::CheckOutput(output, D, "float");
  OutputFiles outputs(Inputs(args));
  outputs.Add(output);
  filter->SetInput(itk::fusion::ReadImage<D>(args.positional[0], read));
  UpdateAndWrite(filter.GetPointer(), "texture", quiet, output, outputs);
  if (!quiet)
    std::cerr << "mmfusion: " << names.size() << " texture feature(s) -> " << output << "\n";
}

int
CommandTexture(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2, { "-o", "--output", "--features", "--radius", "--levels", "--range" },
                       { "--pooled", "--asymmetric", "--quiet", "--replace-non-finite" });
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

template <unsigned int D, typename TOutput>
void
RunFeatures(const Arguments & args, const std::string & output)
{
  using Filter = itk::ConvFeatureFilter<FloatImage<D>, TOutput>;
  auto              filter = Filter::New();
  const std::string model = args.get("--model", "tdfif");
  if (model == "tdfif" && args.has("--output"))
    throw UsageError("--output names a tensor of an ONNX model (--model FILE.onnx)");
  const std::string tensor = args.get("--output", "");
  filter->SetReduction(Filter::ReductionFromString(args.choice("--reduce", "mean", { "mean", "l1", "max", "none" })));
  if (args.has("--mean") || args.has("--std"))
    filter->SetChannelNormalization(args.has("--mean") ? args.numbers("--mean", 0, "numbers separated by commas")
                                                       : std::vector<double>{ 0.0 },
                                    args.has("--std") ? args.numbers("--std", 0, "numbers separated by commas")
                                                      : std::vector<double>{ 1.0 });
  if (args.has("--slice-axis"))
    filter->SetSliceAxis(std::stoi(args.choice("--slice-axis", "", { "0", "1", "2" })));
  if (args.has("--tile-mb"))
    filter->SetMaximumTileBytes(static_cast<size_t>(args.real("--tile-mb", 64, 0.001, 1048576) * 1048576.0));
  filter->SetBackend(BackendOption(args));
  const bool raw = args.has("--raw"), quiet = args.has("--quiet");
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
  UpdateAndWrite(filter.GetPointer(), "features", quiet, output, outputs);
  if (!quiet)
    std::cerr << "mmfusion: " << filter->GetNetwork()->OutputChannels() << " feature channel(s), "
              << Filter::ReductionName(filter->GetReduction()) << " -> " << output << "\n";
}

int
CommandFeatures(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2,
                       { "-o", "--model", "--output", "--reduce", "--slice-axis", "--mean", "--std", "--backend",
                         "--tile-mb" },
                       { "--raw", "--quiet", "--replace-non-finite" });
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

/* The metrics of `fused` against `sources` (options --fmi, --backend, --range where the command
 * takes them): printed as a table unless `print` is false, written as JSON to `json` when it is not
 * empty. Grey levels: 8-bit files as they are when every input is 8-bit, otherwise per-image
 * min-max (or --range). */
template <unsigned int D>
void
ReportMetrics(const Arguments & args, const std::string & preset,
              const std::vector<typename FloatImage<D>::Pointer> & sources, const std::vector<std::string> & sourceNames,
              const typename FloatImage<D>::Pointer & fused, const std::string & fusedName, bool eightBit, bool print,
              const std::string & json)
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
      json, [&](const std::string & to) { ReportMetrics<D>(args, preset, sources, names, image, fused, eightBit, true, to); },
      false);
    outputs.Commit();
  }
}

int
CommandMetrics(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2, { "--preset", "--json", "--range", "--backend" }, { "--fmi", "--replace-non-finite" });
  if (args.positional.size() < 3)
    throw UsageError("metrics takes two or more sources and the fused image (last)");
  const std::string preset = args.get("--preset", "standard");
  const auto &      presets = itk::fusion::FusionMetricsPresets();
  if (std::find(presets.begin(), presets.end(), preset) == presets.end())
    throw std::runtime_error("unknown metrics preset '" + preset + "' (presets: standard, cddfuse, vifb, seed)");
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
    throw std::runtime_error("metrics take 2D and 3D images, '" + args.positional.back() + "' is " + std::to_string(d) + "D");
  return 0;
}

template <unsigned int D>
void
PrintInfo(const std::string & path, const itk::fusion::ReadOptions & read)
{
  auto image = itk::fusion::ReadImage<D>(path, read);
  auto range = itk::MinimumMaximumImageCalculator<FloatImage<D>>::New();
  range->SetImage(image);
  range->Compute();
  std::cout << "file: " << path << "\n"
            << "dimension: " << D << "\n"
            << "size: " << image->GetLargestPossibleRegion().GetSize() << "\n"
            << "spacing: " << image->GetSpacing() << "\n"
            << "origin: " << image->GetOrigin() << "\n"
            << "direction:";
  for (unsigned int r = 0; r < D; ++r)
    for (unsigned int c = 0; c < D; ++c)
      std::cout << " " << image->GetDirection()(r, c);
  std::cout << "\n"
            << "range: [" << range->GetMinimum() << ", " << range->GetMaximum() << "]\n";
}

int
CommandInfo(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2, {}, { "--replace-non-finite" });
  if (args.positional.size() != 1)
    throw UsageError("info takes one image");
  const auto         read = ReadingOptions(args);
  const unsigned int d = itk::fusion::ImageDimension(args.positional[0], read);
  if (d == 2)
    PrintInfo<2>(args.positional[0], read);
  else if (d == 3)
    PrintInfo<3>(args.positional[0], read);
  else
    throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D");
  return 0;
}

int
Run(int argc, char * argv[])
{
  const std::string command = argc > 1 ? argv[1] : "";
  if (command.empty())
    throw UsageError("no command given (commands: phantom, fuse, dwt, idwt, texture, features, metrics, info)");
  if (command == "--help" || command == "-h" || command == "help")
  {
    std::cout << kUsage;
    return 0;
  }
  if (command == "--version")
  {
    std::cout << "mmfusion " << kVersion << " (ITK " << ITK_VERSION_STRING << ", CUDA kernels: "
              << (itk::fusion::BuildHasCuda() ? "compiled" : "emulated only") << ", devices: "
              << itk::fusion::CudaDeviceCount() << ")\n";
    return 0;
  }
  for (int i = 2; i < argc; ++i)
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h")
    {
      std::cout << kUsage;
      return 0;
    }
  if (command == "fuse")
    return CommandFuse(argc, argv);
  if (command == "phantom")
    return CommandPhantom(argc, argv);
  if (command == "info")
    return CommandInfo(argc, argv);
  if (command == "dwt")
    return CommandDWT(argc, argv);
  if (command == "idwt")
    return CommandIDWT(argc, argv);
  if (command == "texture")
    return CommandTexture(argc, argv);
  if (command == "features")
    return CommandFeatures(argc, argv);
  if (command == "metrics")
    return CommandMetrics(argc, argv);
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
