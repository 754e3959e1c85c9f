#ifndef itkFusionParallel_h
#define itkFusionParallel_h

#include "MultimodalFusionExport.h"

#include <cstddef>
#include <functional>
#include <vector>

namespace itk
{
namespace fusion
{
/** The module's one way to spread CPU work over threads inside its core (the metrics' tasks and
 * strips, the networks' jobs); the filters use ITK's threader as every ITK filter does. The threads
 * are started per call, so calls nest freely (a task may split its own work) and never wait on a
 * pool that their caller occupies. An exception thrown on any thread is rethrown to the caller
 * (the first one), after every thread has ended. */

/** fn(begin, end) over [0, count) in min(threads, count) contiguous parts of near-equal size; one part
 * runs on the calling thread. */
MultimodalFusion_EXPORT void
ParallelFor(size_t count, unsigned threads, const std::function<void(size_t begin, size_t end)> & fn);

/** The tasks on min(threads, tasks) threads, each thread taking the next task in order when it is free
 * (put the heavy ones first). */
MultimodalFusion_EXPORT void
RunTasks(const std::vector<std::function<void()>> & tasks, unsigned threads);
} // namespace fusion
} // namespace itk

#endif
