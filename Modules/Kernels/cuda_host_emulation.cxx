/*
 * The CPU runtime behind cuda_host_emulation.h: fibers, the block scheduler with
 * its barrier and warp checks, and the checked device-memory registry.
 * Design and restrictions: docs/CUDA-EMULATION.md.
 */
#include "cuda_host_emulation.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#  define CUEMU_ASAN 1
#endif
#if defined(__SANITIZE_THREAD__)
#  define CUEMU_TSAN 1
#endif
#if defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define CUEMU_ASAN 1
#  endif
#  if __has_feature(thread_sanitizer)
#    define CUEMU_TSAN 1
#  endif
#endif
#if defined(CUEMU_ASAN)
#  include <sanitizer/asan_interface.h>
#  include <sanitizer/common_interface_defs.h>
#endif
#if defined(CUEMU_TSAN)
#  include <sanitizer/tsan_interface.h>
extern "C" void
AnnotateIgnoreReadsBegin(const char * file, int line);
extern "C" void
AnnotateIgnoreReadsEnd(const char * file, int line);
extern "C" void
AnnotateIgnoreWritesBegin(const char * file, int line);
extern "C" void
AnnotateIgnoreWritesEnd(const char * file, int line);
#endif

#if !defined(__x86_64__)
#  include <ucontext.h>
#endif

namespace cuemu
{
namespace
{
/* ------------------------------------------------------------ error state */
std::mutex  g_error_mutex;
cudaError_t g_last_error = cudaSuccess;   // returned and cleared by cudaGetLastError
cudaError_t g_sticky_error = cudaSuccess; // a launch failure: stays until cudaDeviceReset
std::string g_error_detail;

cudaError_t
record_error(cudaError_t error, const std::string & detail, bool sticky = false)
{
  std::lock_guard<std::mutex> lock(g_error_mutex);
  g_last_error = error;
  if (sticky)
    g_sticky_error = error;
  g_error_detail = detail;
  if (std::getenv("CUEMU_VERBOSE"))
    std::fprintf(stderr, "cuemu: %s\n", detail.c_str());
  return error;
}

std::string
site_string(site s)
{
  std::string f = s.file ? s.file : "?";
  const auto  slash = f.find_last_of('/');
  if (slash != std::string::npos)
    f = f.substr(slash + 1);
  return f + ":" + std::to_string(s.line);
}

bool
same_site(site a, site b)
{
  return a.line == b.line && (a.file == b.file || (a.file && b.file && std::strcmp(a.file, b.file) == 0));
}

/* ------------------------------------------------------------- settings */
enum class order_kind
{
  forward,
  reverse,
  random
};
struct schedule_setting
{
  order_kind  kind = order_kind::forward;
  unsigned    seed = 0;
  std::string text = "forward";
};
std::mutex       g_settings_mutex;
schedule_setting g_schedule;
bool             g_schedule_initialised = false;
int              g_workers = 0;

bool
parse_schedule(const char * text, schedule_setting & out)
{
  if (!text)
    return false;
  const std::string s(text);
  if (s == "forward")
    out = { order_kind::forward, 0, s };
  else if (s == "reverse")
    out = { order_kind::reverse, 0, s };
  else if (s.rfind("random", 0) == 0)
  {
    unsigned seed = 1;
    if (s.size() > 6)
    {
      if (s[6] != ':')
        return false;
      char * end = nullptr;
      seed = static_cast<unsigned>(std::strtoul(s.c_str() + 7, &end, 10));
      if (end == s.c_str() + 7 || *end != '\0')
        return false;
    }
    out = { order_kind::random, seed, "random:" + std::to_string(seed) };
  }
  else
    return false;
  return true;
}

schedule_setting
current_schedule()
{
  std::lock_guard<std::mutex> lock(g_settings_mutex);
  if (!g_schedule_initialised)
  {
    g_schedule_initialised = true;
    const char * env = std::getenv("CUEMU_SCHEDULE");
    if (env && !parse_schedule(env, g_schedule))
      std::fprintf(stderr, "cuemu: ignoring CUEMU_SCHEDULE='%s' (forward|reverse|random[:seed])\n", env);
  }
  return g_schedule;
}

int
current_workers()
{
  std::lock_guard<std::mutex> lock(g_settings_mutex);
  if (g_workers > 0)
    return g_workers;
  if (const char * env = std::getenv("CUEMU_WORKERS"))
  {
    const int w = std::atoi(env);
    if (w > 0)
      return w;
  }
  const unsigned hw = std::thread::hardware_concurrency();
  return hw > 0 ? static_cast<int>(hw) : 1;
}

size_t
stack_bytes()
{
  size_t kb = 256;
#if defined(CUEMU_ASAN) || defined(CUEMU_TSAN)
  kb = 1024;
#endif
  if (const char * env = std::getenv("CUEMU_STACK_KB"))
  {
    const long v = std::atol(env);
    if (v >= 64)
      kb = static_cast<size_t>(v);
  }
  return kb * 1024;
}

bool
lenient_barriers()
{
  const char * env = std::getenv("CUEMU_ALLOW_EXITED_AT_BARRIER");
  return env && std::strcmp(env, "0") != 0;
}

/* ----------------------------------------------------------- sanitizers */
struct tsan_ignore
{
#if defined(CUEMU_TSAN)
  tsan_ignore()
  {
    AnnotateIgnoreReadsBegin(__FILE__, __LINE__);
    AnnotateIgnoreWritesBegin(__FILE__, __LINE__);
  }
  ~tsan_ignore()
  {
    AnnotateIgnoreWritesEnd(__FILE__, __LINE__);
    AnnotateIgnoreReadsEnd(__FILE__, __LINE__);
  }
#endif
};
inline void
tsan_release(void * address)
{
#if defined(CUEMU_TSAN)
  __tsan_release(address);
#else
  (void)address;
#endif
}
inline void
tsan_acquire(void * address)
{
#if defined(CUEMU_TSAN)
  __tsan_acquire(address);
#else
  (void)address;
#endif
}
} // namespace
} // namespace cuemu

/* ------------------------------------------------------- context switch */
#if defined(__x86_64__)
/* cuemu_switch(from, to): saves the callee-saved registers and the x87/SSE
 * control words on the current stack, stores the stack pointer in *from, loads
 * `to` and restores from there. A new fiber's stack is laid out so that the
 * final `ret` enters cuemu_trampoline with the fiber in r12. */
extern "C" void
cuemu_switch(void ** from, void * to);
extern "C" void
cuemu_trampoline();
asm(R"(
.text
.globl cuemu_switch
.type cuemu_switch,@function
.p2align 4
cuemu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $16, %rsp
  stmxcsr 8(%rsp)
  fnstcw 12(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr 8(%rsp)
  fldcw 12(%rsp)
  addq $16, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
.size cuemu_switch,.-cuemu_switch
.globl cuemu_trampoline
.type cuemu_trampoline,@function
.p2align 4
cuemu_trampoline:
  movq %r12, %rdi
  call cuemu_fiber_main
  ud2
.size cuemu_trampoline,.-cuemu_trampoline
.section .note.GNU-stack,"",@progbits
.text
)");
#endif

namespace cuemu
{
namespace
{
enum class fiber_state
{
  runnable,
  at_barrier,
  at_warp,
  done
};

struct worker;

struct fiber
{
  worker *    owner = nullptr;
  unsigned    index = 0; // linear thread index in the block
  uint3       tid{ 0, 0, 0 };
  fiber_state state = fiber_state::runnable;
  bool        started = false; // has run in the current block
  bool        quit = false;
  bool        aborting = false;            // the block failed: leave at the next resume
  bool        acquire_block_start = false; // first resume in a block: acquire the block-start release (TSan)
  site        where{ nullptr, 0 };
  // barrier
  int barrier_kind = 0;
  int predicate = 0;
  int barrier_result = 0;
  // warp collective
  detail::warp_op op = detail::warp_op::sync;
  unsigned        mask = 0;
  std::uint64_t   value = 0;
  std::uint64_t   result = 0;
  int             parameter = 0;
  int             width = 32;
  bool            is_signed = false;
  // context
  void * sp = nullptr;
  char * stack = nullptr;
  size_t stack_size = 0;
#if !defined(__x86_64__)
  ucontext_t context;
#endif
#if defined(CUEMU_TSAN)
  void * tsan_fiber = nullptr;
#endif
#if defined(CUEMU_ASAN)
  void * fake_stack = nullptr;
#endif
};

/* Stacks are mmap'd with a guard page and kept in a process-wide pool. */
std::mutex                             g_stack_mutex;
std::vector<std::pair<char *, size_t>> g_stack_pool;

char *
take_stack(size_t bytes)
{
  {
    std::lock_guard<std::mutex> lock(g_stack_mutex);
    for (size_t i = 0; i < g_stack_pool.size(); ++i)
      if (g_stack_pool[i].second == bytes)
      {
        char * s = g_stack_pool[i].first;
        g_stack_pool.erase(g_stack_pool.begin() + static_cast<std::ptrdiff_t>(i));
        return s;
      }
  }
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  void * p = mmap(nullptr, bytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED)
    return nullptr;
  mprotect(p, page, PROT_NONE); // guard page below the stack
  return static_cast<char *>(p) + page;
}

void
give_stack(char * s, size_t bytes)
{
  std::lock_guard<std::mutex> lock(g_stack_mutex);
  g_stack_pool.emplace_back(s, bytes);
}

struct launch_state;

/* One host thread running blocks, one at a time; its fibers are the CUDA threads. */
struct worker
{
  launch_state *     launch = nullptr;
  std::vector<fiber> fibers;
  void *             scheduler_sp = nullptr;
#if !defined(__x86_64__)
  ucontext_t scheduler_context;
#endif
#if defined(CUEMU_TSAN)
  void * tsan_scheduler = nullptr;
#endif
#if defined(CUEMU_ASAN)
  const void * scheduler_stack_bottom = nullptr;
  size_t       scheduler_stack_size = 0;
#endif
  fiber *                    current = nullptr;
  std::vector<unsigned char> dynamic_shared;
  uint3                      block{ 0, 0, 0 };
  bool                       failed = false;
  std::string                failure;
  unsigned                   barrier_generation = 0;
  std::vector<unsigned>      warp_generation;
  char                       barrier_sync[2] = { 0, 0 }; // TSan sync objects, one per barrier parity
  std::vector<char>          warp_sync;                  // two per warp
  char                       block_start = 0;            // TSan: released by the scheduler as each block begins
  std::mt19937               rng;
};

struct launch_state
{
  dim3                            grid, block;
  size_t                          shared_bytes = 0;
  detail::body_fn                 body = nullptr;
  void *                          context = nullptr;
  schedule_setting                schedule;
  std::atomic<unsigned long long> next_block{ 0 };
  unsigned long long              block_count = 0;
  std::atomic<bool>               failed{ false };
  std::mutex                      failure_mutex;
  std::string                     failure;
};

thread_local worker * t_worker = nullptr;

void
switch_to_scheduler(fiber & f, bool final_switch);

} // namespace
} // namespace cuemu

extern "C" void
cuemu_fiber_main(cuemu::fiber * f);

namespace cuemu
{
namespace
{
#include "cuda_host_emulation_scheduler.inc"
} // namespace

namespace detail
{
cudaError_t
launch_impl(const void * kernel, dim3 grid, dim3 block, size_t sharedBytes, body_fn body, void * context)
{
  if (t_worker)
    device_only("a kernel launch from device code (dynamic parallelism)");
  std::lock_guard<std::mutex> queue(g_launch_mutex);
  {
    std::lock_guard<std::mutex> lock(g_error_mutex);
    if (g_sticky_error != cudaSuccess)
      return g_sticky_error;
  }
  const unsigned long long threads = static_cast<unsigned long long>(block.x) * block.y * block.z;
  if (block.x == 0 || block.y == 0 || block.z == 0 || grid.x == 0 || grid.y == 0 || grid.z == 0 || threads > 1024 ||
      block.x > 1024 || block.y > 1024 || block.z > 64 || grid.y > 65535 || grid.z > 65535 || grid.x > 2147483647u)
  {
    std::ostringstream s;
    s << "invalid launch configuration: grid (" << grid.x << "," << grid.y << "," << grid.z << "), block (" << block.x
      << "," << block.y << "," << block.z << ") = " << threads << " threads (limit 1024 per block)";
    return record_error(cudaErrorInvalidConfiguration, s.str());
  }
  int allowed = 48 * 1024;
  {
    std::lock_guard<std::mutex> lock(g_attribute_mutex);
    const auto                  it = g_max_dynamic_shared.find(kernel);
    if (it != g_max_dynamic_shared.end())
      allowed = it->second;
  }
  if (sharedBytes > static_cast<size_t>(allowed))
    return record_error(cudaErrorInvalidConfiguration,
                        "invalid launch configuration: " + std::to_string(sharedBytes) +
                          " bytes of dynamic shared memory exceed the kernel's limit of " + std::to_string(allowed) +
                          " (raise it with cudaFuncSetAttribute(MaxDynamicSharedMemorySize))");

  launch_state L;
  L.grid = grid;
  L.block = block;
  L.shared_bytes = sharedBytes;
  L.body = body;
  L.context = context;
  L.schedule = current_schedule();
  L.block_count = static_cast<unsigned long long>(grid.x) * grid.y * grid.z;
  const int workers = static_cast<int>(std::min<unsigned long long>(current_workers(), L.block_count));
  if (workers <= 1)
    worker_main(L, 0);
  else
  {
    std::vector<std::thread> pool;
    for (int i = 1; i < workers; ++i)
      pool.emplace_back(worker_main, std::ref(L), static_cast<unsigned>(i));
    worker_main(L, 0);
    for (auto & t : pool)
      t.join();
  }
  if (L.failed.load())
    return record_error(cudaErrorLaunchFailure, L.failure, true);
  return cudaSuccess;
}

void *
dynamic_shared()
{
  tsan_ignore ignore;
  if (!t_worker || !t_worker->current)
    device_only("dynamic shared memory");
  return t_worker->dynamic_shared.empty() ? nullptr : t_worker->dynamic_shared.data();
}

int
block_barrier(int kind, int predicate, site where)
{
  worker * w = nullptr;
  fiber *  current = nullptr;
  unsigned parity = 0;
  {
    tsan_ignore ignore;
    w = t_worker;
    if (!w || !w->current)
      device_only(barrier_name(kind));
    current = w->current;
    parity = w->barrier_generation & 1u;
  }
  fiber & f = *current;
  tsan_release(&w->barrier_sync[parity]);
  {
    tsan_ignore ignore;
    f.state = fiber_state::at_barrier;
    f.barrier_kind = kind;
    f.predicate = predicate;
    f.where = where;
  }
  switch_to_scheduler(f, false);
  tsan_acquire(&w->barrier_sync[parity]);
  tsan_ignore ignore;
  return f.barrier_result;
}

std::uint64_t
warp_collective(warp_op op, unsigned mask, std::uint64_t value, int parameter, int width, bool is_signed, site where)
{
  worker * w = nullptr;
  fiber *  current = nullptr;
  {
    tsan_ignore ignore;
    w = t_worker;
    if (!w || !w->current)
      device_only(op_name(op));
    current = w->current;
  }
  fiber &        f = *current;
  const unsigned lane = f.index % 32;
  const unsigned warp = f.index / 32;
  if (!(mask & (1u << lane)))
    fail_block(f,
               thread_name(f) + " calls " + op_name(op) + " (" + site_string(where) +
                 ") with a mask that does not contain its own lane " + std::to_string(lane));
  if (width <= 0 || width > 32 || (width & (width - 1)) != 0)
    fail_block(f,
               std::string(op_name(op)) + " (" + site_string(where) + ") with width " + std::to_string(width) +
                 " (must be a power of two up to 32)");
  char * sync = nullptr;
  {
    tsan_ignore ignore;
    sync = &w->warp_sync[2 * warp + (w->warp_generation[warp] & 1u)];
  }
  tsan_release(sync);
  {
    tsan_ignore ignore;
    f.state = fiber_state::at_warp;
    f.op = op;
    f.mask = mask;
    f.value = value;
    f.parameter = parameter;
    f.width = width;
    f.is_signed = is_signed;
    f.where = where;
  }
  switch_to_scheduler(f, false);
  tsan_acquire(sync);
  tsan_ignore ignore;
  return f.result;
}

unsigned
active_mask()
{
  worker * w = t_worker;
  if (!w || !w->current)
    device_only("__activemask");
  tsan_ignore    ignore;
  const unsigned threads = static_cast<unsigned>(w->fibers.size());
  const unsigned first = w->current->index / 32 * 32;
  unsigned       m = 0;
  for (unsigned l = 0; l < 32 && first + l < threads; ++l)
    if (w->fibers[first + l].state != fiber_state::done)
      m |= 1u << l;
  return m;
}

void
require_device_context(const char * what)
{
  tsan_ignore ignore;
  if (!t_worker || !t_worker->current)
    device_only(what);
}
} // namespace detail

#include "cuda_host_emulation_memory.inc"

} // namespace cuemu

/* The body of every fiber: run the kernel for one CUDA thread, report, repeat for the next block. */
extern "C" void
cuemu_fiber_main(cuemu::fiber * f)
{
  using namespace cuemu;
#if defined(CUEMU_ASAN)
  __sanitizer_finish_switch_fiber(nullptr, nullptr, nullptr);
#endif
  fiber_resumed(*f);
  for (;;)
  {
    detail::body_fn body = nullptr;
    void *          context = nullptr;
    {
      tsan_ignore ignore;
      if (f->quit)
        break;
      body = f->owner->launch->body;
      context = f->owner->launch->context;
    }
    body(context);
    {
      tsan_ignore ignore;
      f->state = fiber_state::done;
    }
    switch_to_scheduler(*f, true);
  }
  // quit: hand control back for good
  switch_to_scheduler(*f, true);
  std::abort();
}
