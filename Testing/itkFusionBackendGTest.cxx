/* Backend names, the device query and ResolveBackend's rules. */
#include "itkFusionBackend.h"
#include "itkMacro.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sstream>

using itk::FusionEnums;
using namespace itk::fusion;

TEST(FusionBackend, DeviceQueryNeverThrowsAndFindsNoDeviceHere)
{
  int count = -1;
  EXPECT_NO_THROW(count = CudaDeviceCount());
  EXPECT_EQ(count, 0) << "no GPU on this project's machines";
}

TEST(FusionBackend, NamesRoundTrip)
{
  for (auto b : { FusionEnums::Backend::Auto, FusionEnums::Backend::CPU, FusionEnums::Backend::CUDA,
                  FusionEnums::Backend::EmulatedCUDA })
    EXPECT_EQ(BackendFromString(BackendName(b)), b);
  EXPECT_EQ(BackendFromString("CPU"), FusionEnums::Backend::CPU);
  EXPECT_THROW(BackendFromString("tpu"), itk::ExceptionObject);
  std::ostringstream s;
  s << FusionEnums::Backend::EmulatedCUDA;
  EXPECT_EQ(s.str(), "itk::FusionEnums::Backend::EmulatedCUDA");
}

TEST(FusionBackend, ResolveRules)
{
  unsetenv("FUSION_BACKEND");
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
  EXPECT_EQ(ResolveBackend(FusionEnums::Backend::CPU, true, "F"), FusionEnums::Backend::CPU) << "only Auto is overridden";
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
}
