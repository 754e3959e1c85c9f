#ifndef itkFusionMethod_h
#define itkFusionMethod_h

#include "itkFusionImageFilter.h"
#include "itkFusionTextNumbers.h"

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace itk
{
namespace fusion
{
/** How the text of a method parameter is read. */
enum class ParameterKind
{
  Integer, // a whole number in [minimum, maximum]
  Real,    // a finite number in [minimum, maximum]
  Flag,    // present or absent (the text is ignored)
  Choice,  // one of `choices`
  Text     // any text (a wavelet name, a file)
};

/** One parameter of a fusion method, as the command line and the Python package show it. The
 * default is the filter's own (read from a new filter), never a second copy of it. */
struct MethodParameter
{
  std::string              name; // the option's name without "--", e.g. "weight-power"
  ParameterKind            kind = ParameterKind::Text;
  std::string              description;
  std::string              defaultValue; // as text
  double                   minimum = 0.0, maximum = 0.0;
  std::vector<std::string> choices;
  std::string              placeholder; // how a help text shows the value: N, X, FILE.onnx, ...
};

/** The parameters a user gave, by name (without "--"), as text; one not given keeps the filter's
 * default. A flag's text is ignored. */
using MethodParameters = std::map<std::string, std::string>;

/** The given parameters read against a method's descriptions: the typed getters check the text
 * and throw FusionError (InvalidInput) with one line naming the option and what it takes. */
class MethodReader
{
public:
  MethodReader(const MethodParameters & given, const std::vector<MethodParameter> & described)
    : m_Given(given)
    , m_Described(described)
  {}

  bool
  Has(const std::string & name) const
  {
    return m_Given.count(name) > 0;
  }
  long long
  Integer(const std::string & name) const
  {
    const MethodParameter & p = Described(name);
    long long               v = 0;
    if (!ParseWholeNumber(Text(name), v) || v < p.minimum || v > p.maximum)
      throw InvalidInput("--" + name + " takes a whole number from " + NumberText(p.minimum) + " to " +
                         NumberText(p.maximum) + ", not '" + Text(name) + "'");
    return v;
  }
  double
  Real(const std::string & name) const
  {
    const MethodParameter & p = Described(name);
    double                  v = 0;
    if (!ParseFiniteNumber(Text(name), v) || v < p.minimum || v > p.maximum)
      throw InvalidInput("--" + name + " takes a number from " + NumberText(p.minimum) + " to " +
                         NumberText(p.maximum) + ", not '" + Text(name) + "'");
    return v;
  }
  std::string
  Choice(const std::string & name) const
  {
    const MethodParameter & p = Described(name);
    const std::string       v = Text(name);
    std::string             list;
    for (const auto & c : p.choices)
    {
      if (c == v)
        return v;
      list += (list.empty() ? "" : ", ") + c;
    }
    throw InvalidInput("--" + name + " takes " + list + ", not '" + v + "'");
  }
  /** The text given, or the default. */
  std::string
  Text(const std::string & name) const
  {
    const auto it = m_Given.find(name);
    return it == m_Given.end() ? Described(name).defaultValue : it->second;
  }

private:
  const MethodParameter &
  Described(const std::string & name) const
  {
    for (const auto & p : m_Described)
      if (p.name == name)
        return p;
    throw Failure("internal: '" + name + "' is not a parameter of this method");
  }

  const MethodParameters &             m_Given;
  const std::vector<MethodParameter> & m_Described;
};

/** A fusion method: a name, what it does, its parameters, and a factory of the configured filter
 * (the caller sets the sources and the backend). The registry (itkFusionMethods.h) lists them; the
 * command line, the tests and the Python package build every fusion through it. */
template <typename TImage>
struct FusionMethod
{
  using FilterType = FusionImageFilter<TImage, TImage>;
  using FilterPointer = typename FilterType::Pointer;

  std::string                                              name;
  std::string                                              summary;
  std::vector<MethodParameter>                             parameters;
  std::function<FilterPointer(const MethodReader & given)> make;

  /** The description of parameter `parameterName`, or nullptr. */
  const MethodParameter *
  Parameter(const std::string & parameterName) const
  {
    for (const auto & p : parameters)
      if (p.name == parameterName)
        return &p;
    return nullptr;
  }
  /** The filter with `given` applied; every given name must be a parameter of this method. */
  FilterPointer
  New(const MethodParameters & given = {}) const
  {
    for (const auto & v : given)
      if (!this->Parameter(v.first))
        throw InvalidInput("option '--" + v.first + "' does not apply to --method " + name);
    return make(MethodReader(given, parameters));
  }
};

/** Builders of the parameter descriptions. */
inline MethodParameter
IntegerParameter(const std::string & name, double value, double minimum, double maximum,
                 const std::string & description)
{
  MethodParameter p;
  p.name = name;
  p.kind = ParameterKind::Integer;
  p.defaultValue = NumberText(value);
  p.minimum = minimum;
  p.maximum = maximum;
  p.description = description;
  return p;
}
inline MethodParameter
RealParameter(const std::string & name, double value, double minimum, double maximum, const std::string & description)
{
  MethodParameter p = IntegerParameter(name, value, minimum, maximum, description);
  p.kind = ParameterKind::Real;
  return p;
}
inline MethodParameter
ChoiceParameter(const std::string & name, const std::string & value, std::vector<std::string> choices,
                const std::string & description)
{
  MethodParameter p;
  p.name = name;
  p.kind = ParameterKind::Choice;
  p.defaultValue = value;
  p.choices = std::move(choices);
  p.description = description;
  return p;
}
inline MethodParameter
TextParameter(const std::string & name, const std::string & value, const std::string & placeholder,
              const std::string & description)
{
  MethodParameter p;
  p.placeholder = placeholder;
  p.name = name;
  p.kind = ParameterKind::Text;
  p.defaultValue = value;
  p.description = description;
  return p;
}
inline MethodParameter
FlagParameter(const std::string & name, const std::string & description)
{
  MethodParameter p;
  p.name = name;
  p.kind = ParameterKind::Flag;
  p.defaultValue = "off";
  p.description = description;
  return p;
}
} // namespace fusion
} // namespace itk

#endif
