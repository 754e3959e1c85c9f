/*
 * Reading, writing and previews for the command-line program: any format ITK reads (NIfTI,
 * MetaImage, NRRD, PNG, JPEG, TIFF, a DICOM series folder), 2D or 3D, as float images.
 */
#ifndef mmfusionIO_h
#define mmfusionIO_h

#include "itkImage.h"

#include <string>
#include <vector>

namespace mmfusion
{
using Image2D = itk::Image<float, 2>;
using Image3D = itk::Image<float, 3>;

/** Number of dimensions of an image file or DICOM series folder; throws a readable error. */
unsigned int
ImageDimension(const std::string & path);

/** A float image of a file or DICOM series folder. Colour files (3 or more components) become
 * their BT.601 luma 0.299 R + 0.587 G + 0.114 B, rounded when the components are integers. */
template <unsigned int D>
typename itk::Image<float, D>::Pointer
ReadImage(const std::string & path);

/** A colour file's channels R, G, B scaled to [0, 1] (divided by 255 for 8-bit components, else by
 * the largest value); for a colour file whose three channels are equal (RGB PNGs of MRI and CT are
 * grey images) that grey image as it is (what ReadImage gives, without reading the file again);
 * empty for a grey file or a DICOM folder (read those with ReadImage). */
template <unsigned int D>
std::vector<typename itk::Image<float, D>::Pointer>
ReadColourChannels(const std::string & path);

/** Writes R, G, B in [0, 1] as an 8-bit RGB image (PNG, NIfTI, MetaImage, ...). */
template <unsigned int D>
void
WriteColourImage(const std::vector<typename itk::Image<float, D>::Pointer> & rgb, const std::string & path);

/** Output pixel types: float, double, uchar, ushort, short, or auto (float, except uchar for
 * PNG/JPEG/BMP, where the values are scaled from [0, 1] when the image lies within it, else
 * min-max rescaled). A path ending in '/' or naming an existing folder writes a DICOM series (3D). */
template <unsigned int D>
void
WriteImage(const typename itk::Image<float, D>::Pointer & image, const std::string & path,
           const std::string & pixelType = "auto");

/** Throws a one-line error unless `path` can take a `dimension`-D image of pixel type `type` (as
 * WriteImage takes it; `colour`: an 8-bit RGB image): a known image format, 2D-only formats
 * (PNG, JPEG, BMP) for 2D, a DICOM series folder for grey 3D. Called before any work is done. */
void
CheckOutput(const std::string & path, unsigned int dimension, const std::string & type = "auto", bool colour = false);

/** An RGB PNG montage: one column per image; 2D: one row; 3D: the middle axial, coronal and
 * sagittal slices in three rows, with square pixels. Each tile is windowed to its 1st..99th
 * percentile, in grey or, where hot[i], in the "hot" colour map (for functional images). */
template <unsigned int D>
void
WritePreview(const std::vector<typename itk::Image<float, D>::Pointer> & images, const std::string & path,
             const std::vector<bool> & hot = {});

/** mkdir -p; throws a readable error when the folder cannot be made. */
void
MakeDirectories(const std::string & folder);

/** Makes the folder that will hold `path` (a file, or a DICOM series folder ending in '/'). */
void
MakeParentDirectories(const std::string & path);

bool
HasExtension(const std::string & path, const std::vector<std::string> & extensions);

/** An output path naming a DICOM series folder: ending in '/' or an existing folder. */
bool
IsSeriesFolder(const std::string & path);
} // namespace mmfusion

#endif
