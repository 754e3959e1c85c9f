#ifndef itkFusionError_h
#define itkFusionError_h

#include "itkMacro.h"

#include <sstream>
#include <string>

namespace itk
{
namespace fusion
{
/** The one exception type of the module's core, and so of its filters: an itk::ExceptionObject, so
 * that an ITK pipeline catches it as it catches every ITK error. Its description and what() are one
 * line. Its kind tells bad input (InvalidInput: arguments, images or files that cannot be used) from a
 * failure of the work itself (Failure: a kernel, a file, memory); the Python package raises them as
 * ValueError and RuntimeError. */
class FusionError : public ExceptionObject
{
public:
  enum class Kind
  {
    InvalidInput,
    Failure
  };

  FusionError(Kind kind, const std::string & message, const char * file = __builtin_FILE(),
              unsigned int line = __builtin_LINE())
    : ExceptionObject(file, line, message, "itk::fusion")
    , m_Kind(kind)
  {}

  Kind
  GetKind() const noexcept
  {
    return m_Kind;
  }

  /** The one-line message (ExceptionObject's what() adds the file, the line and the location). */
  const char *
  what() const noexcept override
  {
    return this->GetDescription();
  }

  const char *
  GetNameOfClass() const override
  {
    return "FusionError";
  }

private:
  Kind m_Kind;
};

/** Bad input: the one-line message says what is wrong and what is accepted. */
inline FusionError
InvalidInput(const std::string & message, const char * file = __builtin_FILE(), unsigned int line = __builtin_LINE())
{
  return FusionError(FusionError::Kind::InvalidInput, message, file, line);
}

/** The work failed on valid input. */
inline FusionError
Failure(const std::string & message, const char * file = __builtin_FILE(), unsigned int line = __builtin_LINE())
{
  return FusionError(FusionError::Kind::Failure, message, file, line);
}
} // namespace fusion
} // namespace itk

/** Throw a FusionError from a stream expression, as itkGenericExceptionMacro does an ExceptionObject:
 *   itkFusionInvalidInputMacro(<< "unknown wavelet '" << name << "'"); */
#define itkFusionInvalidInputMacro(x)                                                                                  \
  {                                                                                                                    \
    std::ostringstream fusionMessage_;                                                                                 \
    fusionMessage_     x;                                                                                              \
    throw ::itk::fusion::InvalidInput(fusionMessage_.str(), __FILE__, __LINE__);                                       \
  }                                                                                                                    \
  ITK_MACROEND_NOOP_STATEMENT
#define itkFusionFailureMacro(x)                                                                                       \
  {                                                                                                                    \
    std::ostringstream fusionMessage_;                                                                                 \
    fusionMessage_     x;                                                                                              \
    throw ::itk::fusion::Failure(fusionMessage_.str(), __FILE__, __LINE__);                                            \
  }                                                                                                                    \
  ITK_MACROEND_NOOP_STATEMENT

#endif
