/*
 * Kernels for the emulation's own tests: correct ones that exercise each
 * feature, and deliberately broken ones that the emulation must catch.
 */
#include "cuda_host_emulation.h"

namespace emulation_test
{
#if !defined(__CUDACC__)
using namespace ::cuemu;
#endif

/* Block sum: warp shuffles, static shared partials, a barrier, a second warp tree. */
__global__ void
block_sum(const int * in, int * out, int n)
{
  __shared__ int partial[32];
  const int      i = blockIdx.x * blockDim.x + threadIdx.x;
  int            v = i < n ? in[i] : 0;
  for (int d = 16; d > 0; d /= 2)
    v += __shfl_down_sync(0xffffffffu, v, d);
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  if (lane == 0)
    partial[warp] = v;
  __syncthreads();
  if (warp == 0)
  {
    v = lane < static_cast<int>(blockDim.x / 32) ? partial[lane] : 0;
    for (int d = 16; d > 0; d /= 2)
      v += __shfl_xor_sync(0xffffffffu, v, d);
    if (lane == 0)
      out[blockIdx.x] = v;
  }
}

/* Warp votes and reductions, one result row per warp. */
__global__ void
warp_votes(const int * predicate, unsigned * out)
{
  const int      t = threadIdx.x;
  const unsigned ballot = __ballot_sync(0xffffffffu, predicate[t]);
  const int      all = __all_sync(0xffffffffu, predicate[t]);
  const int      any = __any_sync(0xffffffffu, predicate[t]);
  const unsigned sum = __reduce_add_sync(0xffffffffu, static_cast<unsigned>(t));
  const unsigned mx = __reduce_max_sync(0xffffffffu, static_cast<unsigned>(t * 7 % 32));
  const int      up = __shfl_up_sync(0xffffffffu, t, 3);
  const int      bcast = __shfl_sync(0xffffffffu, t, 5, 16);
  if (t % 32 == 0)
  {
    unsigned * row = out + (t / 32) * 5;
    row[0] = ballot;
    row[1] = static_cast<unsigned>(all);
    row[2] = static_cast<unsigned>(any);
    row[3] = sum;
    row[4] = mx;
  }
  out[64 + t] = static_cast<unsigned>(up);
  out[64 + 64 + t] = static_cast<unsigned>(bcast);
}

/* Histogram privatised in shared memory with atomics. */
__global__ void
histogram(const unsigned char * in, int n, unsigned * bins)
{
  __shared__ unsigned local[16];
  if (threadIdx.x < 16)
    local[threadIdx.x] = 0;
  __syncthreads();
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x)
    atomicAdd(&local[in[i] % 16], 1u);
  __syncthreads();
  if (threadIdx.x < 16 && local[threadIdx.x])
    atomicAdd(&bins[threadIdx.x], local[threadIdx.x]);
}

/* Barrier predicates. */
__global__ void
barrier_predicates(int * out)
{
  const int t = threadIdx.x;
  const int count = __syncthreads_count(t % 3 == 0);
  const int all = __syncthreads_and(t < 1000);
  const int any = __syncthreads_or(t == 17);
  const int none = __syncthreads_or(0);
  if (t == 0)
  {
    int * row = out + 4 * blockIdx.x;
    row[0] = count;
    row[1] = all;
    row[2] = any;
    row[3] = none;
  }
}

/* Reads dynamic shared memory that no thread wrote. */
__global__ void
read_unwritten_dynamic_shared(float * out)
{
  CUEMU_DYNAMIC_SHARED(float, s);
  out[threadIdx.x] = s[threadIdx.x];
}

/* Shift through shared memory: each thread writes its slot, reads its neighbour's.
 * With `with_barrier` false the barrier between the two is missing. */
__global__ void
neighbour_shift(const float * in, float * out, int with_barrier)
{
  CUEMU_DYNAMIC_SHARED(float, s);
  const unsigned t = threadIdx.x;
  s[t] = in[blockIdx.x * blockDim.x + t];
  if (with_barrier)
    __syncthreads();
  out[blockIdx.x * blockDim.x + t] = s[(t + 1) % blockDim.x];
}

/* Early return before a barrier by part of the block. */
__global__ void
early_return_before_barrier(float * out)
{
  if (threadIdx.x >= 16)
    return;
  __syncthreads();
  out[threadIdx.x] = 1.0f;
}

/* A barrier in each branch of a thread-dependent if. */
__global__ void
barrier_in_both_branches(float * out)
{
  if (threadIdx.x % 2)
  {
    __syncthreads();
    out[threadIdx.x] = 1.0f;
  }
  else
  {
    __syncthreads();
    out[threadIdx.x] = 2.0f;
  }
}

/* A full-mask shuffle reached by half a warp. */
__global__ void
half_warp_shuffle(float * out)
{
  float v = static_cast<float>(threadIdx.x);
  if (threadIdx.x % 32 < 16)
    v = __shfl_down_sync(0xffffffffu, v, 1);
  out[threadIdx.x] = v;
}

/* Half a warp in __syncwarp, the other half in __syncthreads. */
__global__ void
warp_and_block_barrier(float * out)
{
  if (threadIdx.x < 16)
    __syncwarp();
  else
    __syncthreads();
  out[threadIdx.x] = 1.0f;
}

/* A shuffle that reads a lane outside its mask. */
__global__ void
shuffle_outside_mask(int * out)
{
  if (threadIdx.x < 16)
    out[threadIdx.x] = __shfl_sync(0x0000ffffu, static_cast<int>(threadIdx.x), 20);
}

/* Non-atomic update of shared memory (a lost-update race on a GPU): only TSan can see it. */
__global__ void
racy_shared_increment(unsigned * out)
{
  __shared__ unsigned counter;
  if (threadIdx.x == 0)
    counter = 0;
  __syncthreads();
  counter += 1;
  __syncthreads();
  if (threadIdx.x == 0)
    out[blockIdx.x] = counter;
}

/* Reads one element past the end of its input (out-of-bounds global read): only ASan can see it. */
__global__ void
read_past_end(const float * in, float * out, int n)
{
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    out[i] = in[i + 1];
}
} // namespace emulation_test
