/*
 * What the subcommands of mmfusion share: the progress bar, the common options, reading the
 * dimension of the inputs, writing a filter's output, and the subcommands' entry points (one file
 * each: mmfusionFuse.cxx, mmfusionPhantom.cxx, mmfusionWavelet.cxx, mmfusionTexture.cxx,
 * mmfusionFeatures.cxx, mmfusionMetrics.cxx, mmfusionInfo.cxx; mmfusion.cxx dispatches).
 */
#ifndef mmfusionCommon_h
#define mmfusionCommon_h

#include "itkCommand.h"
#include "itkFusionBackend.h"
#include "itkFusionImageIO.h"
#include "itkFusionOutputFiles.h"
#include "itkWaveletFilterBank.h"
#include "itkImage.h"
#include "itkImageFileWriter.h"
#include "itkProcessObject.h"
#include "mmfusionOptions.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace mmfusion
{
using itk::fusion::OutputFiles;

/* The subcommands, each a table of its options and what it runs (one file each). */
const Command &
PhantomCommand();
const Command &
FuseCommand();
const Command &
DWTCommand();
const Command &
IDWTCommand();
const Command &
TextureCommand();
const Command &
FeaturesCommand();
const Command &
MetricsCommand();
const Command &
InfoCommand();
const Command &
ExportCommand();
const Command &
RenderCommand();

/* A progress bar on stderr for work that lasts more than a second: on a terminal only (a log file
 * gets no carriage-return frames) unless --progress, and never going backwards (a composite's
 * sub-filters report their own progress). */
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
    m_Percent = -1;
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
    const int    percent = std::max(m_Percent, static_cast<int>(process->GetProgress() * 100 + 0.5f));
    if (itk::ProgressEvent().CheckEvent(&event) && (m_Shown || seconds > 1.0) && percent != m_Percent)
      Draw(percent);
    if (itk::EndEvent().CheckEvent(&event) && m_Shown)
    {
      if (m_Percent < 100) // the work is done: a composite's last report may fall short of 100%
        Draw(100);
      std::fprintf(stderr, "\n");
      m_Shown = false;
    }
  }
  bool m_Enabled = true;

protected:
  ProgressBar() = default;

private:
  void
  Draw(int percent)
  {
    m_Shown = true;
    m_Percent = percent;
    const int width = 30, filled = (percent * width + 50) / 100;
    std::fprintf(stderr,
                 "\r%s [%s%s] %3d%%",
                 m_Label.c_str(),
                 std::string(filled, '#').c_str(),
                 std::string(width - filled, ' ').c_str(),
                 percent);
  }

  std::string                           m_Label;
  std::chrono::steady_clock::time_point m_Start = std::chrono::steady_clock::now();
  bool                                  m_Shown = false;
  int                                   m_Percent = -1;
};

/* --quiet, read (with --progress) before a command checks that every option given was read:
 * ShowProgress reads both again when the work starts. */
inline bool
Quiet(const Arguments & args)
{
  args.has("--progress");
  return args.has("--quiet");
}

/* A progress bar on `process` (shown after a second of work): not with --quiet; on a terminal, or
 * with --progress. */
inline ProgressBar::Pointer
ShowProgress(itk::ProcessObject * process, const std::string & label, const Arguments & args)
{
  auto progress = ProgressBar::New();
  progress->SetLabel(label);
  progress->m_Enabled = !args.has("--quiet") && (args.has("--progress") || isatty(STDERR_FILENO));
  process->AddObserver(itk::ProgressEvent(), progress);
  process->AddObserver(itk::EndEvent(), progress);
  return progress;
}

template <unsigned int D>
using FloatImage = itk::Image<float, D>;

/* --replace-non-finite: how the command reads its inputs. */
inline itk::fusion::ReadOptions
ReadingOptions(const Arguments & args)
{
  itk::fusion::ReadOptions options;
  options.replaceNonFinite = args.has("--replace-non-finite");
  return options;
}

inline itk::FusionEnums::Backend
BackendOption(const Arguments & args)
{
  return itk::fusion::BackendFromString(args.choice("--backend", "auto", { "auto", "cpu", "cuda", "emulated" }));
}

/* The output path of -o (or --output where the command takes it). */
inline std::string
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
inline unsigned int
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

inline itk::fusion::WaveletMode
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

/* The inputs of a command (its positional paths and any model file): no output may be one. */
inline std::vector<std::string>
Inputs(const Arguments & args, const std::vector<std::string> & more = {})
{
  std::vector<std::string> inputs = args.positional;
  inputs.insert(inputs.end(), more.begin(), more.end());
  return inputs;
}

/* Runs a filter with the progress bar and writes its float output (compressed where the format
 * can) through `outputs`, where `output` was declared before the work. */
template <typename TFilter>
void
UpdateAndWrite(TFilter * filter, const char * what, const Arguments & args, const std::string & output,
               OutputFiles & outputs)
{
  ShowProgress(filter, what, args);
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

/* The metrics of a fused image (mmfusionMetrics.cxx; `fuse --metrics` writes them too). */
template <unsigned int D>
void
ReportMetrics(const Arguments & args, const std::string & preset,
              const std::vector<typename FloatImage<D>::Pointer> & sources,
              const std::vector<std::string> & sourceNames, const typename FloatImage<D>::Pointer & fused,
              const std::string & fusedName, bool eightBit, bool print, const std::string & json);
} // namespace mmfusion

#endif
