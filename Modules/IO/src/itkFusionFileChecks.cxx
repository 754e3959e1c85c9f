#include "itkFusionFileChecks.h"
#include "itkFusionTextNumbers.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <sstream>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace itk
{
namespace fusion
{
namespace
{
[[noreturn]] void
Fail(const std::string & path, const std::string & fault)
{
  throw InputFileError("'" + path + "': " + fault);
}

std::string
Lower(std::string s)
{
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool
EndsWith(const std::string & path, const char * suffix)
{
  const std::string l = Lower(path), s = suffix;
  return l.size() >= s.size() && l.compare(l.size() - s.size(), s.size(), s) == 0;
}

std::string
Folder(const std::string & path)
{
  const auto slash = path.find_last_of('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash + 1);
}

std::string
Trim(const std::string & s)
{
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos)
    return {};
  return s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1);
}

/* A number written whole ("3", "-1.5e2"), or false. */
bool
ParseNumber(const std::string & text, double & value)
{
  const std::string t = Trim(text);
  if (t.empty())
    return false;
  char * end = nullptr;
  value = std::strtod(t.c_str(), &end);
  return end == t.c_str() + t.size();
}

std::vector<double>
ParseNumbers(const std::string & path, const std::string & field, const std::string & text)
{
  std::istringstream  in(text);
  std::vector<double> values;
  std::string         word;
  while (in >> word)
  {
    double v = 0;
    if (!ParseNumber(word, v))
      Fail(path, field + " holds '" + word + "', not a number");
    values.push_back(v);
  }
  return values;
}


#include "itkFusionFileChecksStreams.inc"

#include "itkFusionFileChecksVolumes.inc"

#include "itkFusionFileChecksPictures.inc"
} // namespace

std::string
OneLineMessage(std::string what)
{
  const std::string tag = "ITK ERROR: ";
  const auto        at = what.find(tag);
  if (at != std::string::npos)
    what.erase(0, at + tag.size());
  const auto pointer = what.find("(0x");
  const auto close = what.find("): ");
  if (pointer != std::string::npos && close != std::string::npos && close > pointer && pointer < 60 &&
      what.find(' ') > pointer)
    what.erase(0, close + 3);
  std::string line;
  for (char c : what)
  {
    if (c == '\n' || c == '\r' || c == '\t')
      c = ' ';
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      c = '?';
    if (!(c == ' ' && (line.empty() || line.back() == ' ')))
      line += c;
  }
  while (!line.empty() && line.back() == ' ')
    line.pop_back();
  return line;
}

QuietStandardError::QuietStandardError()
{
  std::fflush(stderr);
  m_Saved = dup(2);
  const int null = open("/dev/null", O_WRONLY);
  if (m_Saved >= 0 && null >= 0)
    dup2(null, 2);
  if (null >= 0)
    close(null);
}

QuietStandardError::~QuietStandardError()
{
  std::fflush(stderr);
  if (m_Saved >= 0)
  {
    dup2(m_Saved, 2);
    close(m_Saved);
  }
}

uint64_t
PhysicalMemoryBytes()
{
  const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
}

FileCheckResult
CheckImageFile(const std::string & path, const FileCheckLimits & limits)
{
  struct stat s;
  if (stat(path.c_str(), &s) != 0)
    throw InputFileError("cannot read '" + path + "': no such file or folder");
  if (S_ISDIR(s.st_mode))
    Fail(path, "is a folder");
  if (!S_ISREG(s.st_mode))
    Fail(path, "is not a regular file (a device, pipe or socket)");
  unsigned char magic[132] = {};
  {
    FileStream in(path, 0);
    in.Read(magic, sizeof magic);
  }
  if (s.st_size == 0)
    Fail(path, "is an empty file");
  try
  {
    if (EndsWith(path, ".nii") || EndsWith(path, ".nii.gz") || EndsWith(path, ".hdr") || EndsWith(path, ".hdr.gz"))
      return CheckNifti(path, limits);
    if (EndsWith(path, ".img") || EndsWith(path, ".img.gz"))
    {
      const std::string stem = path.substr(0, path.size() - (EndsWith(path, ".gz") ? 7 : 4));
      return CheckNifti(stem + ".hdr", limits);
    }
    if (EndsWith(path, ".mha") || EndsWith(path, ".mhd"))
      return CheckMetaImage(path, limits);
    if (std::memcmp(magic, "NRRD000", 7) == 0)
      return CheckNrrd(path, limits);
    if (EndsWith(path, ".nrrd") || EndsWith(path, ".nhdr"))
      Fail(path, "not a NRRD file (no NRRD000 magic)");
    static const unsigned char png[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
    if (std::memcmp(magic, png, 8) == 0)
      return CheckPng(path, limits);
    if (EndsWith(path, ".png"))
      Fail(path, "not a PNG file (no PNG signature)");
    if (magic[0] == 0xFF && magic[1] == 0xD8 && magic[2] == 0xFF)
      return CheckJpeg(path, limits);
    if (EndsWith(path, ".jpg") || EndsWith(path, ".jpeg"))
      Fail(path, "not a JPEG file (no JPEG start marker)");
    if (std::memcmp(magic + 128, "DICM", 4) == 0)
      return CheckDicom(path);
    if (EndsWith(path, ".dcm"))
      Fail(path, "not a DICOM file (no DICM marker after the preamble)");
  }
  catch (const std::bad_alloc &)
  {
    Fail(path, "out of memory while checking the file");
  }
  FileCheckResult other;
  other.format = "other";
  return other;
}
} // namespace fusion
} // namespace itk
