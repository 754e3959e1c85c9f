/* Backend names, the device query and ResolveBackend's rules. */
#include "itkFusionBackend.h"
#include "itkMacro.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

using itk::FusionEnums;
using namespace itk::fusion;

TEST(FusionBackend, DeviceQueryNeverThrows)
{
  int count = -1;
  EXPECT_NO_THROW(count = CudaDeviceCount());
  EXPECT_GE(count, 0);
  if (!BuildHasCuda())
    EXPECT_EQ(count, 0) << "a build without nvcc has no device";
}

TEST(FusionBackend, NamesRoundTrip)
{
  for (auto b : { FusionEnums::Backend::Auto,
                  FusionEnums::Backend::CPU,
                  FusionEnums::Backend::CUDA,
                  FusionEnums::Backend::EmulatedCUDA })
    EXPECT_EQ(BackendFromString(BackendName(b)), b);
  EXPECT_EQ(BackendFromString("CPU"), FusionEnums::Backend::CPU);
  EXPECT_THROW(BackendFromString("tpu"), itk::ExceptionObject);
  std::ostringstream s;
  s << FusionEnums::Backend::EmulatedCUDA;
  EXPECT_EQ(s.str(), "itk::FusionEnums::Backend::EmulatedCUDA");
}

/* Core's one exception type: an itk::ExceptionObject with a one-line what() and a kind. */
TEST(FusionBackend, ErrorsAreFusionErrorsOfAKind)
{
  try
  {
    BackendFromString("tpu");
    ADD_FAILURE() << "no exception";
  }
  catch (const itk::ExceptionObject & e)
  {
    const auto * error = dynamic_cast<const FusionError *>(&e);
    ASSERT_NE(error, nullptr) << e.what();
    EXPECT_EQ(error->GetKind(), FusionError::Kind::InvalidInput);
    EXPECT_STREQ(e.what(), "unknown backend 'tpu' (valid: auto, cpu, cuda, emulated)");
    EXPECT_STREQ(e.GetDescription(), e.what());
  }
  try
  {
    KernelsOf(FusionEnums::Backend::CPU);
    ADD_FAILURE() << "no exception";
  }
  catch (const FusionError & e)
  {
    EXPECT_EQ(e.GetKind(), FusionError::Kind::Failure);
    EXPECT_NE(std::string(e.what()).find("has no kernels"), std::string::npos) << e.what();
  }
}

/* The rules where no device is present, on any machine: the device count is faked to 0. */
TEST(FusionBackend, ResolveRulesWithoutADevice)
{
  unsetenv("FUSION_BACKEND");
  SetCudaDeviceCountForTesting(0);
  EXPECT_EQ(ResolveBackend(FusionEnums::Backend::Auto, true, "F"), FusionEnums::Backend::CPU);
  EXPECT_EQ(ResolveBackend(FusionEnums::Backend::CPU, true, "F"), FusionEnums::Backend::CPU);
  EXPECT_EQ(ResolveBackend(FusionEnums::Backend::EmulatedCUDA, true, "F"), FusionEnums::Backend::EmulatedCUDA);
  EXPECT_THROW(ResolveBackend(FusionEnums::Backend::EmulatedCUDA, false, "F"), itk::ExceptionObject);
  try
  {
    ResolveBackend(FusionEnums::Backend::CUDA, true, "SomeFilter");
    ADD_FAILURE() << "CUDA without a device must throw";
  }
  catch (const itk::ExceptionObject & e)
  {
    EXPECT_NE(std::string(e.GetDescription()).find("SomeFilter"), std::string::npos) << e.GetDescription();
  }
  setenv("FUSION_BACKEND", "emulated", 1);
  EXPECT_EQ(ResolveBackend(FusionEnums::Backend::Auto, true, "F"), FusionEnums::Backend::EmulatedCUDA);
  EXPECT_EQ(ResolveBackend(FusionEnums::Backend::CPU, true, "F"), FusionEnums::Backend::CPU)
    << "only Auto is overridden";
  setenv("FUSION_BACKEND", "cpu", 1);
  EXPECT_EQ(ResolveBackend(FusionEnums::Backend::Auto, true, "F"), FusionEnums::Backend::CPU);
  setenv("FUSION_BACKEND", "cuda", 1);
  try
  {
    ResolveBackend(FusionEnums::Backend::Auto, true, "F");
    ADD_FAILURE() << "FUSION_BACKEND=cuda without a device must throw";
  }
  catch (const itk::ExceptionObject & e)
  {
    EXPECT_NE(std::string(e.GetDescription()).find("FUSION_BACKEND"), std::string::npos) << e.GetDescription();
  }
  setenv("FUSION_BACKEND", "", 1);
  EXPECT_EQ(ResolveBackend(FusionEnums::Backend::Auto, true, "F"), FusionEnums::Backend::CPU);
  unsetenv("FUSION_BACKEND");
  SetCudaDeviceCountForTesting(-1);
}

/* The kernel table of each backend. */
TEST(FusionBackend, KernelTables)
{
  EXPECT_STREQ(KernelsOf(FusionEnums::Backend::EmulatedCUDA).name, "emulated");
  EXPECT_STREQ(KernelsOf(FusionEnums::Backend::CUDA).name, "cuda");
  EXPECT_EQ(KernelsOf(FusionEnums::Backend::EmulatedCUDA).DeviceCount(), 1) << "the emulated device is always there";
  EXPECT_THROW(KernelsOf(FusionEnums::Backend::CPU), itk::ExceptionObject);
  EXPECT_THROW(KernelsOf(FusionEnums::Backend::Auto), itk::ExceptionObject);
  // A failing kernel's status becomes an exception naming the backend and the kernel.
  ::fusionkernels::WeightedFusionArguments bad; // no sources
  bad.numberOfSources = 2;
  bad.count = 4;
  try
  {
    RunKernel(
      FusionEnums::Backend::EmulatedCUDA, "weighted fusion", &::fusionkernels::KernelTable::WeightedFusion, bad);
    ADD_FAILURE() << "a kernel without its buffers must fail";
  }
  catch (const itk::ExceptionObject & e)
  {
    EXPECT_NE(std::string(e.GetDescription()).find("the emulated weighted fusion kernel failed"), std::string::npos)
      << e.GetDescription();
  }
}
