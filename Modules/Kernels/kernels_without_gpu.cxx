/* The fusionkernels::gpu interface in a build without nvcc (FUSION_USE_CUDA off): no device, and every
 * kernel reports that. The filters never reach these (ResolveBackend refuses CUDA first); they
 * exist so that the filters call one interface whatever the build. */
#include "fusionKernels.h"

namespace fusionkernels
{
namespace gpu
{
namespace
{
constexpr int kNoDevice = 100; // cudaErrorNoDevice
}
#define FUSION_NO_DEVICE(Name, Arguments)                                                                              \
  int Name(const Arguments &)                                                                                          \
  {                                                                                                                    \
    return kNoDevice;                                                                                                  \
  }
FUSION_KERNEL_LIST(FUSION_NO_DEVICE)
#undef FUSION_NO_DEVICE

int
DeviceCount()
{
  return 0;
}
const char *
ErrorMessage(int)
{
  return "this build has no CUDA kernels (configure with FUSION_USE_CUDA=ON and nvcc)";
}
FUSION_DEFINE_KERNEL_TABLE("cuda")
} // namespace gpu
} // namespace fusionkernels
