/*
 * mmfusion -- multimodal medical image fusion from the command line.
 * A thin layer over the module's filters; run `mmfusion --help`.
 */
#include "itkCommand.h"
#include "itkDWTDecomposeFilter.h"
#include "itkDWTReconstructFilter.h"
#include "itkConvFeatureFilter.h"
#include "itkFusionMetricsCalculator.h"
#include "itkGLCMMeanTextureFilter.h"
#include "itkImageIOFactory.h"
#include "itkImageFileWriter.h"
#include "itkHeadPhantom.h"
#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkMinimumMaximumImageCalculator.h"
#include "itkClassicalFusionFilter.h"
#include "itkFusionColour.h"
#include "itkFusionNormalization.h"
#include "itkFusionRegistration.h"
#include "itkTDFIFFusionFilter.h"
#include "itkWaveletFeatureFusionFilter.h"
#include "itkWeightedFusionFilter.h"
#include "mmfusionIO.h"

#include <chrono>
#include <fstream>
#include <cstdio>
#include <cstdlib>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace
{
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
                                  output pixels (default auto: float; uchar for PNG/JPEG)
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
      (default 64; the result does not depend on it).

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
PNG, JPEG, TIFF, and DICOM series (give the folder; an OUT ending in '/' writes a series).
Exit status: 0 on success, 1 on an error (one line on stderr), 2 on a usage error.
)";

struct UsageError : std::runtime_error
{
  using std::runtime_error::runtime_error;
};

/* Command-line arguments: positionals and --options with values. */
struct Arguments
{
  std::vector<std::string>           positional;
  std::map<std::string, std::string> options;
  std::vector<std::string>           flags;

  Arguments(int argc, char * argv[], int first, const std::vector<std::string> & valueOptions,
            const std::vector<std::string> & flagOptions)
  {
    for (int i = first; i < argc; ++i)
    {
      const std::string a = argv[i];
      if (a.size() > 1 && a[0] == '-' && !(a.size() > 1 && std::isdigit(static_cast<unsigned char>(a[1]))))
      {
        if (std::find(flagOptions.begin(), flagOptions.end(), a) != flagOptions.end())
        {
          flags.push_back(a);
          continue;
        }
        if (std::find(valueOptions.begin(), valueOptions.end(), a) == valueOptions.end())
          throw UsageError("unknown option '" + a + "'");
        if (i + 1 >= argc)
          throw UsageError("option '" + a + "' needs a value");
        options[a] = argv[++i];
      }
      else
        positional.push_back(a);
    }
  }
  std::string
  get(const std::string & name, const std::string & fallback) const
  {
    const auto it = options.find(name);
    return it == options.end() ? fallback : it->second;
  }
  bool
  has(const std::string & flag) const
  {
    return std::find(flags.begin(), flags.end(), flag) != flags.end();
  }
};

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

bool
IsEightBitFile(const std::string & path);
template <unsigned int D>
void
ReportMetrics(const Arguments & args, const std::string & preset,
              const std::vector<typename FloatImage<D>::Pointer> & sources, const std::vector<std::string> & sourceNames,
              const typename FloatImage<D>::Pointer & fused, const std::string & fusedName, bool eightBit, bool print,
              const std::string & json);

/* The fusion methods of `mmfusion fuse`. */
const std::vector<std::string> kFusionMethods{ "tdfif", "dwt-cnn", "average", "max", "dwt", "laplacian", "pca", "activity" };

template <unsigned int D>
int
Fuse(const Arguments & args, const std::string & output)
{
  using Image = FloatImage<D>;
  const bool        quiet = args.has("--quiet");
  const std::string method = args.get("--method", "tdfif");
  if (std::find(kFusionMethods.begin(), kFusionMethods.end(), method) == kFusionMethods.end())
  {
    std::string known;
    for (const auto & m : kFusionMethods)
      known += (known.empty() ? "" : ", ") + m;
    throw UsageError("unknown method '" + method + "' (methods: " + known + ")");
  }
  const auto backend = itk::fusion::BackendFromString(args.get("--backend", "auto"));
  const auto number = [&](const std::string & option, double fallback) {
    try
    {
      return args.options.count(option) ? std::stod(args.get(option, "")) : fallback;
    }
    catch (const std::exception &)
    {
      throw UsageError(option + " needs a number");
    }
  };
  const auto colourSpace = [&] {
    try
    {
      return itk::fusion::ColourSpaceFromString(args.get("--colour-space", "ycbcr"));
    }
    catch (const std::exception & e)
    {
      throw UsageError(e.what());
    }
  }();

  // Sources: grey images as they are; a colour source (RGB PET / SPECT) enters as its luminance,
  // and the first one's chroma colours the result.
  std::vector<typename Image::Pointer> sources;
  std::vector<typename Image::Pointer> chroma; // luminance, chroma 1, chroma 2 of the colour source
  size_t                               chromaSource = 0;
  for (const auto & path : args.positional)
  {
    const auto channels = mmfusion::ReadColourChannels<D>(path);
    if (channels.size() < 3)
    {
      sources.push_back(channels.empty() ? mmfusion::ReadImage<D>(path) : channels[0]);
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
                                                    channels[2]->GetBufferPointer()[i], colourSpace);
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

  // The outputs can be written (format, dimension, pixel type) before any work is done.
  mmfusion::CheckOutput(output, D, args.get("--type", "auto"), !chroma.empty());
  if (args.options.count("--preview"))
    mmfusion::CheckOutput(args.get("--preview", ""), 2, "uchar", true);

  // Grids: every source onto the first one's, by registration or by physical space alone.
  const std::string registration = args.get("--register", "none");
  if (registration != "none" && registration != "rigid" && registration != "affine")
    throw UsageError("--register takes rigid, affine or none, not '" + registration + "'");
  if (registration != "none" && args.has("--resample-only"))
    throw UsageError("--register and --resample-only exclude each other");
  if (registration != "none" || args.has("--resample-only"))
    for (size_t k = 1; k < sources.size(); ++k)
    {
      typename itk::Transform<double, D, D>::Pointer transform;
      if (registration != "none")
      {
        if (!quiet)
          std::cerr << "mmfusion: registering '" << args.positional[k] << "' onto '" << args.positional[0] << "' ("
                    << registration << ")\n";
        try
        {
          transform = itk::fusion::Register(sources[0].GetPointer(), sources[k].GetPointer(),
                                            registration == "rigid" ? itk::fusion::RegistrationKind::Rigid
                                                                    : itk::fusion::RegistrationKind::Affine);
        }
        catch (const itk::ExceptionObject & e)
        {
          throw std::runtime_error("registering '" + args.positional[k] + "' failed: " + e.GetDescription());
        }
      }
      if (!chroma.empty() && chromaSource == k)
        for (size_t c = 1; c < 3; ++c)
          chroma[c] = itk::fusion::ResampleOnto(chroma[c].GetPointer(), sources[0].GetPointer(), transform.GetPointer());
      sources[k] = itk::fusion::ResampleOnto(sources[k].GetPointer(), sources[0].GetPointer(), transform.GetPointer());
    }

  typename itk::ImageToImageFilter<Image, Image>::Pointer filter;
  typename itk::TDFIFFusionFilter<Image>::Pointer         tdfif;
  if (method == "tdfif")
  {
    tdfif = itk::TDFIFFusionFilter<Image>::New();
    tdfif->SetNumberOfLevels(static_cast<unsigned>(number("--glcm-levels", 8)));
    tdfif->SetRadius(static_cast<unsigned>(number("--radius", 2)));
    tdfif->SetTexture(!args.has("--no-texture"));
    tdfif->SetWeightSmoothingSigma(number("--weight-sigma", 0));
    tdfif->SetWeightPower(number("--weight-power", 4)); // the quality table's choice (README)
    if (args.options.count("--model"))
      tdfif->SetModelFileName(args.get("--model", ""), args.get("--output-tensor", ""));
    tdfif->SetBackend(backend);
    for (unsigned k = 0; k < sources.size(); ++k)
      tdfif->SetSource(k, sources[k]);
    filter = tdfif;
  }
  else if (method == "dwt" || method == "dwt-cnn")
  {
    using Wavelet = itk::WaveletFeatureFusionFilter<Image>;
    auto w = Wavelet::New();
    w->SetWavelet(args.get("--wavelet", "db2"));
    w->SetLevels(static_cast<unsigned>(number("--levels", 3)));
    try
    {
      w->SetMode(itk::fusion::WaveletModeFromString(args.get("--mode", "symmetric")));
    }
    catch (const std::exception & e)
    {
      throw UsageError(e.what());
    }
    if (method == "dwt")
    {
      w->SetApproximationRule(Wavelet::Rule::Average);
      w->SetDetailRule(Wavelet::Rule::MaxAbs);
    }
    else
    {
      const std::string detail = args.get("--detail-rule", "weighted");
      if (detail != "weighted" && detail != "maxabs")
        throw UsageError("--detail-rule takes weighted or maxabs, not '" + detail + "'");
      w->SetDetailRule(detail == "maxabs" ? Wavelet::Rule::MaxAbs : Wavelet::Rule::ActivityWeighted);
      if (args.options.count("--model"))
        w->SetModelFileName(args.get("--model", ""), args.get("--output-tensor", ""));
    }
    w->SetBackend(backend);
    for (unsigned k = 0; k < sources.size(); ++k)
      w->SetSource(k, sources[k]);
    filter = w;
  }
  else if (method == "activity")
  {
    // Activity weights: each normalised source is its own activity (the foundation's rule).
    auto w = itk::WeightedFusionFilter<Image>::New();
    for (unsigned k = 0; k < sources.size(); ++k)
    {
      const auto normalised = itk::fusion::MinMaxNormalised(sources[k].GetPointer(), "'" + args.positional[k] + "'");
      w->SetSource(k, normalised);
      w->SetActivityImage(k, normalised);
    }
    w->SetEpsilon(number("--epsilon", 1e-6));
    w->SetBackend(backend);
    filter = w;
  }
  else
  {
    using Classical = itk::ClassicalFusionFilter<Image>;
    auto c = Classical::New();
    c->SetRule(method == "average" ? Classical::Rule::Average
                                   : (method == "max" ? Classical::Rule::Maximum
                                                      : (method == "pca" ? Classical::Rule::PCA : Classical::Rule::LaplacianPyramid)));
    c->SetLevels(static_cast<unsigned>(number("--levels", 4)));
    c->SetBackend(backend);
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
  // The fused image, its metrics, its preview; when one of them fails, those written before are
  // removed again: no partial output is left behind (a DICOM series folder is left as it is).
  std::vector<std::string> written;
  try
  {
    if (!mmfusion::IsSeriesFolder(output))
      written.push_back(output);
    if (chroma.empty())
      mmfusion::WriteImage<D>(fused, output, args.get("--type", "auto"));
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
                                                        chroma[2]->GetBufferPointer()[i], colourSpace);
        for (unsigned c = 0; c < 3; ++c)
          rgb[c]->GetBufferPointer()[i] = static_cast<float>(v[c]);
      }
      mmfusion::WriteColourImage<D>(rgb, output);
    }
    if (args.options.count("--metrics"))
    {
      written.push_back(args.get("--metrics", ""));
      ReportMetrics<D>(args, args.get("--metrics-preset", "standard"), sources, args.positional, fused, output, false,
                       false, args.get("--metrics", ""));
    }
    if (args.options.count("--preview"))
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
      written.push_back(args.get("--preview", ""));
      mmfusion::WritePreview<D>(shown, args.get("--preview", ""), hot);
    }
  }
  catch (...)
  {
    for (const auto & path : written)
      std::remove(path.c_str());
    throw;
  }
  if (!quiet)
    std::cerr << "mmfusion: fused " << sources.size() << " " << D << "D images (" << method << ", "
              << itk::fusion::BackendName(itk::fusion::ResolveBackend(backend, true, "mmfusion fuse")) << " backend, "
              << ms << " ms) -> " << output << "\n";
  return 0;
}

int
CommandFuse(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2,
                       { "-o", "--output", "--method", "--epsilon", "--backend", "--type", "--preview", "--metrics",
                         "--metrics-preset", "--glcm-levels", "--radius", "--weight-sigma", "--weight-power", "--model", "--output-tensor",
                         "--wavelet", "--levels", "--mode", "--detail-rule", "--colour-space", "--register" },
                       { "--quiet", "--no-texture", "--resample-only" });
  const std::string output = args.get("-o", args.get("--output", ""));
  if (output.empty())
    throw UsageError("fuse needs an output: -o OUT");
  if (args.positional.size() < 2)
    throw UsageError("fuse needs at least two images, got " + std::to_string(args.positional.size()));
  const unsigned int d = mmfusion::ImageDimension(args.positional[0]);
  for (const auto & p : args.positional)
    if (mmfusion::ImageDimension(p) != d)
      throw std::runtime_error("the sources have different dimensions ('" + args.positional[0] + "' is " +
                               std::to_string(d) + "D, '" + p + "' is " +
                               std::to_string(mmfusion::ImageDimension(p)) + "D)");
  if (d == 2)
    return Fuse<2>(args, output);
  if (d == 3)
    return Fuse<3>(args, output);
  throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D; mmfusion fuses 2D and 3D images");
}

template <unsigned int D>
void
WritePhantom(const std::string & folder, const std::string & format, unsigned int size)
{
  itk::fusion::HeadPhantomOptions options;
  options.size = size;
  for (auto m : { itk::fusion::PhantomModality::MRI, itk::fusion::PhantomModality::CT, itk::fusion::PhantomModality::PET })
  {
    const std::string path =
      folder + "/" + itk::fusion::PhantomModalityName(m) + "_" + std::to_string(D) + "d." + format;
    mmfusion::WriteImage<D>(itk::fusion::MakeHeadPhantom<D>(m, options), path, "float");
    std::cout << path << "\n";
  }
}

int
CommandPhantom(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2, { "-o", "--output", "--dim", "--size", "--format" }, {});
  if (!args.positional.empty())
    throw UsageError("phantom takes no positional arguments");
  const std::string folder = args.get("-o", args.get("--output", ""));
  if (folder.empty())
    throw UsageError("phantom needs an output folder: -o FOLDER");
  const std::string dim = args.get("--dim", "both"), format = args.get("--format", "nii.gz");
  if (dim != "2" && dim != "3" && dim != "both")
    throw UsageError("--dim takes 2, 3 or both");
  if (format != "nii.gz" && format != "nii" && format != "mha" && format != "nrrd")
    throw UsageError("--format takes nii.gz, nii, mha or nrrd");
  unsigned int size = 0;
  if (args.options.count("--size"))
  {
    const int s = std::atoi(args.get("--size", "0").c_str());
    if (s < 16 || s > 1024)
      throw UsageError("--size takes 16..1024 pixels");
    size = static_cast<unsigned int>(s);
  }
  mmfusion::MakeDirectories(folder);
  if (dim != "3")
    WritePhantom<2>(folder, format, size);
  if (dim != "2")
    WritePhantom<3>(folder, format, size);
  return 0;
}

const char * const kDWTFormats[] = { "nii.gz", "nii", "mha", "nrrd" };

template <unsigned int D>
int
Decompose(const Arguments & args, const std::string & prefix)
{
  using ImageType = FloatImage<D>;
  const auto image = mmfusion::ReadImage<D>(args.positional[0]);
  const std::string format = args.get("--format", "nii.gz");
  if (std::find(std::begin(kDWTFormats), std::end(kDWTFormats), format) == std::end(kDWTFormats))
    throw UsageError("--format takes nii.gz, nii, mha or nrrd");
  unsigned int levels = 1;
  try
  {
    const int l = std::stoi(args.get("--levels", "1"));
    if (l < 1)
      throw UsageError("--levels must be at least 1");
    levels = static_cast<unsigned int>(l);
  }
  catch (const std::invalid_argument &)
  {
    throw UsageError("--levels needs a number");
  }
  auto dwt = itk::DWTDecomposeFilter<ImageType, ImageType>::New();
  dwt->SetInput(image);
  dwt->SetWavelet(args.get("--wavelet", "haar"));
  dwt->SetMode(itk::fusion::WaveletModeFromString(args.get("--mode", "symmetric")));
  dwt->SetLevels(levels);
  dwt->SetBackend(itk::fusion::BackendFromString(args.get("--backend", "auto")));
  ShowProgress(dwt, "dwt", args.has("--quiet"));
  dwt->Update();
  for (unsigned int i = 0; i < dwt->GetNumberOfIndexedOutputs(); ++i)
  {
    typename ImageType::Pointer band = dwt->GetOutput(i);
    mmfusion::WriteImage<D>(band, prefix + "_" + dwt->GetOutputName(i) + "." + format, "float");
  }
  std::ofstream sidecar(prefix + "_dwt.txt");
  sidecar.precision(17);
  sidecar << "# mmfusion dwt of " << args.positional[0] << "\n"
          << "dimension: " << D << "\nwavelet: " << dwt->GetWavelet()
          << "\nmode: " << itk::fusion::WaveletModeName(dwt->GetMode()) << "\nlevels: " << levels
          << "\nformat: " << format << "\nsize:";
  for (unsigned int d = 0; d < D; ++d)
    sidecar << " " << image->GetLargestPossibleRegion().GetSize(d);
  sidecar << "\nspacing:";
  for (unsigned int d = 0; d < D; ++d)
    sidecar << " " << image->GetSpacing()[d];
  typename ImageType::PointType first;
  image->TransformIndexToPhysicalPoint(image->GetLargestPossibleRegion().GetIndex(), first);
  sidecar << "\norigin:";
  for (unsigned int d = 0; d < D; ++d)
    sidecar << " " << first[d];
  sidecar << "\ndirection:";
  for (unsigned int r = 0; r < D; ++r)
    for (unsigned int c = 0; c < D; ++c)
      sidecar << " " << image->GetDirection()(r, c);
  sidecar << "\n";
  if (!sidecar)
    throw std::runtime_error("cannot write " + prefix + "_dwt.txt");
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
                       { "--quiet" });
  const std::string prefix = args.get("-o", args.get("--output", ""));
  if (prefix.empty())
    throw UsageError("dwt needs an output prefix: -o PREFIX");
  if (args.positional.size() != 1)
    throw UsageError("dwt takes one image");
  const unsigned int d = mmfusion::ImageDimension(args.positional[0]);
  if (d == 2)
    return Decompose<2>(args, prefix);
  if (d == 3)
    return Decompose<3>(args, prefix);
  throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D; dwt takes 2D and 3D images");
}

/* The key: value lines of a PREFIX_dwt.txt. */
std::map<std::string, std::string>
ReadSidecar(const std::string & path)
{
  std::ifstream in(path);
  if (!in)
    throw std::runtime_error("cannot read '" + path + "' (written by mmfusion dwt)");
  std::map<std::string, std::string> values;
  std::string                        line;
  while (std::getline(in, line))
  {
    if (line.empty() || line[0] == '#')
      continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos)
      throw std::runtime_error("'" + path + "' is not a dwt description (line '" + line + "')");
    values[line.substr(0, colon)] = line.substr(colon + 1);
  }
  for (const char * key : { "dimension", "wavelet", "mode", "levels", "format", "size", "spacing", "origin", "direction" })
    if (!values.count(key))
      throw std::runtime_error("'" + path + "' lacks '" + key + "'");
  return values;
}

template <unsigned int D>
int
Reconstruct(const Arguments & args, const std::string & prefix, std::map<std::string, std::string> & sidecar,
            const std::string & output)
{
  mmfusion::CheckOutput(output, D, args.get("--type", "auto"));
  using ImageType = FloatImage<D>;
  const auto numbers = [&](const std::string & key, unsigned int count) {
    std::istringstream  s(sidecar[key]);
    std::vector<double> v;
    double              x;
    while (s >> x)
      v.push_back(x);
    if (v.size() != count)
      throw std::runtime_error(prefix + "_dwt.txt: '" + key + "' needs " + std::to_string(count) + " numbers");
    return v;
  };
  const auto size = numbers("size", D), spacing = numbers("spacing", D), origin = numbers("origin", D),
             direction = numbers("direction", D * D);
  auto reference = ImageType::New(); // the original grid, without pixels
  typename ImageType::SizeType      s;
  typename ImageType::SpacingType   sp;
  typename ImageType::PointType     o;
  typename ImageType::DirectionType dir;
  for (unsigned int d = 0; d < D; ++d)
  {
    s[d] = static_cast<itk::SizeValueType>(size[d]);
    sp[d] = spacing[d];
    o[d] = origin[d];
    for (unsigned int c = 0; c < D; ++c)
      dir(d, c) = direction[d * D + c];
  }
  reference->SetRegions(s);
  reference->SetSpacing(sp);
  reference->SetOrigin(o);
  reference->SetDirection(dir);
  const unsigned int levels = static_cast<unsigned int>(std::stoul(sidecar["levels"]));
  std::string        wavelet = sidecar["wavelet"], mode = sidecar["mode"], format = sidecar["format"];
  for (auto * v : { &wavelet, &mode, &format })
    v->erase(0, v->find_first_not_of(' '));
  auto idwt = itk::DWTReconstructFilter<ImageType, ImageType>::New();
  idwt->SetWavelet(wavelet);
  idwt->SetMode(itk::fusion::WaveletModeFromString(mode));
  idwt->SetLevels(levels);
  idwt->SetReferenceImage(reference);
  idwt->SetBackend(itk::fusion::BackendFromString(args.get("--backend", "auto")));
  ShowProgress(idwt, "idwt", args.has("--quiet"));
  for (unsigned int i = 0; i < 1 + levels * ((1u << D) - 1u); ++i)
  {
    const itk::fusion::DWTBandOfIndex band(i, levels, D);
    idwt->SetInput(i, mmfusion::ReadImage<D>(prefix + "_" + std::to_string(band.level) + "_" +
                                             itk::fusion::DWTBandName(band.code, D) + "." + format));
  }
  idwt->Update();
  typename ImageType::Pointer result = idwt->GetOutput();
  mmfusion::WriteImage<D>(result, output, args.get("--type", "auto"));
  if (!args.has("--quiet"))
    std::cerr << "mmfusion: reconstructed " << output << " ("
              << itk::fusion::BackendName(idwt->GetLastUsedBackend()) << " backend)\n";
  return 0;
}

int
CommandIDWT(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2, { "-o", "--output", "--backend", "--type" }, { "--quiet" });
  const std::string output = args.get("-o", args.get("--output", ""));
  if (output.empty())
    throw UsageError("idwt needs an output: -o OUT");
  if (args.positional.size() != 1)
    throw UsageError("idwt takes the PREFIX given to dwt");
  const std::string prefix = args.positional[0];
  auto              sidecar = ReadSidecar(prefix + "_dwt.txt");
  const int         d = std::stoi(sidecar["dimension"]);
  if (d == 2)
    return Reconstruct<2>(args, prefix, sidecar, output);
  if (d == 3)
    return Reconstruct<3>(args, prefix, sidecar, output);
  throw std::runtime_error(prefix + "_dwt.txt: dimension " + std::to_string(d) + " is not 2 or 3");
}

/* Runs a filter with the progress bar and writes its float output (compressed where the format can);
 * the output path is checked first, and a failed write leaves no file behind. */
template <typename TFilter>
void
UpdateAndWrite(TFilter * filter, const char * what, bool quiet, const std::string & output)
{
  mmfusion::CheckOutput(output, TFilter::OutputImageType::ImageDimension, "float");
  ShowProgress(filter, what, quiet);
  filter->Update();
  mmfusion::MakeParentDirectories(output);
  auto writer = itk::ImageFileWriter<typename TFilter::OutputImageType>::New();
  writer->SetInput(filter->GetOutput());
  writer->SetFileName(output);
  writer->SetUseCompression(true);
  try
  {
    writer->Update();
  }
  catch (...)
  {
    std::remove(output.c_str());
    throw;
  }
}

template <unsigned int D, typename TOutput>
void
RunTexture(const Arguments & args, const std::string & output, const std::vector<std::string> & names)
{
  using Filter = itk::GLCMMeanTextureFilter<FloatImage<D>, TOutput>;
  auto filter = Filter::New();
  filter->SetInput(mmfusion::ReadImage<D>(args.positional[0]));
  std::vector<typename Filter::Feature> features;
  for (const auto & n : names)
    features.push_back(Filter::FeatureFromString(n));
  filter->SetFeatures(features);
  const auto number = [&](const std::string & option, const std::string & fallback) {
    try
    {
      const int v = std::stoi(args.get(option, fallback));
      if (v < 0)
        throw std::invalid_argument(option);
      return static_cast<unsigned int>(v);
    }
    catch (const std::exception &)
    {
      throw UsageError(option + " needs a non-negative number");
    }
  };
  filter->SetRadius(number("--radius", "2"));
  filter->SetNumberOfLevels(number("--levels", "8"));
  filter->SetSymmetric(!args.has("--asymmetric"));
  if (args.has("--pooled"))
    filter->SetOffsetCombination(Filter::OffsetCombination::PooledHistogram);
  if (args.options.count("--range"))
  {
    const std::string range = args.get("--range", "");
    const auto        comma = range.find(',');
    try
    {
      if (comma == std::string::npos)
        throw std::invalid_argument("range");
      filter->SetQuantizationRange(std::stod(range.substr(0, comma)), std::stod(range.substr(comma + 1)));
    }
    catch (const std::invalid_argument &)
    {
      throw UsageError("--range takes MIN,MAX");
    }
  }
  UpdateAndWrite(filter.GetPointer(), "texture", args.has("--quiet"), output);
  if (!args.has("--quiet"))
    std::cerr << "mmfusion: " << names.size() << " texture feature(s) -> " << output << "\n";
}

int
CommandTexture(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2, { "-o", "--output", "--features", "--radius", "--levels", "--range" },
                       { "--pooled", "--asymmetric", "--quiet" });
  const std::string output = args.get("-o", args.get("--output", ""));
  if (output.empty())
    throw UsageError("texture needs an output: -o OUT");
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
  const unsigned int d = mmfusion::ImageDimension(args.positional[0]);
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

std::vector<double>
NumberList(const std::string & option, const std::string & text)
{
  std::vector<double> values;
  for (size_t start = 0; start <= text.size();)
  {
    const size_t comma = std::min(text.find(',', start), text.size());
    try
    {
      size_t used = 0;
      const std::string item = text.substr(start, comma - start);
      values.push_back(std::stod(item, &used));
      if (used != item.size())
        throw std::invalid_argument(item);
    }
    catch (const std::exception &)
    {
      throw UsageError(option + " takes numbers separated by commas");
    }
    start = comma + 1;
  }
  return values;
}

template <unsigned int D, typename TOutput>
void
RunFeatures(const Arguments & args, const std::string & output)
{
  using Filter = itk::ConvFeatureFilter<FloatImage<D>, TOutput>;
  auto filter = Filter::New();
  auto image = mmfusion::ReadImage<D>(args.positional[0]);
  if (!args.has("--raw"))
  {
    auto range = itk::MinimumMaximumImageCalculator<FloatImage<D>>::New();
    range->SetImage(image);
    range->Compute();
    const double lo = range->GetMinimum(), hi = range->GetMaximum();
    if (!std::isfinite(lo) || !std::isfinite(hi))
      throw std::runtime_error("'" + args.positional[0] + "' holds non-finite values");
    const double scale = hi > lo ? 1.0 / (hi - lo) : 0.0;
    for (itk::ImageRegionIterator<FloatImage<D>> it(image, image->GetBufferedRegion()); !it.IsAtEnd(); ++it)
      it.Set(static_cast<float>((it.Get() - lo) * scale));
  }
  filter->SetInput(image);
  const std::string model = args.get("--model", "tdfif");
  if (model != "tdfif")
    filter->SetModelFileName(model, args.get("--output", ""));
  else if (args.options.count("--output"))
    throw UsageError("--output names a tensor of an ONNX model (--model FILE.onnx)");
  filter->SetReduction(Filter::ReductionFromString(args.get("--reduce", "mean")));
  if (args.options.count("--mean") || args.options.count("--std"))
    filter->SetChannelNormalization(NumberList("--mean", args.get("--mean", "0")),
                                    NumberList("--std", args.get("--std", "1")));
  if (args.options.count("--slice-axis"))
  {
    const std::string axis = args.get("--slice-axis", "");
    if (axis != "0" && axis != "1" && axis != "2")
      throw UsageError("--slice-axis takes 0, 1 or 2");
    filter->SetSliceAxis(std::stoi(axis));
  }
  if (args.options.count("--tile-mb"))
  {
    const std::vector<double> mb = NumberList("--tile-mb", args.get("--tile-mb", ""));
    if (mb.size() != 1 || !(mb[0] > 0))
      throw UsageError("--tile-mb takes a positive number");
    filter->SetMaximumTileBytes(static_cast<size_t>(mb[0] * 1048576.0));
  }
  filter->SetBackend(itk::fusion::BackendFromString(args.get("--backend", "auto")));
  UpdateAndWrite(filter.GetPointer(), "features", args.has("--quiet"), output);
  if (!args.has("--quiet"))
    std::cerr << "mmfusion: " << filter->GetNetwork()->OutputChannels() << " feature channel(s), "
              << Filter::ReductionName(filter->GetReduction()) << " -> " << output << "\n";
}

int
CommandFeatures(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2,
                       { "-o", "--output-file", "--model", "--output", "--reduce", "--slice-axis", "--mean", "--std",
                         "--backend", "--tile-mb" },
                       { "--raw", "--quiet" });
  const std::string output = args.get("-o", "");
  if (output.empty())
    throw UsageError("features needs an output: -o OUT");
  if (args.positional.size() != 1)
    throw UsageError("features takes one image");
  const bool         all = args.get("--reduce", "mean") == "none";
  const unsigned int d = mmfusion::ImageDimension(args.positional[0]);
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
  auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::ReadMode);
  if (!io)
    return false;
  io->SetFileName(path);
  io->ReadImageInformation();
  return io->GetComponentType() == itk::IOComponentEnum::UCHAR;
}

/* The metrics of `fused` against `sources` (options --preset, --fmi, --backend, --range): printed
 * as a table unless `print` is false, written as JSON to `json` when it is not empty. Grey levels:
 * 8-bit files as they are when every input is 8-bit, otherwise per-image min-max (or --range). */
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
  calculator->SetBackend(itk::fusion::BackendFromString(args.get("--backend", "auto")));
  for (const auto & s : sources)
    calculator->AddSource(s);
  calculator->SetFusedImage(fused);
  if (args.options.count("--range"))
  {
    const std::vector<double> range = NumberList("--range", args.get("--range", ""));
    if (range.size() != 2)
      throw UsageError("--range takes LO,HI");
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
    for (char c : text)
      q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
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
  mmfusion::MakeParentDirectories(json);
  std::ofstream file(json);
  if (!(file << out.str()))
    throw std::runtime_error("cannot write '" + json + "'");
}

template <unsigned int D>
void
RunMetrics(const Arguments & args)
{
  std::vector<typename FloatImage<D>::Pointer> sources;
  std::vector<std::string>                     names(args.positional.begin(), args.positional.end() - 1);
  bool                                         eightBit = true;
  for (const auto & path : names)
  {
    sources.push_back(mmfusion::ReadImage<D>(path));
    eightBit = eightBit && IsEightBitFile(path);
  }
  const std::string fused = args.positional.back();
  eightBit = eightBit && IsEightBitFile(fused);
  ReportMetrics<D>(args, args.get("--preset", "standard"), sources, names, mmfusion::ReadImage<D>(fused), fused,
                   eightBit, true,
                   args.options.count("--json") ? args.get("--json", "") : std::string());
}

int
CommandMetrics(int argc, char * argv[])
{
  const Arguments args(argc, argv, 2, { "--preset", "--json", "--range", "--backend" }, { "--fmi" });
  if (args.positional.size() < 3)
    throw UsageError("metrics takes two or more sources and the fused image (last)");
  const unsigned int d = mmfusion::ImageDimension(args.positional.back());
  for (const auto & p : args.positional)
    if (mmfusion::ImageDimension(p) != d)
      throw std::runtime_error("'" + p + "' is not " + std::to_string(d) + "D like the fused image");
  if (d == 2)
    RunMetrics<2>(args);
  else if (d == 3)
    RunMetrics<3>(args);
  else
    throw std::runtime_error("metrics take 2D and 3D images, '" + args.positional.back() + "' is " + std::to_string(d) + "D");
  return 0;
}

template <unsigned int D>
void
PrintInfo(const std::string & path)
{
  auto image = mmfusion::ReadImage<D>(path);
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
  const Arguments args(argc, argv, 2, {}, {});
  if (args.positional.size() != 1)
    throw UsageError("info takes one image");
  const unsigned int d = mmfusion::ImageDimension(args.positional[0]);
  if (d == 2)
    PrintInfo<2>(args.positional[0]);
  else if (d == 3)
    PrintInfo<3>(args.positional[0]);
  else
    throw std::runtime_error("'" + args.positional[0] + "' is " + std::to_string(d) + "D");
  return 0;
}
} // namespace

int
main(int argc, char * argv[])
{
  const std::string command = argc > 1 ? argv[1] : "";
  try
  {
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
    throw UsageError("unknown command '" + command + "' (commands: phantom, fuse, dwt, idwt, texture, features, metrics, info; see mmfusion --help)");
  }
  catch (const UsageError & e)
  {
    std::cerr << "mmfusion: " << e.what() << " (see mmfusion --help)\n";
    return 2;
  }
  catch (const itk::ExceptionObject & e)
  {
    std::string what = e.GetDescription();
    // ITK's exception macros prefix "ITK ERROR: " and "ClassName(0x...): ": keep the message.
    const std::string tag = "ITK ERROR: ";
    if (what.rfind(tag, 0) == 0)
      what.erase(0, tag.size());
    const auto pointer = what.find("(0x");
    const auto close = what.find("): ");
    if (pointer != std::string::npos && close != std::string::npos && close > pointer && pointer < 60)
      what.erase(0, close + 3);
    while (!what.empty() && (what.back() == '\n' || what.back() == ' '))
      what.pop_back();
    for (auto & c : what)
      if (c == '\n')
        c = ' ';
    std::cerr << "mmfusion: error: " << what << "\n";
    return 1;
  }
  catch (const std::exception & e)
  {
    std::cerr << "mmfusion: error: " << e.what() << "\n";
    return 1;
  }
}
