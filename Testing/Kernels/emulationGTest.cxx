/*
 * Tests of the CUDA-on-CPU emulation itself: correct kernels give exact results
 * under every schedule, and each seeded bug is caught with a message that names it.
 */
#include "emulation_test_kernels.cuh"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

using namespace cuemu;

namespace
{
const char * const kSchedules[] = { "forward", "reverse", "random:1", "random:2" };

template <typename T>
struct DeviceArray
{
  T *    data = nullptr;
  size_t n = 0;
  explicit DeviceArray(size_t count)
    : n(count)
  {
    EXPECT_EQ(cudaMalloc(&data, count * sizeof(T)), cudaSuccess);
  }
  DeviceArray(const std::vector<T> & host)
    : DeviceArray(host.size())
  {
    EXPECT_EQ(cudaMemcpy(data, host.data(), n * sizeof(T), cudaMemcpyHostToDevice), cudaSuccess);
  }
  ~DeviceArray() { cudaFree(data); }
  std::vector<T>
  host() const
  {
    std::vector<T> h(n);
    EXPECT_EQ(cudaMemcpy(h.data(), data, n * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
    return h;
  }
};

class Emulation : public ::testing::TestWithParam<const char *>
{
protected:
  void
  SetUp() override
  {
    cudaDeviceReset();
    ASSERT_TRUE(set_schedule(GetParam()));
  }
  void
  TearDown() override
  {
    cudaDeviceReset();
    set_schedule("forward");
  }
};

/* A launch that must fail: returns the detail message, clears the sticky error. */
std::string
expect_launch_failure(cudaError_t status)
{
  EXPECT_EQ(status, cudaErrorLaunchFailure);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaErrorLaunchFailure) << "a launch failure must be sticky";
  std::string detail = last_error_detail();
  cudaDeviceReset();
  return detail;
}
} // namespace

TEST_P(Emulation, BlockSumWithShufflesAndSharedMemory)
{
  const int        n = 256 * 7 + 100;
  std::vector<int> in(n);
  for (int i = 0; i < n; ++i)
    in[i] = (i * 37) % 101 - 50;
  DeviceArray<int> d_in(in), d_out(8);
  ASSERT_EQ(launch(emulation_test::block_sum, dim3(8), dim3(256), 0, nullptr, d_in.data, d_out.data, n), cudaSuccess);
  const auto out = d_out.host();
  for (int b = 0; b < 8; ++b)
  {
    int expected = 0;
    for (int i = b * 256; i < std::min(n, (b + 1) * 256); ++i)
      expected += in[i];
    EXPECT_EQ(out[b], expected) << "block " << b;
  }
}

TEST_P(Emulation, WarpVotesReductionsAndShuffles)
{
  std::vector<int> predicate(64);
  for (int t = 0; t < 64; ++t)
    predicate[t] = t < 32 ? 1 : (t % 5 == 0);
  DeviceArray<int>      d_pred(predicate);
  DeviceArray<unsigned> d_out(64 + 64 + 64);
  ASSERT_EQ(launch(emulation_test::warp_votes, dim3(1), dim3(64), 0, nullptr, d_pred.data, d_out.data), cudaSuccess);
  const auto out = d_out.host();
  unsigned   ballot1 = 0;
  for (int l = 0; l < 32; ++l)
    ballot1 |= static_cast<unsigned>(predicate[32 + l] != 0) << l;
  EXPECT_EQ(out[0], 0xffffffffu);
  EXPECT_EQ(out[1], 1u);
  EXPECT_EQ(out[2], 1u);
  EXPECT_EQ(out[3], 31u * 32u / 2u);
  EXPECT_EQ(out[4], 31u);
  EXPECT_EQ(out[5], ballot1);
  EXPECT_EQ(out[6], 0u);
  EXPECT_EQ(out[7], 1u);
  EXPECT_EQ(out[8], (32u + 63u) * 32u / 2u);
  for (int t = 0; t < 64; ++t)
  {
    const int lane = t % 32;
    EXPECT_EQ(out[64 + t], static_cast<unsigned>(lane >= 3 ? t - 3 : t)) << "shfl_up lane " << t;
    EXPECT_EQ(out[128 + t], static_cast<unsigned>(t - lane % 16 + 5)) << "shfl width 16 lane " << t;
  }
}

TEST_P(Emulation, SharedAtomicHistogram)
{
  const int                  n = 10007;
  std::vector<unsigned char> in(n);
  for (int i = 0; i < n; ++i)
    in[i] = static_cast<unsigned char>((i * 131) ^ (i >> 3));
  DeviceArray<unsigned char> d_in(in);
  DeviceArray<unsigned>      d_bins(std::vector<unsigned>(16, 0));
  ASSERT_EQ(launch(emulation_test::histogram, dim3(5), dim3(128), 0, nullptr, d_in.data, n, d_bins.data), cudaSuccess);
  std::vector<unsigned> expected(16, 0);
  for (auto v : in)
    ++expected[v % 16];
  EXPECT_EQ(d_bins.host(), expected);
}

TEST_P(Emulation, BarrierPredicates)
{
  DeviceArray<int> d_out(8);
  ASSERT_EQ(launch(emulation_test::barrier_predicates, dim3(2), dim3(96), 0, nullptr, d_out.data), cudaSuccess);
  EXPECT_EQ(d_out.host(), std::vector<int>({ 32, 1, 1, 0, 32, 1, 1, 0 }));
}

TEST_P(Emulation, DynamicSharedMemoryIsPoisonedWithNaN)
{
  DeviceArray<float> d_out(64);
  ASSERT_EQ(
    launch(emulation_test::read_unwritten_dynamic_shared, dim3(1), dim3(64), 64 * sizeof(float), nullptr, d_out.data),
    cudaSuccess);
  for (float v : d_out.host())
    EXPECT_TRUE(std::isnan(v));
}

TEST_P(Emulation, CatchesMissingSyncthreads)
{
  const int          threads = 64, blocks = 3;
  std::vector<float> in(threads * blocks);
  std::iota(in.begin(), in.end(), 1.0f);
  std::vector<float> expected(in.size());
  for (int b = 0; b < blocks; ++b)
    for (int t = 0; t < threads; ++t)
      expected[b * threads + t] = in[b * threads + (t + 1) % threads];
  DeviceArray<float> d_in(in), d_out(in.size());
  ASSERT_EQ(launch(emulation_test::neighbour_shift,
                   dim3(blocks),
                   dim3(threads),
                   threads * sizeof(float),
                   nullptr,
                   d_in.data,
                   d_out.data,
                   1),
            cudaSuccess);
  EXPECT_EQ(d_out.host(), expected) << "the correct kernel must be exact";
  ASSERT_EQ(launch(emulation_test::neighbour_shift,
                   dim3(blocks),
                   dim3(threads),
                   threads * sizeof(float),
                   nullptr,
                   d_in.data,
                   d_out.data,
                   0),
            cudaSuccess);
  EXPECT_NE(d_out.host(), expected) << "the missing __syncthreads must change the result under " << GetParam();
}

TEST_P(Emulation, CatchesEarlyReturnBeforeBarrier)
{
  DeviceArray<float> d_out(64);
  const std::string  detail = expect_launch_failure(
    launch(emulation_test::early_return_before_barrier, dim3(2), dim3(64), 0, nullptr, d_out.data));
  EXPECT_NE(detail.find("divergent barrier"), std::string::npos) << detail;
  EXPECT_NE(detail.find("exited while"), std::string::npos) << detail;
  EXPECT_NE(detail.find("emulation_test_kernels.cuh"), std::string::npos) << "names the call site: " << detail;
}

TEST_P(Emulation, CatchesBarriersInBothBranches)
{
  DeviceArray<float> d_out(64);
  const std::string  detail =
    expect_launch_failure(launch(emulation_test::barrier_in_both_branches, dim3(1), dim3(64), 0, nullptr, d_out.data));
  EXPECT_NE(detail.find("different barriers"), std::string::npos) << detail;
}

TEST_P(Emulation, CatchesHalfWarpShuffle)
{
  DeviceArray<float> d_out(64);
  const std::string  detail =
    expect_launch_failure(launch(emulation_test::half_warp_shuffle, dim3(1), dim3(64), 0, nullptr, d_out.data));
  EXPECT_NE(detail.find("exited while its warp waits for it in __shfl_down_sync"), std::string::npos) << detail;
}

TEST_P(Emulation, ReportsDeadlockOfWarpAndBlockBarriers)
{
  DeviceArray<float> d_out(32);
  const std::string  detail =
    expect_launch_failure(launch(emulation_test::warp_and_block_barrier, dim3(1), dim3(32), 0, nullptr, d_out.data));
  EXPECT_NE(detail.find("deadlock"), std::string::npos) << detail;
  EXPECT_NE(detail.find("16 thread(s) wait at __syncwarp"), std::string::npos) << detail;
  EXPECT_NE(detail.find("16 thread(s) wait at __syncthreads"), std::string::npos) << detail;
}

TEST_P(Emulation, CatchesShuffleFromLaneOutsideMask)
{
  DeviceArray<int>  d_out(32);
  const std::string detail =
    expect_launch_failure(launch(emulation_test::shuffle_outside_mask, dim3(1), dim3(32), 0, nullptr, d_out.data));
  EXPECT_NE(detail.find("not in the mask"), std::string::npos) << detail;
}

INSTANTIATE_TEST_SUITE_P(Schedules, Emulation, ::testing::ValuesIn(kSchedules));

TEST(EmulationRuntime, RejectsOutOfRangeAndSwappedCopies)
{
  cudaDeviceReset();
  float * d = nullptr;
  ASSERT_EQ(cudaMalloc(&d, 100 * sizeof(float)), cudaSuccess);
  std::vector<float> h(101, 1.0f);
  EXPECT_EQ(cudaMemcpy(d, h.data(), 100 * sizeof(float), cudaMemcpyHostToDevice), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(d, h.data(), 101 * sizeof(float), cudaMemcpyHostToDevice), cudaErrorInvalidValue);
  EXPECT_NE(std::string(last_error_detail()).find("reaches 404 bytes into a device allocation of 400 bytes"),
            std::string::npos)
    << last_error_detail();
  EXPECT_EQ(cudaGetLastError(), cudaErrorInvalidValue);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess) << "a copy error is not sticky";
  EXPECT_EQ(cudaMemcpy(h.data(), d + 50, 51 * sizeof(float), cudaMemcpyDeviceToHost), cudaErrorInvalidValue);
  EXPECT_EQ(cudaMemcpy(h.data(), d, 10 * sizeof(float), cudaMemcpyHostToDevice), cudaErrorInvalidValue)
    << "swapped direction";
  EXPECT_NE(std::string(last_error_detail()).find("swapped"), std::string::npos) << last_error_detail();
  EXPECT_EQ(cudaMemcpy(h.data(), h.data() + 1, 4, cudaMemcpyDeviceToHost), cudaErrorInvalidValue)
    << "host pointer as device source";
  EXPECT_EQ(cudaMemset(d + 99, 0, 2 * sizeof(float)), cudaErrorInvalidValue);
  EXPECT_EQ(cudaMemset(d, 0, 100 * sizeof(float)), cudaSuccess);
  EXPECT_EQ(cudaFree(d + 1), cudaErrorInvalidDevicePointer);
  EXPECT_EQ(cudaFree(d), cudaSuccess);
  EXPECT_EQ(cudaMemcpy(h.data(), d, 4, cudaMemcpyDeviceToHost), cudaErrorInvalidValue) << "use after free";
  cudaDeviceReset();
}

TEST(EmulationRuntime, RejectsInvalidLaunchConfigurations)
{
  cudaDeviceReset();
  DeviceArray<float> d_out(2048);
  EXPECT_EQ(launch(emulation_test::read_unwritten_dynamic_shared, dim3(1), dim3(1056), 0, nullptr, d_out.data),
            cudaErrorInvalidConfiguration);
  EXPECT_EQ(launch(emulation_test::read_unwritten_dynamic_shared, dim3(1), dim3(32), 64 * 1024, nullptr, d_out.data),
            cudaErrorInvalidConfiguration);
  EXPECT_NE(std::string(last_error_detail()).find("cudaFuncSetAttribute"), std::string::npos);
  ASSERT_EQ(cudaFuncSetAttribute(
              emulation_test::read_unwritten_dynamic_shared, cudaFuncAttributeMaxDynamicSharedMemorySize, 64 * 1024),
            cudaSuccess);
  EXPECT_EQ(launch(emulation_test::read_unwritten_dynamic_shared, dim3(1), dim3(32), 64 * 1024, nullptr, d_out.data),
            cudaSuccess);
  EXPECT_EQ(launch(emulation_test::read_unwritten_dynamic_shared, dim3(0), dim3(32), 0, nullptr, d_out.data),
            cudaErrorInvalidConfiguration);
  cudaDeviceReset();
}

TEST(EmulationRuntime, StickyLaunchErrorBlocksLaterLaunchesUntilReset)
{
  cudaDeviceReset();
  DeviceArray<float> d_out(64);
  EXPECT_EQ(launch(emulation_test::early_return_before_barrier, dim3(1), dim3(64), 0, nullptr, d_out.data),
            cudaErrorLaunchFailure);
  EXPECT_EQ(cudaGetLastError(), cudaErrorLaunchFailure);
  EXPECT_EQ(cudaGetLastError(), cudaErrorLaunchFailure) << "sticky: not cleared by cudaGetLastError";
  EXPECT_EQ(launch(emulation_test::read_unwritten_dynamic_shared, dim3(1), dim3(32), 0, nullptr, d_out.data),
            cudaErrorLaunchFailure);
  cudaDeviceReset();
  EXPECT_EQ(launch(emulation_test::read_unwritten_dynamic_shared, dim3(1), dim3(32), 128, nullptr, d_out.data),
            cudaSuccess);
}

TEST(EmulationRuntime, SchedulesAndWorkers)
{
  EXPECT_FALSE(set_schedule("sideways"));
  EXPECT_FALSE(set_schedule("random:x"));
  EXPECT_TRUE(set_schedule("random:42"));
  EXPECT_STREQ(get_schedule(), "random:42");
  EXPECT_TRUE(set_schedule("forward"));
  int count = 0;
  EXPECT_EQ(cudaGetDeviceCount(&count), cudaSuccess);
  EXPECT_EQ(count, 1);
  // Results do not depend on the number of workers.
  const int        n = 64 * 40;
  std::vector<int> in(n, 3);
  DeviceArray<int> d_in(in), d_out(40);
  for (int workers : { 1, 2, 3 })
  {
    set_workers(workers);
    ASSERT_EQ(launch(emulation_test::block_sum, dim3(40), dim3(64), 0, nullptr, d_in.data, d_out.data, n), cudaSuccess);
    EXPECT_EQ(d_out.host(), std::vector<int>(40, 64 * 3)) << workers << " workers";
  }
  set_workers(0);
}

TEST(EmulationRuntime, ConcurrentHostThreadsLaunchSafely)
{
  cudaDeviceReset();
  std::vector<std::thread> hosts;
  std::vector<int>         ok(3, 0);
  for (int h = 0; h < 3; ++h)
    hosts.emplace_back([h, &ok] {
      const int        n = 128 * 4;
      std::vector<int> in(n, h + 1);
      int *            d_in = nullptr, *d_out = nullptr;
      cudaMalloc(&d_in, n * sizeof(int));
      cudaMalloc(&d_out, 4 * sizeof(int));
      cudaMemcpy(d_in, in.data(), n * sizeof(int), cudaMemcpyHostToDevice);
      int good = 0;
      for (int r = 0; r < 20; ++r)
      {
        std::vector<int> out(4);
        if (launch(emulation_test::block_sum, dim3(4), dim3(128), 0, nullptr, d_in, d_out, n) == cudaSuccess &&
            cudaMemcpy(out.data(), d_out, 4 * sizeof(int), cudaMemcpyDeviceToHost) == cudaSuccess &&
            out == std::vector<int>(4, 128 * (h + 1)))
          ++good;
      }
      ok[h] = good;
      cudaFree(d_in);
      cudaFree(d_out);
    });
  for (auto & t : hosts)
    t.join();
  EXPECT_EQ(ok, std::vector<int>(3, 20));
}
