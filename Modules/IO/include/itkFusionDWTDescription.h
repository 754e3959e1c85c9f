/*
 * The description file of a wavelet decomposition written by `mmfusion dwt` (PREFIX_dwt.txt): the
 * wavelet, mode, levels, band format and the original grid, as "key: value" lines. ITK-free, so
 * that the parser can be fuzzed; every fault is one line naming the file and the key.
 */
#ifndef itkFusionDWTDescription_h
#define itkFusionDWTDescription_h

#include <string>
#include <vector>

namespace itk
{
namespace fusion
{
struct DWTDescription
{
  unsigned            dimension = 0; // 2 or 3
  std::string         wavelet;
  std::string         mode;
  unsigned            levels = 0; // 1..kMaximumLevels
  std::string         format;     // nii.gz, nii, mha or nrrd
  std::vector<double> size;       // dimension whole numbers >= 1
  std::vector<double> spacing;    // dimension positive finite numbers
  std::vector<double> origin;     // dimension finite numbers
  std::vector<double> direction;  // dimension^2 finite numbers, row by row
  std::string         source;     // the image decomposed (the comment line)

  static constexpr unsigned kMaximumLevels = 32;

  /** Parses the text of a description; throws InputFileError ("'name': fault"). */
  static DWTDescription
  Parse(const std::string & text, const std::string & name);
  /** The text Parse reads back (numbers with 17 significant digits). */
  std::string
  Format() const;
};
} // namespace fusion
} // namespace itk

#endif
