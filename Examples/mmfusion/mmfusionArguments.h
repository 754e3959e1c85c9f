/*
 * The command line of mmfusion, strictly: a value option takes the next word unless that is
 * another option; an option given twice, a number that is not a whole token, a number out of its
 * range and an option that the command (or the chosen method) does not read are usage errors, each
 * one line naming the option and what it takes. ITK-free, so that it can be fuzzed.
 */
#ifndef mmfusionArguments_h
#define mmfusionArguments_h

#include "itkFusionTextNumbers.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mmfusion
{
/** A mistake on the command line (exit status 2). */
struct UsageError : std::runtime_error
{
  using std::runtime_error::runtime_error;
};

class Arguments
{
public:
  std::vector<std::string> positional;

  /** `renamed`: old spellings of options and their new names (an old one is a usage error naming the new). */
  Arguments(int argc, const char * const argv[], int first, const std::vector<std::string> & valueOptions,
            const std::vector<std::string> & flagOptions, const std::map<std::string, std::string> & renamed = {})
  {
    for (int i = first; i < argc; ++i)
    {
      const std::string a = argv[i];
      if (!IsOption(a))
      {
        positional.push_back(a);
        continue;
      }
      const bool flag = std::find(flagOptions.begin(), flagOptions.end(), a) != flagOptions.end();
      if (!flag && std::find(valueOptions.begin(), valueOptions.end(), a) == valueOptions.end())
      {
        const auto old = renamed.find(a);
        if (old != renamed.end())
          throw UsageError("option '" + a + "' is now " + old->second);
        throw UsageError("unknown option '" + a + "'");
      }
      if (m_Options.count(a))
        throw UsageError("option '" + a + "' is given twice");
      if (flag)
      {
        m_Options[a] = "";
        m_Flags.insert(a);
        continue;
      }
      if (i + 1 >= argc || IsOption(argv[i + 1]))
        throw UsageError("option '" + a + "' needs a value");
      m_Options[a] = argv[++i];
    }
  }

  /** Whether the option was given (and marks it read). */
  bool
  has(const std::string & name) const
  {
    m_Read.insert(name);
    return m_Options.count(name) > 0;
  }
  /** The option's text, or `fallback`. */
  std::string
  get(const std::string & name, const std::string & fallback = "") const
  {
    m_Read.insert(name);
    const auto it = m_Options.find(name);
    return it == m_Options.end() ? fallback : it->second;
  }
  /** A whole number in [lo, hi]. */
  long long
  integer(const std::string & name, long long fallback, long long lo, long long hi) const
  {
    if (!has(name))
      return fallback;
    const std::string text = get(name);
    long long         v = 0;
    if (!ParseInteger(text, v) || v < lo || v > hi)
      throw UsageError(name + " takes a whole number from " + std::to_string(lo) + " to " + std::to_string(hi) +
                       ", not '" + text + "'");
    return v;
  }
  /** A finite number in [lo, hi]. */
  double
  real(const std::string & name, double fallback, double lo, double hi) const
  {
    if (!has(name))
      return fallback;
    const std::string text = get(name);
    double            v = 0;
    if (!ParseReal(text, v) || v < lo || v > hi)
      throw UsageError(name + " takes a number from " + itk::fusion::NumberText(lo) + " to " +
                       itk::fusion::NumberText(hi) + ", not '" + text + "'");
    return v;
  }
  /** Finite numbers separated by commas; `count` of them unless 0. */
  std::vector<double>
  numbers(const std::string & name, size_t count, const std::string & shape) const
  {
    const std::string   text = get(name);
    std::vector<double> values;
    for (size_t start = 0; start <= text.size();)
    {
      const size_t comma = std::min(text.find(',', start), text.size());
      double       v = 0;
      if (!ParseReal(text.substr(start, comma - start), v))
        throw UsageError(name + " takes " + shape + ", not '" + text + "'");
      values.push_back(v);
      start = comma + 1;
    }
    if (count && values.size() != count)
      throw UsageError(name + " takes " + shape + ", not '" + text + "'");
    return values;
  }
  /** One of `choices`. */
  std::string
  choice(const std::string & name, const std::string & fallback, const std::vector<std::string> & choices) const
  {
    const std::string v = get(name, fallback);
    if (std::find(choices.begin(), choices.end(), v) == choices.end())
    {
      std::string list;
      for (const auto & c : choices)
        list += (list.empty() ? "" : ", ") + c;
      throw UsageError(name + " takes " + list + ", not '" + v + "'");
    }
    return v;
  }
  /** Every option given must have been read by now: one that was not does not apply (`context`). */
  void
  rejectUnread(const std::string & context) const
  {
    for (const auto & o : m_Options)
      if (!m_Read.count(o.first))
        throw UsageError("option '" + o.first + "' does not apply " + context);
  }

  static bool
  ParseInteger(const std::string & text, long long & value)
  {
    return itk::fusion::ParseWholeNumber(text, value);
  }
  static bool
  ParseReal(const std::string & text, double & value)
  {
    return itk::fusion::ParseFiniteNumber(text, value);
  }

private:
  /* "--x" or "-o"; "-1.5" is a number, "-" alone a positional. */
  static bool
  IsOption(const std::string & a)
  {
    double v;
    return a.size() > 1 && a[0] == '-' && !ParseReal(a, v);
  }
  std::map<std::string, std::string> m_Options;
  std::set<std::string>              m_Flags;
  mutable std::set<std::string>      m_Read;
};
} // namespace mmfusion

#endif
