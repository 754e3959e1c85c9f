#include "itkFusionFileChecks.h"

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

std::string
Text(double v)
{
  std::ostringstream s;
  s << v;
  return s.str();
}

/* ---- Byte streams: a file (from an offset), a gzip file, a zlib/gzip stream inside another. */
struct Stream
{
  virtual ~Stream() = default;
  /* Up to n bytes; fewer only at the end of the data. Throws on damaged data. */
  virtual size_t
  Read(void * buffer, size_t n) = 0;
};

class FileStream : public Stream
{
public:
  FileStream(const std::string & path, uint64_t offset)
    : m_File(std::fopen(path.c_str(), "rb"))
    , m_Path(path)
  {
    if (!m_File)
      Fail(path, std::string("cannot open: ") + std::strerror(errno));
    if (offset && fseeko(m_File, static_cast<off_t>(offset), SEEK_SET) != 0)
      Fail(path, "cannot seek to byte " + std::to_string(offset));
  }
  ~FileStream() override { std::fclose(m_File); }
  size_t
  Read(void * buffer, size_t n) override
  {
    const size_t got = std::fread(buffer, 1, n, m_File);
    if (got < n && std::ferror(m_File))
      Fail(m_Path, std::string("read error: ") + std::strerror(errno));
    return got;
  }

private:
  FILE *      m_File;
  std::string m_Path;
};

class MemoryStream : public Stream
{
public:
  explicit MemoryStream(std::string data)
    : m_Data(std::move(data))
  {}
  size_t
  Read(void * buffer, size_t n) override
  {
    const size_t got = std::min(n, m_Data.size() - m_At);
    std::memcpy(buffer, m_Data.data() + m_At, got);
    m_At += got;
    return got;
  }

private:
  std::string m_Data;
  size_t      m_At = 0;
};

/* zlib (windowBits 15) or gzip (15 + 16, members one after another) data pulled from `source`;
 * the stream must end properly and pass its check. */
class InflateStream : public Stream
{
public:
  InflateStream(std::unique_ptr<Stream> source, bool gzip, const std::string & path)
    : m_Source(std::move(source))
    , m_Gzip(gzip)
    , m_Path(path)
    , m_In(1 << 16)
  {
    std::memset(&m_Z, 0, sizeof m_Z);
    if (inflateInit2(&m_Z, gzip ? 15 + 16 : 15) != Z_OK)
      Fail(path, "cannot start zlib");
  }
  ~InflateStream() override { inflateEnd(&m_Z); }
  size_t
  Read(void * buffer, size_t n) override
  {
    m_Z.next_out = static_cast<Bytef *>(buffer);
    m_Z.avail_out = static_cast<uInt>(n);
    while (m_Z.avail_out > 0 && !m_Ended)
    {
      if (m_Z.avail_in == 0)
      {
        m_Z.avail_in = static_cast<uInt>(m_Source->Read(m_In.data(), m_In.size()));
        m_Z.next_in = m_In.data();
        if (m_Z.avail_in == 0)
          Fail(m_Path, "the compressed data ends early (the file is cut short)");
      }
      const int status = inflate(&m_Z, Z_NO_FLUSH);
      if (status == Z_STREAM_END)
      {
        // gzip: another member may follow; anything else after the stream is damage.
        if (m_Gzip && NextIsGzipMember())
          inflateReset(&m_Z);
        else
          m_Ended = true;
      }
      else if (status == Z_DATA_ERROR || status == Z_NEED_DICT)
        Fail(m_Path, std::string("the compressed data is corrupt (") + (m_Z.msg ? m_Z.msg : "zlib error") + ")");
      else if (status == Z_MEM_ERROR)
        Fail(m_Path, "out of memory while decompressing");
      else if (status == Z_BUF_ERROR && m_Z.avail_in != 0)
        Fail(m_Path, "the compressed data is corrupt");
    }
    return n - m_Z.avail_out;
  }
  /* After the end: the bytes that followed the stream (0 for a clean end). */
  size_t
  TrailingBytes()
  {
    size_t trailing = m_Z.avail_in;
    std::vector<unsigned char> scratch(1 << 16);
    for (size_t got; (got = m_Source->Read(scratch.data(), scratch.size())) > 0;)
      trailing += got;
    return trailing;
  }

private:
  bool
  NextIsGzipMember()
  {
    if (m_Z.avail_in < 2)
    {
      unsigned char two[2];
      size_t        have = m_Z.avail_in;
      std::memcpy(two, m_Z.next_in, have);
      have += m_Source->Read(two + have, 2 - have);
      std::memcpy(m_In.data(), two, have);
      m_Z.next_in = m_In.data();
      m_Z.avail_in = static_cast<uInt>(have);
    }
    return m_Z.avail_in >= 2 && m_Z.next_in[0] == 0x1f && m_Z.next_in[1] == 0x8b;
  }

  std::unique_ptr<Stream>    m_Source;
  bool                       m_Gzip;
  std::string                m_Path;
  std::vector<unsigned char> m_In;
  z_stream                   m_Z;
  bool                       m_Ended = false;
};

/* The file, decompressed when it starts with the gzip magic number. */
std::unique_ptr<Stream>
OpenMaybeGzip(const std::string & path, uint64_t offset = 0)
{
  unsigned char magic[2] = { 0, 0 };
  {
    FileStream probe(path, offset);
    probe.Read(magic, 2);
  }
  std::unique_ptr<Stream> file(new FileStream(path, offset));
  if (magic[0] == 0x1f && magic[1] == 0x8b)
    return std::unique_ptr<Stream>(new InflateStream(std::move(file), true, path));
  return file;
}

uint64_t
FileSize(const std::string & path)
{
  struct stat s;
  if (stat(path.c_str(), &s) != 0)
    Fail(path, "no such file");
  return static_cast<uint64_t>(s.st_size);
}

/* Skips `n` bytes of `in`; false when it ends first. */
bool
Skip(Stream & in, uint64_t n)
{
  std::vector<char> scratch(1 << 16);
  while (n > 0)
  {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(n, scratch.size()));
    const size_t got = in.Read(scratch.data(), want);
    if (got == 0)
      return false;
    n -= got;
  }
  return true;
}

enum class Element
{
  Integer,
  Float32,
  Float64
};

/* Reads the data block of `expected` bytes from `in`, checking float voxels for NaN and infinity;
 * returns the bytes there were (at most expected). */
uint64_t
ReadData(Stream & in, uint64_t expected, Element element, bool swap, bool allowNonFinite, const std::string & path)
{
  const size_t      width = element == Element::Float64 ? 8 : 4;
  std::vector<char> chunk(1 << 20);
  uint64_t          done = 0;
  while (done < expected)
  {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(expected - done, chunk.size()));
    const size_t got = in.Read(chunk.data(), want);
    if (got == 0)
      break;
    if (element != Element::Integer && !allowNonFinite)
    {
      for (size_t at = 0; at + width <= got; at += width)
      {
        unsigned char b[8];
        std::memcpy(b, chunk.data() + at, width);
        if (swap)
          std::reverse(b, b + width);
        double v;
        if (width == 4)
        {
          float f;
          std::memcpy(&f, b, 4);
          v = f;
        }
        else
          std::memcpy(&v, b, 8);
        if (!std::isfinite(v))
          Fail(path, "voxel " + std::to_string((done + at) / width) + " holds the non-finite value " + Text(v) +
                       " (--replace-non-finite sets such values to 0)");
      }
    }
    done += got;
  }
  return done;
}

void
CheckLength(const std::string & path, uint64_t got, uint64_t expected, const char * where)
{
  if (got < expected)
    Fail(path, std::string("the data block holds ") + std::to_string(got) + " of the " + std::to_string(expected) +
                 " bytes its header promises" + where + " (the file is cut short)");
}

/* Voxel count and float bytes within the limits; the count as an integer. */
uint64_t
CheckedVoxels(const std::string & path, const std::vector<double> & sizes, unsigned components,
              const FileCheckLimits & limits)
{
  long double count = 1;
  for (double s : sizes)
    count *= s;
  const uint64_t limit = limits.maximumFloatBytes ? limits.maximumFloatBytes : PhysicalMemoryBytes() / 2;
  const long double bytes = count * components * 4.0L;
  if (bytes > static_cast<long double>(uint64_t(1) << 60) || (limit && bytes > static_cast<long double>(limit)))
  {
    std::ostringstream s;
    s.precision(3);
    s << "its " << static_cast<double>(count) << " voxels need " << static_cast<double>(bytes / 1073741824.0L)
      << " GiB as float, more than this machine can hold (limit " << limit / 1073741824.0 << " GiB)";
    Fail(path, s.str());
  }
  return static_cast<uint64_t>(count);
}

void
CheckRegularFile(const std::string & path, const std::string & what, const std::string & named)
{
  struct stat s;
  if (stat(named.c_str(), &s) != 0)
    Fail(path, what + " names '" + named + "', which does not exist");
  if (S_ISDIR(s.st_mode))
    Fail(path, what + " names '" + named + "', a folder");
  if (!S_ISREG(s.st_mode))
    Fail(path, what + " names '" + named + "', which is not a regular file");
  struct stat h;
  if (stat(path.c_str(), &h) == 0 && h.st_ino == s.st_ino && h.st_dev == s.st_dev)
    Fail(path, what + " names the header file itself");
}

/* ---- NIfTI-1 (and Analyze 7.5): .nii, .nii.gz, .hdr with .img */
struct NiftiType
{
  unsigned bytes;      // per voxel
  unsigned components; // 3: RGB24, 4: RGBA32
  Element  element;
};

bool
NiftiDatatype(int code, NiftiType & type)
{
  static const std::map<int, NiftiType> known{
    { 2, { 1, 1, Element::Integer } },   { 4, { 2, 1, Element::Integer } },    { 8, { 4, 1, Element::Integer } },
    { 16, { 4, 1, Element::Float32 } },  { 64, { 8, 1, Element::Float64 } },   { 128, { 3, 3, Element::Integer } },
    { 256, { 1, 1, Element::Integer } }, { 512, { 2, 1, Element::Integer } },  { 768, { 4, 1, Element::Integer } },
    { 1024, { 8, 1, Element::Integer } }, { 1280, { 8, 1, Element::Integer } }, { 2304, { 4, 4, Element::Integer } },
  };
  const auto it = known.find(code);
  if (it == known.end())
    return false;
  type = it->second;
  return true;
}

FileCheckResult
CheckNifti(const std::string & path, const FileCheckLimits & limits)
{
  const bool pair = EndsWith(path, ".hdr") || EndsWith(path, ".hdr.gz");
  auto       in = OpenMaybeGzip(path);
  unsigned char h[348];
  const size_t  got = in->Read(h, sizeof h);
  if (got < 4)
    Fail(path, "the file is too short for a NIfTI header");
  int32_t sizeofHeader;
  std::memcpy(&sizeofHeader, h, 4);
  bool swap = false;
  if (sizeofHeader != 348)
  {
    int32_t swapped = static_cast<int32_t>(__builtin_bswap32(static_cast<uint32_t>(sizeofHeader)));
    if (swapped == 540 || sizeofHeader == 540)
      Fail(path, "is a NIfTI-2 file, which this build's reader (ITK 5.2) does not read");
    if (swapped != 348)
      Fail(path, "not a NIfTI-1 file (header size " + std::to_string(sizeofHeader) + ", not 348)");
    swap = true;
  }
  if (got < sizeof h)
    Fail(path, "the NIfTI header is cut short (" + std::to_string(got) + " of 348 bytes)");
  const auto i16 = [&](size_t at) {
    uint16_t v;
    std::memcpy(&v, h + at, 2);
    return static_cast<int16_t>(swap ? __builtin_bswap16(v) : v);
  };
  const auto f32 = [&](size_t at) {
    uint32_t v;
    std::memcpy(&v, h + at, 4);
    if (swap)
      v = __builtin_bswap32(v);
    float f;
    std::memcpy(&f, &v, 4);
    return static_cast<double>(f);
  };
  const std::string magic(reinterpret_cast<const char *>(h + 344), 3);
  const bool        single = magic == "n+1";
  if (!single && magic != "ni1" && !pair)
    Fail(path, "not a NIfTI-1 file (no n+1 or ni1 magic)");
  const int rank = i16(40);
  if (rank < 1 || rank > 7)
    Fail(path, "dim[0] = " + std::to_string(rank) + ": the number of dimensions must be 1 to 7");
  std::vector<double> sizes;
  for (int d = 1; d <= rank; ++d)
  {
    const int n = i16(40 + 2 * d);
    if (n < 1)
      Fail(path, "dim[" + std::to_string(d) + "] = " + std::to_string(n) + ": every dimension must be at least 1");
    sizes.push_back(n);
  }
  NiftiType   type;
  const int   datatype = i16(70);
  if (datatype == 32 || datatype == 1792 || datatype == 2048)
    Fail(path, "holds complex voxels (NIfTI datatype " + std::to_string(datatype) +
                 "); mmfusion reads real-valued images");
  if (!NiftiDatatype(datatype, type))
    Fail(path, "unsupported NIfTI datatype " + std::to_string(datatype));
  if (i16(72) != static_cast<int>(type.bytes * 8))
    Fail(path, "bitpix " + std::to_string(i16(72)) + " does not match datatype " + std::to_string(datatype) + " (" +
                 std::to_string(type.bytes * 8) + " bits)");
  unsigned components = type.components;
  if (rank >= 5 && sizes[4] > 1 && limits.allowComponents)
    components *= static_cast<unsigned>(sizes[4]);
  else if (rank >= 5 && sizes[4] > 1)
  {
    if (type.components > 1)
      Fail(path, "holds vectors of colour voxels (dim[5] = " + Text(sizes[4]) + ")");
    Fail(path, "holds " + Text(sizes[4]) + " components per voxel (dim[5]); mmfusion reads grey images and RGB colour");
  }
  if (rank >= 6 && (sizes[5] > 1 || (rank >= 7 && sizes[6] > 1)))
    Fail(path, "has more than 5 dimensions");
  for (int d = 1; d <= std::min(rank, 3); ++d)
  {
    const double p = f32(76 + 4 * d);
    if (!std::isfinite(p) || p == 0.0)
      Fail(path, "spacing pixdim[" + std::to_string(d) + "] = " + Text(p) + ": must be a non-zero finite number");
  }
  if (i16(252) > 0)
    for (size_t at = 256; at < 280; at += 4)
      if (!std::isfinite(f32(at)))
        Fail(path, "the qform (quaternion or offset) holds the non-finite value " + Text(f32(at)));
  if (i16(254) > 0)
  {
    double m[3][4];
    for (int r = 0; r < 3; ++r)
      for (int c = 0; c < 4; ++c)
      {
        m[r][c] = f32(280 + 16 * r + 4 * c);
        if (!std::isfinite(m[r][c]))
          Fail(path, "the sform (srow_" + std::string(1, "xyz"[r]) + ") holds the non-finite value " + Text(m[r][c]));
      }
    const double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
                       m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
                       m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
    if (det == 0.0)
      Fail(path, "the sform matrix is singular");
  }
  const double offset = f32(108);
  if (!std::isfinite(offset) || offset < 0 || offset > 1e12 || offset != std::floor(offset))
    Fail(path, "vox_offset " + Text(offset) + " is not a byte offset");
  FileCheckResult result;
  result.format = "nifti";
  result.dimension = static_cast<unsigned>(std::min(rank, 4));
  result.components = components;
  std::vector<double> counted(sizes.begin(), sizes.begin() + std::min(rank, 4));
  result.voxels = CheckedVoxels(path, counted, components, limits);
  const uint64_t expected = result.voxels * type.bytes * (components / type.components);
  std::unique_ptr<Stream> data;
  std::string             dataPath = path;
  uint64_t                start = static_cast<uint64_t>(offset);
  if (single && !pair)
  {
    start = std::max<uint64_t>(start, 352);
    if (!Skip(*in, start - sizeof h))
      Fail(path, "the data block should start at byte " + std::to_string(start) + ", past the end of the file");
    data = std::move(in);
  }
  else
  {
    const std::string stem = path.substr(0, path.size() - (EndsWith(path, ".gz") ? 7 : 4));
    dataPath = stem + ".img";
    struct stat s;
    if (stat(dataPath.c_str(), &s) != 0 && stat((stem + ".img.gz").c_str(), &s) == 0)
      dataPath = stem + ".img.gz";
    CheckRegularFile(path, "the header pair", dataPath);
    data = OpenMaybeGzip(dataPath);
    if (!Skip(*data, start))
      Fail(dataPath, "the data block should start at byte " + std::to_string(start) + ", past the end of the file");
  }
  CheckLength(dataPath, ReadData(*data, expected, type.element, swap, limits.allowNonFinite, dataPath), expected, "");
  // A compressed stream must also end properly after the data (its checksum is read there).
  std::vector<char> rest(1 << 16);
  while (data->Read(rest.data(), rest.size()) > 0)
  {
  }
  return result;
}

/* Reads the text header of `path` line by line (1 MiB at most), handing each line, without its
 * line break, to `take`, which returns true at the header's last line (a line the file ends on
 * without a break is handed over too). Returns the bytes up to and including that line, and
 * whether `take` found it. */
template <typename TTake>
std::pair<uint64_t, bool>
ReadHeaderLines(const std::string & path, TTake && take)
{
  FILE * file = std::fopen(path.c_str(), "rb");
  if (!file)
    Fail(path, std::string("cannot open: ") + std::strerror(errno));
  std::string line;
  uint64_t    bytes = 0;
  bool        found = false;
  for (int c; !found && bytes < (1u << 20) && (c = std::fgetc(file)) != EOF;)
  {
    ++bytes;
    if (c != '\n')
    {
      line += static_cast<char>(c);
      continue;
    }
    if (!line.empty() && line.back() == '\r')
      line.pop_back();
    found = take(line);
    line.clear();
  }
  std::fclose(file);
  if (!found && !line.empty())
    found = take(line);
  return { bytes, found };
}

/* ---- MetaImage: .mha (data inside) and .mhd (data in another file) */
struct MetaType
{
  unsigned bytes;
  Element  element;
};

FileCheckResult
CheckMetaImage(const std::string & path, const FileCheckLimits & limits)
{
  std::map<std::string, std::string> fields;
  const auto [headerEnd, sawData] = ReadHeaderLines(path, [&](const std::string & line) {
    const auto eq = line.find('=');
    if (eq == std::string::npos)
      return false;
    const std::string key = Trim(line.substr(0, eq));
    fields[key] = Trim(line.substr(eq + 1));
    return key == "ElementDataFile"; // the header's last line
  });
  if (!sawData)
    Fail(path, "not a MetaImage header (no ElementDataFile line)");
  const auto need = [&](const char * key) {
    const auto it = fields.find(key);
    if (it == fields.end())
      Fail(path, std::string("the MetaImage header lacks ") + key);
    return it->second;
  };
  double ndims = 0;
  if (!ParseNumber(need("NDims"), ndims) || ndims < 1 || ndims > 10 || ndims != std::floor(ndims))
    Fail(path, "NDims = " + fields["NDims"] + ": must be a whole number 1 to 10");
  const unsigned      rank = static_cast<unsigned>(ndims);
  std::vector<double> sizes = ParseNumbers(path, "DimSize", need("DimSize"));
  if (sizes.size() != rank)
    Fail(path, "DimSize has " + std::to_string(sizes.size()) + " values for NDims = " + std::to_string(rank));
  for (size_t d = 0; d < sizes.size(); ++d)
    if (!(sizes[d] >= 1) || sizes[d] != std::floor(sizes[d]) || sizes[d] > 1e9)
      Fail(path, "DimSize[" + std::to_string(d) + "] = " + Text(sizes[d]) + ": every size must be a whole number >= 1");
  for (const char * key : { "ElementSpacing", "ElementSize" })
    if (fields.count(key))
    {
      const auto v = ParseNumbers(path, key, fields[key]);
      if (v.size() < rank)
        Fail(path, std::string(key) + " has " + std::to_string(v.size()) + " values for NDims = " + std::to_string(rank));
      for (size_t d = 0; d < v.size(); ++d)
        if (!std::isfinite(v[d]) || v[d] <= 0)
          Fail(path, std::string(key) + "[" + std::to_string(d) + "] = " + Text(v[d]) + ": must be positive and finite");
    }
  for (const char * key : { "Offset", "Position", "Origin", "TransformMatrix", "Rotation", "Orientation", "CenterOfRotation" })
    if (fields.count(key))
      for (double v : ParseNumbers(path, key, fields[key]))
        if (!std::isfinite(v))
          Fail(path, std::string(key) + " holds the non-finite value " + Text(v));
  static const std::map<std::string, MetaType> types{
    { "MET_CHAR", { 1, Element::Integer } },       { "MET_UCHAR", { 1, Element::Integer } },
    { "MET_SHORT", { 2, Element::Integer } },      { "MET_USHORT", { 2, Element::Integer } },
    { "MET_INT", { 4, Element::Integer } },        { "MET_UINT", { 4, Element::Integer } },
    { "MET_LONG", { 4, Element::Integer } },       { "MET_ULONG", { 4, Element::Integer } },
    { "MET_LONG_LONG", { 8, Element::Integer } },  { "MET_ULONG_LONG", { 8, Element::Integer } },
    { "MET_FLOAT", { 4, Element::Float32 } },      { "MET_DOUBLE", { 8, Element::Float64 } },
  };
  std::string typeName = need("ElementType");
  if (typeName.size() > 6 && typeName.compare(typeName.size() - 6, 6, "_ARRAY") == 0)
    typeName.erase(typeName.size() - 6);
  const auto type = types.find(typeName);
  if (type == types.end())
    Fail(path, "unsupported ElementType " + need("ElementType"));
  double channels = 1;
  if (fields.count("ElementNumberOfChannels") &&
      (!ParseNumber(fields["ElementNumberOfChannels"], channels) || channels < 1 || channels != std::floor(channels) ||
       channels > 65536))
    Fail(path, "ElementNumberOfChannels = " + fields["ElementNumberOfChannels"] + " is not a count");
  if ((channels == 2 || channels > 4) && !limits.allowComponents)
    Fail(path, "holds " + Text(channels) + " channels per voxel; mmfusion reads grey images and RGB colour");
  const auto flag = [&](const char * key) {
    const auto it = fields.find(key);
    return it != fields.end() && Lower(it->second) == "true";
  };
  if (fields.count("BinaryData") && !flag("BinaryData"))
    Fail(path, "holds ASCII voxel data (BinaryData = False), which mmfusion does not read");
  const bool swap = flag("BinaryDataByteOrderMSB") || flag("ElementByteOrderMSB");
  FileCheckResult result;
  result.format = "metaimage";
  result.dimension = rank;
  result.components = static_cast<unsigned>(channels);
  result.voxels = CheckedVoxels(path, sizes, result.components, limits);
  const uint64_t expected = result.voxels * result.components * type->second.bytes;
  const bool     compressed = flag("CompressedData");
  std::string    dataPath = path;
  uint64_t       start = headerEnd;
  const std::string dataFile = fields["ElementDataFile"];
  if (dataFile == "LIST" || dataFile.find('%') != std::string::npos || dataFile.find(' ') != std::string::npos)
    Fail(path, "ElementDataFile '" + dataFile + "' (a list or pattern of files) is not supported");
  if (dataFile != "LOCAL")
  {
    dataPath = dataFile[0] == '/' ? dataFile : Folder(path) + dataFile;
    CheckRegularFile(path, "ElementDataFile", dataPath);
    double headerSize = 0;
    if (fields.count("HeaderSize") &&
        (!ParseNumber(fields["HeaderSize"], headerSize) || headerSize < -1 || headerSize > 1e15 ||
         headerSize != std::floor(headerSize)))
      Fail(path, "HeaderSize = " + fields["HeaderSize"] + " is not a byte count");
    const uint64_t size = FileSize(dataPath);
    if (headerSize == -1)
    {
      if (compressed)
        Fail(path, "HeaderSize = -1 with compressed data");
      if (size < expected)
        CheckLength(dataPath, size, expected, "");
      start = size - expected;
    }
    else
    {
      start = static_cast<uint64_t>(headerSize);
      if (start > size)
        Fail(path, "HeaderSize " + std::to_string(start) + " lies past the end of '" + dataPath + "' (" +
                     std::to_string(size) + " bytes)");
    }
  }
  std::unique_ptr<Stream> data(new FileStream(dataPath, start));
  if (compressed)
  {
    auto inflater = std::unique_ptr<InflateStream>(new InflateStream(std::move(data), false, dataPath));
    CheckLength(dataPath, ReadData(*inflater, expected, type->second.element, swap, limits.allowNonFinite, dataPath),
                expected, " (decompressed)");
    char one;
    if (inflater->Read(&one, 1) != 0)
      Fail(dataPath, "the compressed data holds more than its header promises");
  }
  else
    CheckLength(dataPath, ReadData(*data, expected, type->second.element, swap, limits.allowNonFinite, dataPath),
                expected, "");
  return result;
}

/* ---- NRRD (.nrrd with the data attached, .nhdr with a data file) */
FileCheckResult
CheckNrrd(const std::string & path, const FileCheckLimits & limits)
{
  std::map<std::string, std::string> fields;
  bool                               first = true;
  const auto [headerEnd, blank] = ReadHeaderLines(path, [&](const std::string & line) {
    if (first) // the magic line
      first = false;
    else if (line.empty())
      return true; // the blank line before the data
    else if (line[0] != '#')
    {
      const auto colon = line.find(':');
      if (colon != std::string::npos && line.compare(colon, 2, ":=") != 0)
        fields[Lower(Trim(line.substr(0, colon)))] = Trim(line.substr(colon + 1));
    }
    return false;
  });
  const auto need = [&](const char * key) {
    const auto it = fields.find(key);
    if (it == fields.end())
      Fail(path, std::string("the NRRD header lacks '") + key + "'");
    return it->second;
  };
  double rank = 0;
  if (!ParseNumber(need("dimension"), rank) || rank < 1 || rank > 16 || rank != std::floor(rank))
    Fail(path, "dimension " + fields["dimension"] + " is not 1 to 16");
  std::vector<double> sizes = ParseNumbers(path, "sizes", need("sizes"));
  if (sizes.size() != rank)
    Fail(path, "'sizes' has " + std::to_string(sizes.size()) + " values for dimension " + Text(rank));
  for (size_t d = 0; d < sizes.size(); ++d)
    if (!(sizes[d] >= 1) || sizes[d] != std::floor(sizes[d]) || sizes[d] > 1e9)
      Fail(path, "sizes[" + std::to_string(d) + "] = " + Text(sizes[d]) + ": every size must be a whole number >= 1");
  static const std::map<std::string, MetaType> types{
    { "signed char", { 1, Element::Integer } }, { "int8", { 1, Element::Integer } }, { "int8_t", { 1, Element::Integer } },
    { "uchar", { 1, Element::Integer } }, { "unsigned char", { 1, Element::Integer } }, { "uint8", { 1, Element::Integer } },
    { "uint8_t", { 1, Element::Integer } }, { "short", { 2, Element::Integer } }, { "short int", { 2, Element::Integer } },
    { "signed short", { 2, Element::Integer } }, { "signed short int", { 2, Element::Integer } },
    { "int16", { 2, Element::Integer } }, { "int16_t", { 2, Element::Integer } }, { "ushort", { 2, Element::Integer } },
    { "unsigned short", { 2, Element::Integer } }, { "unsigned short int", { 2, Element::Integer } },
    { "uint16", { 2, Element::Integer } }, { "uint16_t", { 2, Element::Integer } }, { "int", { 4, Element::Integer } },
    { "signed int", { 4, Element::Integer } }, { "int32", { 4, Element::Integer } }, { "int32_t", { 4, Element::Integer } },
    { "uint", { 4, Element::Integer } }, { "unsigned int", { 4, Element::Integer } }, { "uint32", { 4, Element::Integer } },
    { "uint32_t", { 4, Element::Integer } }, { "longlong", { 8, Element::Integer } }, { "long long", { 8, Element::Integer } },
    { "long long int", { 8, Element::Integer } }, { "signed long long", { 8, Element::Integer } },
    { "signed long long int", { 8, Element::Integer } }, { "int64", { 8, Element::Integer } },
    { "int64_t", { 8, Element::Integer } }, { "ulonglong", { 8, Element::Integer } },
    { "unsigned long long", { 8, Element::Integer } }, { "unsigned long long int", { 8, Element::Integer } },
    { "uint64", { 8, Element::Integer } }, { "uint64_t", { 8, Element::Integer } }, { "float", { 4, Element::Float32 } },
    { "double", { 8, Element::Float64 } },
  };
  const auto type = types.find(Lower(need("type")));
  if (type == types.end())
    Fail(path, "unsupported NRRD type '" + fields["type"] + "'");
  unsigned components = 1;
  std::vector<double> spatial = sizes;
  if (fields.count("kinds"))
  {
    std::istringstream       in(fields["kinds"]);
    std::vector<std::string> kinds;
    for (std::string k; in >> k;)
      kinds.push_back(Lower(k));
    for (size_t d = 0; d < kinds.size() && d < sizes.size(); ++d)
    {
      if (kinds[d] == "complex")
        Fail(path, "holds complex voxels; mmfusion reads real-valued images");
      if (kinds[d] != "domain" && kinds[d] != "space" && kinds[d] != "time" && kinds[d] != "???" && kinds[d] != "none")
      {
        if (d != 0)
          Fail(path, "axis " + std::to_string(d) + " is of kind '" + kinds[d] + "'; only the first axis may hold components");
        components = static_cast<unsigned>(sizes[0]);
        spatial.erase(spatial.begin());
      }
    }
  }
  if ((components == 2 || components > 4) && !limits.allowComponents)
    Fail(path, "holds " + std::to_string(components) + " components per voxel; mmfusion reads grey images and RGB colour");
  if (fields.count("spacings"))
    for (double v : ParseNumbers(path, "spacings", fields["spacings"]))
      if (!std::isnan(v) && (!std::isfinite(v) || v <= 0))
        Fail(path, "spacing " + Text(v) + ": must be positive and finite");
  if (fields.count("space origin"))
  {
    std::string o = fields["space origin"];
    std::replace_if(o.begin(), o.end(), [](char c) { return c == '(' || c == ')' || c == ','; }, ' ');
    for (double v : ParseNumbers(path, "space origin", o))
      if (!std::isfinite(v))
        Fail(path, "the space origin holds the non-finite value " + Text(v));
  }
  if (fields.count("space directions"))
  {
    std::string o = fields["space directions"];
    std::istringstream in(o);
    for (std::string vector; in >> vector;)
    {
      if (Lower(vector) == "none")
        continue;
      std::replace_if(vector.begin(), vector.end(), [](char c) { return c == '(' || c == ')' || c == ','; }, ' ');
      bool nonZero = false;
      for (double v : ParseNumbers(path, "space directions", vector))
      {
        if (!std::isfinite(v))
          Fail(path, "the space directions hold the non-finite value " + Text(v));
        nonZero = nonZero || v != 0.0;
      }
      if (!nonZero)
        Fail(path, "a space direction is the zero vector");
    }
  }
  FileCheckResult result;
  result.format = "nrrd";
  result.dimension = static_cast<unsigned>(spatial.size());
  result.components = components;
  result.voxels = CheckedVoxels(path, spatial, components, limits);
  const uint64_t    expected = result.voxels * components * type->second.bytes;
  const std::string encoding = Lower(fields.count("encoding") ? fields["encoding"] : "raw");
  const bool        swap = Lower(fields["endian"]) == "big";
  std::string       dataPath = path;
  uint64_t          start = headerEnd;
  std::string       dataFile = fields.count("data file") ? fields["data file"] : fields["datafile"];
  if (!dataFile.empty())
  {
    if (dataFile.find(' ') != std::string::npos || dataFile.find('%') != std::string::npos || dataFile == "LIST")
      Fail(path, "a list or pattern of data files is not supported");
    dataPath = dataFile[0] == '/' ? dataFile : Folder(path) + dataFile;
    CheckRegularFile(path, "the data file", dataPath);
    start = 0;
  }
  else if (!blank)
    Fail(path, "the NRRD header does not end (no blank line before the data)");
  double skip = 0;
  if ((fields.count("byte skip") && !ParseNumber(fields["byte skip"], skip)) || skip < -1 || skip > 1e15 ||
      skip != std::floor(skip))
    Fail(path, "'byte skip' is not a byte count");
  if (fields.count("line skip") || fields.count("lineskip"))
    Fail(path, "'line skip' is not supported");
  if (encoding == "raw")
  {
    const uint64_t size = FileSize(dataPath);
    if (skip == -1)
      start = size >= expected ? size - expected : 0;
    else
      start += static_cast<uint64_t>(skip);
    FileStream data(dataPath, std::min(start, size));
    CheckLength(dataPath, start > size ? 0 : ReadData(data, expected, type->second.element, swap, limits.allowNonFinite, dataPath),
                expected, "");
  }
  else if (encoding == "gzip" || encoding == "gz")
  {
    InflateStream data(std::unique_ptr<Stream>(new FileStream(dataPath, start)), true, dataPath);
    if (skip > 0 && !Skip(data, static_cast<uint64_t>(skip)))
      Fail(dataPath, "the data ends inside 'byte skip'");
    CheckLength(dataPath, ReadData(data, expected, type->second.element, swap, limits.allowNonFinite, dataPath), expected,
                " (decompressed)");
    std::vector<char> rest(1 << 16);
    while (data.Read(rest.data(), rest.size()) > 0)
    {
    }
  }
  else if (encoding != "ascii" && encoding != "text" && encoding != "txt")
    Fail(path, "NRRD encoding '" + encoding + "' is not supported (raw, gzip, ascii)");
  return result;
}

/* ---- PNG: chunk structure and CRCs, IHDR, the IDAT stream inflating to exactly the image. */
uint32_t
BigEndian32(const unsigned char * p)
{
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}

FileCheckResult
CheckPng(const std::string & path, const FileCheckLimits & limits)
{
  FileStream     in(path, 8);
  const uint64_t size = FileSize(path);
  uint64_t       at = 8; // where `in` reads
  std::string    idat;
  uint32_t      width = 0, height = 0;
  unsigned      depth = 0, colour = 0, interlace = 0;
  bool          header = false, palette = false, end = false;
  while (!end)
  {
    unsigned char head[8];
    const size_t  got = in.Read(head, 8);
    if (got < 8)
      Fail(path, "the PNG file ends before its IEND chunk (the file is cut short)");
    const uint32_t    length = BigEndian32(head);
    std::string name(reinterpret_cast<char *>(head + 4), 4);
    if (!std::all_of(name.begin(), name.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
      Fail(path, "not a PNG file (a chunk with an invalid name: the file is damaged)");
    at += 8;
    if (length > 0x7fffffffu || length + uint64_t(4) > size - std::min(size, at))
      Fail(path, "PNG chunk '" + name + "' runs past the end of the file (the file is cut short)");
    at += length + 4;
    if (!header && name != "IHDR")
      Fail(path, "not a PNG file (the first chunk is not IHDR)");
    std::string body(length, '\0');
    if (in.Read(&body[0], length) < length)
      Fail(path, "PNG chunk '" + name + "' is cut short (the file is cut short)");
    unsigned char crcBytes[4];
    if (in.Read(crcBytes, 4) < 4)
      Fail(path, "PNG chunk '" + name + "' is cut short (the file is cut short)");
    uLong crc = crc32(0L, head + 4, 4);
    crc = crc32(crc, reinterpret_cast<const Bytef *>(body.data()), length);
    if (crc != BigEndian32(crcBytes))
      Fail(path, "PNG chunk '" + name + "' fails its CRC check (the file is damaged)");
    const auto * b = reinterpret_cast<const unsigned char *>(body.data());
    if (name == "IHDR")
    {
      if (header || length != 13)
        Fail(path, "the PNG IHDR chunk is malformed");
      header = true;
      width = BigEndian32(b);
      height = BigEndian32(b + 4);
      depth = b[8];
      colour = b[9];
      interlace = b[12];
      if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu)
        Fail(path, "the PNG image is " + std::to_string(width) + " x " + std::to_string(height) + " pixels");
      const bool valid = (colour == 0 && (depth == 1 || depth == 2 || depth == 4 || depth == 8 || depth == 16)) ||
                         (colour == 3 && (depth == 1 || depth == 2 || depth == 4 || depth == 8)) ||
                         ((colour == 2 || colour == 4 || colour == 6) && (depth == 8 || depth == 16));
      if (!valid || b[10] != 0 || b[11] != 0 || interlace > 1)
        Fail(path, "the PNG header holds an invalid combination (colour type " + std::to_string(colour) +
                     ", bit depth " + std::to_string(depth) + ")");
      if (colour == 4)
        Fail(path, "is a grey + alpha PNG; mmfusion reads grey, RGB and RGBA images (drop the alpha channel)");
    }
    else if (name == "PLTE")
      palette = true;
    else if (name == "IDAT")
      idat += body;
    else if (name == "IEND")
      end = true;
  }
  if (colour == 3 && !palette)
    Fail(path, "a palette PNG without its PLTE chunk");
  const unsigned channels = colour == 0 || colour == 3 ? 1 : (colour == 2 ? 3 : (colour == 4 ? 2 : 4));
  FileCheckResult result;
  result.format = "png";
  result.dimension = 2;
  result.components = colour == 3 ? 3 : channels;
  result.voxels = CheckedVoxels(path, { double(width), double(height) }, result.components, limits);
  // Bytes of the filtered image: one filter byte per row of each (Adam7) pass.
  const auto rowBytes = [&](uint64_t w) { return 1 + (w * channels * depth + 7) / 8; };
  uint64_t   expected = 0;
  if (interlace == 0)
    expected = height * rowBytes(width);
  else
  {
    const int x0[7] = { 0, 4, 0, 2, 0, 1, 0 }, y0[7] = { 0, 0, 4, 0, 2, 0, 1 }, dx[7] = { 8, 8, 4, 4, 2, 2, 1 },
              dy[7] = { 8, 8, 8, 4, 4, 2, 2 };
    for (int p = 0; p < 7; ++p)
    {
      const uint64_t w = width > uint64_t(x0[p]) ? (width - x0[p] + dx[p] - 1) / dx[p] : 0;
      const uint64_t h = height > uint64_t(y0[p]) ? (height - y0[p] + dy[p] - 1) / dy[p] : 0;
      if (w && h)
        expected += h * rowBytes(w);
    }
  }
  InflateStream pixels(std::unique_ptr<Stream>(new MemoryStream(idat)), false, path);
  const uint64_t got = ReadData(pixels, expected, Element::Integer, false, true, path);
  if (got < expected)
    CheckLength(path, got, expected, " (decompressed)");
  char one;
  if (pixels.Read(&one, 1) != 0)
    Fail(path, "the PNG image data holds more rows than its header says");
  return result;
}

/* ---- JPEG: the marker structure, a frame header with non-zero size, the scan ending in EOI. */
FileCheckResult
CheckJpeg(const std::string & path, const FileCheckLimits & limits)
{
  const uint64_t size = FileSize(path);
  if (size > (uint64_t(1) << 31))
    Fail(path, "a JPEG file over 2 GiB");
  std::string data(size, '\0');
  {
    FileStream in(path, 0);
    if (in.Read(&data[0], size) < size)
      Fail(path, "read error");
  }
  const auto * p = reinterpret_cast<const unsigned char *>(data.data());
  size_t       at = 2;
  unsigned     width = 0, height = 0, components = 0;
  bool         frame = false;
  while (true)
  {
    while (at < size && p[at] == 0xFF && at + 1 < size && p[at + 1] == 0xFF)
      ++at; // fill bytes
    if (at + 2 > size)
      Fail(path, "the JPEG data ends before its EOI marker (the file is cut short)");
    if (p[at] != 0xFF)
      Fail(path, "the JPEG marker structure is damaged at byte " + std::to_string(at));
    const unsigned marker = p[at + 1];
    at += 2;
    if (marker == 0xD9)
      break;
    if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7))
      continue;
    if (at + 2 > size)
      Fail(path, "the JPEG data ends inside a segment (the file is cut short)");
    const size_t length = (size_t(p[at]) << 8) | p[at + 1];
    if (length < 2 || at + length > size)
      Fail(path, "a JPEG segment runs past the end of the file (the file is cut short)");
    if (marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC)
    {
      if (length < 8)
        Fail(path, "the JPEG frame header is malformed");
      height = (unsigned(p[at + 3]) << 8) | p[at + 4];
      width = (unsigned(p[at + 5]) << 8) | p[at + 6];
      components = p[at + 7];
      frame = true;
      if (width == 0 || height == 0)
        Fail(path, "the JPEG image is " + std::to_string(width) + " x " + std::to_string(height) + " pixels");
      if (components != 1 && components != 3)
        Fail(path, "a JPEG image of " + std::to_string(components) + " components (mmfusion reads grey and RGB)");
    }
    at += length;
    if (marker == 0xDA)
    {
      if (!frame)
        Fail(path, "a JPEG scan before its frame header");
      // Entropy-coded data: up to the next marker that is neither a stuffed 0xFF00 nor a restart.
      while (true)
      {
        if (at + 1 >= size)
          Fail(path, "the JPEG scan data ends before its EOI marker (the file is cut short)");
        if (p[at] == 0xFF && p[at + 1] != 0x00 && !(p[at + 1] >= 0xD0 && p[at + 1] <= 0xD7))
          break;
        ++at;
      }
    }
  }
  if (!frame)
    Fail(path, "a JPEG file without a frame header");
  FileCheckResult result;
  result.format = "jpeg";
  result.dimension = 2;
  result.components = components;
  result.voxels = CheckedVoxels(path, { double(width), double(height) }, components, limits);
  return result;
}

/* ---- DICOM: more than a preamble, and pixel data as long as its element says. */
FileCheckResult
CheckDicom(const std::string & path)
{
  const uint64_t size = FileSize(path);
  FileStream     in(path, 0);
  std::vector<unsigned char> head(std::min<uint64_t>(size, 132 + 12));
  in.Read(head.data(), head.size());
  if (size < 132 + 8)
    Fail(path, "the DICOM file holds only its preamble (no data elements)");
  // The first element after "DICM": group 0002, explicit VR little endian.
  const unsigned char * e = head.data() + 132;
  if (e[0] != 0x02 || e[1] != 0x00)
    Fail(path, "the DICOM file meta information is missing");
  // Pixel data: the last (7FE0,0010) tag with a defined length must fit in the file.
  FileCheckResult result;
  result.format = "dicom";
  if (size > (uint64_t(512) << 20))
    return result; // the pixel data of a file this large is left to GDCM
  std::vector<unsigned char> all(size);
  {
    FileStream whole(path, 0);
    whole.Read(all.data(), size);
  }
  for (size_t at = all.size() >= 8 ? all.size() - 8 : 0; at > 132; --at)
  {
    if (!(all[at] == 0xE0 && all[at + 1] == 0x7F && all[at + 2] == 0x10 && all[at + 3] == 0x00))
      continue;
    uint64_t length, start;
    if (std::isupper(all[at + 4]) && std::isupper(all[at + 5]))
    {
      if (at + 12 > all.size())
        Fail(path, "the DICOM pixel data element is cut short");
      length = all[at + 8] | (uint64_t(all[at + 9]) << 8) | (uint64_t(all[at + 10]) << 16) | (uint64_t(all[at + 11]) << 24);
      start = at + 12;
    }
    else
    {
      length = all[at + 4] | (uint64_t(all[at + 5]) << 8) | (uint64_t(all[at + 6]) << 16) | (uint64_t(all[at + 7]) << 24);
      start = at + 8;
    }
    if (length != 0xFFFFFFFFu && start + length > size)
      Fail(path, "the DICOM pixel data holds " + std::to_string(size - start) + " of its " + std::to_string(length) +
                   " bytes (the file is cut short)");
    return result;
  }
  Fail(path, "the DICOM file has no pixel data");
}
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
