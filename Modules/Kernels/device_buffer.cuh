/*
 * device_buffer.cuh -- RAII device allocation for the kernels' host launchers
 * (real CUDA or the emulation, whichever the including TU is compiled for).
 */
#ifndef device_buffer_cuh
#define device_buffer_cuh
#include "cuda_host_emulation.h"

namespace fusionkernels
{
namespace CUEMU_BACKEND_NS
{
#if !defined(__CUDACC__)
using namespace ::cuemu;
#endif

template <typename T>
class device_buffer
{
public:
  device_buffer() = default;
  device_buffer(const device_buffer &) = delete;
  device_buffer &
  operator=(const device_buffer &) = delete;
  ~device_buffer() { cudaFree(m_data); }

  int
  allocate(size_t elements)
  {
    cudaFree(m_data);
    m_data = nullptr;
    m_size = elements;
    return cudaMalloc(reinterpret_cast<void **>(&m_data), elements * sizeof(T));
  }
  void
  release()
  {
    cudaFree(m_data);
    m_data = nullptr;
    m_size = 0;
  }
  int
  upload(const T * host, size_t elements, size_t offset = 0)
  {
    return cudaMemcpy(m_data + offset, host, elements * sizeof(T), cudaMemcpyHostToDevice);
  }
  int
  download(T * host, size_t elements, size_t offset = 0) const
  {
    return cudaMemcpy(host, m_data + offset, elements * sizeof(T), cudaMemcpyDeviceToHost);
  }
  void
  swap(device_buffer & other)
  {
    T * d = m_data;
    m_data = other.m_data;
    other.m_data = d;
    const size_t s = m_size;
    m_size = other.m_size;
    other.m_size = s;
  }
  device_buffer(device_buffer && other) noexcept { swap(other); }
  T *
  get() const
  {
    return m_data;
  }
  size_t
  size() const
  {
    return m_size;
  }

private:
  T *    m_data = nullptr;
  size_t m_size = 0;
};
} // namespace CUEMU_BACKEND_NS
} // namespace fusionkernels
#endif
