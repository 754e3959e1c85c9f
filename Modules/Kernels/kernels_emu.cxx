/* Every kernel of the project, compiled by the host compiler for the CPU emulation. */
#define CUEMU_BACKEND_NS emu
#include "conv_network.cuh"
#include "dwt.cuh"
#include "fusion_metrics.cuh"
#include "glcm.cuh"
#include "pyramid.cuh"
#include "weighted_fusion.cuh"

#include <string>

namespace fusionkernels
{
namespace emu
{
int
DeviceCount()
{
  return 1; // the emulated device is always there
}

const char *
ErrorMessage(int status)
{
  static thread_local std::string message;
  message = std::string(cuemu::cudaGetErrorString(static_cast<cuemu::cudaError_t>(status)));
  const std::string detail = cuemu::last_error_detail();
  if (status != 0 && !detail.empty())
    message += ": " + detail;
  return message.c_str();
}
FUSION_DEFINE_KERNEL_TABLE("emulated")
} // namespace emu
} // namespace fusionkernels
