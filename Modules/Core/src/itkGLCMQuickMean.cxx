#include "itkGLCMQuickMean.h"
#include "itkFusionError.h"

#include "itkFusionTargetClones.h"

#include <algorithm>
#include <cstdint>
#include <memory>
#include <stdexcept>

namespace itk
{
namespace fusion
{
GLCMQuickMean::GLCMQuickMean(const long radius[3])
{
  for (unsigned d = 0; d < 3; ++d)
  {
    if (radius[d] < 0)
      throw fusion::InvalidInput("GLCMQuickMean: negative radius");
    m_Radius[d] = radius[d];
  }
}

void
GLCMQuickMean::AddBox(const long low[3], const long high[3], double weight)
{
  Box box;
  for (unsigned d = 0; d < 3; ++d)
  {
    if (low[d] < -m_Radius[d] || high[d] > m_Radius[d] || low[d] > high[d])
      throw fusion::InvalidInput("GLCMQuickMean: a box outside the window");
    box.low[d] = low[d];
    box.high[d] = high[d];
  }
  box.weight = weight;
  m_Boxes.push_back(box);
}

namespace
{
/** The separable form: per axis the shifts j of the impulses (basis index 1 + k; index 0 is the
 * window box), and the core weights over the basis product, axis 0 fastest. */
struct Separable
{
  std::vector<long>   shifts[3];
  size_t              count[3];
  std::vector<double> core;
};

template <typename TBox>
Separable
Expand(const std::vector<TBox> & boxes, const long radius[3])
{
  Separable s;
  for (unsigned d = 0; d < 3; ++d)
  {
    for (const auto & box : boxes)
      for (long j = -radius[d]; j <= radius[d]; ++j)
        if (j < box.low[d] || j > box.high[d])
          s.shifts[d].push_back(j);
    std::sort(s.shifts[d].begin(), s.shifts[d].end());
    s.shifts[d].erase(std::unique(s.shifts[d].begin(), s.shifts[d].end()), s.shifts[d].end());
    s.count[d] = 1 + s.shifts[d].size();
  }
  s.core.assign(s.count[0] * s.count[1] * s.count[2], 0.0);
  for (const auto & box : boxes)
  {
    // Per axis: (basis index, coefficient) of F - sum of the excluded impulses.
    std::vector<std::pair<size_t, double>> terms[3];
    for (unsigned d = 0; d < 3; ++d)
    {
      terms[d].emplace_back(0, 1.0);
      for (size_t k = 0; k < s.shifts[d].size(); ++k)
        if (s.shifts[d][k] < box.low[d] || s.shifts[d][k] > box.high[d])
          terms[d].emplace_back(1 + k, -1.0);
    }
    for (const auto & t2 : terms[2])
      for (const auto & t1 : terms[1])
        for (const auto & t0 : terms[0])
          s.core[(t2.first * s.count[1] + t1.first) * s.count[0] + t0.first] +=
            box.weight * t0.second * t1.second * t2.second;
  }
  return s;
}

} // namespace

size_t
GLCMQuickMean::NumberOfTerms() const
{
  const Separable s = Expand(m_Boxes, m_Radius);
  return static_cast<size_t>(std::count_if(s.core.begin(), s.core.end(), [](double w) { return w != 0.0; }));
}

FUSION_TARGET_CLONES void
GLCMQuickMean::Evaluate(const unsigned char * levels, const size_t gridSize[3], const long origin[3],
                        const size_t size[3], const std::function<void(size_t, size_t, const double *)> & line) const
{
  for (unsigned d = 0; d < 3; ++d)
    if (origin[d] < m_Radius[d] ||
        origin[d] + static_cast<long>(size[d]) + m_Radius[d] > static_cast<long>(gridSize[d]))
      throw fusion::InvalidInput("GLCMQuickMean: the level grid does not cover the block padded by the radius");
  const size_t nx = size[0], ny = size[1], nz = size[2];
  if (nx == 0 || ny == 0 || nz == 0)
    return;
  const Separable s = Expand(m_Boxes, m_Radius);
  const long      rx = m_Radius[0], ry = m_Radius[1], rz = m_Radius[2];
  const size_t    qw = nx + 2 * static_cast<size_t>(rx), qh = ny + 2 * static_cast<size_t>(ry);

  // One z-slice: the levels (qw x qh), the box along x (nx x qh), along y (qw x ny), along both.
  const auto scratch = [](size_t n) { return std::unique_ptr<int32_t[]>(new int32_t[n]); }; // no zero fill
  const auto q = scratch(qw * qh), b0 = scratch(nx * qh), b1 = scratch(qw * ny), b01 = scratch(nx * ny),
             prefix = scratch(qw + 1);
  // The output planes still receiving contributions: a ring over z.
  const size_t ring = 2 * static_cast<size_t>(rz) + 1;
  // A single slice (two-dimensional images) needs no ring: its lines go out as they are made.
  const bool          direct = nz == 1 && rz == 0;
  std::vector<double> acc(direct ? 0 : ring * nx * ny, 0.0), row(nx);

  // The source of every non-zero core term within a slice, per basis operator along z.
  struct Term
  {
    const int32_t * base; // at output (0, 0)
    size_t          stride;
    double          weight;
  };
  std::vector<std::vector<Term>> termsOf(s.count[2]);
  for (size_t k2 = 0; k2 < s.count[2]; ++k2)
    for (size_t k1 = 0; k1 < s.count[1]; ++k1)
      for (size_t k0 = 0; k0 < s.count[0]; ++k0)
      {
        const double w = s.core[(k2 * s.count[1] + k1) * s.count[0] + k0];
        if (w == 0.0)
          continue;
        const long i = k0 ? s.shifts[0][k0 - 1] : 0, j = k1 ? s.shifts[1][k1 - 1] : 0;
        Term       t;
        if (!k0 && !k1)
          t = Term{ b01.get(), nx, w };
        else if (!k0)
          t = Term{ b0.get() + static_cast<size_t>(ry + j) * nx, nx, w };
        else if (!k1)
          t = Term{ b1.get() + static_cast<size_t>(rx + i), qw, w };
        else
          t = Term{ q.get() + static_cast<size_t>(ry + j) * qw + static_cast<size_t>(rx + i), qw, w };
        termsOf[k2].push_back(t);
      }

  for (long z = -rz; z < static_cast<long>(nz) + rz; ++z)
  {
    // The levels of this slice, then the partial box sums (running sums: O(1) per pixel).
    const size_t gz = static_cast<size_t>(origin[2] + z);
    for (size_t y = 0; y < qh; ++y)
    {
      const unsigned char * src = levels + (gz * gridSize[1] + static_cast<size_t>(origin[1] - ry) + y) * gridSize[0] +
                                  static_cast<size_t>(origin[0] - rx);
      int32_t * qrow = q.get() + y * qw;
      for (size_t x = 0; x < qw; ++x)
        qrow[x] = src[x];
      prefix[0] = 0;
      for (size_t x = 0; x < qw; ++x)
        prefix[x + 1] = prefix[x] + qrow[x];
      int32_t * brow = b0.get() + y * nx;
      for (size_t x = 0; x < nx; ++x)
        brow[x] = prefix[x + 2 * static_cast<size_t>(rx) + 1] - prefix[x];
    }
    const auto boxAlongY = [ny, ry](const int32_t * in, int32_t * out, size_t width) {
      std::fill(out, out + width, 0);
      for (long dy = 0; dy <= 2 * ry; ++dy)
        for (size_t x = 0; x < width; ++x)
          out[x] += in[static_cast<size_t>(dy) * width + x];
      for (size_t y = 1; y < ny; ++y)
      {
        const int32_t * enter = in + (y + 2 * static_cast<size_t>(ry)) * width;
        const int32_t * leave = in + (y - 1) * width;
        for (size_t x = 0; x < width; ++x)
          out[y * width + x] = out[(y - 1) * width + x] + enter[x] - leave[x];
      }
    };
    boxAlongY(q.get(), b1.get(), qw);
    boxAlongY(b0.get(), b01.get(), nx);

    // Each basis operator along z: combine the slice's terms, add into the planes it reaches.
    for (size_t k2 = 0; k2 < s.count[2]; ++k2)
    {
      const long firstPlane = k2 ? z - s.shifts[2][k2 - 1] : z - rz;
      const long lastPlane = k2 ? firstPlane : z + rz;
      if (lastPlane < 0 || firstPlane >= static_cast<long>(nz) || termsOf[k2].empty())
        continue;
      for (size_t y = 0; y < ny; ++y)
      {
        double * __restrict sum = row.data();
        std::fill(sum, sum + nx, 0.0);
        for (const Term & t : termsOf[k2])
        {
          const int32_t * __restrict values = t.base + y * t.stride;
          const double weight = t.weight;
          for (size_t x = 0; x < nx; ++x)
            sum[x] += weight * static_cast<double>(values[x]);
        }
        if (direct)
        {
          line(y, 0, sum);
          continue;
        }
        for (long p = std::max<long>(firstPlane, 0); p <= std::min<long>(lastPlane, static_cast<long>(nz) - 1); ++p)
        {
          double * __restrict out = acc.data() + (static_cast<size_t>(p) % ring * ny + y) * nx;
          for (size_t x = 0; x < nx; ++x)
            out[x] += sum[x];
        }
      }
    }
    // Plane z - rz has all its contributions.
    const long done = z - rz;
    if (done >= 0 && !direct)
    {
      double * plane = acc.data() + static_cast<size_t>(done) % ring * ny * nx;
      for (size_t y = 0; y < ny; ++y)
        line(y, static_cast<size_t>(done), plane + y * nx);
      std::fill(plane, plane + ny * nx, 0.0);
    }
  }
}
} // namespace fusion
} // namespace itk
