/*
 * Proves that the sanitizer builds still see through the emulation:
 *   race  -- a non-atomic += on shared memory by all threads of a block (TSan must report a data race);
 *   missing-barrier -- a shared-memory exchange without its __syncthreads (TSan must report a data race);
 *   oob   -- a kernel reading one float past the end of a device allocation (ASan must report an overflow);
 *   clean -- the correct kernels, which must run without a report.
 * ctest registers these with PASS_REGULAR_EXPRESSION / exit codes (Testing/CMakeLists.txt).
 */
#include "emulation_test_kernels.cuh"

#include <cstdio>
#include <cstring>
#include <vector>

using namespace cuemu;

int
main(int argc, char * argv[])
{
  if (argc != 2)
  {
    std::fprintf(stderr, "usage: %s race|missing-barrier|oob|clean\n", argv[0]);
    return 2;
  }
  if (std::strcmp(argv[1], "race") == 0)
  {
    unsigned * out = nullptr;
    cudaMalloc(&out, 2 * sizeof(unsigned));
    const cudaError_t e = launch(emulation_test::racy_shared_increment, dim3(2), dim3(64), 0, nullptr, out);
    cudaFree(out);
    return e == cudaSuccess ? 0 : 1;
  }
  if (std::strcmp(argv[1], "missing-barrier") == 0)
  {
    const int threads = 64;
    float *   in = nullptr, *out = nullptr;
    cudaMalloc(&in, threads * sizeof(float));
    cudaMalloc(&out, threads * sizeof(float));
    cudaMemset(in, 0, threads * sizeof(float));
    const cudaError_t e =
      launch(emulation_test::neighbour_shift, dim3(1), dim3(threads), threads * sizeof(float), nullptr, in, out, 0);
    cudaFree(in);
    cudaFree(out);
    return e == cudaSuccess ? 0 : 1;
  }
  if (std::strcmp(argv[1], "oob") == 0)
  {
    const int n = 100;
    float *   in = nullptr, *out = nullptr;
    cudaMalloc(&in, n * sizeof(float));
    cudaMalloc(&out, n * sizeof(float));
    cudaMemset(in, 0, n * sizeof(float));
    const cudaError_t e = launch(emulation_test::read_past_end, dim3(1), dim3(128), 0, nullptr, in, out, n);
    cudaFree(in);
    cudaFree(out);
    return e == cudaSuccess ? 0 : 1;
  }
  if (std::strcmp(argv[1], "clean") == 0)
  {
    const int        n = 64 * 4;
    std::vector<int> host(n, 2);
    int *            in = nullptr, *out = nullptr;
    cudaMalloc(&in, n * sizeof(int));
    cudaMalloc(&out, 4 * sizeof(int));
    cudaMemcpy(in, host.data(), n * sizeof(int), cudaMemcpyHostToDevice);
    cudaError_t      e = launch(emulation_test::block_sum, dim3(4), dim3(64), 0, nullptr, in, out, n);
    std::vector<int> result(4);
    cudaMemcpy(result.data(), out, 4 * sizeof(int), cudaMemcpyDeviceToHost);
    cudaFree(in);
    cudaFree(out);
    std::vector<unsigned char> bytes(1000);
    for (size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = static_cast<unsigned char>(i * 7);
    unsigned char * d_bytes = nullptr;
    unsigned *      d_bins = nullptr;
    cudaMalloc(&d_bytes, bytes.size());
    cudaMalloc(&d_bins, 16 * sizeof(unsigned));
    cudaMemcpy(d_bytes, bytes.data(), bytes.size(), cudaMemcpyHostToDevice);
    cudaMemset(d_bins, 0, 16 * sizeof(unsigned));
    if (e == cudaSuccess)
      e = launch(
        emulation_test::histogram, dim3(2), dim3(64), 0, nullptr, d_bytes, static_cast<int>(bytes.size()), d_bins);
    cudaFree(d_bytes);
    cudaFree(d_bins);
    const bool ok = e == cudaSuccess && result == std::vector<int>(4, 128);
    std::printf("%s\n", ok ? "clean kernels ran correctly" : "clean kernels FAILED");
    return ok ? 0 : 1;
  }
  std::fprintf(stderr, "unknown probe '%s'\n", argv[1]);
  return 2;
}
