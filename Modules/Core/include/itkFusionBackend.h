/*
 * Backend selection shared by every filter of the module.
 *
 *   Auto          CUDA when the build has it, a device is present and the filter supports the
 *                 pixel type there; otherwise the multi-threaded CPU path. The environment
 *                 variable FUSION_BACKEND (auto|cpu|cuda|emulated) overrides Auto.
 *   CPU           the multi-threaded CPU path (DynamicThreadedGenerateData).
 *   CUDA          the nvcc-compiled kernels on a device; without one, an exception.
 *   EmulatedCUDA  the same kernel source run on the CPU by the project's CUDA emulation
 *                 (Modules/Kernels/cuda_host_emulation.h): how the tests run the kernels here.
 */
#ifndef itkFusionBackend_h
#define itkFusionBackend_h

#include "MultimodalFusionExport.h"
#include "fusionKernels.h"
#include "itkMacro.h"

#include <cstdint>
#include <iosfwd>
#include <string>

namespace itk
{
/** \class FusionEnums
 * \brief Enumerations of the MultimodalFusion module.
 * \ingroup MultimodalFusion
 */
class MultimodalFusion_EXPORT FusionEnums
{
public:
  enum class Backend : uint8_t
  {
    Auto = 0,
    CPU,
    CUDA,
    EmulatedCUDA
  };
};
extern MultimodalFusion_EXPORT std::ostream &
                               operator<<(std::ostream & out, const FusionEnums::Backend value);

namespace fusion
{
/** Number of usable CUDA devices: 0 (never an exception) when the build has no CUDA,
 * no driver is installed or no device is present. */
MultimodalFusion_EXPORT int
CudaDeviceCount();

/** True when this build compiled the kernels with nvcc (FUSION_USE_CUDA). */
MultimodalFusion_EXPORT bool
BuildHasCuda();

/** Parses auto|cpu|cuda|emulated (case-insensitive); throws itk::ExceptionObject otherwise. */
MultimodalFusion_EXPORT FusionEnums::Backend
BackendFromString(const std::string & name);

/** Lower-case name: auto, cpu, cuda, emulated. */
MultimodalFusion_EXPORT std::string
BackendName(FusionEnums::Backend backend);

/** The backend a filter runs on: CPU, CUDA or EmulatedCUDA, never Auto.
 * `cudaSupportsPixelType` tells whether the filter's kernels take its pixel types.
 * Throws itk::ExceptionObject (naming `filterName`) when CUDA or EmulatedCUDA is requested,
 * explicitly or through FUSION_BACKEND, and cannot be used. */
MultimodalFusion_EXPORT FusionEnums::Backend
ResolveBackend(FusionEnums::Backend requested, bool cudaSupportsPixelType, const char * filterName);

/** Runs a kernel through the backend chosen by ResolveBackend (CUDA or EmulatedCUDA):
 * `emulated()` and `device()` call the same function of fusion::emu and fusion::gpu. A non-zero
 * status becomes an itk::ExceptionObject naming `what` and the CUDA error. */
template <typename TEmulated, typename TDevice>
void
RunKernel(FusionEnums::Backend backend, const char * what, TEmulated && emulated, TDevice && device)
{
  const bool onDevice = backend == FusionEnums::Backend::CUDA;
  const int  status = onDevice ? device() : emulated();
  if (status != 0)
    itkGenericExceptionMacro(<< "the " << BackendName(backend) << " " << what << " kernel failed: "
                             << (onDevice ? ::fusion::gpu::ErrorMessage(status) : ::fusion::emu::ErrorMessage(status)));
}
} // namespace fusion
} // namespace itk

#endif
