#include "itkFusionMetrics.h"

#include "itkFusionTargetClones.h"
#include "itkMultiThreaderBase.h"
#include "itkUninitialisedAllocator.h"
#include "metrics_rules.h"

#include <fftw3.h>
#if defined(FUSION_HAVE_LIBMVEC)
#  include <immintrin.h>
#endif

#include <algorithm>
#include <atomic>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <map>
#include <mutex>
#include <utility>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace itk
{
namespace fusion
{
double
FusionMetricsResult::Get(const std::string & name) const
{
  for (const auto & v : values)
    if (v.first == name)
      return v.second;
  throw std::out_of_range("no fusion metric named '" + name + "'");
}

const std::vector<std::string> &
FusionMetricsPresets()
{
  static const std::vector<std::string> presets{ "standard", "cddfuse", "vifb", "seed" };
  return presets;
}

namespace
{
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPi = 3.14159265358979323846;
const double     kE = std::exp(1.0);
using Shape = std::array<size_t, 3>;

/* ---- Scratch memory. Freshly mapped pages cost more here than the work done on them (the system
 * zero-fills each on first touch, and large freed blocks go back to it), so the large blocks that one
 * computation frees are kept for the next, which asks for the same sizes: blocks of at least 64 KiB,
 * at most 64 MiB in all (when full, the smallest cached blocks make room), for the life of the
 * process. */
class BlockCache
{
public:
  static BlockCache &
  Instance()
  {
    static BlockCache * cache = new BlockCache; // never destroyed: allocators may run at exit
    return *cache;
  }
  void *
  Take(size_t bytes)
  {
    if (bytes >= kSmallest)
    {
      std::lock_guard<std::mutex> guard(m_Lock);
      const auto                  it = m_Free.find(bytes);
      if (it != m_Free.end())
      {
        void * p = it->second;
        m_Free.erase(it);
        m_Bytes -= bytes;
        return p;
      }
    }
    return ::operator new(bytes);
  }
  void
  Give(void * p, size_t bytes)
  {
    if (bytes >= kSmallest && bytes <= kMost)
    {
      std::lock_guard<std::mutex> guard(m_Lock);
      while (m_Bytes + bytes > kMost)
      {
        m_Bytes -= m_Free.begin()->first;
        ::operator delete(m_Free.begin()->second);
        m_Free.erase(m_Free.begin());
      }
      m_Free.emplace(bytes, p);
      m_Bytes += bytes;
      return;
    }
    ::operator delete(p);
  }

private:
  static constexpr size_t          kSmallest = size_t{ 1 } << 16, kMost = size_t{ 64 } << 20;
  std::mutex                       m_Lock;
  std::multimap<size_t, void *>    m_Free; // by size
  size_t                           m_Bytes = 0;
};

/* UninitialisedAllocator's values in BlockCache's blocks. */
template <typename T>
struct ScratchAllocator : UninitialisedAllocator<T>
{
  using value_type = T;
  template <typename U>
  struct rebind
  {
    using other = ScratchAllocator<U>;
  };
  ScratchAllocator() = default;
  template <typename U>
  ScratchAllocator(const ScratchAllocator<U> &) noexcept
  {}
  T *
  allocate(size_t n)
  {
    return static_cast<T *>(BlockCache::Instance().Take(n * sizeof(T)));
  }
  void
  deallocate(T * p, size_t n)
  {
    BlockCache::Instance().Give(p, n * sizeof(T));
  }
};
template <typename T, typename U>
bool
operator==(const ScratchAllocator<T> &, const ScratchAllocator<U> &)
{
  return true;
}
template <typename T, typename U>
bool
operator!=(const ScratchAllocator<T> &, const ScratchAllocator<U> &)
{
  return false;
}
using Values = std::vector<double, ScratchAllocator<double>>; // every element written before read

size_t
Count(const Shape & s)
{
  return s[0] * s[1] * s[2];
}

/* Runs the tasks on `threads` threads, each taking the next task as it becomes free. */
void
RunTasks(const std::vector<std::function<void()>> & tasks, unsigned threads)
{
  std::atomic<size_t>  next{ 0 };
  std::exception_ptr   failure;
  std::mutex           failureLock;
  const auto           worker = [&]() {
    for (size_t i = next++; i < tasks.size(); i = next++)
    {
      try
      {
        tasks[i]();
      }
      catch (...)
      {
        std::lock_guard<std::mutex> lock(failureLock);
        if (!failure)
          failure = std::current_exception();
      }
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < std::min<size_t>(threads, tasks.size()); ++t)
    pool.emplace_back(worker);
  worker();
  for (auto & t : pool)
    t.join();
  if (failure)
    std::rethrow_exception(failure);
}

/* fn(begin, end) over [0, count) in `threads` contiguous parts. */
void
ParallelFor(size_t count, unsigned threads, const std::function<void(size_t, size_t)> & fn)
{
  const size_t parts = std::max<size_t>(1, std::min<size_t>(threads, count));
  if (parts == 1)
  {
    fn(0, count);
    return;
  }
  std::vector<std::thread> pool;
  for (size_t p = 1; p < parts; ++p)
    pool.emplace_back(fn, p * count / parts, (p + 1) * count / parts);
  fn(0, count / parts);
  for (auto & t : pool)
    t.join();
}

/* Four doubles as one vector (GCC's vector extension: one AVX2 or two SSE2 operations), and eight
 * (one AVX-512 operation; used only where the CPU has AVX-512). The functions taking and returning
 * them are inline in this file, so the ABI note does not apply. */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double Doubles __attribute__((vector_size(4 * sizeof(double))));
typedef double Doubles8 __attribute__((vector_size(8 * sizeof(double))));
template <class V = Doubles>
__attribute__((always_inline)) inline V
Load(const double * p)
{
  V v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class V>
__attribute__((always_inline)) inline void
Store(double * p, V v)
{
  std::memcpy(p, &v, sizeof v);
}

/* Sums over n values in four lanes (value i in lane i mod 4, up to the last whole group of four),
 * the lanes added at the end and the rest after them: one order on every machine, and vectorised. */
inline double
Total(Doubles lanes)
{
  return (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
}

/* ---- Separable correlation with a symmetric window of odd length k (every window here is one),
 * folded: out = w[c] v[c] + sum_{t < c} w[t] (v[t] + v[k-1-t]), summed in that order, as in the CUDA
 * kernels (fusion_metrics.cuh). */
/* out[i] = w[c] rows[c][i] + sum_{t < c} w[t] (rows[t][i] + rows[k-1-t][i]): the folded window across
 * k rows of n values (rows may be one line at k shifts); every output summed in the order written,
 * in registers, four vectors V of outputs at a time (four independent sums hide the additions'
 * latency). */
template <class V>
__attribute__((always_inline)) inline void
FoldRowsIn(const double * const * rows, const double * w, size_t k, size_t n, double * out)
{
  constexpr size_t L = sizeof(V) / sizeof(double);
  const size_t     c = (k - 1) / 2;
  const double *   centre = rows[c];
  const double     wc = w[c];
  size_t           i = 0;
  for (; i + 4 * L <= n; i += 4 * L)
  {
    V a0 = wc * Load<V>(centre + i), a1 = wc * Load<V>(centre + i + L), a2 = wc * Load<V>(centre + i + 2 * L),
      a3 = wc * Load<V>(centre + i + 3 * L);
    for (size_t t = 0; t < c; ++t)
    {
      const double * l = rows[t] + i, *r = rows[k - 1 - t] + i;
      const double   wt = w[t];
      a0 += wt * (Load<V>(l) + Load<V>(r));
      a1 += wt * (Load<V>(l + L) + Load<V>(r + L));
      a2 += wt * (Load<V>(l + 2 * L) + Load<V>(r + 2 * L));
      a3 += wt * (Load<V>(l + 3 * L) + Load<V>(r + 3 * L));
    }
    Store(out + i, a0);
    Store(out + i + L, a1);
    Store(out + i + 2 * L, a2);
    Store(out + i + 3 * L, a3);
  }
  for (; i + L <= n; i += L)
  {
    V a = wc * Load<V>(centre + i);
    for (size_t t = 0; t < c; ++t)
      a += w[t] * (Load<V>(rows[t] + i) + Load<V>(rows[k - 1 - t] + i));
    Store(out + i, a);
  }
  for (; i < n; ++i)
  {
    double a = wc * centre[i];
    for (size_t t = 0; t < c; ++t)
      a += w[t] * (rows[t][i] + rows[k - 1 - t][i]);
    out[i] = a;
  }
}

FUSION_TARGET_CLONES void
FoldRowsBy4(const double * const * rows, const double * w, size_t k, size_t n, double * out)
{
  FoldRowsIn<Doubles>(rows, w, k, n, out);
}

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
__attribute__((target("avx512f"))) void
FoldRowsBy8(const double * const * rows, const double * w, size_t k, size_t n, double * out)
{
  FoldRowsIn<Doubles8>(rows, w, k, n, out);
}
#endif

/* FoldRowsIn, eight outputs per vector where the CPU has AVX-512, else four (the same operations on
 * every output either way). */
void
FoldRows(const double * const * rows, const double * w, size_t k, size_t n, double * out)
{
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__)
  static const bool avx512 = __builtin_cpu_supports("avx512f");
  if (avx512)
  {
    FoldRowsBy8(rows, w, k, n, out);
    return;
  }
#endif
  FoldRowsBy4(rows, w, k, n, out);
}

FUSION_TARGET_CLONES void
Multiply(const double * a, const double * b, size_t n, double * out)
{
  for (size_t i = 0; i < n; ++i)
    out[i] = a[i] * b[i];
}

/* Correlation along x ('valid'): lines [firstLine, lastLine) of X values, `stride` apart in `in` (0: X),
 * into lines of X - k + 1 values. */
void
CorrelateAxis0(const double * in, size_t X, size_t firstLine, size_t lastLine, const double * w, size_t k, double * out,
               size_t stride = 0)
{
  const size_t                outX = X - k + 1;
  std::vector<const double *> rows(k);
  for (size_t line = firstLine; line < lastLine; ++line)
  {
    const double * i = in + line * (stride ? stride : X);
    for (size_t t = 0; t < k; ++t)
      rows[t] = i + t;
    FoldRows(rows.data(), w, k, outX, out + line * outX);
  }
}

/* Correlation along the axis of `length` rows of `inner` values ('valid'): output rows [firstRow,
 * lastRow) of the (length - k + 1) x outer output rows. */
void
CorrelateAxisOuter(const double * in, size_t inner, size_t length, size_t firstRow, size_t lastRow, const double * w,
                   size_t k, double * out)
{
  const size_t                outLength = length - k + 1;
  std::vector<const double *> rows(k);
  for (size_t row = firstRow; row < lastRow; ++row)
  {
    const size_t o = row / outLength, j = row % outLength;
    for (size_t t = 0; t < k; ++t)
      rows[t] = in + (o * length + j + t) * inner;
    FoldRows(rows.data(), w, k, inner, out + (o * outLength + j) * inner);
  }
}

/* Every z-slice of `image` correlated with each of the windows (all of one odd length k), 'same':
 * window centred, zeros outside (MATLAB's filter2 'same'). Row by row: the x pass of each input row
 * into a ring of the last k rows per window, the y pass as soon as an output row's input rows are
 * there; consumer(z, y, rows): rows[w] is output row y of window w. */
void
FilterSameRows(const double * image, const Shape & shape, const std::vector<std::vector<double>> & windows,
               const std::function<void(size_t, size_t, const double * const *)> & consumer)
{
  const size_t                X = shape[0], Y = shape[1], W = windows.size(), k = windows[0].size(), c = (k - 1) / 2;
  Values                      padded(X + k - 1, 0.0), ring(W * k * X), out(W * X);
  const Values                zeros(X, 0.0);
  std::vector<const double *> taps(k), outputs(W);
  for (size_t z = 0; z < shape[2]; ++z)
  {
    const double * slice = image + z * X * Y;
    size_t         ready = 0; // input rows x-passed
    for (size_t y = 0; y < Y; ++y)
    {
      for (; ready < std::min(y + c + 1, Y); ++ready)
      {
        std::copy(slice + ready * X, slice + (ready + 1) * X, padded.begin() + static_cast<std::ptrdiff_t>(c));
        for (size_t t = 0; t < k; ++t)
          taps[t] = padded.data() + t;
        for (size_t w = 0; w < W; ++w)
          FoldRows(taps.data(), windows[w].data(), k, X, ring.data() + (w * k + ready % k) * X);
      }
      for (size_t w = 0; w < W; ++w)
      {
        for (size_t t = 0; t < k; ++t)
        {
          const long from = static_cast<long>(y + t) - static_cast<long>(c);
          taps[t] = from < 0 || from >= static_cast<long>(Y) ? zeros.data()
                                                             : ring.data() + (w * k + static_cast<size_t>(from) % k) * X;
        }
        FoldRows(taps.data(), windows[w].data(), k, X, out.data() + w * X);
        outputs[w] = out.data() + w * X;
      }
      consumer(z, y, outputs.data());
    }
  }
}

/* A block of the 'valid' maps: plane zo, columns [x0, x0 + width), rows [y0, y0 + height); slot: its
 * index among all blocks (plane by plane, then tile by tile), below BlockCount. */
struct Block
{
  size_t zo, x0, y0, width, height, slot;
};
/* Receives one block of every map (planes[m]: width x height values, row by row); may run on
 * several threads at once for different blocks. */
using BlockConsumer = std::function<void(const Block & block, const double * const * planes)>;

/* How the 'valid' maps (oX x oY per plane) are cut into blocks: a volume into columns of kTile x kTile
 * outputs (the z pass's ring of every map then stays in the L2 cache), an image into rows (the y
 * pass's ring of every map stays in the L1/L2 cache). */
constexpr size_t kTile = 64;

struct Tiling
{
  size_t width, height, across, down; // the largest block; blocks along x and y
};

Tiling
TilingOf(size_t oX, size_t oY, unsigned dimension)
{
  if (dimension == 3)
    return { std::min(oX, kTile), std::min(oY, kTile), (oX + kTile - 1) / kTile, (oY + kTile - 1) / kTile };
  return { oX, 1, 1, oY };
}

/* The number of 'valid' windows of k taps in `shape`. */
size_t
WindowCount(const Shape & shape, unsigned dimension, size_t k)
{
  return (shape[0] - k + 1) * (shape[1] - k + 1) * (dimension == 3 ? shape[2] - k + 1 : 1);
}

/* The number of blocks of maps of `shape` filtered with k taps. */
size_t
BlockCount(const Shape & shape, unsigned dimension, size_t k)
{
  const size_t oZ = dimension == 3 ? shape[2] - k + 1 : 1;
  const Tiling t = TilingOf(shape[0] - k + 1, shape[1] - k + 1, dimension);
  return oZ * t.across * t.down;
}

/* The products images[first] * images[second] over columns [x0, x0 + width) and rows
 * [y0, y0 + height) of plane z, row by row into `out` (rows `width` apart); without a second image,
 * the first image itself (rows shape[0] apart). Returns where the values are and their row stride. */
std::pair<const double *, size_t>
GatherProduct(const double * a, const double * b, const Shape & shape, size_t z, size_t x0, size_t y0, size_t width,
              size_t height, double * out)
{
  const size_t plane = shape[0] * shape[1];
  if (!b)
    return { a + z * plane + y0 * shape[0] + x0, shape[0] };
  for (size_t y = 0; y < height; ++y)
  {
    const size_t from = z * plane + (y0 + y) * shape[0] + x0;
    Multiply(a + from, b + from, width, out + y * width);
  }
  return { out, width };
}

/* The last pass of the streaming below: map m's k ring entries of n values (entry j at (m k + j) n,
 * the oldest, output o's first, at o mod k) folded into out. */
void
FoldRing(const double * ring, size_t m, size_t o, const double * w, size_t k, size_t n, const double ** rows,
         double * out)
{
  for (size_t t = 0; t < k; ++t)
    rows[t] = ring + (m * k + (o + t) % k) * n;
  FoldRows(rows, w, k, n, out);
}

/* CPU local moments ('valid') streamed block by block, without full maps. An image goes row by row:
 * each map's product row and x pass into a ring of the last k rows, the y pass as soon as the ring is
 * full. A volume goes tile column by tile column and plane by plane: products, x and y passes into a
 * ring of the last k planes, the z pass as soon as it is full. Each block goes to the consumer and is
 * not kept. Row ranges (2D) or tiles (3D) run on `threads` threads. */
void
StreamBlocks(const std::vector<const double *> & images, const Shape & shape, unsigned dimension,
             const std::vector<std::pair<int, int>> & maps, const std::vector<double> & w, unsigned threads,
             const BlockConsumer & consumer)
{
  const size_t k = w.size(), M = maps.size();
  const size_t oX = shape[0] - k + 1, oY = shape[1] - k + 1, oZ = dimension == 3 ? shape[2] - k + 1 : 1;
  const Tiling tiling = TilingOf(oX, oY, dimension);
  const size_t tiles = tiling.across * tiling.down;
  const size_t work = oX * oY * oZ * M * k;
  threads = work < (size_t{ 1 } << 22) ? 1u : threads; // small: threads cost more than they save
  const auto first = [&](size_t m) { return images[static_cast<size_t>(maps[m].first)]; };
  const auto second = [&](size_t m) {
    return maps[m].second < 0 ? nullptr : images[static_cast<size_t>(maps[m].second)];
  };
  if (dimension == 2)
  {
    ParallelFor(oY, threads, [&](size_t firstRow, size_t lastRow) {
      Values                      product(shape[0]), ring(M * k * oX), result(M * oX);
      std::vector<const double *> rows(k), planes(M);
      for (size_t y = firstRow; y < lastRow + k - 1; ++y)
      {
        for (size_t m = 0; m < M; ++m)
        {
          const auto in = GatherProduct(first(m), second(m), shape, 0, 0, y, shape[0], 1, product.data());
          for (size_t t = 0; t < k; ++t)
            rows[t] = in.first + t;
          FoldRows(rows.data(), w.data(), k, oX, ring.data() + (m * k + y % k) * oX);
        }
        if (y + 1 < firstRow + k)
          continue;
        const size_t yo = y + 1 - k;
        for (size_t m = 0; m < M; ++m)
        {
          FoldRing(ring.data(), m, yo, w.data(), k, oX, rows.data(), result.data() + m * oX);
          planes[m] = result.data() + m * oX;
        }
        consumer(Block{ 0, 0, yo, oX, 1, yo }, planes.data());
      }
    });
    return;
  }
  ParallelFor(tiles, threads, [&](size_t firstTile, size_t lastTile) {
    const size_t                tw = tiling.width, th = tiling.height, iw = tw + k - 1, ih = th + k - 1;
    Values                      product(iw * ih), xPass(tw * ih), ring(M * k * tw * th), result(M * tw * th);
    std::vector<const double *> rows(k), planes(M);
    for (size_t tile = firstTile; tile < lastTile; ++tile)
    {
      const size_t x0 = (tile % tiling.across) * tw, y0 = (tile / tiling.across) * th;
      const size_t bw = std::min(tw, oX - x0), bh = std::min(th, oY - y0), n = bw * bh;
      for (size_t z = 0; z < shape[2]; ++z)
      {
        for (size_t m = 0; m < M; ++m)
        {
          const auto in = GatherProduct(first(m), second(m), shape, z, x0, y0, bw + k - 1, bh + k - 1, product.data());
          CorrelateAxis0(in.first, bw + k - 1, 0, bh + k - 1, w.data(), k, xPass.data(), in.second);
          CorrelateAxisOuter(xPass.data(), bw, bh + k - 1, 0, bh, w.data(), k, ring.data() + (m * k + z % k) * n);
        }
        if (z + 1 < k)
          continue;
        const size_t zo = z + 1 - k;
        for (size_t m = 0; m < M; ++m)
        {
          FoldRing(ring.data(), m, zo, w.data(), k, n, rows.data(), result.data() + m * n);
          planes[m] = result.data() + m * n;
        }
        consumer(Block{ zo, x0, y0, bw, bh, zo * tiles + tile }, planes.data());
      }
    }
  });
}

std::vector<double>
GaussianWindow(size_t n, double sigma, bool normalised = true)
{
  std::vector<double> w(n);
  double              sum = 0.0;
  for (size_t i = 0; i < n; ++i)
  {
    const double x = static_cast<double>(i) - static_cast<double>(n - 1) / 2.0;
    sum += w[i] = std::exp(-x * x / (2.0 * sigma * sigma));
  }
  if (normalised)
    for (double & v : w)
      v /= sum;
  return w;
}

/* ---- Where the heavy parts run. */
struct Engine
{
  FusionEnums::Backend backend;
  unsigned             dimension;
  unsigned             threads = 1; // CPU threads of one filtering

  bool
  OnDevice() const
  {
    return backend == FusionEnums::Backend::CUDA || backend == FusionEnums::Backend::EmulatedCUDA;
  }

  /* The maps images[first] * images[second] (second < 0: images[first]), each filtered 'valid'
   * with `w`; back to back; shape becomes the maps' shape. */
  Values
  Moments(const std::vector<const double *> & images, Shape & shape, const std::vector<std::pair<int, int>> & maps,
          const std::vector<double> & w) const
  {
    const size_t n = Count(shape);
    Shape        out = shape;
    for (unsigned d = 0; d < dimension; ++d)
      out[d] = shape[d] - w.size() + 1;
    Values result(Count(out) * maps.size());
    if (OnDevice())
    {
      Values packed(n * images.size());
      for (size_t i = 0; i < images.size(); ++i)
        std::copy(images[i], images[i] + n, packed.begin() + static_cast<std::ptrdiff_t>(i * n));
      ::fusion::LocalMomentsArguments a;
      a.dimension = static_cast<int>(dimension);
      std::copy(shape.begin(), shape.end(), a.shape);
      a.images = packed.data();
      a.imageCount = static_cast<int>(images.size());
      a.mapCount = static_cast<int>(maps.size());
      for (size_t m = 0; m < maps.size(); ++m)
      {
        a.first[m] = maps[m].first;
        a.second[m] = maps[m].second;
      }
      a.taps = w.data();
      a.tapCount = static_cast<int>(w.size());
      a.output = result.data();
      RunKernel(
        backend, "local statistics", [&] { return ::fusion::emu::LocalMoments(a); },
        [&] { return ::fusion::gpu::LocalMoments(a); });
    }
    else
    {
      const size_t count = Count(out);
      StreamBlocks(images, shape, dimension, maps, w, threads, [&](const Block & b, const double * const * planes) {
        for (size_t m = 0; m < maps.size(); ++m)
          for (size_t y = 0; y < b.height; ++y)
            std::copy(planes[m] + y * b.width, planes[m] + (y + 1) * b.width,
                      result.data() + m * count + (b.zo * out[1] + b.y0 + y) * out[0] + b.x0);
      });
    }
    shape = out;
    return result;
  }

  /* The maps of Moments block by block (BlockCount blocks; CPU: never all held at once). */
  void
  ForEachBlock(const std::vector<const double *> & images, Shape shape, const std::vector<std::pair<int, int>> & maps,
               const std::vector<double> & w, const BlockConsumer & consumer) const
  {
    if (!OnDevice())
    {
      StreamBlocks(images, shape, dimension, maps, w, threads, consumer);
      return;
    }
    // The device's full maps, cut into the same blocks.
    const auto                  all = Moments(images, shape, maps, w);
    const size_t                count = Count(shape);
    const Tiling                tiling = TilingOf(shape[0], shape[1], dimension);
    const size_t                tw = tiling.width, th = tiling.height, tiles = tiling.across * tiling.down;
    std::vector<double>         block(maps.size() * tw * th);
    std::vector<const double *> planes(maps.size());
    for (size_t zo = 0; zo < shape[2]; ++zo)
      for (size_t tile = 0; tile < tiles; ++tile)
      {
        const size_t x0 = (tile % tiling.across) * tw, y0 = (tile / tiling.across) * th;
        const size_t bw = std::min(tw, shape[0] - x0), bh = std::min(th, shape[1] - y0);
        for (size_t m = 0; m < maps.size(); ++m)
        {
          for (size_t y = 0; y < bh; ++y)
          {
            const double * from = all.data() + m * count + (zo * shape[1] + y0 + y) * shape[0] + x0;
            std::copy(from, from + bw, block.data() + m * tw * th + y * bw);
          }
          planes[m] = block.data() + m * tw * th;
        }
        consumer(Block{ zo, x0, y0, bw, bh, zo * tiles + tile }, planes.data());
      }
  }

  /* Joint histograms of 8-bit bins (images back to back), one per pair: 65536 counts each, back to
   * back. */
  std::vector<uint32_t, ScratchAllocator<uint32_t>>
  JointHistograms(const std::vector<uint8_t> & bins, size_t count, const std::vector<std::pair<int, int>> & pairs) const
  {
    std::vector<uint32_t, ScratchAllocator<uint32_t>> counts(pairs.size() * 65536, 0);
    if (OnDevice())
    {
      std::vector<int> flat;
      for (const auto & p : pairs)
      {
        flat.push_back(p.first);
        flat.push_back(p.second);
      }
      ::fusion::JointHistogramArguments a;
      a.bins = bins.data();
      a.imageCount = static_cast<int>(bins.size() / count);
      a.count = count;
      a.pairs = flat.data();
      a.pairCount = static_cast<int>(pairs.size());
      a.counts = counts.data();
      RunKernel(
        backend, "joint histogram", [&] { return ::fusion::emu::JointHistograms(a); },
        [&] { return ::fusion::gpu::JointHistograms(a); });
      return counts;
    }
    for (size_t p = 0; p < pairs.size(); ++p)
    {
      uint32_t *      c = counts.data() + p * 65536;
      const uint8_t * a = bins.data() + static_cast<size_t>(pairs[p].first) * count;
      const uint8_t * b = bins.data() + static_cast<size_t>(pairs[p].second) * count;
      for (size_t i = 0; i < count; ++i)
        ++c[a[i] * 256u + b[i]];
    }
    return counts;
  }
};

/* ---- Histograms and statistics. */
/* std::round (halves away from zero) of values in [0, 2^31), with truncations only: t = trunc(a) and
 * 2 (a - t) are exact, and trunc(2 (a - t)) is 1 from a half up. T: a double, or Doubles (the
 * truncations are then one instruction each on AVX2). */
typedef int Ints __attribute__((vector_size(4 * sizeof(int))));
inline double
Truncated(double v)
{
  return static_cast<double>(static_cast<int>(v));
}
inline Doubles
Truncated(Doubles v)
{
  return __builtin_convertvector(__builtin_convertvector(v, Ints), Doubles);
}
template <class T>
inline T
RoundNonNegative(T a)
{
  const T t = Truncated(a);
  return t + Truncated(2.0 * (a - t));
}

/* A histogram bin: rounded, clamped to 0..255 (clamped to [0, 256] first, which rounds alike). T: a
 * double, or Doubles. */
template <class T>
__attribute__((always_inline)) inline T
Bin(T v)
{
  v = v > 0.0 ? v : T{};
  v = v < 256.0 ? v : T{} + 256.0;
  v = RoundNonNegative(v);
  return v < 255.0 ? v : T{} + 255.0;
}

/* The histogram bins of n values, four at a time. */
FUSION_TARGET_CLONES void
Bins(const double * x, size_t n, uint8_t * out)
{
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
  {
    const Doubles v = Bin(Load(x + i));
    for (size_t l = 0; l < 4; ++l)
      out[i + l] = static_cast<uint8_t>(v[l]);
  }
  for (; i < n; ++i)
    out[i] = static_cast<uint8_t>(Bin(x[i]));
}

/* The smallest and largest of n >= 1 values. */
FUSION_TARGET_CLONES std::pair<double, double>
Range(const double * x, size_t n)
{
  Doubles lo = { x[0], x[0], x[0], x[0] }, hi = lo;
  size_t  i = 0;
  for (; i + 4 <= n; i += 4)
  {
    const Doubles v = Load(x + i);
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  double l = std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3]));
  double h = std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3]));
  for (; i < n; ++i)
  {
    l = std::min(l, x[i]);
    h = std::max(h, x[i]);
  }
  return { l, h };
}

/* The offset of the first non-finite of n values, or n. */
FUSION_TARGET_CLONES size_t
FirstNonFinite(const double * x, size_t n)
{
  Doubles lanes = {};
  size_t  i = 0;
  for (; i + 4 <= n; i += 4)
  {
    const Doubles v = Load(x + i);
    lanes += v - v; // 0, or NaN for an infinity or a NaN
  }
  if (Total(lanes) == 0.0)
    for (; i < n && std::isfinite(x[i]); ++i)
    {
    }
  else
    for (i = 0; std::isfinite(x[i]); ++i)
    {
    }
  return i;
}

/* x = min(255, max(0, (x - lo) * scale)) */
FUSION_TARGET_CLONES void
ScaleClamped(double * x, size_t n, double lo, double scale)
{
  for (size_t i = 0; i < n; ++i)
    x[i] = std::min(255.0, std::max(0.0, (x[i] - lo) * scale));
}

/* Liu's normalize1 (also VIFB's mutinf binning): min-max to 0..255, rounded; a constant image
 * becomes 0. */
FUSION_TARGET_CLONES Values
Normalize1(const double * x, size_t n)
{
  const auto          range = Range(x, n);
  const double        lo = range.first, hi = range.second;
  Values              r(n, 0.0);
  if (!(hi > lo))
    return r;
  size_t i = 0;
  for (; i + 4 <= n; i += 4) // (x - lo) / (hi - lo) * 255 lies in [0, 255]
    Store(r.data() + i, RoundNonNegative((Load(x + i) - lo) / (hi - lo) * 255.0));
  for (; i < n; ++i)
    r[i] = RoundNonNegative((x[i] - lo) / (hi - lo) * 255.0);
  return r;
}

template <class Count>
double
Entropy(const Count * counts, size_t bins, double total, double logBase)
{
  double h = 0.0;
  for (size_t i = 0; i < bins; ++i)
    if (counts[i] > 0)
    {
      const double p = counts[i] / total;
      h -= p * std::log(p);
    }
  return h / std::log(logBase);
}

struct Marginals
{
  std::vector<double> rows, columns;
};
/* The marginal counts of a 256 x 256 joint histogram. */
Marginals
MarginalsOf(const uint32_t * joint)
{
  Marginals m{ std::vector<double>(256, 0.0), std::vector<double>(256, 0.0) };
  for (size_t a = 0; a < 256; ++a)
    for (size_t b = 0; b < 256; ++b)
    {
      m.rows[a] += joint[a * 256 + b];
      m.columns[b] += joint[a * 256 + b];
    }
  return m;
}

FUSION_TARGET_CLONES double
Sum(const double * x, size_t n)
{
  Doubles lanes = {};
  size_t  i = 0;
  for (; i + 4 <= n; i += 4)
    lanes += Load(x + i);
  double s = Total(lanes);
  for (; i < n; ++i)
    s += x[i];
  return s;
}

double
Mean(const double * x, size_t n)
{
  return Sum(x, n) / static_cast<double>(n);
}

/* sum_i (a[i] - b[i])^2 */
FUSION_TARGET_CLONES double
SquaredDistance(const double * a, const double * b, size_t n)
{
  Doubles lanes = {};
  size_t  i = 0;
  for (; i + 4 <= n; i += 4)
  {
    const Doubles d = Load(a + i) - Load(b + i);
    lanes += d * d;
  }
  double s = Total(lanes);
  for (; i < n; ++i)
    s += (a[i] - b[i]) * (a[i] - b[i]);
  return s;
}

/* sum_i (x[i] - m)^2 */
FUSION_TARGET_CLONES double
CentredSquares(const double * x, size_t n, double m)
{
  Doubles lanes = {};
  size_t  i = 0;
  for (; i + 4 <= n; i += 4)
  {
    const Doubles d = Load(x + i) - m;
    lanes += d * d;
  }
  double s = Total(lanes);
  for (; i < n; ++i)
    s += (x[i] - m) * (x[i] - m);
  return s;
}

FUSION_TARGET_CLONES double
Pearson(const double * a, const double * b, size_t n)
{
  const double ma = Mean(a, n), mb = Mean(b, n);
  Doubles      ab = {}, aa = {}, bb = {};
  size_t       i = 0;
  for (; i + 4 <= n; i += 4)
  {
    const Doubles da = Load(a + i) - ma, db = Load(b + i) - mb;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  double sab = Total(ab), saa = Total(aa), sbb = Total(bb);
  for (; i < n; ++i)
  {
    const double da = a[i] - ma, db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / std::sqrt(saa * sbb) : kNaN;
}

/* The local statistics of an image that several comparisons share (the fused image): its window
 * mean and mean square, at every scale of VIF's pyramid. Computed once, by the first task that
 * asks; the others wait for it. */
class SharedMoments
{
public:
  struct Level
  {
    Shape               shape{};     // the image at this level
    Values              image;        // empty at level 0 (the original)
    Values              moments;      // window statistics ('valid'): the means, then the mean squares
  };

  const std::vector<Level> &
  Get(const std::function<std::vector<Level>()> & compute)
  {
    std::call_once(m_Once, [&] { m_Levels = compute(); });
    return m_Levels;
  }

private:
  std::once_flag     m_Once;
  std::vector<Level> m_Levels;
};

bool
Fits(const Shape & s, unsigned dimension, size_t n)
{
  for (unsigned a = 0; a < dimension; ++a)
    if (s[a] < n)
      return false;
  return true;
}

FUSION_TARGET_CLONES double
SSIMSum(const double * mx, const double * my, const double * xx, const double * yy, const double * xy, size_t n, double C1,
        double C2, double covariance)
{
  double total = 0.0;
  for (size_t i = 0; i < n; ++i)
  {
    const double sxx = covariance * (xx[i] - mx[i] * mx[i]), syy = covariance * (yy[i] - my[i] * my[i]);
    const double sxy = covariance * (xy[i] - mx[i] * my[i]);
    total += ((2 * mx[i] * my[i] + C1) * (2 * sxy + C2)) / ((mx[i] * mx[i] + my[i] * my[i] + C1) * (sxx + syy + C2));
  }
  return total;
}

/* SSIM of x against y: window w ('valid'), constants C1, C2, variances times `covariance` (1:
 * population moments; n / (n - 1): scikit-image's sample covariance). The mean of the per-plane
 * sums, added in plane order (the same for any thread count). */
double
SSIM(const Engine & engine, const double * x, const double * y, const Shape & shape, const std::vector<double> & w,
     double C1, double C2, double covariance)
{
  if (!Fits(shape, engine.dimension, w.size()))
    return kNaN; // smaller than the window
  std::vector<double> sums(BlockCount(shape, engine.dimension, w.size()), 0.0);
  engine.ForEachBlock({ x, y }, shape, { { 0, -1 }, { 1, -1 }, { 0, 0 }, { 1, 1 }, { 0, 1 } }, w,
                      [&](const Block & b, const double * const * p) {
                        sums[b.slot] = SSIMSum(p[0], p[1], p[2], p[3], p[4], b.width * b.height, C1, C2, covariance);
                      });
  double total = 0.0;
  for (double v : sums)
    total += v;
  return total / static_cast<double>(WindowCount(shape, engine.dimension, w.size()));
}

/* VIF's scales (vifp_mscale): window N = 2^(5 - s) + 1, sigma N / 5. */
std::vector<double>
VIFWindow(int scale)
{
  const size_t n = (size_t{ 1 } << (5 - scale)) + 1;
  return GaussianWindow(n, static_cast<double>(n) / 5.0);
}

/* One image down VIF's pyramid: for s > 1 filtered with scale s's window ('valid') and decimated by
 * 2 (every second sample from the first) along each axis; stops where a window no longer fits (filter2
 * 'valid' gives an empty result). With `statistics`, each level's window mean and mean square. */
std::vector<SharedMoments::Level>
VIFPyramid(const Engine & engine, const double * image, const Shape & shape, bool statistics)
{
  std::vector<SharedMoments::Level> levels;
  const double *                    current = image;
  Shape                             s = shape;
  for (int scale = 1; scale <= 4; ++scale)
  {
    const auto w = VIFWindow(scale);
    if (!Fits(s, engine.dimension, w.size()))
      break;
    SharedMoments::Level level;
    if (scale > 1)
    {
      Shape      filtered = s;
      const auto smooth = engine.Moments({ current }, filtered, { { 0, -1 } }, w);
      Shape      half = filtered;
      for (unsigned a = 0; a < engine.dimension; ++a)
        half[a] = (filtered[a] + 1) / 2;
      level.image.resize(Count(half));
      for (size_t z = 0; z < half[2]; ++z)
        for (size_t y = 0; y < half[1]; ++y)
          for (size_t x = 0; x < half[0]; ++x)
            level.image[(z * half[1] + y) * half[0] + x] =
              smooth[((engine.dimension > 2 ? 2 * z : z) * filtered[1] + 2 * y) * filtered[0] + 2 * x];
      s = half;
      if (!Fits(s, engine.dimension, w.size()))
        break;
    }
    level.shape = s;
    levels.push_back(std::move(level));
    current = levels.back().image.empty() ? image : levels.back().image.data();
    if (statistics)
    {
      Shape m = s;
      levels.back().moments = engine.Moments({ current }, m, { { 0, -1 }, { 0, 0 } }, w);
    }
  }
  return levels;
}

/* VIF's factors 1 + g^2 sigma_R^2 / (sigma_V^2 + sigma_N^2) and 1 + sigma_R^2 / sigma_N^2 at a window, with
 * vifp_mscale's clamps in its order, from the reference's mean, mean square and cross moment and the
 * distorted image's mean and mean square. T: a double, or Doubles (four windows). */
template <class T>
inline void
VIFFactor(T mu1, T rr, T rd, T mu2, T dd, T & num, T & den)
{
  const double noise = 2.0, eps = 1e-10;
  const T      zero{};
  T            sR = rr - mu1 * mu1, sD = dd - mu2 * mu2;
  sR = sR > 0.0 ? sR : zero; // std::max(sR, 0.0)
  sD = sD > 0.0 ? sD : zero;
  const T sRD = rd - mu1 * mu2;
  T       g = sRD / (sR + eps), sv = sD - g * sRD;
  const auto flatR = sR < eps;
  g = flatR ? zero : g;
  sv = flatR ? sD : sv;
  sR = flatR ? zero : sR;
  const auto flatD = sD < eps;
  g = flatD ? zero : g;
  sv = flatD ? zero : sv;
  const auto negative = g < 0.0;
  sv = negative ? sD : sv;
  g = negative ? zero : g;
  sv = sv <= eps ? zero + eps : sv;
  num = 1.0 + g * g * sR / (sv + noise);
  den = 1.0 + sR / noise;
}

/* VIFFactor at n windows, four at a time. */
FUSION_TARGET_CLONES void
VIFFactors(const double * mu1, const double * rr, const double * rd, const double * mu2, const double * dd, size_t n,
           double * num, double * den)
{
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
  {
    Doubles a, b;
    VIFFactor<Doubles>(Load(mu1 + i), Load(rr + i), Load(rd + i), Load(mu2 + i), Load(dd + i), a, b);
    Store(num + i, a);
    Store(den + i, b);
  }
  for (; i < n; ++i)
    VIFFactor<double>(mu1[i], rr[i], rd[i], mu2[i], dd[i], num[i], den[i]);
}

/* VIF, pixel domain, four scales (vifp_mscale): reference r, distorted d with its pyramid and
 * statistics dLevels (VIFPyramid). */
double
VIF(const Engine & engine, const double * r, const Shape & shape, const double * d,
    const std::vector<SharedMoments::Level> & dLevels)
{
  const auto   rLevels = VIFPyramid(engine, r, shape, false);
  double num = 0.0, den = 0.0;
  for (size_t l = 0; l < rLevels.size(); ++l)
  {
    const double * R = rLevels[l].image.empty() ? r : rLevels[l].image.data();
    const double * D = dLevels[l].image.empty() ? d : dLevels[l].image.data();
    const auto          w = VIFWindow(static_cast<int>(l) + 1);
    const Shape &       s = rLevels[l].shape;
    const size_t        outX = s[0] - w.size() + 1, outY = s[1] - w.size() + 1;
    const size_t        outZ = engine.dimension == 3 ? s[2] - w.size() + 1 : 1;
    std::vector<double> nums(BlockCount(s, engine.dimension, w.size()), 0.0), dens(nums.size(), 0.0);
    engine.ForEachBlock({ R, D }, s, { { 0, -1 }, { 0, 0 }, { 0, 1 } }, w,
                        [&](const Block & block, const double * const * p) {
                          // The factors, row by row against the distorted image's statistics.
                          const size_t        count = block.width * block.height;
                          std::vector<double> numFactors(count), denFactors(count);
                          for (size_t r = 0; r < block.height; ++r)
                          {
                            const size_t at = (block.zo * outY + block.y0 + r) * outX + block.x0;
                            const size_t i = r * block.width;
                            VIFFactors(p[0] + i, p[1] + i, p[2] + i, dLevels[l].moments.data() + at,
                                       dLevels[l].moments.data() + outX * outY * outZ + at, block.width,
                                       numFactors.data() + i,
                                       denFactors.data() + i);
                          }
                          // Sums of log10(1 + x) taken as log10 of products of 32 factors (each in
                          // [1, 8130]: no overflow), 32 times fewer logarithms; moves the result by
                          // ~1e-15 relative.
                          double numProduct = 1.0, denProduct = 1.0, blockNum = 0.0, blockDen = 0.0;
                          for (size_t i = 0; i < count; ++i)
                          {
                            if (i % 32 == 0 && i)
                            {
                              blockNum += std::log10(numProduct);
                              blockDen += std::log10(denProduct);
                              numProduct = denProduct = 1.0;
                            }
                            numProduct *= numFactors[i];
                            denProduct *= denFactors[i];
                          }
                          nums[block.slot] = blockNum + std::log10(numProduct);
                          dens[block.slot] = blockDen + std::log10(denProduct);
                        });
    for (size_t b = 0; b < nums.size(); ++b)
    {
      num += nums[b];
      den += dens[b];
    }
  }
  return den > 0 ? num / den : kNaN;
}

/* Q_Y (Yang et al. 2008, Liu's metricYang) of two sources. */
double
QY(const Engine & engine, const double * a, const double * b, const double * f, Shape shape)
{
  const auto w = GaussianWindow(7, 1.5);
  if (!Fits(shape, engine.dimension, w.size()))
    return kNaN;
  const double C = 2e-16;
  const auto   ssim = [&](double mx, double my, double vx, double vy, double cxy) {
    return ((2 * mx * my + C) * (2 * cxy + C)) / ((mx * mx + my * my + C) * (vx + vy + C));
  };
  std::vector<double> sums(BlockCount(shape, engine.dimension, w.size()), 0.0);
  engine.ForEachBlock(
    { a, b, f }, shape, { { 0, -1 }, { 1, -1 }, { 2, -1 }, { 0, 0 }, { 1, 1 }, { 2, 2 }, { 0, 1 }, { 0, 2 }, { 1, 2 } }, w,
    [&](const Block & block, const double * const * p) {
      double total = 0.0;
      for (size_t i = 0; i < block.width * block.height; ++i)
      {
        const double ma = p[0][i], mb = p[1][i], mf = p[2][i];
        const double va = p[3][i] - ma * ma, vb = p[4][i] - mb * mb, vf = p[5][i] - mf * mf;
        const double ab = p[6][i] - ma * mb, af = p[7][i] - ma * mf, bf = p[8][i] - mb * mf;
        const double sab = ssim(ma, mb, va, vb, ab), saf = ssim(ma, mf, va, vf, af), sbf = ssim(mb, mf, vb, vf, bf);
        const double lambda = va + vb != 0.0 ? va / (va + vb) : 0.5;
        total += sab >= 0.75 ? lambda * saf + (1 - lambda) * sbf : std::max(saf, sbf);
      }
      sums[block.slot] = total;
    });
  double total = 0.0;
  for (double v : sums)
    total += v;
  return total / static_cast<double>(WindowCount(shape, engine.dimension, w.size()));
}

/* Filters each z-slice in the frequency domain by H(|f_x|, |f_y|) (MATLAB's freqspace frequencies
 * times the slice size: integers, fftshift's convention), keeping the real part. FFTW plans are made
 * under a lock (the planner is not thread-safe). */
std::mutex &
PlannerLock()
{
  static std::mutex lock;
  return lock;
}
/* The gains of FilteredSlices for one slice size, divided by the FFT's scale: H once per
 * pair (|f_x|, |f_y|). */
std::vector<double>
FrequencyGain(const Shape & shape, const std::function<double(double, double)> & H)
{
  const int           X = static_cast<int>(shape[0]), Y = static_cast<int>(shape[1]), Xc = X / 2 + 1;
  const int           FX = X / 2 + 1, FY = Y / 2 + 1;
  std::vector<double> table(static_cast<size_t>(FX) * FY), gain(static_cast<size_t>(Xc) * Y);
  for (int fy = 0; fy < FY; ++fy)
    for (int fx = 0; fx < FX; ++fx)
      table[static_cast<size_t>(fy) * FX + fx] = H(fx, fy) / (static_cast<double>(X) * Y);
  for (int i = 0; i < Y; ++i)
    for (int j = 0; j < Xc; ++j)
    {
      const int fy = i < (Y + 1) / 2 ? i : i - Y;
      const int fx = j < (X + 1) / 2 ? j : j - X;
      gain[static_cast<size_t>(i) * Xc + j] = table[static_cast<size_t>(std::abs(fy)) * FX + std::abs(fx)];
    }
  return gain;
}

/* The contrast sensitivity filters of Q_CB (Chen and Blum's difference of Gaussians, r in cycles per
 * slice / 15) and Q_CV (Mannos and Sakrison, r / 4). */
enum class Sensitivity
{
  ChenBlum,
  MannosSakrison
};
double
SensitivityAt(Sensitivity which, double fx, double fy)
{
  if (which == Sensitivity::ChenBlum)
  {
    const double r = std::sqrt((fx / 15.0) * (fx / 15.0) + (fy / 15.0) * (fy / 15.0));
    return std::exp(-(r / 15.3870) * (r / 15.3870)) - 0.7622 * std::exp(-(r / 1.3456) * (r / 1.3456));
  }
  const double r = std::sqrt((fx / 4.0) * (fx / 4.0) + (fy / 4.0) * (fy / 4.0));
  return 2.6 * (0.0192 + 0.144 * r) * std::exp(-std::pow(0.144 * r, 1.1));
}

/* FrequencyGain of a filter for one slice size, made once per process (as the FFT plans below). */
const std::vector<double> &
GainFor(Sensitivity which, const Shape & shape)
{
  static std::map<std::tuple<int, size_t, size_t>, std::vector<double>> gains; // kept for the process's life
  static std::mutex                                                     lock;
  std::lock_guard<std::mutex>                                           guard(lock);
  std::vector<double> & gain = gains[std::make_tuple(static_cast<int>(which), shape[0], shape[1])];
  if (gain.empty())
    gain = FrequencyGain(shape, [which](double fx, double fy) { return SensitivityAt(which, fx, fy); });
  return gain;
}

/* The r2c and c2r plans of one slice size, made once per process under the planner lock and
 * executed on each caller's own equally aligned (AlignedDoubles) arrays. */
struct SlicePlans
{
  fftw_plan forward = nullptr, backward = nullptr;
};
const SlicePlans &
PlansFor(int X, int Y)
{
  static std::map<std::pair<int, int>, SlicePlans> plans; // kept for the process's life
  std::lock_guard<std::mutex>                      lock(PlannerLock());
  SlicePlans &                                     p = plans[{ X, Y }];
  if (!p.forward)
  {
    const int      Xc = X / 2 + 1;
    double *       real = fftw_alloc_real(static_cast<size_t>(X) * Y);
    fftw_complex * spectrum = fftw_alloc_complex(static_cast<size_t>(Xc) * Y);
    p.forward = fftw_plan_dft_r2c_2d(Y, X, real, spectrum, FFTW_ESTIMATE);
    p.backward = fftw_plan_dft_c2r_2d(Y, X, spectrum, real, FFTW_ESTIMATE);
    fftw_free(real);
    fftw_free(spectrum);
  }
  return p;
}

/* n doubles aligned to 64 bytes, as fftw_malloc's (the plans, made on fftw_malloc'd arrays, need the
 * same alignment), in BlockCache's blocks. */
class AlignedDoubles
{
public:
  explicit AlignedDoubles(size_t n)
    : m_Storage(n + 8)
  {
    const auto address = reinterpret_cast<std::uintptr_t>(m_Storage.data());
    m_Data = m_Storage.data() + ((64 - address % 64) % 64) / sizeof(double);
  }
  double *
  Data()
  {
    return m_Data;
  }
  fftw_complex *
  Complex()
  {
    return reinterpret_cast<fftw_complex *>(m_Data);
  }

private:
  Values   m_Storage;
  double * m_Data;
};

/* The transforms of one slice size: its plans and a slice's arrays (plane values, half spectrum
 * values: X / 2 + 1 by Y). */
struct SliceTransforms
{
  explicit SliceTransforms(const Shape & shape)
    : plane(shape[0] * shape[1])
    , half((shape[0] / 2 + 1) * shape[1])
    , plans(PlansFor(static_cast<int>(shape[0]), static_cast<int>(shape[1])))
    , realBuffer(plane)
    , spectrumBuffer(2 * half)
  {}
  double *
  Real()
  {
    return realBuffer.Data();
  }
  fftw_complex *
  Spectrum()
  {
    return spectrumBuffer.Complex();
  }

  const size_t       plane, half;
  const SlicePlans & plans;
  AlignedDoubles     realBuffer, spectrumBuffer;
};

/* The spectra (r2c) of every z-slice of an image, back to back. */
using Spectra = std::vector<std::complex<double>, ScratchAllocator<std::complex<double>>>;
Spectra
SliceSpectra(const Values & image, const Shape & shape)
{
  SliceTransforms t(shape);
  Spectra         result(t.half * shape[2]);
  for (size_t z = 0; z < shape[2]; ++z)
  {
    std::copy(image.begin() + static_cast<std::ptrdiff_t>(z * t.plane),
              image.begin() + static_cast<std::ptrdiff_t>((z + 1) * t.plane), t.Real());
    fftw_execute_dft_r2c(t.plans.forward, t.Real(), t.Spectrum());
    for (size_t i = 0; i < t.half; ++i)
      result[z * t.half + i] = { t.Spectrum()[i][0], t.Spectrum()[i][1] };
  }
  return result;
}

/* Every z-slice filtered in the frequency domain: the real part (c2r) of its spectrum in `a` (minus
 * the one in `b`, if given) times the gain (FrequencyGain). */
Values
FilteredSlices(const Spectra & a, const Spectra * b, const Shape & shape, const std::vector<double> & gain)
{
  SliceTransforms t(shape);
  Values          result(Count(shape));
  for (size_t z = 0; z < shape[2]; ++z)
  {
    fftw_complex * spectrum = t.Spectrum();
    for (size_t i = 0; i < t.half; ++i)
    {
      const std::complex<double> v = b ? a[z * t.half + i] - (*b)[z * t.half + i] : a[z * t.half + i];
      spectrum[i][0] = v.real() * gain[i];
      spectrum[i][1] = v.imag() * gain[i];
    }
    fftw_execute_dft_c2r(t.plans.backward, spectrum, t.Real());
    std::copy(t.Real(), t.Real() + t.plane, result.begin() + static_cast<std::ptrdiff_t>(z * t.plane));
  }
  return result;
}

/* Q_CB's masked local contrast of one row from its two Gaussian-filtered rows. */
FUSION_TARGET_CLONES void
ContrastRow(const double * g2, const double * g4, size_t n, double * out)
{
  for (size_t i = 0; i < n; ++i)
  {
    const double b1 = g2[i] / (2 * kPi * 4.0), b2 = g4[i] / (2 * kPi * 16.0);
    const double C = std::abs(b1 / b2 - 1.0);
    out[i] = C * C * C / (C * C + 1e-4);
  }
}

/* Q_CB's masked local contrast C' of one image through normalize1, from its spectra (per z-slice). */
Values
ChenBlumContrast(const Spectra & spectra, const Shape & shape, const std::vector<double> & csf)
{
  const Values image = FilteredSlices(spectra, nullptr, shape, csf);
  // 31 x 31 Gaussians exp(-(x^2 + y^2) / 2 s^2) / (2 pi s^2), filter2 'same' (zero padding).
  Values c(image.size());
  FilterSameRows(image.data(), shape, { GaussianWindow(31, 2.0, false), GaussianWindow(31, 4.0, false) },
                 [&](size_t z, size_t y, const double * const * g) {
                   ContrastRow(g[0], g[1], shape[0], c.data() + (z * shape[1] + y) * shape[0]);
                 });
  return c;
}

/* Q_CB at pixel i (T: double) or pixels [i, i + 4) (T: Doubles): sum_k lambda_k Q_kF, lambda_k =
 * C'_k^2 / sum_j C'_j^2, from the contrasts of the sources, then the fused image. */
template <class T>
__attribute__((always_inline)) inline T
ChenBlumAt(const std::vector<Values> & contrasts, size_t i)
{
  const size_t N = contrasts.size() - 1;
  const T      F = Load<T>(contrasts[N].data() + i);
  T            squares{}, q{};
  for (size_t k = 0; k < N; ++k)
  {
    const T c = Load<T>(contrasts[k].data() + i);
    squares += c * c;
  }
  for (size_t k = 0; k < N; ++k)
  {
    const T c = Load<T>(contrasts[k].data() + i);
    q += c * c / squares * (c < F ? c / F : F / c);
  }
  return q;
}

/* Q_CB: the mean of ChenBlumAt over the pixels where it is defined. */
FUSION_TARGET_CLONES double
ChenBlum(const std::vector<Values> & contrasts) // sources, then the fused image
{
  const size_t n = contrasts[0].size();
  Doubles      totals = {}, counts = {};
  size_t       i = 0;
  for (; i + 4 <= n; i += 4)
  {
    const Doubles q = ChenBlumAt<Doubles>(contrasts, i);
    const auto    finite = q - q == 0.0; // false for NaN and infinities
    totals += finite ? q : 0.0;
    counts += finite ? 1.0 : 0.0;
  }
  double total = Total(totals), defined = Total(counts);
  for (; i < n; ++i)
  {
    const double q = ChenBlumAt<double>(contrasts, i);
    if (std::isfinite(q))
    {
      total += q;
      defined += 1.0;
    }
  }
  return defined > 0 ? total / defined : kNaN;
}

/* Q_CV's parts for one source: sum over 16 x 16 blocks of lambda D and of lambda (S, F through
 * normalize1; the difference filtered from the difference of their spectra). */
std::pair<double, double>
ChenVarshney(const Values & S, const Spectra & spectraS, const Spectra & spectraF, const Shape & shape,
             const std::vector<double> & csf)
{
  const Values difference = FilteredSlices(spectraS, &spectraF, shape, csf);
  const long X = static_cast<long>(shape[0]), Y = static_cast<long>(shape[1]);
  const long BX = (X + 15) / 16, BY = (Y + 15) / 16;
  double     num = 0.0, den = 0.0;
  for (size_t z = 0; z < shape[2]; ++z)
  {
    const double *      slice = S.data() + z * X * Y;
    const double *      filtered = difference.data() + z * X * Y;
    std::vector<double> saliency(static_cast<size_t>(BX * BY), 0.0), distortion(saliency.size(), 0.0);
    for (long y = 0; y < Y; ++y)
      for (long x = 0; x < X; ++x)
      {
        const auto   edge = ::fusion::metrics::EdgeAt(slice, X, Y, x, y); // zero-padded Sobel
        const double g = edge.g;
        const size_t block = static_cast<size_t>((y / 16) * BX + x / 16);
        saliency[block] += g * g * g * g * g;
        distortion[block] += filtered[y * X + x] * filtered[y * X + x];
      }
    for (size_t b = 0; b < saliency.size(); ++b)
    {
      num += saliency[b] * distortion[b] / 256.0;
      den += saliency[b];
    }
  }
  return { num, den };
}

/* FMI (METRICS.md 2.2): the mean over the 3x3 windows of every z-slice of 2 I / (H_S + H_F). */
double
FeatureMutualInformation(const double * s, const double * f, const Shape & shape)
{
  const long X = static_cast<long>(shape[0]), Y = static_cast<long>(shape[1]);
  if (X < 3 || Y < 3)
    return kNaN;
  double total = 0.0;
  size_t windows = 0;
  for (size_t z = 0; z < shape[2]; ++z)
  {
    const double * S = s + z * X * Y;
    const double * F = f + z * X * Y;
    for (long y = 1; y + 1 < Y; ++y)
      for (long x = 1; x + 1 < X; ++x)
      {
        double ps[9], pf[9];
        bool   same = true;
        for (int c = 0, i = 0; c < 3; ++c) // column-major, as MATLAB's (:)
          for (int r = 0; r < 3; ++r, ++i)
          {
            ps[i] = S[(y - 1 + r) * X + x - 1 + c];
            pf[i] = F[(y - 1 + r) * X + x - 1 + c];
            same = same && ps[i] == pf[i];
          }
        ++windows;
        if (same)
        {
          total += 1.0;
          continue;
        }
        bool flat[2];
        for (int which = 0; which < 2; ++which)
        {
          double *   p = which ? pf : ps;
          const auto range = std::minmax_element(p, p + 9);
          const double lo = *range.first, hi = *range.second;
          flat[which] = !(hi > lo);
          double sum = 0.0;
          for (int i = 0; i < 9; ++i)
            sum += p[i] = flat[which] ? 1.0 : (p[i] - lo) / (hi - lo);
          for (int i = 0; i < 9; ++i)
            p[i] /= sum;
        }
        if (flat[0] && flat[1])
        {
          total += 1.0;
          continue;
        }
        if (flat[0] || flat[1])
          continue; // no correlation: independent, I = 0
        const double c = Pearson(pf, ps, 9);
        double       cf[9], cs[9];
        for (int i = 0; i < 9; ++i)
        {
          cf[i] = pf[i] + (i ? cf[i - 1] : 0.0);
          cs[i] = ps[i] + (i ? cs[i - 1] : 0.0);
        }
        // The Frechet bound (upper for c >= 0, lower otherwise) differenced into a pmf.
        double bound[9][9], pmf[9][9];
        for (int i = 0; i < 9; ++i)
          for (int j = 0; j < 9; ++j)
            bound[i][j] = c >= 0 ? std::min(cf[i], cs[j]) : std::max(cf[i] + cs[j] - 1.0, 0.0);
        double ei = 0.0, ej = 0.0, eij = 0.0, eii = 0.0, ejj = 0.0;
        for (int i = 0; i < 9; ++i)
          for (int j = 0; j < 9; ++j)
          {
            pmf[i][j] = bound[i][j] - (i ? bound[i - 1][j] : 0.0) - (j ? bound[i][j - 1] : 0.0) +
                        (i && j ? bound[i - 1][j - 1] : 0.0);
            ei += i * pmf[i][j];
            ej += j * pmf[i][j];
            eij += i * j * pmf[i][j];
            eii += i * i * pmf[i][j];
            ejj += j * j * pmf[i][j];
          }
        const double boundCorrelation = (eij - ei * ej) / std::sqrt((eii - ei * ei) * (ejj - ej * ej));
        const double phi = boundCorrelation != 0.0 ? c / boundCorrelation : 0.0;
        double       I = 0.0, hf = 0.0, hs = 0.0;
        for (int i = 0; i < 9; ++i)
        {
          hf -= pf[i] > 0 ? pf[i] * std::log2(pf[i]) : 0.0;
          hs -= ps[i] > 0 ? ps[i] * std::log2(ps[i]) : 0.0;
          for (int j = 0; j < 9; ++j)
          {
            const double independent = pf[i] * ps[j];
            const double joint = phi * pmf[i][j] + (1 - phi) * independent;
            if (joint > 0 && independent > 0)
              I += joint * std::log2(joint / independent);
          }
        }
        total += I != 0.0 && hf + hs > 0 ? 2 * I / (hf + hs) : 0.0;
      }
  }
  return windows ? total / static_cast<double>(windows) : kNaN;
}

/* FMI feature images, per z-slice: MATLAB gradient along x, or the orthonormal DCT-II. */
std::vector<double>
GradientX(const double * x, const Shape & shape)
{
  std::vector<double> g(Count(shape));
  const size_t        X = shape[0];
  for (size_t line = 0; line < shape[1] * shape[2]; ++line)
    for (size_t i = 0; i < X; ++i)
    {
      const double * r = x + line * X;
      g[line * X + i] = X == 1 ? 0.0 : (i == 0 ? r[1] - r[0] : (i + 1 == X ? r[i] - r[i - 1] : (r[i + 1] - r[i - 1]) / 2.0));
    }
  return g;
}
std::vector<double>
DCT(const double * x, const Shape & shape)
{
  const int           X = static_cast<int>(shape[0]), Y = static_cast<int>(shape[1]);
  std::vector<double> out(Count(shape));
  double *            in = fftw_alloc_real(static_cast<size_t>(X) * Y);
  double *            res = fftw_alloc_real(static_cast<size_t>(X) * Y);
  fftw_plan           plan;
  {
    std::lock_guard<std::mutex> lock(PlannerLock());
    plan = fftw_plan_r2r_2d(Y, X, in, res, FFTW_REDFT10, FFTW_REDFT10, FFTW_ESTIMATE);
  }
  const size_t plane = shape[0] * shape[1];
  for (size_t z = 0; z < shape[2]; ++z)
  {
    std::copy(x + z * plane, x + (z + 1) * plane, in);
    fftw_execute(plan);
    for (int v = 0; v < Y; ++v)
      for (int u = 0; u < X; ++u) // FFTW's REDFT10 is 2 sum cos(...); orthonormal scaling
        out[z * plane + static_cast<size_t>(v) * X + u] =
          res[v * X + u] * (u ? std::sqrt(2.0 / X) : std::sqrt(1.0 / X)) / 2.0 * (v ? std::sqrt(2.0 / Y) : std::sqrt(1.0 / Y)) / 2.0;
  }
  {
    std::lock_guard<std::mutex> lock(PlannerLock());
    fftw_destroy_plan(plan);
  }
  fftw_free(in);
  fftw_free(res);
  return out;
}
/* ---- Qabf and Nabf on the CPU, a row of pixels at a time. */
#if defined(FUSION_HAVE_LIBMVEC)
extern "C" __m256d _ZGVdN4v_exp(__m256d);  // glibc's vector functions (libmvec), AVX2 variants
extern "C" __m256d _ZGVdN4v_atan(__m256d);
__attribute__((target("avx2"))) void
ElementaryAvx2(bool atan, double * v, size_t n)
{
  size_t i = 0;
  for (; i + 4 <= n; i += 4)
  {
    const __m256d x = _mm256_loadu_pd(v + i);
    _mm256_storeu_pd(v + i, atan ? _ZGVdN4v_atan(x) : _ZGVdN4v_exp(x));
  }
  for (; i < n; ++i)
    v[i] = atan ? std::atan(v[i]) : std::exp(v[i]);
}
#endif

/* v[i] = atan(v[i]) or exp(v[i]) for i < n: glibc's vector functions (libmvec, within 4 ulp) on a CPU
 * with AVX2, else libm's (within 1 ulp). */
void
Elementary(bool atan, double * v, size_t n)
{
#if defined(FUSION_HAVE_LIBMVEC)
  static const bool avx2 = __builtin_cpu_supports("avx2");
  if (avx2)
  {
    ElementaryAvx2(atan, v, n);
    return;
  }
#endif
  for (size_t i = 0; i < n; ++i)
    v[i] = atan ? std::atan(v[i]) : std::exp(v[i]);
}

/* Sobel readings (EdgeSample) of many pixels, one array per reading, so that loops over them
 * vectorise. */
struct Readings
{
  std::vector<double> sx, sy, g, gv, gh, ng;

  void
  Resize(size_t n)
  {
    for (auto * v : { &sx, &sy, &g, &gv, &gh, &ng })
      v->resize(n);
  }
  ::fusion::metrics::EdgeSample
  operator[](size_t i) const
  {
    return { sx[i], sy[i], g[i], gv[i], gh[i], ng[i] };
  }
  void
  Set(size_t i, const ::fusion::metrics::EdgeSample & e)
  {
    sx[i] = e.sx;
    sy[i] = e.sy;
    g[i] = e.g;
    gv[i] = e.gv;
    gh[i] = e.gh;
    ng[i] = e.ng;
  }
};

/* The readings of row y of a slice (X by Y), the inside in one branch-free loop that writes through
 * raw pointers (through Readings::Set it does not vectorise). */
FUSION_TARGET_CLONES void
ReadRow(const double * slice, long X, long Y, long y, Readings & out)
{
  using namespace ::fusion::metrics;
  if (y == 0 || y + 1 == Y || X < 3)
  {
    for (long x = 0; x < X; ++x)
      out.Set(static_cast<size_t>(x), EdgeAt(slice, X, Y, x, y));
    return;
  }
  out.Set(0, EdgeAt(slice, X, Y, 0, y));
  double *sx = out.sx.data(), *sy = out.sy.data(), *g = out.g.data(), *gv = out.gv.data(), *gh = out.gh.data(),
         *ng = out.ng.data();
  for (long x = 1; x + 1 < X; ++x)
  {
    const EdgeSample e = InsideEdge(slice + y * X + x, X);
    sx[x] = e.sx;
    sy[x] = e.sy;
    g[x] = e.g;
    gv[x] = e.gv;
    gh[x] = e.gh;
    ng[x] = e.ng;
  }
  out.Set(static_cast<size_t>(X) - 1, EdgeAt(slice, X, Y, X - 1, y));
}

/* The angles of readings [0, n): Alpha or (kumar) KumarAlpha, the arctangents taken at once. */
FUSION_TARGET_CLONES void
Angles(const Readings & e, size_t n, bool kumar, double * out)
{
  using namespace ::fusion::metrics;
  if (kumar)
    for (size_t i = 0; i < n; ++i)
      out[i] = KumarArgument(e[i]);
  else
    for (size_t i = 0; i < n; ++i)
      out[i] = AlphaArgument(e[i]);
  Elementary(true, out, n);
  if (kumar)
    for (size_t i = 0; i < n; ++i)
      out[i] = KumarAlphaOf(e[i], out[i]);
  else
    for (size_t i = 0; i < n; ++i)
      out[i] = AlphaOf(e[i], out[i]);
}

/* Qabf's or Nabf's exponents of source readings s[i] against fused readings f[i] (i < n) with their
 * angles, into strength[i] and orientation[i]. */
FUSION_TARGET_CLONES void
EdgeExponents(const Readings & s, const Readings & f, const double * angleS, const double * angleF, size_t n,
              bool nabf, double * strength, double * orientation)
{
  using namespace ::fusion::metrics;
  if (nabf)
    for (size_t i = 0; i < n; ++i)
    {
      const Exponents e = NabfExponents(s[i], f[i], angleS[i], angleF[i]);
      strength[i] = e.strength;
      orientation[i] = e.orientation;
    }
  else
    for (size_t i = 0; i < n; ++i)
    {
      const Exponents e = QabfExponents(s[i], f[i], angleS[i], angleF[i]);
      strength[i] = e.strength;
      orientation[i] = e.orientation;
    }
}

/* One source's terms at n pixels, added to the pixels' sums: Qabf's Q g and g where g > 0, Nabf's
 * weight, and whether the fused image's gradient exceeds this source's (brighter: 1 or 0). */
FUSION_TARGET_CLONES void
AddQabfTerms(const Readings & s, const Readings & f, const double * strength, const double * orientation, size_t n,
             double * qNum, double * qDen, double * weights, double * brighter)
{
  using namespace ::fusion::metrics;
  for (size_t i = 0; i < n; ++i)
  {
    const bool has = s.g[i] > 0.0;
    qNum[i] += has ? QabfValue(strength[i], orientation[i]) * s.g[i] : 0.0;
    qDen[i] += has ? s.g[i] : 0.0;
    weights[i] += NabfWeight(s.ng[i]);
    brighter[i] = f.ng[i] > s.ng[i] ? brighter[i] : 0.0;
  }
}

/* One source's artefact terms (1 - Q_n) w at n pixels, added to the pixels' sums. */
FUSION_TARGET_CLONES void
AddNabfTerms(const Readings & s, const double * strength, const double * orientation, size_t n, double * artefacts)
{
  using namespace ::fusion::metrics;
  for (size_t i = 0; i < n; ++i)
    artefacts[i] += (1.0 - NabfValue(strength[i], orientation[i])) * NabfWeight(s.ng[i]);
}

/* Qabf and Nabf sums of rows [first, last) of the slices (row r: slice r / Y, row r % Y) of the images
 * (N sources, then the fused image): AddEdgePixel's rule on whole rows, each pixel's terms summed in
 * source order, the arctangents and exponentials of a row taken at once. Each row's pixels are
 * summed in four lanes (Sum), the rows in order. */
::fusion::metrics::EdgeSums
EdgeRows(const std::vector<const double *> & images, size_t X, size_t Y, size_t first, size_t last)
{
  const size_t          N = images.size() - 1;
  Readings              f, nf, ns; // the fused image's row; Nabf's pixels' readings (gathered)
  std::vector<Readings> s(N);      // the sources' rows
  std::vector<double>   alphaF(X), alpha(X), strength(X), orientation(X), kumarF, kumar;
  std::vector<double>   qNum(X), qDen(X), nDen(X), bright(X), artefacts;
  std::vector<size_t>   brighter;
  ::fusion::metrics::EdgeSums sums;
  f.Resize(X);
  for (auto & r : s)
    r.Resize(X);
  const long lx = static_cast<long>(X), ly = static_cast<long>(Y);
  for (size_t row = first; row < last; ++row)
  {
    const size_t z = row / Y;
    const long   y = static_cast<long>(row % Y);
    ReadRow(images[N] + z * X * Y, lx, ly, y, f);
    for (size_t k = 0; k < N; ++k)
      ReadRow(images[k] + z * X * Y, lx, ly, y, s[k]);
    // Qabf, and which pixels Nabf needs.
    Angles(f, X, false, alphaF.data());
    std::fill(qNum.begin(), qNum.end(), 0.0);
    std::fill(qDen.begin(), qDen.end(), 0.0);
    std::fill(nDen.begin(), nDen.end(), 0.0);
    std::fill(bright.begin(), bright.end(), 1.0);
    for (size_t k = 0; k < N; ++k)
    {
      Angles(s[k], X, false, alpha.data());
      EdgeExponents(s[k], f, alpha.data(), alphaF.data(), X, false, strength.data(), orientation.data());
      Elementary(false, strength.data(), X);
      Elementary(false, orientation.data(), X);
      AddQabfTerms(s[k], f, strength.data(), orientation.data(), X, qNum.data(), qDen.data(), nDen.data(),
                   bright.data());
    }
    // Nabf where the fused image's gradient exceeds every source's.
    brighter.clear();
    for (size_t x = 0; x < X; ++x)
      if (bright[x] != 0.0)
        brighter.push_back(x);
    const size_t m = brighter.size();
    nf.Resize(m);
    ns.Resize(m);
    for (size_t j = 0; j < m; ++j)
      nf.Set(j, f[brighter[j]]);
    kumarF.resize(m);
    kumar.resize(m);
    artefacts.assign(m, 0.0);
    Angles(nf, m, true, kumarF.data());
    for (size_t k = 0; k < N; ++k)
    {
      for (size_t j = 0; j < m; ++j)
        ns.Set(j, s[k][brighter[j]]);
      Angles(ns, m, true, kumar.data());
      EdgeExponents(ns, nf, kumar.data(), kumarF.data(), m, true, strength.data(), orientation.data());
      Elementary(false, strength.data(), m);
      Elementary(false, orientation.data(), m);
      AddNabfTerms(ns, strength.data(), orientation.data(), m, artefacts.data());
    }
    sums.qNum += Sum(qNum.data(), X);
    sums.qDen += Sum(qDen.data(), X);
    sums.nNum += Sum(artefacts.data(), m);
    sums.nDen += Sum(nDen.data(), X);
  }
  return sums;
}
} // namespace

size_t
MapToMetricScale(double * values, size_t n, bool ownRange, double lowest, double highest)
{
  const size_t bad = FirstNonFinite(values, n);
  if (bad < n)
    return bad;
  if (ownRange && n)
    std::tie(lowest, highest) = Range(values, n);
  ScaleClamped(values, n, lowest, highest > lowest ? 255.0 / (highest - lowest) : 0.0);
  return n;
}

double
StructuralSimilarity(const double * x, const double * y, const std::array<size_t, 3> & size, unsigned int dimension,
                     FusionEnums::Backend backend, unsigned int threads)
{
  if ((dimension != 2 && dimension != 3) || (dimension == 2 && size[2] != 1) || Count(size) == 0)
    throw std::invalid_argument("SSIM takes a non-empty 2D or 3D image");
  Engine engine{ backend == FusionEnums::Backend::Auto ? FusionEnums::Backend::CPU : backend, dimension };
  engine.threads = threads ? threads : MultiThreaderBase::GetGlobalDefaultNumberOfThreads();
  return SSIM(engine, x, y, size, GaussianWindow(11, 1.5), (0.01 * 255) * (0.01 * 255), (0.03 * 255) * (0.03 * 255),
              1.0);
}

FusionMetricsResult
ComputeFusionMetrics(const std::vector<const double *> & sourcesIn, const double * fusedIn, const std::array<size_t, 3> & size,
                     unsigned int dimension, const FusionMetricsOptions & options)
{
  const std::string & preset = options.preset;
  const auto &        presets = FusionMetricsPresets();
  if (std::find(presets.begin(), presets.end(), preset) == presets.end())
    throw std::invalid_argument("unknown metrics preset '" + preset + "' (presets: standard, cddfuse, vifb, seed)");
  if (sourcesIn.size() < 2)
    throw std::invalid_argument("fusion metrics need at least two sources");
  if (dimension != 2 && dimension != 3)
    throw std::invalid_argument("fusion metrics take 2D or 3D images");
  if (dimension == 2 && size[2] != 1)
    throw std::invalid_argument("a 2D image has one slice");
  const size_t n = Count(size);
  if (n == 0)
    throw std::invalid_argument("fusion metrics of an empty image");
  for (size_t k = 0; k <= sourcesIn.size(); ++k)
  {
    const double * x = k < sourcesIn.size() ? sourcesIn[k] : fusedIn;
    const size_t   bad = FirstNonFinite(x, n);
    if (bad < n)
      throw std::invalid_argument((k < sourcesIn.size() ? "source " + std::to_string(k + 1) : std::string("the fused image")) +
                                  " holds a non-finite value " + std::to_string(x[bad]) + " at offset " +
                                  std::to_string(bad));
  }
  if (options.backend == FusionEnums::Backend::CUDA && CudaDeviceCount() == 0)
    throw std::invalid_argument("the CUDA backend needs a CUDA device (this machine has none)");

  const size_t N = sourcesIn.size();
  const bool   eightBit = preset == "cddfuse" || preset == "vifb"; // the evaluators read 8-bit files
  // The images: the sources, then F; rounded copies for the 8-bit presets.
  Values                      rounded(eightBit ? (N + 1) * n : 0);
  std::vector<const double *> all(N + 1);
  for (size_t k = 0; k <= N; ++k)
  {
    all[k] = k < N ? sourcesIn[k] : fusedIn;
    if (eightBit)
    {
      double * to = rounded.data() + k * n;
      for (size_t i = 0; i < n; ++i)
        to[i] = std::nearbyint(all[k][i]);
      all[k] = to;
    }
  }
  const std::vector<const double *> S(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(N));
  const double *                    F = all[N];
  const Engine   engine{ options.backend == FusionEnums::Backend::Auto ? FusionEnums::Backend::CPU : options.backend,
                       dimension };
  const bool     standard = preset == "standard", seed = preset == "seed", cdd = preset == "cddfuse",
             vifb = preset == "vifb";
  const double total = static_cast<double>(n);
  const size_t X = size[0], Y = size[1], Z = size[2];

  // Results filled by the tasks (each writes only its own slots).
  std::vector<double> hs(N), je(N), mi(N), ce(N), mse(N), cc(N), ssim(N), vif(N), qcvNum(N), qcvDen(N);
  std::vector<std::array<double, 3>>      fmi(N);
  std::vector<Values>                     contrast(N + 1);
  std::vector<double>                     jePairs(N * N, kNaN);
  double HF = 0, sd = 0, sf = 0, ag = 0, ei = 0, scd = 0, qy = kNaN, miVifb = 0;
  std::vector<::fusion::metrics::EdgeSums>          edgeChunks;
  // Heavy tasks first, so that the light ones fill the gaps at the end.
  std::vector<std::function<void()>> tasks, light;

  const bool needVIF = standard || cdd, needEdges = standard || cdd || vifb;
  const bool needQY = standard && N == 2, needQCB = standard || vifb, needQCV = standard || vifb;
  // Q_CB, Q_CV and VIFB's MI see the images through normalize1, each image normalised once.
  std::vector<Values>               normalised(N + 1);
  std::unique_ptr<std::once_flag[]> normalisedOnce(new std::once_flag[N + 1]);
  const auto                        Normalised = [&](size_t k) -> const Values & {
    std::call_once(normalisedOnce[k], [&] { normalised[k] = Normalize1(all[k], n); });
    return normalised[k];
  };
  // Histograms: H(F), per source H(S), H(S, F), CE; seed: H(S_j, S_k).
  light.emplace_back([&] {
    std::vector<uint8_t> bins((N + 1) * n);
    for (size_t k = 0; k <= N; ++k)
      Bins(all[k], n, bins.data() + k * n);
    std::vector<std::pair<int, int>> pairs;
    for (size_t k = 0; k < N; ++k)
      pairs.emplace_back(static_cast<int>(k), static_cast<int>(N));
    if (seed)
      for (size_t j = 0; j < N; ++j)
        for (size_t k = j + 1; k < N; ++k)
          pairs.emplace_back(static_cast<int>(j), static_cast<int>(k));
    const auto joints = engine.JointHistograms(bins, n, pairs);
    for (size_t k = 0; k < N; ++k)
    {
      const Marginals m = MarginalsOf(joints.data() + k * 65536);
      if (k == 0)
        HF = Entropy(m.columns.data(), 256, total, 2.0);
      hs[k] = Entropy(m.rows.data(), 256, total, 2.0);
      je[k] = Entropy(joints.data() + k * 65536, 65536, total, 2.0);
      mi[k] = hs[k] + HF - je[k];
      double d = 0.0;
      for (size_t b = 0; b < 256; ++b)
        if (m.rows[b] > 0 && m.columns[b] > 0)
          d += m.rows[b] / total * std::log2(m.rows[b] / m.columns[b]);
      ce[k] = d;
    }
    for (size_t p = N, j = 0; j < N; ++j)
      for (size_t k = j + 1; k < N && seed; ++k, ++p)
        jePairs[j * N + k] = Entropy(joints.data() + p * 65536, 65536, total, 2.0);
    if (vifb)
    {
      // VIFB's mutinf: each image min-max normalised, int16(x * 255) bins, natural logarithm.
      std::vector<uint8_t> vb((N + 1) * n);
      for (size_t k = 0; k <= N; ++k)
        Bins(Normalised(k).data(), n, vb.data() + k * n);
      std::vector<std::pair<int, int>> p;
      for (size_t k = 0; k < N; ++k)
        p.emplace_back(static_cast<int>(k), static_cast<int>(N));
      const auto vj = engine.JointHistograms(vb, n, p);
      for (size_t k = 0; k < N; ++k)
      {
        const Marginals m = MarginalsOf(vj.data() + k * 65536);
        miVifb += Entropy(m.rows.data(), 256, total, kE) + Entropy(m.columns.data(), 256, total, kE) -
                  Entropy(vj.data() + k * 65536, 65536, total, kE);
      }
    }
  });
  // Statistics of F and against each source.
  light.emplace_back([&] {
    sd = std::sqrt(CentredSquares(F, n, Mean(F, n)) / total);
    for (unsigned d = 0; d < dimension; ++d)
    {
      // Every pixel with a successor along d: blocks of len lines `stride` long, each block's lines
      // 1.. against its lines 0..len-2.
      const size_t stride = d == 0 ? 1 : (d == 1 ? X : X * Y), len = size[d], blocks = n / (stride * len);
      double       s = 0.0;
      for (size_t block = 0; block < blocks && len > 1; ++block)
      {
        const double * a = F + block * len * stride;
        s += SquaredDistance(a + stride, a, (len - 1) * stride);
      }
      const size_t count = blocks * (len - 1) * stride;
      sf += vifb ? s / total : (count ? s / static_cast<double>(count) : 0.0);
    }
    sf = std::sqrt(sf);
    Values difference(n);
    for (size_t k = 0; k < N; ++k)
    {
      const double s = SquaredDistance(S[k], F, n);
      mse[k] = vifb ? std::sqrt(s) / total : s / total; // VIFB's mse() is sqrt(SSE) / (MN)
      cc[k] = Pearson(S[k], F, n);
      std::copy(F, F + n, difference.begin());
      for (size_t j = 0; j < N; ++j)
        for (size_t i = 0; i < n && j != k; ++i)
          difference[i] -= S[j][i];
      scd += Pearson(difference.data(), S[k], n);
    }
  });
  // AG and EI per z-slice (gradients within the x-y plane), pooled.
  light.emplace_back([&] {
    const long lx = static_cast<long>(X), ly = static_cast<long>(Y);
    const auto at = [&](size_t z, long x, long y) {
      x = std::min(std::max(x, 0L), lx - 1);
      y = std::min(std::max(y, 0L), ly - 1);
      return F[(z * Y + static_cast<size_t>(y)) * X + static_cast<size_t>(x)];
    };
    const auto gradient = [](double minus, double here, double plus, long i, long len) {
      if (len == 1)
        return 0.0;
      if (i == 0)
        return plus - here;
      if (i == len - 1)
        return here - minus;
      return (plus - minus) / 2.0;
    };
    for (size_t z = 0; z < Z; ++z)
      for (long y = 0; y < ly; ++y)
        for (long x = 0; x < lx; ++x)
        {
          const double gx = gradient(at(z, x - 1, y), at(z, x, y), at(z, x + 1, y), x, lx);
          const double gy = gradient(at(z, x, y - 1), at(z, x, y), at(z, x, y + 1), y, ly);
          ag += std::sqrt((gx * gx + gy * gy) / 2.0);
          const double sx = (at(z, x - 1, y - 1) + 2 * at(z, x, y - 1) + at(z, x + 1, y - 1)) -
                            (at(z, x - 1, y + 1) + 2 * at(z, x, y + 1) + at(z, x + 1, y + 1));
          const double sy = (at(z, x - 1, y - 1) + 2 * at(z, x - 1, y) + at(z, x - 1, y + 1)) -
                            (at(z, x + 1, y - 1) + 2 * at(z, x + 1, y) + at(z, x + 1, y + 1));
          ei += std::sqrt(sx * sx + sy * sy);
        }
  });
  // SSIM per source: Wang's (standard, seed, vifb) or scikit-image 0.19's defaults on float32 (cddfuse).
  const double        L = cdd ? 2.0 : 255.0, windowSize = std::pow(cdd ? 7.0 : 11.0, dimension);
  const auto          ssimWindow = cdd ? std::vector<double>(7, 1.0 / 7.0) : GaussianWindow(11, 1.5);
  SharedMoments       vifF;
  for (size_t k = 0; k < N; ++k)
    tasks.emplace_back([&, k] {
      ssim[k] = SSIM(engine, S[k], F, size, ssimWindow, (0.01 * L) * (0.01 * L), (0.03 * L) * (0.03 * L),
                     cdd ? windowSize / (windowSize - 1.0) : 1.0);
    });
  // The fused image's VIF pyramid first; the VIF tasks come after the other heavy ones, by when it is
  // ready (else they wait for it).
  const auto vifPyramid = [&]() -> const std::vector<SharedMoments::Level> & {
    return vifF.Get([&] { return VIFPyramid(engine, F, size, true); });
  };
  if (needVIF)
    tasks.insert(tasks.begin(), [&] { vifPyramid(); });
  if (needQY)
    tasks.emplace_back([&] { qy = QY(engine, S[0], S[1], F, size); });
  // Q_CB and Q_CV filter the normalised images in the frequency domain, each image's spectra taken once.
  std::vector<Spectra>              spectra(N + 1);
  std::unique_ptr<std::once_flag[]> spectraOnce(new std::once_flag[N + 1]);
  const auto                        Spectrum = [&](size_t k) -> const Spectra & {
    std::call_once(spectraOnce[k], [&] { spectra[k] = SliceSpectra(Normalised(k), size); });
    return spectra[k];
  };
  // Q_CB: each image's masked contrast computed once, by its task, or by the pooling task if that comes
  // first (which then waits for the ones under way).
  std::unique_ptr<std::once_flag[]> contrastOnce(new std::once_flag[N + 1]);
  const auto                        Contrast = [&](size_t k) {
    std::call_once(contrastOnce[k],
                   [&] { contrast[k] = ChenBlumContrast(Spectrum(k), size, GainFor(Sensitivity::ChenBlum, size)); });
  };
  if (needQCB)
    for (size_t k = 0; k <= N; ++k)
      tasks.emplace_back([&, k] { Contrast(k); });
  if (needQCV)
    for (size_t k = 0; k < N; ++k)
      tasks.emplace_back([&, k] {
        std::tie(qcvNum[k], qcvDen[k]) =
          ChenVarshney(Normalised(k), Spectrum(k), Spectrum(N), size, GainFor(Sensitivity::MannosSakrison, size));
      });
  if (needVIF)
    for (size_t k = 0; k < N; ++k)
      tasks.emplace_back([&, k] { vif[k] = VIF(engine, S[k], size, F, vifPyramid()); });
  double qcb = kNaN;
  if (needQCB)
    tasks.emplace_back([&] {
      for (size_t k = 0; k <= N; ++k)
        Contrast(k);
      qcb = ChenBlum(contrast);
    });
  if (standard && options.fmi)
    for (size_t k = 0; k < N; ++k)
      for (int feature = 0; feature < 3; ++feature)
        tasks.emplace_back([&, k, feature] {
          if (feature == 0)
            fmi[k][0] = FeatureMutualInformation(S[k], F, size);
          else if (feature == 1)
            fmi[k][1] = FeatureMutualInformation(GradientX(S[k], size).data(), GradientX(F, size).data(), size);
          else
            fmi[k][2] = FeatureMutualInformation(DCT(S[k], size).data(), DCT(F, size).data(), size);
        });
  if (needEdges)
  {
    if (engine.OnDevice())
    {
      edgeChunks.resize(1);
      tasks.emplace_back([&] {
        std::vector<double> packed((N + 1) * n); // the kernel's layout: the images back to back
        for (size_t k = 0; k <= N; ++k)
          std::copy(all[k], all[k] + n, packed.begin() + static_cast<std::ptrdiff_t>(k * n));
        ::fusion::EdgePreservationArguments a;
        std::copy(size.begin(), size.end(), a.shape);
        a.images = packed.data();
        a.sourceCount = static_cast<int>(N);
        double sums[4];
        a.sums = sums;
        RunKernel(
          engine.backend, "edge preservation", [&] { return ::fusion::emu::EdgePreservation(a); },
          [&] { return ::fusion::gpu::EdgePreservation(a); });
        edgeChunks[0] = ::fusion::metrics::EdgeSums{ sums[0], sums[1], sums[2], sums[3] };
      });
    }
    else
    {
      const size_t rows = Y * Z, chunk = 32;
      edgeChunks.resize((rows + chunk - 1) / chunk);
      for (size_t c = 0; c < edgeChunks.size(); ++c)
        light.emplace_back([&, c, rows, chunk] {
          edgeChunks[c] = EdgeRows(all, X, Y, c * chunk, std::min(rows, (c + 1) * chunk));
        });
    }
  }
  tasks.insert(tasks.end(), light.begin(), light.end());
  const bool     device = engine.OnDevice();
  const unsigned threads =
    device ? 1u : (options.threads ? options.threads : MultiThreaderBase::GetGlobalDefaultNumberOfThreads());
  RunTasks(tasks, std::max(1u, threads));

  ::fusion::metrics::EdgeSums edges;
  for (const auto & c : edgeChunks)
  {
    edges.qNum += c.qNum;
    edges.qDen += c.qDen;
    edges.nNum += c.nNum;
    edges.nDen += c.nDen;
  }
  const double qabf = edges.qDen > 0 ? edges.qNum / edges.qDen : kNaN;
  const double nabf = edges.nDen > 0 ? edges.nNum / edges.nDen : kNaN;
  double       qcvN = 0.0, qcvD = 0.0;
  for (size_t k = 0; k < N; ++k)
  {
    qcvN += qcvNum[k];
    qcvD += qcvDen[k];
  }
  const double qcv = qcvD > 0 ? qcvN / qcvD : kNaN;

  const auto sum = [](const std::vector<double> & v) {
    double s = 0.0;
    for (double x : v)
      s += x;
    return s;
  };
  const double Nd = static_cast<double>(N);
  const double mseMean = sum(mse) / Nd;
  const auto   psnr = [](double m) { return m > 0 ? 10.0 * std::log10(255.0 * 255.0 / m) : kNaN; };
  double       qmi = 0.0, rmse = 0.0;
  for (size_t k = 0; k < N; ++k)
  {
    qmi += hs[k] + HF > 0 ? 2.0 * mi[k] / (hs[k] + HF) : kNaN;
    rmse += std::sqrt(mse[k]) / Nd;
  }

  FusionMetricsResult r;
  const auto          put = [&r](const std::string & name, double v) {
    r.values.emplace_back(name, v);
    if (std::isnan(v))
      r.undefined.push_back(name);
  };
  const auto suffix = [](size_t k) { return "_" + std::to_string(k + 1); };
  if (standard)
  {
    put("EN", HF);
    put("SD", sd);
    put("SF", sf);
    put("AG", ag / total);
    put("EI", ei / total);
    put("MI", sum(mi));
    put("MI_nats", sum(mi) * std::log(2.0));
    put("Q_MI", qmi);
    put("CE", sum(ce) / Nd);
    put("MSE", mseMean);
    put("RMSE", rmse);
    put("PSNR", psnr(mseMean));
    put("CC", sum(cc) / Nd);
    put("SCD", scd);
    put("SSIM", sum(ssim));
    put("VIF", sum(vif));
    put("Qabf", qabf);
    put("Nabf", nabf);
    if (needQY)
      put("Q_Y", qy);
    put("Q_CB", qcb);
    put("Q_CV", qcv);
    if (options.fmi)
    {
      const char * names[3] = { "FMI_pixel", "FMI_gradient", "FMI_dct" };
      for (int feature = 0; feature < 3; ++feature)
      {
        double m = 0.0;
        for (size_t k = 0; k < N; ++k)
          m += fmi[k][static_cast<size_t>(feature)] / Nd;
        put(names[feature], m);
      }
    }
    for (size_t k = 0; k < N; ++k)
    {
      put("EN" + suffix(k), hs[k]);
      put("JE" + suffix(k), je[k]);
      put("MI" + suffix(k), mi[k]);
      put("MSE" + suffix(k), mse[k]);
      put("RMSE" + suffix(k), std::sqrt(mse[k]));
      put("PSNR" + suffix(k), psnr(mse[k]));
      put("CC" + suffix(k), cc[k]);
      put("SSIM" + suffix(k), ssim[k]);
      put("VIF" + suffix(k), vif[k]);
    }
  }
  else if (cdd)
  {
    double vifSum = 0.0;
    for (double v : vif)
      vifSum += std::isnan(v) ? 1.0 : v;
    const double maxF = *std::max_element(F, F + n);
    put("EN", HF);
    put("SD", sd);
    put("SF", sf);
    put("AG", ag / total);
    put("MI", sum(mi) * std::log(2.0));
    put("MSE", mseMean);
    put("CC", sum(cc) / Nd);
    put("PSNR", mseMean > 0 ? 10.0 * std::log10(maxF * maxF / mseMean) : kNaN);
    put("SCD", scd);
    put("VIF", vifSum);
    put("Qabf", qabf);
    put("SSIM", sum(ssim));
  }
  else if (vifb)
  {
    // AG: sum / ((M - 1)(N - 1)) per slice.
    const double agDenominator = static_cast<double>(Z) * static_cast<double>(X > 1 ? X - 1 : 1) *
                                 static_cast<double>(Y > 1 ? Y - 1 : 1);
    put("AG", ag / agDenominator);
    put("CE", sum(ce) / Nd);
    put("EI", ei / total);
    put("EN", HF);
    put("MI", miVifb);
    const double rmseVifb = mseMean; // mse[k] holds VIFB's sqrt(SSE) / (MN) here
    put("PSNR", rmseVifb > 0 ? 20.0 * std::log10(255.0 / std::sqrt(rmseVifb)) : kNaN);
    put("Qabf", qabf);
    put("Q_CB", qcb);
    put("Q_CV", qcv);
    put("RMSE", rmseVifb);
    put("SF", sf);
    put("SSIM", sum(ssim));
    put("SD", sd);
  }
  else // seed
  {
    for (size_t k = 0; k < N; ++k)
    {
      put("MSE" + suffix(k), mse[k]);
      put("PSNR" + suffix(k), psnr(mse[k]));
      put("RMSE" + suffix(k), std::sqrt(mse[k]));
      put("SSIM" + suffix(k), ssim[k]);
      put("MI" + suffix(k), mi[k]);
    }
    for (size_t k = 0; k < N; ++k)
      put("EN" + suffix(k), hs[k]);
    put("EN", HF);
    for (size_t j = 0; j < N; ++j)
      for (size_t k = j + 1; k < N; ++k)
        put("JE" + suffix(j) + suffix(k), jePairs[j * N + k]);
    for (size_t k = 0; k < N; ++k)
      put("JE" + suffix(k), je[k]);
  }
  return r;
}
} // namespace fusion
} // namespace itk
