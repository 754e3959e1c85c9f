// The input-integrity checks on any bytes: the first byte picks the file name's extension (the
// checks dispatch on it), the rest is the file. Any outcome but InputFileError is a finding.
#include "itkFusionFileChecks.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <unistd.h>

extern "C" int
LLVMFuzzerTestOneInput(const unsigned char * data, size_t size)
{
  static const char * const extensions[] = {
    ".nii", ".nii.gz", ".mha", ".nrrd", ".png", ".jpg", ".dcm", ".hdr", ".mhd"
  };
  static const std::string folder = [] {
    char         pattern[] = "/tmp/mmfusion-fuzz-XXXXXX";
    const char * made = mkdtemp(pattern);
    return std::string(made ? made : "/tmp");
  }();
  if (size < 1)
    return 0;
  const std::string path = folder + "/input" + extensions[data[0] % (sizeof extensions / sizeof *extensions)];
  FILE *            f = std::fopen(path.c_str(), "wb");
  if (!f)
    return 0;
  std::fwrite(data + 1, 1, size - 1, f);
  std::fclose(f);
  itk::fusion::FileCheckLimits limits;
  limits.maximumFloatBytes = 64u << 20;
  try
  {
    itk::fusion::CheckImageFile(path, limits);
  }
  catch (const itk::fusion::InputFileError &)
  {}
  std::remove(path.c_str());
  return 0;
}
