#include "itkFusionParallel.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

namespace itk
{
namespace fusion
{
namespace
{
/* Runs body(t) for t in [0, threads): t = 0 on the calling thread; rethrows the first exception. */
void
OnThreads(unsigned threads, const std::function<void(unsigned)> & body)
{
  std::exception_ptr failure;
  std::mutex         failureLock;
  const auto         guarded = [&](unsigned t) {
    try
    {
      body(t);
    }
    catch (...)
    {
      std::lock_guard<std::mutex> lock(failureLock);
      if (!failure)
        failure = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(guarded, t);
  guarded(0);
  for (auto & t : pool)
    t.join();
  if (failure)
    std::rethrow_exception(failure);
}
} // namespace

void
ParallelFor(size_t count, unsigned threads, const std::function<void(size_t, size_t)> & fn)
{
  const size_t parts = std::max<size_t>(1, std::min<size_t>(threads, count));
  if (parts == 1)
  {
    fn(0, count);
    return;
  }
  OnThreads(static_cast<unsigned>(parts), [&](unsigned p) { fn(p * count / parts, (p + 1) * count / parts); });
}

void
RunTasks(const std::vector<std::function<void()>> & tasks, unsigned threads)
{
  std::atomic<size_t> next{ 0 };
  OnThreads(static_cast<unsigned>(std::max<size_t>(1, std::min<size_t>(threads, tasks.size()))), [&](unsigned) {
    for (size_t i = next++; i < tasks.size(); i = next++)
      tasks[i]();
  });
}
} // namespace fusion
} // namespace itk
