#include "itkFusionBackend.h"
#include "itkFusionError.h"

#include "fusionKernels.h"
#include "itkMacro.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <ostream>

namespace itk
{
std::ostream &
operator<<(std::ostream & out, const FusionEnums::Backend value)
{
  return out << [value] {
    switch (value)
    {
      case FusionEnums::Backend::Auto:
        return "itk::FusionEnums::Backend::Auto";
      case FusionEnums::Backend::CPU:
        return "itk::FusionEnums::Backend::CPU";
      case FusionEnums::Backend::CUDA:
        return "itk::FusionEnums::Backend::CUDA";
      case FusionEnums::Backend::EmulatedCUDA:
        return "itk::FusionEnums::Backend::EmulatedCUDA";
    }
    return "INVALID VALUE FOR itk::FusionEnums::Backend";
  }();
}

namespace fusion
{
bool
BuildHasCuda()
{
#ifdef FUSION_USE_CUDA
  return true;
#else
  return false;
#endif
}

namespace
{
std::atomic<int> testingDeviceCount{ -1 };
}

void
SetCudaDeviceCountForTesting(int count)
{
  testingDeviceCount = count;
}

int
CudaDeviceCount()
{
  const int faked = testingDeviceCount;
  return faked >= 0 ? faked : ::fusionkernels::gpu::DeviceCount(); // 0 in a build without nvcc
}

FusionEnums::Backend
BackendFromString(const std::string & name)
{
  std::string s(name);
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "auto")
    return FusionEnums::Backend::Auto;
  if (s == "cpu")
    return FusionEnums::Backend::CPU;
  if (s == "cuda" || s == "gpu")
    return FusionEnums::Backend::CUDA;
  if (s == "emulated" || s == "emulatedcuda" || s == "cuda-emulated")
    return FusionEnums::Backend::EmulatedCUDA;
  itkFusionInvalidInputMacro(<< "unknown backend '" << name << "' (valid: auto, cpu, cuda, emulated)");
}

std::string
BackendName(FusionEnums::Backend backend)
{
  switch (backend)
  {
    case FusionEnums::Backend::Auto:
      return "auto";
    case FusionEnums::Backend::CPU:
      return "cpu";
    case FusionEnums::Backend::CUDA:
      return "cuda";
    case FusionEnums::Backend::EmulatedCUDA:
      return "emulated";
  }
  return "invalid";
}

const ::fusionkernels::KernelTable &
KernelsOf(FusionEnums::Backend backend)
{
  if (backend == FusionEnums::Backend::CUDA)
    return ::fusionkernels::gpu::Kernels();
  if (backend == FusionEnums::Backend::EmulatedCUDA)
    return ::fusionkernels::emu::Kernels();
  itkFusionFailureMacro(<< "the " << BackendName(backend) << " backend has no kernels (resolve it first)");
}

FusionEnums::Backend
ResolveBackend(FusionEnums::Backend requested, bool cudaSupportsPixelType, const char * filterName)
{
  const char * who = filterName ? filterName : "filter";
  bool         fromEnvironment = false;
  if (requested == FusionEnums::Backend::Auto)
  {
    if (const char * env = std::getenv("FUSION_BACKEND"))
    {
      if (*env)
      {
        try
        {
          requested = BackendFromString(env);
        }
        catch (const ExceptionObject &)
        {
          itkFusionInvalidInputMacro(<< who << ": environment variable FUSION_BACKEND='" << env
                                     << "' is not a backend (valid: auto, cpu, cuda, emulated)");
        }
        fromEnvironment = requested != FusionEnums::Backend::Auto;
      }
    }
  }
  const char * how = fromEnvironment ? " (requested by FUSION_BACKEND)" : "";
  switch (requested)
  {
    case FusionEnums::Backend::Auto:
      return (cudaSupportsPixelType && CudaDeviceCount() > 0) ? FusionEnums::Backend::CUDA : FusionEnums::Backend::CPU;
    case FusionEnums::Backend::CPU:
      return FusionEnums::Backend::CPU;
    case FusionEnums::Backend::CUDA:
      if (!BuildHasCuda())
        itkFusionFailureMacro(<< who << ": the CUDA backend was requested" << how
                              << ", but this build has no CUDA kernels (configure with FUSION_USE_CUDA=ON); "
                                 "use the CPU backend");
      if (CudaDeviceCount() <= 0)
        itkFusionFailureMacro(<< who << ": the CUDA backend was requested" << how
                              << ", but no CUDA device is available (no driver or no GPU); use the CPU backend");
      if (!cudaSupportsPixelType)
        itkFusionFailureMacro(<< who << ": the CUDA backend was requested" << how
                              << ", but its kernels compute in single precision and do not take this pixel "
                                 "type; use the CPU backend");
      return FusionEnums::Backend::CUDA;
    case FusionEnums::Backend::EmulatedCUDA:
      if (!cudaSupportsPixelType)
        itkFusionFailureMacro(<< who << ": the emulated CUDA backend was requested" << how
                              << ", but the kernels compute in single precision and do not take this pixel "
                                 "type; use the CPU backend");
      return FusionEnums::Backend::EmulatedCUDA;
  }
  itkFusionInvalidInputMacro(<< who << ": invalid backend value " << static_cast<int>(requested));
}
} // namespace fusion
} // namespace itk
