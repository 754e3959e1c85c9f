/*
 * Input integrity: an image file is checked before a third-party reader (ITK's NIfTI, MetaImage,
 * NRRD, PNG, JPEG and GDCM readers) touches it, so that a damaged file is refused with one line
 * naming the file and the fault instead of being read as zeros, crashing the reader or aborting
 * the process. ITK-free (zlib only), so that the checks can be fuzzed on their own.
 *
 * What is checked (docs/robustness.md has the list):
 * - the path is a regular file (a folder, a device or a pipe is refused);
 * - gzip streams (.nii.gz, gzip-encoded NRRD) and zlib streams (compressed MetaImage, PNG's IDAT)
 *   are complete and pass their checksum;
 * - the data block is as long as the header says (NIfTI, MetaImage, NRRD, PNG, DICOM pixel data),
 *   in the file itself or the data file the header names (which must be a regular file other than
 *   the header);
 * - the header's numbers are sane: dimensions positive, spacing positive and finite, the origin and
 *   orientation finite, the voxel count within the machine's memory;
 * - complex and multi-component voxels are refused (colour RGB and RGBA are kept: ColourComponents);
 * - float voxels are finite (NIfTI and MetaImage are scanned here; ITK's NIfTI reader would hide a NaN).
 */
#ifndef itkFusionFileChecks_h
#define itkFusionFileChecks_h

#include <cstdint>
#include <stdexcept>
#include <string>

namespace itk
{
namespace fusion
{
/** A damaged or unsupported input file; what() is one line naming the file and the fault. */
struct InputFileError : std::runtime_error
{
  using std::runtime_error::runtime_error;
};

/** Limits of the checks. */
struct FileCheckLimits
{
  /** Largest image accepted, in bytes of float voxels (0: half the machine's physical memory). */
  uint64_t maximumFloatBytes = 0;
  /** Non-finite float voxels are an error unless this is set (the reader then sees them). */
  bool allowNonFinite = false;
  /** Any number of components per voxel (for checking written feature maps), not just 1, 3, 4. */
  bool allowComponents = false;
};

/** What a checked file holds, as far as its format says. */
struct FileCheckResult
{
  std::string format;         // "nifti", "metaimage", "nrrd", "png", "jpeg", "dicom", "other"
  unsigned    dimension = 0;  // 0 when the format is not one of those checked
  uint64_t    voxels = 0;     // voxels (pixels) in all
  unsigned    components = 1; // per voxel: 1 grey, 3 RGB, 4 RGBA
};

/** Checks the image file `path`; throws InputFileError (one line: "'path': fault") when it is
 * damaged. A format the checks do not know ("other": TIFF, ...) is left to its reader. */
FileCheckResult
CheckImageFile(const std::string & path, const FileCheckLimits & limits = {});

/** A message as one printable line: ITK's "file:line: ITK ERROR: Class(0x...): " prefixes dropped,
 * line breaks and tabs as spaces, runs of spaces as one, other control bytes as '?'. */
std::string
OneLineMessage(std::string what);

/** While it lives, standard error (file descriptor 2: what C libraries such as NIfTI's, libtiff's,
 * MetaIO's and GDCM's print) goes to /dev/null: their warnings would break the one-line errors.
 * The error itself comes back as an exception. Not for use while other threads print. */
class QuietStandardError
{
public:
  QuietStandardError();
  ~QuietStandardError();
  QuietStandardError(const QuietStandardError &) = delete;
  QuietStandardError &
  operator=(const QuietStandardError &) = delete;

private:
  int m_Saved;
};

/** The physical memory of this machine in bytes (0 when unknown). */
uint64_t
PhysicalMemoryBytes();
} // namespace fusion
} // namespace itk

#endif
