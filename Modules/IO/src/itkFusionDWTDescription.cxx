#include "itkFusionDWTDescription.h"

#include "itkFusionFileChecks.h"

#include <cmath>
#include <cstdlib>
#include <map>
#include <sstream>

namespace itk
{
namespace fusion
{
namespace
{
std::string
Trim(const std::string & s)
{
  const auto b = s.find_first_not_of(" \t\r");
  return b == std::string::npos ? std::string() : s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}
} // namespace

DWTDescription
DWTDescription::Parse(const std::string & text, const std::string & name)
{
  const auto fail = [&](const std::string & what) -> void { throw InputFileError("'" + name + "': " + what); };
  std::map<std::string, std::string> values;
  DWTDescription                     d;
  std::istringstream                 in(text);
  for (std::string line; std::getline(in, line);)
  {
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    if (line.rfind("# mmfusion dwt of ", 0) == 0)
      d.source = line.substr(18);
    if (Trim(line).empty() || line[0] == '#')
      continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos)
      fail("not a dwt description (a line without 'key:')");
    const std::string key = Trim(line.substr(0, colon));
    if (values.count(key))
      fail("'" + key + "' is given twice");
    values[key] = Trim(line.substr(colon + 1));
  }
  for (const char * key :
       { "dimension", "wavelet", "mode", "levels", "format", "size", "spacing", "origin", "direction" })
    if (!values.count(key))
      fail(std::string("lacks '") + key + "'");
  const auto numbers = [&](const std::string & key, size_t count) {
    std::istringstream  s(values[key]);
    std::vector<double> v;
    for (std::string word; s >> word;)
    {
      char *       end = nullptr;
      const double x = std::strtod(word.c_str(), &end);
      if (end != word.c_str() + word.size() || !std::isfinite(x))
        fail("'" + key + "' holds '" + word + "', not a finite number");
      v.push_back(x);
    }
    if (v.size() != count)
      fail("'" + key + "' needs " + std::to_string(count) + " numbers, it has " + std::to_string(v.size()));
    return v;
  };
  const auto whole = [&](const std::string & key, double lo, double hi) {
    const double v = numbers(key, 1)[0];
    if (v != std::floor(v) || v < lo || v > hi)
      fail("'" + key + "' is " + values[key] + "; it must be a whole number from " + std::to_string(int(lo)) + " to " +
           std::to_string(int(hi)));
    return static_cast<unsigned>(v);
  };
  d.dimension = whole("dimension", 2, 3);
  d.levels = whole("levels", 1, kMaximumLevels);
  d.wavelet = values["wavelet"];
  d.mode = values["mode"];
  d.format = values["format"];
  if (d.format != "nii.gz" && d.format != "nii" && d.format != "mha" && d.format != "nrrd")
    fail("'format' is '" + d.format + "', not nii.gz, nii, mha or nrrd");
  d.size = numbers("size", d.dimension);
  d.spacing = numbers("spacing", d.dimension);
  d.origin = numbers("origin", d.dimension);
  d.direction = numbers("direction", d.dimension * d.dimension);
  for (double s : d.size)
    if (s != std::floor(s) || s < 1 || s > 1e9)
      fail("'size' holds " + std::to_string(s) + "; sizes are whole numbers >= 1");
  for (double s : d.spacing)
    if (!(s > 0))
      fail("'spacing' holds a value <= 0");
  return d;
}

std::string
DWTDescription::Format() const
{
  std::ostringstream out;
  out.precision(17);
  out << "# mmfusion dwt of " << source << "\ndimension: " << dimension << "\nwavelet: " << wavelet
      << "\nmode: " << mode << "\nlevels: " << levels << "\nformat: " << format;
  const auto list = [&](const char * key, const std::vector<double> & v) {
    out << "\n" << key << ":";
    for (double x : v)
      out << " " << x;
  };
  list("size", size);
  list("spacing", spacing);
  list("origin", origin);
  list("direction", direction);
  out << "\n";
  return out.str();
}
} // namespace fusion
} // namespace itk
