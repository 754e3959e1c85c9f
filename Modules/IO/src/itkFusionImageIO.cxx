#include "itkFusionImageIO.h"

#include "itkFusionColour.h"
#include "itkFusionFileChecks.h"
#include "itkFusionOutputFiles.h"

#include "itkCastImageFilter.h"
#include "itkGDCMImageIO.h"
#include "itkGDCMSeriesFileNames.h"
#include "itkImageFileReader.h"
#include "itkImageFileWriter.h"
#include "itkImageIOFactory.h"
#include "itkImageRegionIterator.h"
#include "itkImageSeriesReader.h"
#include "itkImageSeriesWriter.h"
#include "itkMetaDataObject.h"
#include "itkNumericSeriesFileNames.h"
#include "itkRGBPixel.h"
#include "itkVectorImage.h"

#include <gdcmTrace.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <cctype>
#include <cmath>
#include <ctime>
#include <dirent.h>
#include <iostream>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <tuple>

namespace itk
{
namespace fusion
{
namespace
{
bool
IsDirectory(const std::string & path)
{
  struct stat s;
  return stat(path.c_str(), &s) == 0 && S_ISDIR(s.st_mode);
}

template <typename TCall>
auto
Reading(const std::string & path, TCall && call)
{
  QuietThirdParty quiet;
  try
  {
    return call();
  }
  catch (const itk::ExceptionObject & e)
  {
    throw InputFileError("cannot read '" + path + "': " + OneLineMessage(e.GetDescription()));
  }
}

/* An image file through ITK's reader (checked before by CheckInput). */
template <typename TImage>
typename TImage::Pointer
ReadFile(const std::string & path)
{
  return Reading(path, [&] {
    auto reader = itk::ImageFileReader<TImage>::New();
    reader->SetFileName(path);
    reader->Update();
    return typename TImage::Pointer(reader->GetOutput());
  });
}

/* The files of the DICOM series in `folder`: the folder must hold one series, every file of it
 * intact (a damaged or foreign file is an error, not a slice dropped). */
std::vector<std::string>
DicomSeriesFiles(const std::string & folder)
{
  std::vector<std::string> files;
  if (DIR * d = opendir(folder.c_str()))
  {
    for (dirent * e; (e = readdir(d));)
      if (e->d_name[0] != '.')
        files.push_back(folder + (folder.back() == '/' ? "" : "/") + e->d_name);
    closedir(d);
  }
  std::sort(files.begin(), files.end());
  if (files.empty())
    throw InputFileError("'" + folder + "' is an empty folder (a DICOM series folder was expected)");
  for (const auto & f : files)
  {
    const auto checked = CheckImageFile(f);
    if (checked.format != "dicom")
      throw InputFileError("'" + f + "' in the DICOM series folder '" + folder + "' is not a DICOM file");
  }
  return Reading(folder, [&] {
    auto names = itk::GDCMSeriesFileNames::New();
    names->SetUseSeriesDetails(true);
    names->SetDirectory(folder);
    const auto & series = names->GetSeriesUIDs();
    if (series.empty())
      throw InputFileError("'" + folder + "' is a folder without a DICOM series");
    if (series.size() > 1)
      throw InputFileError("'" + folder + "' holds " + std::to_string(series.size()) +
                           " DICOM series; give a folder of one series");
    auto slices = names->GetFileNames(series.front());
    if (slices.size() != files.size())
    {
      std::set<std::string> in(slices.begin(), slices.end());
      for (const auto & f : files)
        if (!in.count(f))
          throw InputFileError("'" + f + "' is not a readable slice of the DICOM series in '" + folder + "'");
    }
    return slices;
  });
}

/* Component counts and pixel kinds the readers take: grey, RGB, RGBA; never complex. */
void
CheckComponents(const std::string & path, const itk::ImageIOBase & io)
{
  if (io.GetPixelType() == itk::IOPixelEnum::COMPLEX)
    throw InputFileError("'" + path + "' holds complex voxels; mmfusion reads real-valued images");
  const unsigned n = io.GetNumberOfComponents();
  if (n == 2 || n > 4)
    throw InputFileError("'" + path + "' holds " + std::to_string(n) +
                         " components per voxel; mmfusion reads grey images and RGB colour");
}

template <typename TImage>
void
CheckFinite(const std::string & path, TImage * image, const ReadOptions & options)
{
  auto *       p = image->GetBufferPointer();
  const size_t n = image->GetPixelContainer()->Size();
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i]))
    {
      if (options.replaceNonFinite)
      {
        p[i] = 0;
        continue;
      }
      std::ostringstream s;
      s << "'" << path << "': voxel " << i / image->GetNumberOfComponentsPerPixel() << " holds the non-finite value "
        << p[i] << " (--replace-non-finite sets such values to 0)";
      throw InputFileError(s.str());
    }
}

itk::ImageIOBase::Pointer
FileIO(const std::string & path)
{
  return Reading(path, [&] {
    auto io = itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::IOFileModeEnum::ReadMode);
    if (!io)
      throw InputFileError("cannot read '" + path +
                           "': not an image format ITK knows (NIfTI, MetaImage, NRRD, PNG, JPEG, TIFF, DICOM)");
    io->SetFileName(path);
    io->ReadImageInformation();
    CheckComponents(path, *io);
    return io;
  });
}
} // namespace

QuietThirdParty::QuietThirdParty()
  : m_Warnings(itk::Object::GetGlobalWarningDisplay())
  , m_Quiet(new QuietStandardError)
{
  itk::Object::GlobalWarningDisplayOff();
  gdcm::Trace::WarningOff();
  gdcm::Trace::ErrorOff();
  gdcm::Trace::DebugOff();
}

QuietThirdParty::~QuietThirdParty()
{
  m_Quiet.reset();
  itk::Object::SetGlobalWarningDisplay(m_Warnings);
}

namespace
{
/* CheckInput's memory: the files and folders checked (by path, inode, size, time and option),
 * with the slices of each series folder, so that no file is checked or listed twice. */
std::vector<std::string>
Checked(const std::string & path, const ReadOptions & options)
{
  static std::mutex                                                                          mutex;
  static std::map<std::tuple<std::string, long, long, long, bool>, std::vector<std::string>> checked;
  struct stat                                                                                s;
  if (stat(path.c_str(), &s) != 0)
    throw InputFileError("cannot read '" + path + "': no such file or folder");
  const auto key = std::make_tuple(path,
                                   static_cast<long>(s.st_ino),
                                   static_cast<long>(s.st_size),
                                   static_cast<long>(s.st_mtime),
                                   options.replaceNonFinite);
  {
    std::lock_guard<std::mutex> lock(mutex);
    const auto                  it = checked.find(key);
    if (it != checked.end())
      return it->second;
  }
  std::vector<std::string> slices;
  if (S_ISDIR(s.st_mode))
    slices = DicomSeriesFiles(path);
  else
  {
    FileCheckLimits limits;
    limits.allowNonFinite = options.replaceNonFinite;
    CheckImageFile(path, limits);
  }
  std::lock_guard<std::mutex> lock(mutex);
  checked[key] = slices;
  return slices;
}
} // namespace

void
CheckInput(const std::string & path, const ReadOptions & options)
{
  Checked(path, options);
}

bool
HasExtension(const std::string & path, const std::vector<std::string> & extensions)
{
  std::string lower(path);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (const auto & e : extensions)
    if (lower.size() >= e.size() && lower.compare(lower.size() - e.size(), e.size(), e) == 0)
      return true;
  return false;
}

bool
IsSeriesFolder(const std::string & path)
{
  return HasExtension(path, { "/" }) || IsDirectory(path);
}

unsigned int
ImageDimension(const std::string & path, const ReadOptions & options)
{
  const auto slices = Checked(path, options);
  if (IsDirectory(path))
    return slices.size() > 1 ? 3u : 2u;
  const auto   io = FileIO(path);
  unsigned int d = io->GetNumberOfDimensions();
  // A volume format holding a single slice (e.g. NIfTI with nz = 1) is a 2D image.
  if (d == 3 && io->GetDimensions(2) == 1)
    d = 2;
  return d;
}

template <unsigned int D>
typename itk::Image<float, D>::Pointer
ReadImage(const std::string & path, const ReadOptions & options)
{
  using ImageType = itk::Image<float, D>;
  const auto                  files = Checked(path, options);
  typename ImageType::Pointer image;
  if (IsDirectory(path))
  {
    image = Reading(path, [&] {
      auto reader = itk::ImageSeriesReader<ImageType>::New();
      reader->SetImageIO(itk::GDCMImageIO::New());
      reader->SetFileNames(files);
      reader->Update();
      return typename ImageType::Pointer(reader->GetOutput());
    });
  }
  else
  {
    const auto io = FileIO(path);
    if (io->GetNumberOfComponents() >= 3)
    {
      // Colour (RGB PET / SPECT pseudo-colour, RGB PNGs of grey scans): BT.601 luma, rounded
      // when the components are integers (as cv2 and MATLAB's rgb2gray give it). ITK's own
      // conversion would weight the channels as Rec. 709.
      using ColourImage = itk::VectorImage<float, D>;
      const auto colour = ReadFile<ColourImage>(path);
      CheckFinite(path, colour.GetPointer(), options);
      image = ImageType::New();
      image->CopyInformation(colour);
      image->SetRegions(colour->GetLargestPossibleRegion());
      image->Allocate();
      const bool integers =
        io->GetComponentType() != itk::IOComponentEnum::FLOAT && io->GetComponentType() != itk::IOComponentEnum::DOUBLE;
      itk::ImageRegionConstIterator<ColourImage> in(colour, colour->GetLargestPossibleRegion());
      itk::ImageRegionIterator<ImageType>        out(image, image->GetLargestPossibleRegion());
      for (; !in.IsAtEnd(); ++in, ++out)
      {
        const auto   p = in.Get();
        const double y = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
        out.Set(static_cast<float>(integers ? std::round(y) : y));
      }
    }
    else
      image = ReadFile<ImageType>(path);
  }
  image->DisconnectPipeline();
  if (image->GetLargestPossibleRegion().GetNumberOfPixels() == 0)
    throw InputFileError("'" + path + "' is an empty image");
  CheckFinite(path, image.GetPointer(), options);
  return image;
}

namespace
{
template <typename TPixel>
double
IntegerTop()
{
  return static_cast<double>(std::numeric_limits<TPixel>::max());
}

template <unsigned int D>
void
CheckFiniteResult(const typename itk::Image<float, D>::Pointer & image)
{
  const float * p = image->GetBufferPointer();
  const size_t  n = image->GetPixelContainer()->Size();
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(p[i]))
    {
      std::ostringstream s;
      s << "the result holds the non-finite value " << p[i] << " at voxel " << i << "; nothing was written";
      throw std::runtime_error(s.str());
    }
}

template <typename TPixel, unsigned int D>
void
WriteAs(const typename itk::Image<float, D>::Pointer & image, const std::string & path)
{
  using OutputType = itk::Image<TPixel, D>;
  typename itk::Image<float, D>::Pointer source = image;
  if (std::numeric_limits<TPixel>::is_integer)
  {
    // Map [0, 1] (the normalised range) or else the image's min..max onto 0..max of the type.
    float lo = std::numeric_limits<float>::max(), hi = std::numeric_limits<float>::lowest();
    for (itk::ImageRegionConstIterator<itk::Image<float, D>> it(image, image->GetBufferedRegion()); !it.IsAtEnd(); ++it)
    {
      lo = std::min(lo, it.Get());
      hi = std::max(hi, it.Get());
    }
    if (lo >= 0.0f && hi <= 1.0f)
    {
      lo = 0.0f;
      hi = 1.0f;
    }
    const double top = IntegerTop<TPixel>();
    auto         copy = itk::Image<float, D>::New();
    copy->CopyInformation(image);
    copy->SetRegions(image->GetBufferedRegion());
    copy->Allocate();
    itk::ImageRegionConstIterator<itk::Image<float, D>> in(image, image->GetBufferedRegion());
    itk::ImageRegionIterator<itk::Image<float, D>>      out(copy, image->GetBufferedRegion());
    for (; !in.IsAtEnd(); ++in, ++out)
      out.Set(hi > lo ? static_cast<float>(std::round((double(in.Get()) - lo) / (double(hi) - lo) * top)) : 0.0f);
    source = copy;
  }
  auto cast = itk::CastImageFilter<itk::Image<float, D>, OutputType>::New();
  cast->SetInput(source);
  if (D == 3 && IsSeriesFolder(path))
  {
    if constexpr (D == 3)
    {
      // DICOM series: one file per slice, with the geometry tags of each slice.
      cast->Update();
      const auto volume = cast->GetOutput();
      const auto size = volume->GetLargestPossibleRegion().GetSize();
      using SliceType = itk::Image<TPixel, 2>;
      auto io = itk::GDCMImageIO::New();
      auto writer = itk::ImageSeriesWriter<OutputType, SliceType>::New();
      writer->SetInput(volume);
      writer->SetImageIO(io);
      auto        names = itk::NumericSeriesFileNames::New();
      std::string folder = path;
      if (folder.back() != '/')
        folder += '/';
      mkdir(folder.c_str(), 0755);
      names->SetSeriesFormat(folder + "slice%04d.dcm");
      names->SetStartIndex(1);
      names->SetEndIndex(size[2]);
      writer->SetFileNames(names->GetFileNames());
      std::vector<itk::MetaDataDictionary *> dictionaries;
      std::vector<itk::MetaDataDictionary>   storage(size[2]);
      const auto                             direction = volume->GetDirection();
      std::ostringstream                     orientation;
      orientation.precision(17);
      orientation << direction(0, 0) << "\\" << direction(1, 0) << "\\" << direction(2, 0) << "\\" << direction(0, 1)
                  << "\\" << direction(1, 1) << "\\" << direction(2, 1);
      const std::string study = "1.2.826.0.1.3680043.2.1125.1." + std::to_string(std::time(nullptr));
      for (unsigned int z = 0; z < size[2]; ++z)
      {
        itk::MetaDataDictionary &      d = storage[z];
        typename OutputType::IndexType index{ { 0, 0, static_cast<itk::IndexValueType>(z) } };
        typename OutputType::PointType p;
        volume->TransformIndexToPhysicalPoint(index, p);
        std::ostringstream position, spacing, thickness;
        position.precision(17);
        spacing.precision(17);
        thickness.precision(17);
        position << p[0] << "\\" << p[1] << "\\" << p[2];
        spacing << volume->GetSpacing()[1] << "\\" << volume->GetSpacing()[0];
        thickness << volume->GetSpacing()[2];
        // MR Image Storage: GDCM writes the geometry (position, orientation, spacing) of every
        // slice for it, while for the Secondary Capture it would pick for 8-bit pixels it drops them.
        itk::EncapsulateMetaData<std::string>(d, "0008|0016", "1.2.840.10008.5.1.4.1.1.4");
        itk::EncapsulateMetaData<std::string>(d, "0008|0060", "OT");
        itk::EncapsulateMetaData<std::string>(d, "0008|0008", "DERIVED\\SECONDARY");
        itk::EncapsulateMetaData<std::string>(d, "0008|103e", "mmfusion fused image");
        itk::EncapsulateMetaData<std::string>(d, "0020|000d", study);
        itk::EncapsulateMetaData<std::string>(d, "0020|000e", study + ".1");
        itk::EncapsulateMetaData<std::string>(d, "0020|0013", std::to_string(z + 1));
        itk::EncapsulateMetaData<std::string>(d, "0020|0032", position.str());
        itk::EncapsulateMetaData<std::string>(d, "0020|0037", orientation.str());
        itk::EncapsulateMetaData<std::string>(d, "0028|0030", spacing.str());
        itk::EncapsulateMetaData<std::string>(d, "0018|0050", thickness.str());
        itk::EncapsulateMetaData<std::string>(d, "0018|0088", thickness.str());
        dictionaries.push_back(&d);
      }
      writer->SetMetaDataDictionaryArray(&dictionaries);
      QuietThirdParty quiet;
      writer->Update();
    }
    return;
  }
  auto writer = itk::ImageFileWriter<OutputType>::New();
  writer->SetInput(cast->GetOutput());
  writer->SetFileName(path);
  writer->SetUseCompression(true);
  QuietThirdParty quiet;
  writer->Update();
}
} // namespace

void
CheckOutput(const std::string & path, unsigned int dimension, const std::string & type, bool colour)
{
  if (type != "auto" && type != "float" && type != "double" && type != "uchar" && type != "ushort" && type != "short")
    throw std::runtime_error("unknown pixel type '" + type + "' (valid: auto, float, double, uchar, ushort, short)");
  if (IsSeriesFolder(path))
  {
    if (dimension != 3 || colour)
      throw std::runtime_error("'" + path + "' is a folder: a DICOM series holds a grey 3D volume; name a file");
    if (type == "float" || type == "double")
      throw std::runtime_error("'" + path + "' is a DICOM series, which holds integers, not " + type +
                               " (use --type uchar, ushort or short, or write .nii.gz)");
    return;
  }
  if (HasExtension(path, { ".bmp" }))
    throw std::runtime_error("cannot write '" + path +
                             "': BMP is not written (use .png, or .nii.gz, .mha, .nrrd, .tif)");
  if (!itk::ImageIOFactory::CreateImageIO(path.c_str(), itk::ImageIOFactory::IOFileModeEnum::WriteMode))
    throw std::runtime_error(
      "cannot write '" + path +
      "': unknown image format (use .nii.gz, .mha, .nrrd, .tif, .png, .jpg, or a folder/ for DICOM)");
  const bool eightBitFormat = HasExtension(path, { ".png", ".jpg", ".jpeg" });
  if (eightBitFormat && dimension != 2)
    throw std::runtime_error("'" + path + "' holds 2D images only; write the " + std::to_string(dimension) +
                             "D result as .nii.gz, .mha, .nrrd or .tif");
  if (colour)
    return; // 8-bit RGB in any format
  if (eightBitFormat && type != "auto" && type != "uchar" && !(type == "ushort" && HasExtension(path, { ".png" })))
    throw std::runtime_error("'" + path + "' holds 8-bit pixels (PNG also 16-bit), not " + type +
                             ": write .nii.gz, .mha, .nrrd or .tif, or (fuse, idwt) use --type uchar");
}

template <unsigned int D>
void
WriteImage(const typename itk::Image<float, D>::Pointer & image, const std::string & path, const std::string & type)
{
  CheckOutput(path, D, type);
  CheckFiniteResult<D>(image);
  std::string t = type;
  if (t == "auto")
    t = IsSeriesFolder(path) ? "ushort" : (HasExtension(path, { ".png", ".jpg", ".jpeg" }) ? "uchar" : "float");
  if (t == "float")
    WriteAs<float, D>(image, path);
  else if (t == "double")
    WriteAs<double, D>(image, path);
  else if (t == "uchar")
    WriteAs<unsigned char, D>(image, path);
  else if (t == "ushort")
    WriteAs<unsigned short, D>(image, path);
  else
    WriteAs<short, D>(image, path);
}

void
WritePngRGB(const std::string & path, size_t width, size_t height, const std::vector<unsigned char> & rgb)
{
  if (width == 0 || height == 0 || width > 0x7fffffff || height > 0x7fffffff || rgb.size() != width * height * 3)
    throw std::runtime_error("cannot write '" + path + "': an empty or malformed image");
  std::string raw;
  raw.reserve(height * (1 + 3 * width));
  for (size_t y = 0; y < height; ++y)
  {
    raw += '\0'; // filter: none
    raw.append(reinterpret_cast<const char *>(rgb.data() + y * width * 3), width * 3);
  }
  uLongf      packedSize = compressBound(static_cast<uLong>(raw.size()));
  std::string packed(packedSize, '\0');
  if (compress2(reinterpret_cast<Bytef *>(&packed[0]),
                &packedSize,
                reinterpret_cast<const Bytef *>(raw.data()),
                static_cast<uLong>(raw.size()),
                6) != Z_OK)
    throw std::runtime_error("cannot write '" + path + "': compression failed");
  packed.resize(packedSize);
  std::string png("\x89PNG\r\n\x1a\n", 8);
  const auto  chunk = [&](const char * name, const std::string & body) {
    const auto u32 = [&](uint32_t v) {
      for (int s = 24; s >= 0; s -= 8)
        png += static_cast<char>((v >> s) & 0xff);
    };
    u32(static_cast<uint32_t>(body.size()));
    const std::string typed = std::string(name, 4) + body;
    png += typed;
    u32(
      static_cast<uint32_t>(crc32(0L, reinterpret_cast<const Bytef *>(typed.data()), static_cast<uInt>(typed.size()))));
  };
  std::string header;
  for (uint32_t v : { static_cast<uint32_t>(width), static_cast<uint32_t>(height) })
    for (int s = 24; s >= 0; s -= 8)
      header += static_cast<char>((v >> s) & 0xff);
  header += std::string("\x08\x02\x00\x00\x00", 5); // 8 bits, RGB, deflate, no filter set, no interlace
  chunk("IHDR", header);
  chunk("IDAT", packed);
  chunk("IEND", "");
  WriteTextFile(path, png);
}
namespace
{
using Tile = std::vector<std::vector<unsigned char>>; // rows of grey values

/* A 2D cut of the image: axes (u, v) with the other axis at its middle; rows are v. */
template <unsigned int D>
Tile
Cut(const typename itk::Image<float, D>::Pointer & image, unsigned int u, unsigned int v, bool flipV)
{
  const auto region = image->GetLargestPossibleRegion();
  const auto size = region.GetSize();
  const auto spacing = image->GetSpacing();
  auto       index = region.GetIndex();
  for (unsigned int d = 0; d < D; ++d)
    if (d != u && d != v)
      index[d] += static_cast<itk::IndexValueType>(size[d] / 2);
  // Square display pixels: resample to the finer of the two spacings (nearest neighbour).
  const double       step = std::min(spacing[u], spacing[v]);
  const auto         width = static_cast<size_t>(std::lround(size[u] * spacing[u] / step));
  const auto         height = static_cast<size_t>(std::lround(size[v] * spacing[v] / step));
  std::vector<float> values;
  values.reserve(width * height);
  for (size_t r = 0; r < height; ++r)
    for (size_t c = 0; c < width; ++c)
    {
      auto i = index;
      i[u] += std::min<itk::IndexValueType>(static_cast<itk::IndexValueType>(c * step / spacing[u]), size[u] - 1);
      const auto rv =
        std::min<itk::IndexValueType>(static_cast<itk::IndexValueType>(r * step / spacing[v]), size[v] - 1);
      i[v] += flipV ? static_cast<itk::IndexValueType>(size[v]) - 1 - rv : rv;
      values.push_back(image->GetPixel(i));
    }
  std::vector<float> sorted(values);
  std::sort(sorted.begin(), sorted.end());
  const float lo = sorted[sorted.size() / 100], hi = sorted[sorted.size() * 99 / 100];
  Tile        tile(height, std::vector<unsigned char>(width));
  for (size_t r = 0; r < height; ++r)
    for (size_t c = 0; c < width; ++c)
    {
      const float x = hi > lo ? (values[r * width + c] - lo) / (hi - lo) : 0.0f;
      tile[r][c] = static_cast<unsigned char>(std::lround(255.0f * std::min(1.0f, std::max(0.0f, x))));
    }
  return tile;
}
} // namespace

template <unsigned int D>
void
WritePreview(const std::vector<typename itk::Image<float, D>::Pointer> & images, const std::string & path,
             const std::vector<bool> & hot)
{
  if (!HasExtension(path, { ".png" }))
    throw std::runtime_error("the preview '" + path + "' must be a .png file");
  std::vector<std::vector<Tile>> rows; // rows[orientation][image]
  if (D == 2)
  {
    rows.emplace_back();
    for (const auto & image : images)
      rows.back().push_back(Cut<D>(image, 0, 1, false));
  }
  else
  {
    const unsigned int cuts[3][2] = { { 0, 1 }, { 0, D - 1 }, { 1, D - 1 } }; // axial, coronal, sagittal
    for (const auto & cut : cuts)
    {
      rows.emplace_back();
      for (const auto & image : images)
        rows.back().push_back(Cut<D>(image, cut[0], cut[1], cut[1] == D - 1)); // superior at the top
    }
  }
  const size_t        gap = 4;
  size_t              width = gap, height = gap;
  std::vector<size_t> columnWidth(images.size(), 0), rowHeight(rows.size(), 0);
  for (size_t r = 0; r < rows.size(); ++r)
    for (size_t c = 0; c < images.size(); ++c)
    {
      rowHeight[r] = std::max(rowHeight[r], rows[r][c].size());
      columnWidth[c] = std::max(columnWidth[c], rows[r][c].empty() ? 0 : rows[r][c][0].size());
    }
  for (auto w : columnWidth)
    width += w + gap;
  for (auto h : rowHeight)
    height += h + gap;
  std::vector<unsigned char> canvas(width * height * 3, 0);
  // Grey, or the "hot" colour map (black, red, yellow, white) for the images marked so.
  const auto colour = [&](size_t c, unsigned char v) {
    std::array<unsigned char, 3> p;
    if (c < hot.size() && hot[c])
    {
      const auto rgb = MapColour("hot", v / 255.0);
      for (unsigned k = 0; k < 3; ++k)
        p[k] = static_cast<unsigned char>(std::lround(255 * rgb[k]));
    }
    else
      p.fill(v);
    return p;
  };
  size_t y = gap;
  for (size_t r = 0; r < rows.size(); ++r)
  {
    size_t x = gap;
    for (size_t c = 0; c < images.size(); ++c)
    {
      const Tile & t = rows[r][c];
      for (size_t i = 0; i < t.size(); ++i)
        for (size_t j = 0; j < t[i].size(); ++j)
        {
          const auto p = colour(c, t[i][j]);
          std::copy(p.begin(), p.end(), canvas.begin() + 3 * ((y + i) * width + x + j));
        }
      x += columnWidth[c] + gap;
    }
    y += rowHeight[r] + gap;
  }
  WritePngRGB(path, width, height, canvas);
}

template <unsigned int D>
std::vector<typename itk::Image<float, D>::Pointer>
ReadColourChannels(const std::string & path, const ReadOptions & options)
{
  using ImageType = itk::Image<float, D>;
  CheckInput(path, options);
  if (IsDirectory(path))
    return {};
  const auto io = FileIO(path);
  if (io->GetNumberOfComponents() < 3)
    return {};
  using ColourImage = itk::VectorImage<float, D>;
  const auto colour = ReadFile<ColourImage>(path);
  CheckFinite(path, colour.GetPointer(), options);
  double top = 0.0;
  bool   grey = true;
  for (itk::ImageRegionConstIterator<ColourImage> it(colour, colour->GetLargestPossibleRegion()); !it.IsAtEnd(); ++it)
  {
    const auto p = it.Get();
    grey = grey && p[0] == p[1] && p[1] == p[2];
    top = std::max({ top, static_cast<double>(p[0]), static_cast<double>(p[1]), static_cast<double>(p[2]) });
  }
  if (grey)
  {
    auto image = ImageType::New();
    image->CopyInformation(colour);
    image->SetRegions(colour->GetLargestPossibleRegion());
    image->Allocate();
    itk::ImageRegionConstIterator<ColourImage> in(colour, colour->GetLargestPossibleRegion());
    for (itk::ImageRegionIterator<ImageType> out(image, image->GetLargestPossibleRegion()); !out.IsAtEnd(); ++out, ++in)
      out.Set(in.Get()[0]);
    return { image };
  }
  const double scale = io->GetComponentType() == itk::IOComponentEnum::UCHAR ? 255.0 : (top > 0 ? top : 1.0);
  std::vector<typename ImageType::Pointer> channels(3);
  for (unsigned c = 0; c < 3; ++c)
  {
    channels[c] = ImageType::New();
    channels[c]->CopyInformation(colour);
    channels[c]->SetRegions(colour->GetLargestPossibleRegion());
    channels[c]->Allocate();
    itk::ImageRegionConstIterator<ColourImage> in(colour, colour->GetLargestPossibleRegion());
    for (itk::ImageRegionIterator<ImageType> out(channels[c], channels[c]->GetLargestPossibleRegion()); !out.IsAtEnd();
         ++out, ++in)
      out.Set(static_cast<float>(in.Get()[c] / scale));
  }
  return channels;
}

template <unsigned int D>
void
WriteColourImage(const std::vector<typename itk::Image<float, D>::Pointer> & rgb, const std::string & path)
{
  CheckOutput(path, D, "uchar", true);
  for (const auto & c : rgb)
    CheckFiniteResult<D>(c);
  const size_t               n = rgb[0]->GetLargestPossibleRegion().GetNumberOfPixels();
  std::vector<unsigned char> bytes(3 * n);
  for (size_t i = 0; i < n; ++i)
    for (unsigned c = 0; c < 3; ++c)
      bytes[3 * i + c] =
        static_cast<unsigned char>(std::lround(255.0 * std::min(1.0f, std::max(0.0f, rgb[c]->GetBufferPointer()[i]))));
  if (HasExtension(path, { ".png" }))
  {
    // Our own encoder: ITK 5.2's PNG writer frees its buffer twice when a write fails.
    const auto size = rgb[0]->GetLargestPossibleRegion().GetSize();
    WritePngRGB(path, size[0], n / size[0], bytes);
    return;
  }
  using ColourImage = itk::Image<itk::RGBPixel<unsigned char>, D>;
  auto out = ColourImage::New();
  out->CopyInformation(rgb[0]);
  out->SetRegions(rgb[0]->GetLargestPossibleRegion());
  out->Allocate();
  std::memcpy(out->GetBufferPointer(), bytes.data(), bytes.size());
  auto writer = itk::ImageFileWriter<ColourImage>::New();
  writer->SetInput(out);
  writer->SetFileName(path);
  writer->SetUseCompression(true);
  QuietThirdParty quiet;
  writer->Update();
}

template Image2D::Pointer
ReadImage<2>(const std::string &, const ReadOptions &);
template Image3D::Pointer
ReadImage<3>(const std::string &, const ReadOptions &);
template void
WriteImage<2>(const Image2D::Pointer &, const std::string &, const std::string &);
template void
WriteImage<3>(const Image3D::Pointer &, const std::string &, const std::string &);
template void
WritePreview<2>(const std::vector<Image2D::Pointer> &, const std::string &, const std::vector<bool> &);
template void
WritePreview<3>(const std::vector<Image3D::Pointer> &, const std::string &, const std::vector<bool> &);
template std::vector<Image2D::Pointer>
ReadColourChannels<2>(const std::string &, const ReadOptions &);
template std::vector<Image3D::Pointer>
ReadColourChannels<3>(const std::string &, const ReadOptions &);
template void
WriteColourImage<2>(const std::vector<Image2D::Pointer> &, const std::string &);
template void
WriteColourImage<3>(const std::vector<Image3D::Pointer> &, const std::string &);
} // namespace fusion
} // namespace itk
