#ifndef itkGLCMMeanTextureFilter_hxx
#define itkGLCMMeanTextureFilter_hxx

#include "itkGLCMMeanTextureFilter.h"
#include "itkGLCMCooccurrence.h"

#include "itkImageRegionConstIterator.h"
#include "itkImageRegionIterator.h"
#include "itkNumericTraits.h"
#include "itkTotalProgressReporter.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <sstream>

namespace itk
{
template <typename TInputImage, typename TOutputImage>
GLCMMeanTextureFilter<TInputImage, TOutputImage>::GLCMMeanTextureFilter()
  : m_Offsets(DefaultOffsets())
{
  this->DynamicMultiThreadingOn();
  this->ThreaderUpdateProgressOff();
}

template <typename TInputImage, typename TOutputImage>
auto
GLCMMeanTextureFilter<TInputImage, TOutputImage>::FeatureFromString(const std::string & name) -> Feature
{
  const auto & names = fusion::glcm::FeatureNames();
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == name)
      return static_cast<Feature>(i);
  std::ostringstream valid;
  for (const auto & n : names)
    valid << (&n == &names.front() ? "" : ", ") << n;
  itkGenericExceptionMacro(<< "unknown GLCM feature '" << name << "' (valid: " << valid.str() << ")");
}

template <typename TInputImage, typename TOutputImage>
std::string
GLCMMeanTextureFilter<TInputImage, TOutputImage>::FeatureName(Feature feature)
{
  return fusion::glcm::FeatureNames().at(static_cast<size_t>(feature));
}

template <typename TInputImage, typename TOutputImage>
auto
GLCMMeanTextureFilter<TInputImage, TOutputImage>::DefaultOffsets() -> OffsetList
{
  // Unit directions, one of each +/- pair. 2D: (1,0), (1,1), (0,1), (-1,1), which for an array
  // indexed [y][x] are scikit-image's angles 0, pi/4, pi/2, 3 pi/4. Otherwise: every direction
  // whose last non-zero component is positive (13 in 3D), in lexicographic order from the last axis.
  OffsetList offsets;
  if (ImageDimension == 2)
  {
    const int list[4][2] = { { 1, 0 }, { 1, 1 }, { 0, 1 }, { -1, 1 } };
    for (const auto & l : list)
    {
      OffsetType o;
      o[0] = l[0];
      o[1] = l[1];
      offsets.push_back(o);
    }
    return offsets;
  }
  const int count = static_cast<int>(std::pow(3.0, ImageDimension));
  for (int code = 0; code < count; ++code)
  {
    OffsetType o;
    int        c = code;
    for (unsigned d = 0; d < ImageDimension; ++d)
    {
      o[d] = c % 3 - 1;
      c /= 3;
    }
    int last = 0;
    for (unsigned d = 0; d < ImageDimension; ++d)
      if (o[d] != 0)
        last = static_cast<int>(o[d]);
    if (last > 0)
      offsets.push_back(o);
  }
  return offsets;
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::SetQuantizationRange(double minimum, double maximum)
{
  if (!(std::isfinite(minimum) && std::isfinite(maximum) && maximum > minimum))
    itkExceptionMacro(<< "the quantisation range must be finite with maximum > minimum, got [" << minimum << ", "
                      << maximum << "]");
  m_QuantizationMinimum = minimum;
  m_QuantizationMaximum = maximum;
  m_AutomaticQuantizationRange = false;
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::UseAutomaticQuantizationRange()
{
  if (!m_AutomaticQuantizationRange)
  {
    m_AutomaticQuantizationRange = true;
    this->Modified();
  }
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::SetOffsets(const OffsetList & offsets)
{
  m_Offsets = offsets;
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::SetFeatures(const std::vector<Feature> & features)
{
  m_Features = features;
  this->Modified();
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::VerifyPreconditions() ITKv5_CONST
{
  Superclass::VerifyPreconditions();
  if (m_NumberOfLevels < 2 || m_NumberOfLevels > 256)
    itkExceptionMacro(<< "NumberOfLevels must be 2 .. 256, is " << m_NumberOfLevels);
  if (m_Radius < 1)
    itkExceptionMacro(<< "Radius must be at least 1, is " << m_Radius);
  if (m_Offsets.empty())
    itkExceptionMacro(<< "no offsets");
  for (const auto & o : m_Offsets)
  {
    bool zero = true;
    for (unsigned d = 0; d < ImageDimension; ++d)
    {
      zero = zero && o[d] == 0;
      if (std::abs(o[d]) > static_cast<OffsetValueType>(2 * m_Radius))
        itkExceptionMacro(<< "offset " << o << " reaches beyond a window of radius " << m_Radius);
    }
    if (zero)
      itkExceptionMacro(<< "the zero offset pairs every pixel with itself");
  }
  if (m_Features.empty())
    itkExceptionMacro(<< "no features");
  constexpr bool vectorOutput =
    std::is_same<TOutputImage, VectorImage<typename TOutputImage::InternalPixelType, ImageDimension>>::value;
  if (!vectorOutput && m_Features.size() != 1)
    itkExceptionMacro(<< m_Features.size() << " features need a VectorImage output; this output is scalar");
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::GenerateOutputInformation()
{
  Superclass::GenerateOutputInformation();
  this->GetOutput()->SetNumberOfComponentsPerPixel(static_cast<unsigned>(m_Features.size()));
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::GenerateInputRequestedRegion()
{
  Superclass::GenerateInputRequestedRegion();
  auto * input = const_cast<InputImageType *>(this->GetInput());
  if (!input)
    return;
  const auto &    largest = input->GetLargestPossibleRegion();
  OffsetValueType reach = static_cast<OffsetValueType>(m_Radius);
  for (const auto & o : m_Offsets)
    for (unsigned d = 0; d < ImageDimension; ++d)
      reach = std::max<OffsetValueType>(reach, static_cast<OffsetValueType>(m_Radius) + std::abs(o[d]));
  bool whole = m_AutomaticQuantizationRange; // the range needs every pixel
  for (unsigned d = 0; d < ImageDimension; ++d)
    whole = whole || static_cast<OffsetValueType>(largest.GetSize(d)) <= 2 * reach; // mirrors reach far
  if (whole)
  {
    input->SetRequestedRegion(largest);
    return;
  }
  auto region = this->GetOutput()->GetRequestedRegion();
  region.PadByRadius(reach);
  region.Crop(largest);
  input->SetRequestedRegion(region);
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::BeforeThreadedGenerateData()
{
  const InputImageType * input = this->GetInput();
  const auto &           largest = input->GetLargestPossibleRegion();
  for (unsigned d = 0; d < ImageDimension; ++d)
    if (largest.GetSize(d) == 0)
      itkExceptionMacro(<< "the input image is empty");
  // Work spread over the threads when there is enough of it (the pool costs tens of microseconds).
  const auto parallel =
    [this](SizeValueType count, SizeValueType pixels, const std::function<void(SizeValueType)> & f) {
      if (pixels < (SizeValueType{ 1 } << 17))
        for (SizeValueType i = 0; i < count; ++i)
          f(i);
      else
        this->GetMultiThreader()->ParallelizeArray(0, count, f, nullptr);
    };
  if (m_AutomaticQuantizationRange)
  {
    // The whole input is buffered here (the automatic range requests it): scan the buffer in chunks.
    const auto *            begin = input->GetBufferPointer();
    const SizeValueType     count = input->GetBufferedRegion().GetNumberOfPixels();
    constexpr SizeValueType chunk = 1 << 16;
    const SizeValueType     chunks = (count + chunk - 1) / chunk;
    std::vector<double>     lows(chunks), highs(chunks);
    std::vector<char>       finite(chunks);
    parallel(chunks, count, [&](SizeValueType c) {
      // In the pixel type, four independent accumulators: the comparisons pipeline and vectorise.
      using T = typename InputImageType::PixelType;
      T        low[4], high[4];
      bool     ok = true; // v - v is 0 unless v is infinite or NaN
      const T *p = begin + c * chunk, *end = begin + std::min(count, (c + 1) * chunk);
      for (int k = 0; k < 4; ++k)
        low[k] = high[k] = *p;
      for (; p + 4 <= end; p += 4)
        for (int k = 0; k < 4; ++k)
        {
          const T v = p[k];
          low[k] = v < low[k] ? v : low[k];
          high[k] = v > high[k] ? v : high[k];
          ok &= v - v == T{ 0 };
        }
      for (; p != end; ++p)
      {
        low[0] = *p < low[0] ? *p : low[0];
        high[0] = *p > high[0] ? *p : high[0];
        ok &= *p - *p == T{ 0 };
      }
      lows[c] = static_cast<double>(std::min(std::min(low[0], low[1]), std::min(low[2], low[3])));
      highs[c] = static_cast<double>(std::max(std::max(high[0], high[1]), std::max(high[2], high[3])));
      finite[c] = ok;
    });
    const bool   allFinite = std::all_of(finite.begin(), finite.end(), [](char ok) { return ok != 0; });
    const double lo = *std::min_element(lows.begin(), lows.end()), hi = *std::max_element(highs.begin(), highs.end());
    if (!allFinite)
      for (ImageRegionConstIterator<InputImageType> it(input, largest); !it.IsAtEnd(); ++it)
        if (!std::isfinite(static_cast<double>(it.Get())))
          itkExceptionMacro(<< "the input has a non-finite value " << it.Get() << " at index " << it.GetIndex());
    m_UsedMinimum = lo;
    m_UsedMaximum = hi;
  }
  else
  {
    m_UsedMinimum = m_QuantizationMinimum;
    m_UsedMaximum = m_QuantizationMaximum;
  }
  // Levels over the output region padded by the window and the offsets, mirrored into the image.
  OffsetValueType reach = static_cast<OffsetValueType>(m_Radius);
  for (const auto & o : m_Offsets)
    for (unsigned d = 0; d < ImageDimension; ++d)
      reach = std::max<OffsetValueType>(reach, static_cast<OffsetValueType>(m_Radius) + std::abs(o[d]));
  m_Padded = this->GetOutput()->GetRequestedRegion();
  m_Padded.PadByRadius(reach);
  m_Levels.resize(m_Padded.GetNumberOfPixels());
  const double L = m_NumberOfLevels, range = m_UsedMaximum - m_UsedMinimum;
  const double scale = range > 0 ? L / range : 0.0, lowest = m_UsedMinimum;
  const int    top = static_cast<int>(m_NumberOfLevels) - 1;
  // Reflect-101 into the image, per axis.
  const auto mirror = [&largest](unsigned d, IndexValueType i) {
    const IndexValueType start = largest.GetIndex(d), n = static_cast<IndexValueType>(largest.GetSize(d));
    if (n == 1)
      return start;
    const IndexValueType period = 2 * n - 2;
    IndexValueType       x = ((i - start) % period + period) % period;
    return start + (x >= n ? period - x : x);
  };
  const size_t                width = m_Padded.GetSize(0);
  std::vector<IndexValueType> sourceX(width);
  for (size_t x = 0; x < width; ++x)
    sourceX[x] = mirror(0, m_Padded.GetIndex(0) + static_cast<IndexValueType>(x));
  const size_t lines = m_Levels.size() / width;
  // Line by line on every thread; the first non-finite value found is reported after the loop.
  std::mutex           badMutex;
  bool                 bad = false;
  IndexType            badIndex;
  double               badValue = 0.0;
  const auto *         buffer = input->GetBufferPointer();
  const IndexValueType firstX = input->GetBufferedRegion().GetIndex(0);
  // The padded line's x inside the image: there the source advances one by one.
  const size_t insideBegin = static_cast<size_t>(
    std::clamp<IndexValueType>(largest.GetIndex(0) - m_Padded.GetIndex(0), 0, static_cast<IndexValueType>(width)));
  const size_t insideEnd =
    std::max(insideBegin,
             static_cast<size_t>(std::clamp<IndexValueType>(
               largest.GetIndex(0) + static_cast<IndexValueType>(largest.GetSize(0)) - m_Padded.GetIndex(0),
               0,
               static_cast<IndexValueType>(width))));
  parallel(lines, m_Levels.size(), [&](SizeValueType line) {
    IndexType source;
    size_t    rest = line;
    for (unsigned d = 1; d < ImageDimension; ++d)
    {
      source[d] = mirror(d, m_Padded.GetIndex(d) + static_cast<IndexValueType>(rest % m_Padded.GetSize(d)));
      rest /= m_Padded.GetSize(d);
    }
    unsigned char * out = m_Levels.data() + line * width;
    if (!(range > 0)) // a constant image (automatic range, already checked finite): one level
    {
      std::fill(out, out + width, static_cast<unsigned char>(0));
      return;
    }
    source[0] = firstX;
    const auto * row = buffer + input->ComputeOffset(source) - firstX; // the buffered line, by x
    // Branch-free over the inside of the line, the mirrored ends through their source indices.
    const size_t n = width, begin = insideBegin, end = insideEnd;
    const bool   check = !m_AutomaticQuantizationRange; // the automatic range scan found every value finite
    bool         finite = fusion::glcm::Quantize(row, sourceX.data(), out, begin, lowest, scale, top, check);
    if (end > begin)
      finite &=
        fusion::glcm::Quantize(row + sourceX[begin], nullptr, out + begin, end - begin, lowest, scale, top, check);
    finite &= fusion::glcm::Quantize(row, sourceX.data() + end, out + end, n - end, lowest, scale, top, check);
    if (finite)
      return;
    for (size_t x = 0; x < width; ++x)
      if (!std::isfinite(static_cast<double>(row[sourceX[x]])))
      {
        const std::lock_guard<std::mutex> lock(badMutex);
        if (!bad)
        {
          bad = true;
          badIndex = source;
          badIndex[0] = sourceX[x];
          badValue = static_cast<double>(row[sourceX[x]]);
        }
        return;
      }
  });
  if (bad)
    itkExceptionMacro(<< "the input has a non-finite value " << badValue << " at index " << badIndex);

  // The quick GLCM mean (images of up to three dimensions): the weighted boxes of every offset.
  m_QuickMean.reset();
  if (ImageDimension <= 3 && std::find(m_Features.begin(), m_Features.end(), Feature::Mean) != m_Features.end())
  {
    long radius[3] = { 0, 0, 0 };
    for (unsigned d = 0; d < ImageDimension; ++d)
      radius[d] = static_cast<long>(m_Radius);
    m_QuickMean = std::make_unique<fusion::GLCMQuickMean>(radius);
    const long r = static_cast<long>(m_Radius);
    double     allPairs = 0.0;
    for (const auto & o : m_Offsets)
    {
      double n = 1.0;
      for (unsigned d = 0; d < ImageDimension; ++d)
        n *= static_cast<double>(2 * r + 1 - std::abs(o[d]));
      allPairs += m_Symmetric ? 2.0 * n : n;
    }
    for (const auto & o : m_Offsets)
    {
      // Pairs (a, a + o) inside the window: a runs over box A, a + o over box B = A + o.
      long   lowA[3] = { 0, 0, 0 }, highA[3] = { 0, 0, 0 }, lowB[3] = { 0, 0, 0 }, highB[3] = { 0, 0, 0 };
      double n = 1.0;
      for (unsigned d = 0; d < ImageDimension; ++d)
      {
        lowA[d] = -r + std::max<long>(0, -o[d]);
        highA[d] = r - std::max<long>(0, o[d]);
        lowB[d] = lowA[d] + o[d];
        highB[d] = highA[d] + o[d];
        n *= static_cast<double>(2 * r + 1 - std::abs(o[d]));
      }
      const double pairs = m_Symmetric ? 2.0 * n : n;
      const double weight = m_OffsetCombination == OffsetCombination::AverageFeatures
                              ? 1.0 / (pairs * static_cast<double>(m_Offsets.size()))
                              : 1.0 / allPairs;
      m_QuickMean->AddBox(lowA, highA, weight);
      if (m_Symmetric)
        m_QuickMean->AddBox(lowB, highB, weight);
    }
  }
}

template <typename TInputImage, typename TOutputImage>
template <typename TSink>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::QuickMean(const OutputImageRegionType & region, TSink && sink) const
{
  const IndexType start = region.GetIndex();
  size_t          grid[3] = { 1, 1, 1 }, size[3] = { 1, 1, 1 };
  long            origin[3] = { 0, 0, 0 };
  for (unsigned d = 0; d < ImageDimension && d < 3; ++d)
  {
    grid[d] = m_Padded.GetSize(d);
    size[d] = region.GetSize(d);
    origin[d] = static_cast<long>(start[d] - m_Padded.GetIndex(d));
  }
  m_QuickMean->Evaluate(m_Levels.data(), grid, origin, size, [&](size_t y, size_t z, const double * values) {
    IndexType first = start;
    if (ImageDimension > 1)
      first[1] += static_cast<IndexValueType>(y);
    if (ImageDimension > 2)
      first[2] += static_cast<IndexValueType>(z);
    sink(first, values);
  });
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::KernelGenerateData()
{
  this->AllocateOutputs();
  this->BeforeThreadedGenerateData(); // the mirrored levels of the padded region
  OutputImageType *              output = this->GetOutput();
  const OutputImageRegionType    region = output->GetRequestedRegion();
  ::fusionkernels::GLCMArguments arguments;
  std::vector<int>               offsets;
  for (const auto & o : m_Offsets)
    for (unsigned d = 0; d < 3; ++d)
      offsets.push_back(d < ImageDimension ? static_cast<int>(o[d]) : 0);
  for (unsigned d = 0; d < 3 && d < ImageDimension; ++d)
  {
    arguments.padded[d] = static_cast<int>(m_Padded.GetSize(d));
    arguments.origin[d] = static_cast<int>(region.GetIndex(d) - m_Padded.GetIndex(d));
    arguments.size[d] = static_cast<int>(region.GetSize(d));
  }
  arguments.levels = m_Levels.data();
  for (unsigned d = 0; d < 3; ++d)
    arguments.radius[d] = d < ImageDimension ? static_cast<int>(m_Radius) : 0;
  arguments.offsets = offsets.data();
  arguments.offsetCount = static_cast<int>(m_Offsets.size());
  arguments.numberOfLevels = static_cast<int>(m_NumberOfLevels);
  arguments.symmetric = m_Symmetric;
  arguments.pooled = m_OffsetCombination == OffsetCombination::PooledHistogram;
  std::vector<float> features(region.GetNumberOfPixels() * 10);
  arguments.output = features.data();
  this->UpdateProgress(0.2f);
  this->RunKernel("GLCM", &::fusionkernels::KernelTable::GLCMFeatures, arguments);
  this->UpdateProgress(0.9f);
  size_t i = 0;
  for (ImageRegionIterator<OutputImageType> it(output, region); !it.IsAtEnd(); ++it, ++i)
    this->SetFeatures(it, features.data() + 10 * i);
  this->AfterThreadedGenerateData();
  this->UpdateProgress(1.0f);
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::DynamicThreadedGenerateData(const OutputImageRegionType & region)
{
  OutputImageType *     output = this->GetOutput();
  const unsigned        L = m_NumberOfLevels;
  const auto            r = static_cast<OffsetValueType>(m_Radius);
  const size_t          nFeatures = m_Features.size(), nOffsets = m_Offsets.size();
  const bool            quickOnly = nFeatures == 1 && m_Features[0] == Feature::Mean && m_QuickMean;
  const bool            pooled = m_OffsetCombination == OffsetCombination::PooledHistogram;
  TotalProgressReporter progress(this, output->GetRequestedRegion().GetNumberOfPixels());

  if constexpr (std::is_arithmetic<typename OutputImageType::PixelType>::value)
    if (quickOnly)
    {
      // The GLCM mean alone: the separable quick mean, written line by line.
      const size_t width = region.GetSize(0);
      QuickMean(region, [&](const IndexType & first, const double * values) {
        typename OutputImageType::PixelType * out = output->GetBufferPointer() + output->ComputeOffset(first);
        for (size_t x = 0; x < width; ++x)
          out[x] = static_cast<typename OutputImageType::PixelType>(values[x]);
        progress.Completed(width);
      });
      return;
    }
  // The quick mean of the region first (the histograms below give the other features).
  std::vector<double> quickMean;
  if (m_QuickMean)
  {
    quickMean.resize(region.GetNumberOfPixels());
    const size_t width = region.GetSize(0);
    QuickMean(region, [&](const IndexType & first, const double * values) {
      size_t line = 0, stride = 1;
      for (unsigned d = 1; d < ImageDimension; ++d)
      {
        line += static_cast<size_t>(first[d] - region.GetIndex(d)) * stride;
        stride *= region.GetSize(d);
      }
      std::copy(values, values + width, quickMean.begin() + static_cast<std::ptrdiff_t>(line * width));
    });
  }

  // The windows of each line along x, slid by the core (itkGLCMCooccurrence.h) in the padded levels.
  std::array<long, 3>              grid{ { 1, 1, 1 } };
  std::vector<std::array<long, 3>> offsets(nOffsets, std::array<long, 3>{ { 0, 0, 0 } });
  for (unsigned d = 0; d < ImageDimension; ++d)
  {
    grid[d] = static_cast<long>(m_Padded.GetSize(d));
    for (size_t k = 0; k < nOffsets; ++k)
      offsets[k][d] = static_cast<long>(m_Offsets[k][d]);
  }
  fusion::glcm::SlidingWindows windows(
    m_Levels.data(), grid, ImageDimension, offsets, static_cast<long>(r), L, m_Symmetric, pooled);

  const auto set = [this](ImageRegionIterator<OutputImageType> & it, const double * values) {
    this->SetFeatures(it, values);
    ++it;
  };
  const long width = static_cast<long>(region.GetSize(0));
  size_t     pixelIndex = 0; // in the region, x fastest
  for (ImageRegionIterator<OutputImageType> it(output, region); !it.IsAtEnd();)
  {
    const IndexType     first = it.GetIndex();
    std::array<long, 3> centre{ { 0, 0, 0 } };
    for (unsigned d = 0; d < ImageDimension; ++d)
      centre[d] = static_cast<long>(first[d] - m_Padded.GetIndex(d));
    if (quickOnly)
      for (long x = 0; x < width; ++x)
      {
        double values[10];
        values[0] = quickMean[pixelIndex++];
        set(it, values);
      }
    else
      windows.Line(centre, width, [&](size_t, double * values) {
        if (m_QuickMean)
          values[0] = quickMean[pixelIndex];
        ++pixelIndex;
        set(it, values);
      });
    progress.Completed(static_cast<SizeValueType>(width));
  }
}

template <typename TInputImage, typename TOutputImage>
template <typename TValue>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::SetFeatures(ImageRegionIterator<OutputImageType> & it,
                                                              const TValue *                         values) const
{
  if constexpr (std::is_arithmetic<typename OutputImageType::PixelType>::value)
    it.Set(static_cast<typename OutputImageType::PixelType>(values[static_cast<int>(m_Features[0])]));
  else
  {
    typename OutputImageType::PixelType pixel(static_cast<unsigned>(m_Features.size()));
    for (size_t q = 0; q < m_Features.size(); ++q)
      pixel[static_cast<unsigned>(q)] =
        static_cast<typename OutputImageType::InternalPixelType>(values[static_cast<int>(m_Features[q])]);
    it.Set(pixel);
  }
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::AfterThreadedGenerateData()
{
  std::vector<unsigned char>().swap(m_Levels);
  m_QuickMean.reset();
}

template <typename TInputImage, typename TOutputImage>
void
GLCMMeanTextureFilter<TInputImage, TOutputImage>::PrintSelf(std::ostream & os, Indent indent) const
{
  Superclass::PrintSelf(os, indent);
  os << indent << "Radius: " << m_Radius << std::endl;
  os << indent << "NumberOfLevels: " << m_NumberOfLevels << std::endl;
  os << indent << "Symmetric: " << (m_Symmetric ? "On" : "Off") << std::endl;
  os << indent << "OffsetCombination: "
     << (m_OffsetCombination == OffsetCombination::AverageFeatures ? "AverageFeatures" : "PooledHistogram")
     << std::endl;
  os << indent << "AutomaticQuantizationRange: " << (m_AutomaticQuantizationRange ? "On" : "Off") << std::endl;
  os << indent << "QuantizationMinimum: " << m_QuantizationMinimum << std::endl;
  os << indent << "QuantizationMaximum: " << m_QuantizationMaximum << std::endl;
  os << indent << "Offsets:";
  for (const auto & o : m_Offsets)
    os << " " << o;
  os << std::endl;
  os << indent << "Features:";
  for (const auto & feature : m_Features)
    os << " " << FeatureName(feature);
  os << std::endl;
}
} // namespace itk

#endif
