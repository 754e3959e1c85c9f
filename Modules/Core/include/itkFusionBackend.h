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
#include "itkFusionError.h"
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

/** For tests: CudaDeviceCount() reports `count` (>= 0) instead of asking the driver; a negative
 * count restores the real query. Lets a test check the rules of a machine with a device on one
 * without (the kernels themselves still need a real device). */
MultimodalFusion_EXPORT void
SetCudaDeviceCountForTesting(int count);

/** True when this build compiled the kernels with nvcc (FUSION_USE_CUDA). */
MultimodalFusion_EXPORT bool
BuildHasCuda();

/** Parses auto|cpu|cuda|emulated (case-insensitive); throws FusionError (InvalidInput) otherwise. */
MultimodalFusion_EXPORT FusionEnums::Backend
                        BackendFromString(const std::string & name);

/** Lower-case name: auto, cpu, cuda, emulated. */
MultimodalFusion_EXPORT std::string
                        BackendName(FusionEnums::Backend backend);

/** The backend a filter runs on: CPU, CUDA or EmulatedCUDA, never Auto.
 * `cudaSupportsPixelType` tells whether the filter's kernels take its pixel types.
 * Throws FusionError (naming `filterName`) when CUDA or EmulatedCUDA is requested,
 * explicitly or through FUSION_BACKEND, and cannot be used. */
MultimodalFusion_EXPORT FusionEnums::Backend
ResolveBackend(FusionEnums::Backend requested, bool cudaSupportsPixelType, const char * filterName);

/** The kernel table of a resolved backend: fusionkernels::gpu for CUDA, fusionkernels::emu for
 * EmulatedCUDA. Throws FusionError for CPU and Auto, which have no kernels. */
MultimodalFusion_EXPORT const ::fusionkernels::KernelTable &
KernelsOf(FusionEnums::Backend backend);

/** Runs `kernel` of the table of `backend` (CUDA or EmulatedCUDA) on `arguments`, e.g.
 *   RunKernel(backend, "GLCM", &fusionkernels::KernelTable::GLCMFeatures, arguments);
 * A non-zero status becomes a FusionError (Failure) naming `what` and the CUDA error. */
template <typename TArguments>
void
RunKernel(FusionEnums::Backend backend, const char *                                           what,
          int (*::fusionkernels::KernelTable::*kernel)(const TArguments &), const TArguments & arguments)
{
  const ::fusionkernels::KernelTable & kernels = KernelsOf(backend);
  const int                            status = (kernels.*kernel)(arguments);
  if (status != 0)
    itkFusionFailureMacro(<< "the " << kernels.name << " " << what
                          << " kernel failed: " << kernels.ErrorMessage(status));
}
} // namespace fusion
} // namespace itk

#endif
