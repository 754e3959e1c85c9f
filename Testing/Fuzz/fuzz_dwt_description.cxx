// The DWT description parser: faults are InputFileError; what it accepts, Format writes back so
// that Parse gives the same description (checked).
#include "itkFusionDWTDescription.h"
#include "itkFusionFileChecks.h"

#include <cstdlib>
#include <string>

extern "C" int
LLVMFuzzerTestOneInput(const unsigned char * data, size_t size)
{
  using itk::fusion::DWTDescription;
  DWTDescription d;
  try
  {
    d = DWTDescription::Parse(std::string(reinterpret_cast<const char *>(data), size), "fuzz_dwt.txt");
  }
  catch (const itk::fusion::InputFileError &)
  {
    return 0;
  }
  const DWTDescription again = DWTDescription::Parse(d.Format(), "again");
  if (again.dimension != d.dimension || again.levels != d.levels || again.wavelet != d.wavelet ||
      again.mode != d.mode || again.format != d.format || again.size != d.size || again.spacing != d.spacing ||
      again.origin != d.origin || again.direction != d.direction)
    std::abort();
  return 0;
}
