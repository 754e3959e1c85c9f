/*
 * Reading and writing images for the programs and bindings of the module: any format ITK reads
 * (NIfTI, MetaImage, NRRD, PNG, JPEG, TIFF, a DICOM series folder), 2D or 3D, as float images.
 * Every file is checked (itkFusionFileChecks.h) before ITK's reader sees it; every error is one
 * line naming the file. Writers write where they are told: a program writes to the temporaries of
 * an OutputFiles (itkFusionOutputFiles.h) and commits them when the run is complete.
 */
#ifndef itkFusionImageIO_h
#define itkFusionImageIO_h

#include "itkImage.h"

#include "itkFusionFileChecks.h"

#include <memory>
#include <string>
#include <vector>

namespace itk
{
namespace fusion
{
using Image2D = itk::Image<float, 2>;
using Image3D = itk::Image<float, 3>;

/** While it lives, the warnings of third-party readers and writers (ITK's output window, GDCM's
 * trace, anything printed on standard error by NIfTI, libtiff or MetaIO) are held back, so that an
 * error is reported as one line. Used around every read and write. */
class QuietThirdParty
{
public:
  QuietThirdParty();
  ~QuietThirdParty();
  QuietThirdParty(const QuietThirdParty &) = delete;
  QuietThirdParty &
  operator=(const QuietThirdParty &) = delete;

private:
  bool                                m_Warnings;
  std::unique_ptr<QuietStandardError> m_Quiet;
};

struct ReadOptions
{
  /** NaN and infinite voxels: an error (default), or replaced by 0 when set. */
  bool replaceNonFinite = false;
};

/** Checks an image file (or every file of a DICOM series folder) before any reader touches it:
 * throws InputFileError with one line when it is damaged (see itkFusionFileChecks.h). A folder
 * must hold one DICOM series and nothing else. Done once per file and process. */
void
CheckInput(const std::string & path, const ReadOptions & options = {});

/** Number of dimensions of an image file or DICOM series folder (a volume of one slice is 2D). */
unsigned int
ImageDimension(const std::string & path, const ReadOptions & options = {});

/** A float image of a file or DICOM series folder. Colour files (3 or 4 components: RGB, RGBA)
 * become their BT.601 luma 0.299 R + 0.587 G + 0.114 B, rounded when the components are integers;
 * complex voxels and other component counts are refused. */
template <unsigned int D>
typename itk::Image<float, D>::Pointer
ReadImage(const std::string & path, const ReadOptions & options = {});

/** A colour file's channels R, G, B scaled to [0, 1] (divided by 255 for 8-bit components, else by
 * the largest value); for a colour file whose three channels are equal (RGB PNGs of MRI and CT are
 * grey images) that grey image as it is; empty for a grey file or a DICOM folder. */
template <unsigned int D>
std::vector<typename itk::Image<float, D>::Pointer>
ReadColourChannels(const std::string & path, const ReadOptions & options = {});

/** Writes R, G, B in [0, 1] as an 8-bit RGB image (PNG, NIfTI, MetaImage, ...). */
template <unsigned int D>
void
WriteColourImage(const std::vector<typename itk::Image<float, D>::Pointer> & rgb, const std::string & path);

/** Writes `image` as pixel type float, double, uchar, ushort, short, or auto (float; uchar for
 * PNG and JPEG; ushort for a DICOM series). Integer types map the image onto their whole range
 * (uchar 0..255, ushort 0..65535, short 0..32767): [0, 1] when the image lies within it (the
 * fused results), else its min..max. A path ending in '/' writes a DICOM series (3D) with the
 * image's spacing, origin and direction in every slice. A non-finite value is an error. */
template <unsigned int D>
void
WriteImage(const typename itk::Image<float, D>::Pointer & image, const std::string & path,
           const std::string & pixelType = "auto");

/** Throws a one-line error unless `path` can take a `dimension`-D image of pixel type `type` (as
 * WriteImage takes it; `colour`: an 8-bit RGB image): a known image format, 2D-only formats
 * (PNG, JPEG) for 2D, a DICOM series folder for grey 3D integers. Called before any work. */
void
CheckOutput(const std::string & path, unsigned int dimension, const std::string & type = "auto", bool colour = false);

/** An RGB PNG montage: one column per image; 2D: one row; 3D: the middle axial, coronal and
 * sagittal slices in three rows, with square pixels. Each tile is windowed to its 1st..99th
 * percentile, in grey or, where hot[i], in the "hot" colour map (for functional images). */
template <unsigned int D>
void
WritePreview(const std::vector<typename itk::Image<float, D>::Pointer> & images, const std::string & path,
             const std::vector<bool> & hot = {});

/** Writes an 8-bit RGB PNG (rows of R, G, B bytes) with every step checked. */
void
WritePngRGB(const std::string & path, size_t width, size_t height, const std::vector<unsigned char> & rgb);

bool
HasExtension(const std::string & path, const std::vector<std::string> & extensions);

/** An output path naming a DICOM series folder: ending in '/' or an existing folder. */
bool
IsSeriesFolder(const std::string & path);
} // namespace fusion
} // namespace itk

#endif
