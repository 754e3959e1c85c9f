/* What the GoogleTest files share. */
#ifndef itkFusionTestHelpers_h
#define itkFusionTestHelpers_h

#include "itkFusionBackend.h"
#include "itkHeadPhantom.h"
#include "itkMacro.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

namespace fusiontest
{
/** f() must throw a TException (default itk::ExceptionObject) whose message (an ITK exception's
 * description) contains `words` and is one line. */
template <typename TException = itk::ExceptionObject>
void
ExpectThrow(const std::function<void()> & f, const std::string & words)
{
  try
  {
    f();
    ADD_FAILURE() << "no exception; expected: " << words;
  }
  catch (const TException & e)
  {
    std::string message;
    if constexpr (std::is_base_of<itk::ExceptionObject, TException>::value)
      message = e.GetDescription();
    else
      message = e.what();
    EXPECT_NE(message.find(words), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one line: " << message;
  }
}

/** The head phantom's modality `m` on a `size`^D grid (float). */
template <unsigned int D>
typename itk::Image<float, D>::Pointer
Phantom(itk::fusion::PhantomModality m, unsigned size)
{
  itk::fusion::HeadPhantomOptions o;
  o.size = size;
  return itk::fusion::MakeHeadPhantom<D>(m, o);
}

/** The backends a backend-parameterised test runs on (RTK's pattern: one test source, every
 * backend): CPU, EmulatedCUDA and CUDA; only the one FUSION_BACKEND names when it is set to
 * cpu, emulated or cuda. The CUDA cases skip themselves where no device is present
 * (SkipWithoutDevice) and carry the ctest label `cuda`. */
inline std::vector<itk::FusionEnums::Backend>
TestBackends()
{
  using Backend = itk::FusionEnums::Backend;
  const char * env = std::getenv("FUSION_BACKEND");
  if (env && *env)
  {
    const Backend chosen = itk::fusion::BackendFromString(env);
    if (chosen != Backend::Auto)
      return { chosen };
  }
  return { Backend::CPU, Backend::EmulatedCUDA, Backend::CUDA };
}

/** The test name suffix of a backend: CPU, EmulatedCUDA, CUDA. */
inline std::string
BackendTestName(const testing::TestParamInfo<itk::FusionEnums::Backend> & info)
{
  const std::string name = itk::fusion::BackendName(info.param);
  return name == "cpu" ? "CPU" : (name == "cuda" ? "CUDA" : "EmulatedCUDA");
}
} // namespace fusiontest

/** In a backend-parameterised test: skips the CUDA case where this machine has no device. */
#define FUSION_SKIP_WITHOUT_DEVICE(backend)                                                                            \
  if ((backend) == itk::FusionEnums::Backend::CUDA && itk::fusion::CudaDeviceCount() == 0)                             \
  GTEST_SKIP() << "no CUDA device on this machine"

#endif
