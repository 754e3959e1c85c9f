/* What the GoogleTest files share. */
#ifndef itkFusionTestHelpers_h
#define itkFusionTestHelpers_h

#include "itkMacro.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

namespace fusiontest
{
/** f() must throw an itk::ExceptionObject whose description contains `words`. */
inline void
ExpectThrow(const std::function<void()> & f, const std::string & words)
{
  try
  {
    f();
    ADD_FAILURE() << "no exception; expected: " << words;
  }
  catch (const itk::ExceptionObject & e)
  {
    EXPECT_NE(std::string(e.GetDescription()).find(words), std::string::npos) << e.GetDescription();
  }
}
} // namespace fusiontest

#endif
