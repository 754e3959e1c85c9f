/* Every kernel of the project, compiled by nvcc for the GPU. */
#define CUEMU_BACKEND_NS gpu
#include "conv_network.cuh"
#include "dwt.cuh"
#include "glcm.cuh"
#include "pyramid.cuh"
#include "weighted_fusion.cuh"

namespace fusionkernels
{
namespace gpu
{
int
DeviceCount()
{
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess)
  {
    cudaGetLastError(); // no driver or no device: clear the error, report none
    return 0;
  }
  return count;
}

const char *
ErrorMessage(int status)
{
  return cudaGetErrorString(static_cast<cudaError_t>(status));
}
FUSION_DEFINE_KERNEL_TABLE("cuda")
} // namespace gpu
} // namespace fusionkernels
