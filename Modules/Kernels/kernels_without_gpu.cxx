/* The fusion::gpu interface in a build without nvcc (FUSION_USE_CUDA off): no device, and every
 * kernel reports that. The filters never reach these (ResolveBackend refuses CUDA first); they
 * exist so that the filters call one interface whatever the build. */
#include "fusionKernels.h"

namespace fusion
{
namespace gpu
{
namespace
{
constexpr int kNoDevice = 100; // cudaErrorNoDevice
}
int
WeightedFusion(const WeightedFusionArguments &)
{
  return kNoDevice;
}
int
LaplacianPyramidFusion(const PyramidFusionArguments &)
{
  return kNoDevice;
}
int
DWTDecompose(const DWTArguments &)
{
  return kNoDevice;
}
int
DWTReconstruct(const DWTArguments &)
{
  return kNoDevice;
}
int
GLCMFeatures(const GLCMArguments &)
{
  return kNoDevice;
}
int
ConvNetworkForward(const NetworkArguments &)
{
  return kNoDevice;
}
int
LocalMoments(const LocalMomentsArguments &)
{
  return kNoDevice;
}
int
EdgePreservation(const EdgePreservationArguments &)
{
  return kNoDevice;
}
int
JointHistograms(const JointHistogramArguments &)
{
  return kNoDevice;
}
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
} // namespace gpu
} // namespace fusion
