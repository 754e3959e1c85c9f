/*
 * Numbers as text, strictly: what the command line and the method parameters accept (the whole
 * text, no leading space, finite) and how they write a number back. ITK-free, so that the
 * argument parser that uses it can be fuzzed.
 */
#ifndef itkFusionTextNumbers_h
#define itkFusionTextNumbers_h

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <string>

namespace itk
{
namespace fusion
{
/** A whole number that is the whole text (base 10, in range of long long). */
inline bool
ParseWholeNumber(const std::string & text, long long & value)
{
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])))
    return false;
  char * end = nullptr;
  errno = 0;
  value = std::strtoll(text.c_str(), &end, 10);
  return errno == 0 && end == text.c_str() + text.size();
}

/** A finite number that is the whole text. */
inline bool
ParseFiniteNumber(const std::string & text, double & value)
{
  if (text.empty() || std::isspace(static_cast<unsigned char>(text[0])))
    return false;
  char * end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(value);
}

/** A number as messages and descriptions write it: 1e-06, 4, 0.5. */
inline std::string
NumberText(double value)
{
  std::ostringstream s;
  s << value;
  return s.str();
}
} // namespace fusion
} // namespace itk

#endif
