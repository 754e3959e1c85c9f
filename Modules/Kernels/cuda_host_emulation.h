/*
 * cuda_host_emulation.h -- run the project's CUDA kernels on the CPU.
 *
 * Every kernel of the project is written once, in a `.cuh`, and compiled twice:
 *   - by nvcc for the GPU (this header then only adds `cuemu::launch` and
 *     `CUEMU_DYNAMIC_SHARED`, thin wrappers over the CUDA idioms);
 *   - by g++ as ordinary C++ (this header then *is* the CUDA runtime: every CUDA
 *     thread is a fiber, `__syncthreads` and the warp collectives are scheduling
 *     points that check for divergence and deadlock, device memory is a checked
 *     registry of host allocations).
 * See docs/CUDA-EMULATION.md for the design, the checks and the restrictions.
 *
 * Rules for kernel authors (checked where possible):
 *   1. Launch only through `cuemu::launch(kernel, grid, block, smem, stream, args...)`.
 *   2. Dynamic shared memory only through `CUEMU_DYNAMIC_SHARED(T, name)`;
 *      in emulation it is filled with 0xFF bytes (NaN for floats) before every block.
 *   3. No inline PTX, cooperative groups, CUB/Thrust, textures, __half, dynamic
 *      parallelism, __CUDA_ARCH__-dependent logic.
 *   4. Every lane named in a warp-collective mask must reach the same call.
 *   5. Static `__shared__` storage is per worker: it starts at zero and is not
 *      cleared between blocks.
 */
#ifndef cuda_host_emulation_h
#define cuda_host_emulation_h

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <type_traits>
#include <utility>

#if defined(__CUDACC__)
/* ------------------------------------------------------------------------- nvcc */
#  include <cuda_runtime.h>
namespace cuemu
{
template <typename... TParams, typename... TArgs>
inline cudaError_t
launch(void (*kernel)(TParams...), dim3 grid, dim3 block, size_t sharedBytes, cudaStream_t stream, TArgs &&... args)
{
  kernel<<<grid, block, sharedBytes, stream>>>(std::forward<TArgs>(args)...);
  return cudaGetLastError();
}
inline const char *
last_error_detail()
{
  return "";
}
} // namespace cuemu
#  define CUEMU_DYNAMIC_SHARED(T, name)                                                                                \
    extern __shared__ __align__(16) unsigned char cuemu_dynamic_shared_[];                                             \
    T *                                           name = reinterpret_cast<T *>(cuemu_dynamic_shared_)

#else
/* -------------------------------------------------------------- CPU emulation */
#  if defined(CUDART_VERSION) || defined(__CUDA_RUNTIME_H__)
#    error "cuda_host_emulation.h: do not include CUDA runtime headers in code compiled for the emulation"
#  endif

#  define __global__
#  define __device__
#  define __host__
#  define __forceinline__ inline
#  define __noinline__
#  define __shared__ static thread_local
#  define __constant__
#  define __restrict__ __restrict
#  define __launch_bounds__(...)
#  define __align__(n) alignas(n)
#  define CUEMU_DYNAMIC_SHARED(T, name) T * name = reinterpret_cast<T *>(::cuemu::detail::dynamic_shared())

namespace cuemu
{
struct dim3
{
  unsigned int x, y, z;
  constexpr dim3(unsigned int vx = 1, unsigned int vy = 1, unsigned int vz = 1)
    : x(vx)
    , y(vy)
    , z(vz)
  {}
};
struct uint3
{
  unsigned int x, y, z;
};

enum cudaError_t
{
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidDevicePointer = 17,
  cudaErrorInvalidMemcpyDirection = 21,
  cudaErrorInsufficientDriver = 35,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorLaunchFailure = 719,
};
using cudaError = cudaError_t;

enum cudaMemcpyKind
{
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4
};

enum cudaFuncAttribute
{
  cudaFuncAttributeMaxDynamicSharedMemorySize = 8
};

struct CUstream_st;
using cudaStream_t = CUstream_st *;
struct CUevent_st;
using cudaEvent_t = CUevent_st *;

struct cudaDeviceProp
{
  char   name[256];
  size_t totalGlobalMem;
  size_t sharedMemPerBlock;
  int    warpSize;
  int    maxThreadsPerBlock;
  int    maxThreadsDim[3];
  int    maxGridSize[3];
  int    major;
  int    minor;
  int    multiProcessorCount;
};

constexpr int warpSize = 32;

/* The built-in variables: per worker thread, rewritten before each fiber resumes. */
inline thread_local uint3 threadIdx{ 0, 0, 0 };
inline thread_local uint3 blockIdx{ 0, 0, 0 };
inline thread_local dim3  blockDim{ 1, 1, 1 };
inline thread_local dim3  gridDim{ 1, 1, 1 };

/* Call sites of barriers and warp collectives, for the diagnostics. */
struct site
{
  const char * file;
  int          line;
};
/* Trailing defaulted parameters that capture the caller's file and line. */
#  define CUEMU_SITE_PARAMS const char *cuemu_file = __builtin_FILE(), int cuemu_line = __builtin_LINE()
#  define CUEMU_SITE_ARGS                                                                                              \
    ::cuemu::site                                                                                                      \
    {                                                                                                                  \
      cuemu_file, cuemu_line                                                                                           \
    }

namespace detail
{
using body_fn = void (*)(void *);
cudaError_t
launch_impl(const void * kernel, dim3 grid, dim3 block, size_t sharedBytes, body_fn body, void * context);
void *
dynamic_shared();

enum class warp_op : int
{
  shfl,
  shfl_up,
  shfl_down,
  shfl_xor,
  ballot,
  all,
  any,
  sync,
  reduce_add,
  reduce_min,
  reduce_max,
  reduce_and,
  reduce_or,
  reduce_xor
};
std::uint64_t
warp_collective(warp_op op, unsigned mask, std::uint64_t value, int parameter, int width, bool is_signed, site where);
int
block_barrier(int kind, int predicate, site where);
unsigned
active_mask();
void
require_device_context(const char * what);

template <typename T>
inline std::uint64_t
to_bits(T v)
{
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable<T>::value, "warp shuffles take types of up to 8 bytes");
  std::uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(T));
  return b;
}
template <typename T>
inline T
from_bits(std::uint64_t b)
{
  T v;
  std::memcpy(&v, &b, sizeof(T));
  return v;
}
} // namespace detail

/* ----------------------------------------------------------------- launches */
template <typename... TParams, typename... TArgs>
inline cudaError_t
launch(void (*kernel)(TParams...), dim3 grid, dim3 block, size_t sharedBytes, cudaStream_t /*stream*/, TArgs &&... args)
{
  static_assert(sizeof...(TParams) == sizeof...(TArgs), "cuemu::launch: wrong number of kernel arguments");
  struct Context
  {
    void (*kernel)(TParams...);
    std::tuple<std::decay_t<TParams>...> arguments;
  } context{ kernel, std::tuple<std::decay_t<TParams>...>(std::forward<TArgs>(args)...) };
  return detail::launch_impl(
    reinterpret_cast<const void *>(kernel),
    grid,
    block,
    sharedBytes,
    [](void * c) {
      auto * ctx = static_cast<Context *>(c);
      std::apply(ctx->kernel, ctx->arguments); // each CUDA thread gets its own copies
    },
    &context);
}

/* --------------------------------------------------------- barriers, warps */
inline void
__syncthreads(CUEMU_SITE_PARAMS)
{
  detail::block_barrier(0, 1, CUEMU_SITE_ARGS);
}
inline int
__syncthreads_count(int predicate, CUEMU_SITE_PARAMS)
{
  return detail::block_barrier(1, predicate, CUEMU_SITE_ARGS);
}
inline int
__syncthreads_and(int predicate, CUEMU_SITE_PARAMS)
{
  return detail::block_barrier(2, predicate, CUEMU_SITE_ARGS);
}
inline int
__syncthreads_or(int predicate, CUEMU_SITE_PARAMS)
{
  return detail::block_barrier(3, predicate, CUEMU_SITE_ARGS);
}
inline void
__syncwarp(unsigned mask = 0xffffffffu, CUEMU_SITE_PARAMS)
{
  detail::warp_collective(detail::warp_op::sync, mask, 0, 0, warpSize, false, CUEMU_SITE_ARGS);
}
template <typename T>
inline T
__shfl_sync(unsigned mask, T var, int srcLane, int width = warpSize, CUEMU_SITE_PARAMS)
{
  return detail::from_bits<T>(
    detail::warp_collective(detail::warp_op::shfl, mask, detail::to_bits(var), srcLane, width, false, CUEMU_SITE_ARGS));
}
template <typename T>
inline T
__shfl_up_sync(unsigned mask, T var, unsigned delta, int width = warpSize, CUEMU_SITE_PARAMS)
{
  return detail::from_bits<T>(detail::warp_collective(
    detail::warp_op::shfl_up, mask, detail::to_bits(var), static_cast<int>(delta), width, false, CUEMU_SITE_ARGS));
}
template <typename T>
inline T
__shfl_down_sync(unsigned mask, T var, unsigned delta, int width = warpSize, CUEMU_SITE_PARAMS)
{
  return detail::from_bits<T>(detail::warp_collective(
    detail::warp_op::shfl_down, mask, detail::to_bits(var), static_cast<int>(delta), width, false, CUEMU_SITE_ARGS));
}
template <typename T>
inline T
__shfl_xor_sync(unsigned mask, T var, int laneMask, int width = warpSize, CUEMU_SITE_PARAMS)
{
  return detail::from_bits<T>(detail::warp_collective(
    detail::warp_op::shfl_xor, mask, detail::to_bits(var), laneMask, width, false, CUEMU_SITE_ARGS));
}
inline unsigned
__ballot_sync(unsigned mask, int predicate, CUEMU_SITE_PARAMS)
{
  return static_cast<unsigned>(
    detail::warp_collective(detail::warp_op::ballot, mask, predicate != 0, 0, warpSize, false, CUEMU_SITE_ARGS));
}
inline int
__all_sync(unsigned mask, int predicate, CUEMU_SITE_PARAMS)
{
  return static_cast<int>(
    detail::warp_collective(detail::warp_op::all, mask, predicate != 0, 0, warpSize, false, CUEMU_SITE_ARGS));
}
inline int
__any_sync(unsigned mask, int predicate, CUEMU_SITE_PARAMS)
{
  return static_cast<int>(
    detail::warp_collective(detail::warp_op::any, mask, predicate != 0, 0, warpSize, false, CUEMU_SITE_ARGS));
}
inline unsigned
__reduce_add_sync(unsigned mask, unsigned value, CUEMU_SITE_PARAMS)
{
  return static_cast<unsigned>(
    detail::warp_collective(detail::warp_op::reduce_add, mask, value, 0, warpSize, false, CUEMU_SITE_ARGS));
}
inline int
__reduce_add_sync(unsigned mask, int value, CUEMU_SITE_PARAMS)
{
  return static_cast<int>(detail::warp_collective(detail::warp_op::reduce_add,
                                                  mask,
                                                  static_cast<std::uint64_t>(static_cast<std::int64_t>(value)),
                                                  0,
                                                  warpSize,
                                                  true,
                                                  CUEMU_SITE_ARGS));
}
inline unsigned
__reduce_min_sync(unsigned mask, unsigned value, CUEMU_SITE_PARAMS)
{
  return static_cast<unsigned>(
    detail::warp_collective(detail::warp_op::reduce_min, mask, value, 0, warpSize, false, CUEMU_SITE_ARGS));
}
inline int
__reduce_min_sync(unsigned mask, int value, CUEMU_SITE_PARAMS)
{
  return static_cast<int>(detail::warp_collective(detail::warp_op::reduce_min,
                                                  mask,
                                                  static_cast<std::uint64_t>(static_cast<std::int64_t>(value)),
                                                  0,
                                                  warpSize,
                                                  true,
                                                  CUEMU_SITE_ARGS));
}
inline unsigned
__reduce_max_sync(unsigned mask, unsigned value, CUEMU_SITE_PARAMS)
{
  return static_cast<unsigned>(
    detail::warp_collective(detail::warp_op::reduce_max, mask, value, 0, warpSize, false, CUEMU_SITE_ARGS));
}
inline int
__reduce_max_sync(unsigned mask, int value, CUEMU_SITE_PARAMS)
{
  return static_cast<int>(detail::warp_collective(detail::warp_op::reduce_max,
                                                  mask,
                                                  static_cast<std::uint64_t>(static_cast<std::int64_t>(value)),
                                                  0,
                                                  warpSize,
                                                  true,
                                                  CUEMU_SITE_ARGS));
}
inline unsigned
__reduce_and_sync(unsigned mask, unsigned value, CUEMU_SITE_PARAMS)
{
  return static_cast<unsigned>(
    detail::warp_collective(detail::warp_op::reduce_and, mask, value, 0, warpSize, false, CUEMU_SITE_ARGS));
}
inline unsigned
__reduce_or_sync(unsigned mask, unsigned value, CUEMU_SITE_PARAMS)
{
  return static_cast<unsigned>(
    detail::warp_collective(detail::warp_op::reduce_or, mask, value, 0, warpSize, false, CUEMU_SITE_ARGS));
}
inline unsigned
__reduce_xor_sync(unsigned mask, unsigned value, CUEMU_SITE_PARAMS)
{
  return static_cast<unsigned>(
    detail::warp_collective(detail::warp_op::reduce_xor, mask, value, 0, warpSize, false, CUEMU_SITE_ARGS));
}
inline unsigned
__activemask()
{
  return detail::active_mask();
}

/* ------------------------------------------------------------------ atomics */
/* Relaxed read-modify-writes with CUDA's overload set (non-templates, so that
 * atomicAdd(unsigned*, 1) resolves exactly as with nvcc). */
#  define CUEMU_ATOMIC_RMW(NAME, T, BUILTIN)                                                                           \
    inline T NAME(T * address, T value)                                                                                \
    {                                                                                                                  \
      detail::require_device_context(#NAME);                                                                           \
      return BUILTIN(address, value, __ATOMIC_RELAXED);                                                                \
    }
CUEMU_ATOMIC_RMW(atomicAdd, int, __atomic_fetch_add)
CUEMU_ATOMIC_RMW(atomicAdd, unsigned int, __atomic_fetch_add)
CUEMU_ATOMIC_RMW(atomicAdd, unsigned long long int, __atomic_fetch_add)
CUEMU_ATOMIC_RMW(atomicSub, int, __atomic_fetch_sub)
CUEMU_ATOMIC_RMW(atomicSub, unsigned int, __atomic_fetch_sub)
CUEMU_ATOMIC_RMW(atomicAnd, int, __atomic_fetch_and)
CUEMU_ATOMIC_RMW(atomicAnd, unsigned int, __atomic_fetch_and)
CUEMU_ATOMIC_RMW(atomicAnd, unsigned long long int, __atomic_fetch_and)
CUEMU_ATOMIC_RMW(atomicOr, int, __atomic_fetch_or)
CUEMU_ATOMIC_RMW(atomicOr, unsigned int, __atomic_fetch_or)
CUEMU_ATOMIC_RMW(atomicOr, unsigned long long int, __atomic_fetch_or)
CUEMU_ATOMIC_RMW(atomicXor, int, __atomic_fetch_xor)
CUEMU_ATOMIC_RMW(atomicXor, unsigned int, __atomic_fetch_xor)
CUEMU_ATOMIC_RMW(atomicXor, unsigned long long int, __atomic_fetch_xor)
CUEMU_ATOMIC_RMW(atomicExch, int, __atomic_exchange_n)
CUEMU_ATOMIC_RMW(atomicExch, unsigned int, __atomic_exchange_n)
CUEMU_ATOMIC_RMW(atomicExch, unsigned long long int, __atomic_exchange_n)
#  undef CUEMU_ATOMIC_RMW

namespace detail
{
template <typename T, typename F>
inline T
atomic_update(T * address, F f)
{
  T old = __atomic_load_n(address, __ATOMIC_RELAXED);
  while (!__atomic_compare_exchange_n(address, &old, f(old), false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
  {}
  return old;
}
template <typename T, typename U, typename F>
inline T
atomic_update_bits(T * address, F f)
{
  static_assert(sizeof(T) == sizeof(U), "bit type");
  U * bits = reinterpret_cast<U *>(address);
  U   old = __atomic_load_n(bits, __ATOMIC_RELAXED);
  for (;;)
  {
    T v;
    std::memcpy(&v, &old, sizeof(T));
    T n = f(v);
    U nb;
    std::memcpy(&nb, &n, sizeof(T));
    if (__atomic_compare_exchange_n(bits, &old, nb, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
      return v;
  }
}
} // namespace detail

inline float
atomicAdd(float * address, float value)
{
  detail::require_device_context("atomicAdd");
  return detail::atomic_update_bits<float, std::uint32_t>(address, [value](float v) { return v + value; });
}
inline double
atomicAdd(double * address, double value)
{
  detail::require_device_context("atomicAdd");
  return detail::atomic_update_bits<double, std::uint64_t>(address, [value](double v) { return v + value; });
}
inline float
atomicExch(float * address, float value)
{
  detail::require_device_context("atomicExch");
  return detail::atomic_update_bits<float, std::uint32_t>(address, [value](float) { return value; });
}
#  define CUEMU_ATOMIC_MINMAX(NAME, T, CMP)                                                                            \
    inline T NAME(T * address, T value)                                                                                \
    {                                                                                                                  \
      detail::require_device_context(#NAME);                                                                           \
      return detail::atomic_update(address, [value](T v) { return (value CMP v) ? value : v; });                       \
    }
CUEMU_ATOMIC_MINMAX(atomicMin, int, <)
CUEMU_ATOMIC_MINMAX(atomicMin, unsigned int, <)
CUEMU_ATOMIC_MINMAX(atomicMin, long long int, <)
CUEMU_ATOMIC_MINMAX(atomicMin, unsigned long long int, <)
CUEMU_ATOMIC_MINMAX(atomicMax, int, >)
CUEMU_ATOMIC_MINMAX(atomicMax, unsigned int, >)
CUEMU_ATOMIC_MINMAX(atomicMax, long long int, >)
CUEMU_ATOMIC_MINMAX(atomicMax, unsigned long long int, >)
#  undef CUEMU_ATOMIC_MINMAX
inline unsigned int
atomicInc(unsigned int * address, unsigned int limit)
{
  detail::require_device_context("atomicInc");
  return detail::atomic_update(address, [limit](unsigned int v) { return v >= limit ? 0u : v + 1u; });
}
inline unsigned int
atomicDec(unsigned int * address, unsigned int limit)
{
  detail::require_device_context("atomicDec");
  return detail::atomic_update(address, [limit](unsigned int v) { return (v == 0u || v > limit) ? limit : v - 1u; });
}
#  define CUEMU_ATOMIC_CAS(T)                                                                                          \
    inline T atomicCAS(T * address, T compare, T value)                                                                \
    {                                                                                                                  \
      detail::require_device_context("atomicCAS");                                                                     \
      __atomic_compare_exchange_n(address, &compare, value, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);                \
      return compare;                                                                                                  \
    }
CUEMU_ATOMIC_CAS(int)
CUEMU_ATOMIC_CAS(unsigned int)
CUEMU_ATOMIC_CAS(unsigned long long int)
#  undef CUEMU_ATOMIC_CAS
inline void
__threadfence()
{
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}
inline void
__threadfence_block()
{
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

/* --------------------------------------------------------------- intrinsics */
template <typename T>
inline T
__ldg(const T * p)
{
  return *p;
}
template <typename T>
inline T
__ldcg(const T * p)
{
  return *p;
}
inline float
__fdividef(float a, float b)
{
  return a / b;
}
inline float
__saturatef(float a)
{
  return a < 0.0f ? 0.0f : (a > 1.0f ? 1.0f : a);
}
inline float
__fmaf_rn(float a, float b, float c)
{
  return __builtin_fmaf(a, b, c);
}
inline float
rsqrtf(float a)
{
  return 1.0f / __builtin_sqrtf(a);
}
inline float
__expf(float a)
{
  return __builtin_expf(a);
}
inline float
__logf(float a)
{
  return __builtin_logf(a);
}
inline float
__log2f(float a)
{
  return __builtin_log2f(a);
}
inline int
__float2int_rn(float a)
{
  return static_cast<int>(__builtin_nearbyintf(a));
}
inline int
__float2int_rz(float a)
{
  return static_cast<int>(a);
}
inline int
__float2int_rd(float a)
{
  return static_cast<int>(__builtin_floorf(a));
}
inline int
__float2int_ru(float a)
{
  return static_cast<int>(__builtin_ceilf(a));
}
inline int
__float_as_int(float a)
{
  return detail::from_bits<int>(detail::to_bits(a));
}
inline float
__int_as_float(int a)
{
  return detail::from_bits<float>(detail::to_bits(a));
}
inline unsigned
__float_as_uint(float a)
{
  return detail::from_bits<unsigned>(detail::to_bits(a));
}
inline float
__uint_as_float(unsigned a)
{
  return detail::from_bits<float>(detail::to_bits(a));
}
inline int
__popc(unsigned a)
{
  return __builtin_popcount(a);
}
inline int
__popcll(unsigned long long a)
{
  return __builtin_popcountll(a);
}
inline int
__clz(int a)
{
  return a == 0 ? 32 : __builtin_clz(static_cast<unsigned>(a));
}
inline int
__ffs(int a)
{
  return __builtin_ffs(a);
}
inline unsigned
__brev(unsigned a)
{
  unsigned r = 0;
  for (int i = 0; i < 32; ++i)
    r |= ((a >> i) & 1u) << (31 - i);
  return r;
}
inline int
__mul24(int a, int b)
{
  return static_cast<int>((static_cast<std::int64_t>(a << 8 >> 8) * (b << 8 >> 8)) & 0xffffffff);
}
inline unsigned
__umulhi(unsigned a, unsigned b)
{
  return static_cast<unsigned>((static_cast<std::uint64_t>(a) * b) >> 32);
}
/* CUDA's global min/max overloads. */
inline int
min(int a, int b)
{
  return a < b ? a : b;
}
inline int
max(int a, int b)
{
  return a > b ? a : b;
}
inline unsigned
min(unsigned a, unsigned b)
{
  return a < b ? a : b;
}
inline unsigned
max(unsigned a, unsigned b)
{
  return a > b ? a : b;
}
inline long long
min(long long a, long long b)
{
  return a < b ? a : b;
}
inline long long
max(long long a, long long b)
{
  return a > b ? a : b;
}
inline float
min(float a, float b)
{
  return __builtin_fminf(a, b);
}
inline float
max(float a, float b)
{
  return __builtin_fmaxf(a, b);
}

/* ------------------------------------------------------------ runtime subset */
cudaError_t
cudaMalloc(void ** pointer, size_t bytes);
template <typename T>
inline cudaError_t
cudaMalloc(T ** pointer, size_t bytes)
{
  return cudaMalloc(reinterpret_cast<void **>(pointer), bytes);
}
cudaError_t
cudaFree(void * pointer);
cudaError_t
cudaMallocHost(void ** pointer, size_t bytes);
cudaError_t
cudaFreeHost(void * pointer);
cudaError_t
cudaMemcpy(void * dst, const void * src, size_t bytes, cudaMemcpyKind kind);
cudaError_t
cudaMemcpyAsync(void * dst, const void * src, size_t bytes, cudaMemcpyKind kind, cudaStream_t stream = nullptr);
cudaError_t
cudaMemcpy2D(void * dst, size_t dpitch, const void * src, size_t spitch, size_t width, size_t height,
             cudaMemcpyKind kind);
cudaError_t
cudaMemset(void * dst, int value, size_t bytes);
cudaError_t
cudaMemsetAsync(void * dst, int value, size_t bytes, cudaStream_t stream = nullptr);
cudaError_t
cudaDeviceSynchronize();
cudaError_t
cudaDeviceReset();
cudaError_t
cudaStreamCreate(cudaStream_t * stream);
cudaError_t
cudaStreamDestroy(cudaStream_t stream);
cudaError_t
cudaStreamSynchronize(cudaStream_t stream);
cudaError_t
cudaGetLastError();
cudaError_t
cudaPeekAtLastError();
const char *
cudaGetErrorString(cudaError_t error);
const char *
cudaGetErrorName(cudaError_t error);
cudaError_t
cudaGetDeviceCount(int * count);
cudaError_t
cudaSetDevice(int device);
cudaError_t
cudaGetDevice(int * device);
cudaError_t
cudaGetDeviceProperties(cudaDeviceProp * properties, int device);
cudaError_t
cudaFuncSetAttribute(const void * kernel, cudaFuncAttribute attribute, int value);
template <typename... TParams>
inline cudaError_t
cudaFuncSetAttribute(void (*kernel)(TParams...), cudaFuncAttribute attribute, int value)
{
  return cudaFuncSetAttribute(reinterpret_cast<const void *>(kernel), attribute, value);
}
cudaError_t
cudaEventCreate(cudaEvent_t * event);
cudaError_t
cudaEventDestroy(cudaEvent_t event);
cudaError_t
cudaEventRecord(cudaEvent_t event, cudaStream_t stream = nullptr);
cudaError_t
cudaEventSynchronize(cudaEvent_t event);
cudaError_t
cudaEventElapsedTime(float * milliseconds, cudaEvent_t start, cudaEvent_t end);

/* ----------------------------------------------------- emulation controls */
/* The detail message of the last error (names the call site, the allocation, ...). */
const char *
last_error_detail();
/* Order in which runnable CUDA threads of a block (and blocks) are run:
 * "forward", "reverse" or "random:SEED". Default from env CUEMU_SCHEDULE. */
bool
set_schedule(const char * schedule);
const char *
get_schedule();
/* Number of host worker threads that run blocks (env CUEMU_WORKERS, default: all cores). */
void
set_workers(int workers);
int
get_workers();
} // namespace cuemu

#endif /* __CUDACC__ */
#endif /* cuda_host_emulation_h */
