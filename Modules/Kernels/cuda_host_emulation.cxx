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
std::mutex g_error_mutex;
cudaError_t g_last_error = cudaSuccess; // returned and cleared by cudaGetLastError
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
  const auto slash = f.find_last_of('/');
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
  order_kind kind = order_kind::forward;
  unsigned seed = 0;
  std::string text = "forward";
};
std::mutex g_settings_mutex;
schedule_setting g_schedule;
bool g_schedule_initialised = false;
int g_workers = 0;

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
  worker * owner = nullptr;
  unsigned index = 0; // linear thread index in the block
  uint3 tid{ 0, 0, 0 };
  fiber_state state = fiber_state::runnable;
  bool started = false; // has run in the current block
  bool quit = false;
  bool aborting = false; // the block failed: leave at the next resume
  bool acquire_block_start = false; // first resume in a block: acquire the block-start release (TSan)
  site where{ nullptr, 0 };
  // barrier
  int barrier_kind = 0;
  int predicate = 0;
  int barrier_result = 0;
  // warp collective
  detail::warp_op op = detail::warp_op::sync;
  unsigned mask = 0;
  std::uint64_t value = 0;
  std::uint64_t result = 0;
  int parameter = 0;
  int width = 32;
  bool is_signed = false;
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
std::mutex g_stack_mutex;
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
  launch_state * launch = nullptr;
  std::vector<fiber> fibers;
  void * scheduler_sp = nullptr;
#if !defined(__x86_64__)
  ucontext_t scheduler_context;
#endif
#if defined(CUEMU_TSAN)
  void * tsan_scheduler = nullptr;
#endif
#if defined(CUEMU_ASAN)
  const void * scheduler_stack_bottom = nullptr;
  size_t scheduler_stack_size = 0;
#endif
  fiber * current = nullptr;
  std::vector<unsigned char> dynamic_shared;
  uint3 block{ 0, 0, 0 };
  bool failed = false;
  std::string failure;
  unsigned barrier_generation = 0;
  std::vector<unsigned> warp_generation;
  char barrier_sync[2] = { 0, 0 };       // TSan sync objects, one per barrier parity
  std::vector<char> warp_sync;           // two per warp
  char block_start = 0;                  // TSan: released by the scheduler as each block begins
  std::mt19937 rng;
};

struct launch_state
{
  dim3 grid, block;
  size_t shared_bytes = 0;
  detail::body_fn body = nullptr;
  void * context = nullptr;
  schedule_setting schedule;
  std::atomic<unsigned long long> next_block{ 0 };
  unsigned long long block_count = 0;
  std::atomic<bool> failed{ false };
  std::mutex failure_mutex;
  std::string failure;
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
void
prepare_fiber(fiber & f)
{
#if defined(__x86_64__)
  // From the top: return address = trampoline, rbp, rbx, r12 (= the fiber), r13, r14, r15, then 16 bytes whose
  // upper half holds mxcsr and the x87 control word. After the final `ret` rsp is 16-byte aligned, as the
  // trampoline's `call` needs.
  auto top = reinterpret_cast<std::uintptr_t>(f.stack + f.stack_size);
  top &= ~static_cast<std::uintptr_t>(15);
  auto * sp = reinterpret_cast<std::uint64_t *>(top);
  *--sp = reinterpret_cast<std::uint64_t>(&cuemu_trampoline);
  *--sp = 0;                                   // rbp
  *--sp = 0;                                   // rbx
  *--sp = reinterpret_cast<std::uint64_t>(&f); // r12
  *--sp = 0;                                   // r13
  *--sp = 0;                                   // r14
  *--sp = 0;                                   // r15
  sp -= 2;
  std::uint32_t mxcsr = 0;
  std::uint16_t fpucw = 0;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(fpucw));
  std::memset(sp, 0, 16);
  std::memcpy(reinterpret_cast<char *>(sp) + 8, &mxcsr, 4);
  std::memcpy(reinterpret_cast<char *>(sp) + 12, &fpucw, 2);
  f.sp = sp;
#else
  getcontext(&f.context);
  f.context.uc_stack.ss_sp = f.stack;
  f.context.uc_stack.ss_size = f.stack_size;
  f.context.uc_link = nullptr;
  makecontext(&f.context, reinterpret_cast<void (*)()>(&cuemu_fiber_main), 1, &f);
#endif
#if defined(CUEMU_TSAN)
  if (f.tsan_fiber)
    __tsan_destroy_fiber(f.tsan_fiber);
  f.tsan_fiber = __tsan_create_fiber(0);
#endif
}

/* Scheduler -> fiber. For TSan no switch into a fiber synchronises: a thread starting a block
 * acquires only what the scheduler released when the block began (the previous blocks of this
 * worker, the launch), never what other threads of its block did, so their races stay visible. */
void
resume(worker & w, fiber & f)
{
  w.current = &f;
  f.acquire_block_start = !f.started;
  f.started = true;
#if defined(CUEMU_TSAN)
  __tsan_switch_to_fiber(f.tsan_fiber, __tsan_switch_to_fiber_no_sync);
#endif
#if defined(CUEMU_ASAN)
  void * fake = nullptr;
  __sanitizer_start_switch_fiber(&fake, f.stack, f.stack_size);
#endif
#if defined(__x86_64__)
  cuemu_switch(&w.scheduler_sp, f.sp);
#else
  swapcontext(&w.scheduler_context, &f.context);
#endif
#if defined(CUEMU_ASAN)
  __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#endif
  w.current = nullptr;
}

void
set_builtin_variables(const worker & w, const fiber & f)
{
  tsan_ignore ignore;
  threadIdx = f.tid;
  blockIdx = w.block;
  blockDim = w.launch->block;
  gridDim = w.launch->grid;
}

/* In the fiber, right after each switch into it. */
void
fiber_resumed(fiber & f)
{
  bool acquire = false;
  {
    tsan_ignore ignore;
    acquire = f.acquire_block_start;
  }
  if (acquire)
    tsan_acquire(&f.owner->block_start);
  set_builtin_variables(*f.owner, f);
}

/* Fiber -> scheduler. */
void
switch_to_scheduler(fiber & f, bool final_switch)
{
  worker & w = *f.owner;
#if defined(CUEMU_TSAN)
  __tsan_switch_to_fiber(w.tsan_scheduler, final_switch ? 0 : __tsan_switch_to_fiber_no_sync);
#endif
#if defined(CUEMU_ASAN)
  __sanitizer_start_switch_fiber(final_switch && f.quit ? nullptr : &f.fake_stack, w.scheduler_stack_bottom,
                                 w.scheduler_stack_size);
#endif
#if defined(__x86_64__)
  cuemu_switch(&f.sp, w.scheduler_sp);
#else
  swapcontext(&f.context, &w.scheduler_context);
#endif
#if defined(CUEMU_ASAN)
  __sanitizer_finish_switch_fiber(f.fake_stack, nullptr, nullptr);
#endif
  if (f.aborting)
  {
    // The block failed while this thread waited: hand back for good, with a synchronising switch
    // so that TSan orders everything this thread did before the scheduler reuses its memory.
#if defined(CUEMU_TSAN)
    __tsan_switch_to_fiber(w.tsan_scheduler, 0);
#endif
#if defined(CUEMU_ASAN)
    __sanitizer_start_switch_fiber(nullptr, w.scheduler_stack_bottom, w.scheduler_stack_size);
#endif
#if defined(__x86_64__)
    cuemu_switch(&f.sp, w.scheduler_sp);
#else
    swapcontext(&f.context, &w.scheduler_context);
#endif
    std::abort();
  }
  fiber_resumed(f);
}

[[noreturn]] void
device_only(const char * what)
{
  std::fprintf(stderr,
               "cuemu: %s called outside a kernel (host code); device functions run only inside cuemu::launch\n",
               what);
  std::abort();
}

/* Aborts the block: the fiber leaves the kernel for good; the scheduler sees the failure. */
void
fail_block(fiber & f, const std::string & message)
{
  worker & w = *f.owner;
  {
    tsan_ignore ignore;
    if (!w.failed)
    {
      w.failed = true;
      w.failure = message;
    }
    f.state = fiber_state::done;
    f.aborting = true;
  }
  switch_to_scheduler(f, true);
  std::fprintf(stderr, "cuemu: internal error: an aborted CUDA thread was resumed\n");
  std::abort();
}

std::string
block_name(const worker & w)
{
  std::ostringstream s;
  s << "block (" << w.block.x << "," << w.block.y << "," << w.block.z << ")";
  return s.str();
}
std::string
thread_name(const fiber & f)
{
  std::ostringstream s;
  s << "thread (" << f.tid.x << "," << f.tid.y << "," << f.tid.z << ")";
  return s.str();
}

const char *
op_name(detail::warp_op op)
{
  switch (op)
  {
    case detail::warp_op::shfl:
      return "__shfl_sync";
    case detail::warp_op::shfl_up:
      return "__shfl_up_sync";
    case detail::warp_op::shfl_down:
      return "__shfl_down_sync";
    case detail::warp_op::shfl_xor:
      return "__shfl_xor_sync";
    case detail::warp_op::ballot:
      return "__ballot_sync";
    case detail::warp_op::all:
      return "__all_sync";
    case detail::warp_op::any:
      return "__any_sync";
    case detail::warp_op::sync:
      return "__syncwarp";
    case detail::warp_op::reduce_add:
      return "__reduce_add_sync";
    case detail::warp_op::reduce_min:
      return "__reduce_min_sync";
    case detail::warp_op::reduce_max:
      return "__reduce_max_sync";
    case detail::warp_op::reduce_and:
      return "__reduce_and_sync";
    case detail::warp_op::reduce_or:
      return "__reduce_or_sync";
    case detail::warp_op::reduce_xor:
      return "__reduce_xor_sync";
  }
  return "warp collective";
}

const char *
barrier_name(int kind)
{
  static const char * names[] = { "__syncthreads", "__syncthreads_count", "__syncthreads_and", "__syncthreads_or" };
  return names[kind & 3];
}

std::vector<unsigned>
run_order(worker & w, unsigned n)
{
  std::vector<unsigned> order(n);
  for (unsigned i = 0; i < n; ++i)
    order[i] = i;
  switch (w.launch->schedule.kind)
  {
    case order_kind::forward:
      break;
    case order_kind::reverse:
      std::reverse(order.begin(), order.end());
      break;
    case order_kind::random:
      std::shuffle(order.begin(), order.end(), w.rng);
      break;
  }
  return order;
}

/* Completes the warp collectives whose lanes have all arrived. Returns false and sets the
 * failure when a collective can never complete. */
bool
resolve_warps(worker & w, unsigned threads, bool & progressed)
{
  const unsigned warps = (threads + 31) / 32;
  for (unsigned warp = 0; warp < warps; ++warp)
  {
    const unsigned first = warp * 32;
    const unsigned lanes = std::min(32u, threads - first);
    fiber * waiting = nullptr;
    for (unsigned l = 0; l < lanes; ++l)
      if (w.fibers[first + l].state == fiber_state::at_warp)
      {
        waiting = &w.fibers[first + l];
        break;
      }
    if (!waiting)
      continue;
    const unsigned mask = waiting->mask;
    const std::string where = std::string(op_name(waiting->op)) + " (" + site_string(waiting->where) + ")";
    bool complete = true;
    for (unsigned l = 0; l < lanes; ++l)
    {
      fiber & f = w.fibers[first + l];
      if (f.state == fiber_state::at_warp &&
          (f.mask != mask || f.op != waiting->op || !same_site(f.where, waiting->where)))
      {
        w.failed = true;
        w.failure = "lanes of one warp wait at different warp collectives or with different masks: " +
                    thread_name(*waiting) + " at " + where + " mask 0x" + [&] {
                      char b[16];
                      std::snprintf(b, sizeof b, "%08x", mask);
                      return std::string(b);
                    }() + ", " + thread_name(f) + " at " + op_name(f.op) + " (" + site_string(f.where) + ")";
        return false;
      }
    }
    if (lanes < 32 && (mask >> lanes) != 0)
    {
      w.failed = true;
      w.failure = "the mask of " + where + " names lanes beyond the last thread of the block (partial warp)";
      return false;
    }
    for (unsigned l = 0; l < lanes; ++l)
    {
      if (!(mask & (1u << l)))
        continue;
      fiber & f = w.fibers[first + l];
      if (f.state == fiber_state::done)
      {
        w.failed = true;
        w.failure = thread_name(f) + " exited while its warp waits for it in " + where + ": divergent warp collective";
        return false;
      }
      if (f.state != fiber_state::at_warp)
        complete = false;
    }
    if (!complete)
      continue;
    // All lanes of the mask are here: compute the results.
    fiber * lane[32] = {};
    for (unsigned l = 0; l < lanes; ++l)
      if (mask & (1u << l))
        lane[l] = &w.fibers[first + l];
    const detail::warp_op op = waiting->op;
    std::uint64_t reduced = 0;
    bool have = false;
    unsigned ballot = 0;
    for (unsigned l = 0; l < 32; ++l)
    {
      if (!lane[l])
        continue;
      const std::uint64_t v = lane[l]->value;
      if (v)
        ballot |= 1u << l;
      if (!have)
      {
        reduced = v;
        have = true;
        continue;
      }
      switch (op)
      {
        case detail::warp_op::reduce_add:
          reduced += v;
          break;
        case detail::warp_op::reduce_min:
          reduced = lane[l]->is_signed
                      ? (static_cast<std::int64_t>(v) < static_cast<std::int64_t>(reduced) ? v : reduced)
                      : std::min(v, reduced);
          break;
        case detail::warp_op::reduce_max:
          reduced = lane[l]->is_signed
                      ? (static_cast<std::int64_t>(v) > static_cast<std::int64_t>(reduced) ? v : reduced)
                      : std::max(v, reduced);
          break;
        case detail::warp_op::reduce_and:
          reduced &= v;
          break;
        case detail::warp_op::reduce_or:
          reduced |= v;
          break;
        case detail::warp_op::reduce_xor:
          reduced ^= v;
          break;
        default:
          break;
      }
    }
    for (unsigned l = 0; l < 32; ++l)
    {
      if (!lane[l])
        continue;
      fiber & f = *lane[l];
      const int width = f.width;
      const int seg = static_cast<int>(l) & ~(width - 1);
      int src = static_cast<int>(l);
      switch (op)
      {
        case detail::warp_op::shfl:
          src = seg + (((f.parameter % width) + width) % width);
          break;
        case detail::warp_op::shfl_up:
          src = (static_cast<int>(l) - seg) >= f.parameter ? static_cast<int>(l) - f.parameter : static_cast<int>(l);
          break;
        case detail::warp_op::shfl_down:
          src = (static_cast<int>(l) - seg) + f.parameter < width ? static_cast<int>(l) + f.parameter
                                                                  : static_cast<int>(l);
          break;
        case detail::warp_op::shfl_xor:
        {
          const int t = static_cast<int>(l) ^ f.parameter;
          src = (t >= seg && t < seg + width) ? t : static_cast<int>(l);
          break;
        }
        default:
          break;
      }
      switch (op)
      {
        case detail::warp_op::shfl:
        case detail::warp_op::shfl_up:
        case detail::warp_op::shfl_down:
        case detail::warp_op::shfl_xor:
          if (src < 0 || src >= 32 || !lane[src])
          {
            w.failed = true;
            w.failure = thread_name(f) + " reads lane " + std::to_string(src) + " in " + where +
                        ", which is not in the mask (undefined on a GPU)";
            return false;
          }
          f.result = lane[src]->value;
          break;
        case detail::warp_op::ballot:
          f.result = ballot;
          break;
        case detail::warp_op::all:
          f.result = ballot == mask ? 1 : 0;
          break;
        case detail::warp_op::any:
          f.result = ballot != 0 ? 1 : 0;
          break;
        case detail::warp_op::sync:
          f.result = 0;
          break;
        default:
          f.result = reduced;
          break;
      }
    }
    for (unsigned l = 0; l < 32; ++l)
      if (lane[l])
        lane[l]->state = fiber_state::runnable;
    ++w.warp_generation[warp];
    progressed = true;
  }
  return true;
}

std::string
deadlock_report(worker & w, unsigned threads)
{
  std::map<std::string, unsigned> groups;
  unsigned done = 0;
  for (unsigned i = 0; i < threads; ++i)
  {
    const fiber & f = w.fibers[i];
    if (f.state == fiber_state::done)
      ++done;
    else if (f.state == fiber_state::at_barrier)
      ++groups[std::string(barrier_name(f.barrier_kind)) + " (" + site_string(f.where) + ")"];
    else if (f.state == fiber_state::at_warp)
      ++groups[std::string(op_name(f.op)) + " (" + site_string(f.where) + ")"];
  }
  std::ostringstream s;
  s << "deadlock: no CUDA thread of the block can go on;";
  for (const auto & g : groups)
    s << " " << g.second << " thread(s) wait at " << g.first << ";";
  s << " " << done << " thread(s) exited";
  return s.str();
}

/* Runs one block to completion; returns false with w.failure set on a detected error. */
bool
run_block(worker & w)
{
  launch_state & L = *w.launch;
  const unsigned threads = L.block.x * L.block.y * L.block.z;
  {
    tsan_ignore ignore;
    if (!w.dynamic_shared.empty())
      std::memset(w.dynamic_shared.data(), 0xff, w.dynamic_shared.size()); // poison: NaN floats
    for (unsigned i = 0; i < threads; ++i)
    {
      fiber & f = w.fibers[i];
      f.state = fiber_state::runnable;
      f.started = false;
    }
    std::fill(w.warp_generation.begin(), w.warp_generation.end(), 0u);
    w.barrier_generation = 0;
    w.failed = false;
    w.failure.clear();
  }
  tsan_release(&w.block_start);
  for (;;)
  {
    bool ran = false;
    for (unsigned i : run_order(w, threads))
    {
      fiber & f = w.fibers[i];
      if (f.state != fiber_state::runnable)
        continue;
      ran = true;
      resume(w, f);
      if (w.failed)
        return false;
    }
    tsan_ignore ignore;
    unsigned done = 0, at_barrier = 0;
    for (unsigned i = 0; i < threads; ++i)
    {
      done += w.fibers[i].state == fiber_state::done;
      at_barrier += w.fibers[i].state == fiber_state::at_barrier;
    }
    if (done == threads)
      break;
    bool progressed = false;
    if (!resolve_warps(w, threads, progressed))
      return false;
    if (progressed)
      continue;
    if (at_barrier > 0 && at_barrier + done == threads)
    {
      const fiber * first = nullptr;
      int count = 0, all = 1, any = 0;
      for (unsigned i = 0; i < threads; ++i)
      {
        const fiber & f = w.fibers[i];
        if (f.state != fiber_state::at_barrier)
          continue;
        if (!first)
          first = &f;
        else if (!same_site(first->where, f.where) || first->barrier_kind != f.barrier_kind)
        {
          w.failed = true;
          w.failure = "threads of one block wait at different barriers: " + thread_name(*first) + " at " +
                      barrier_name(first->barrier_kind) + " (" + site_string(first->where) + "), " + thread_name(f) +
                      " at " + barrier_name(f.barrier_kind) + " (" + site_string(f.where) + "): divergent barrier";
          return false;
        }
        count += f.predicate != 0;
        all &= f.predicate != 0;
        any |= f.predicate != 0;
      }
      if (done > 0 && !lenient_barriers())
      {
        w.failed = true;
        w.failure = std::to_string(done) + " thread(s) exited while " + std::to_string(at_barrier) +
                    " thread(s) of the block wait at " + barrier_name(first->barrier_kind) + " (" +
                    site_string(first->where) + "): divergent barrier";
        return false;
      }
      const int result = first->barrier_kind == 1 ? count : first->barrier_kind == 2 ? all : any;
      for (unsigned i = 0; i < threads; ++i)
      {
        fiber & f = w.fibers[i];
        if (f.state == fiber_state::at_barrier)
        {
          f.barrier_result = result;
          f.state = fiber_state::runnable;
        }
      }
      ++w.barrier_generation;
      continue;
    }
    (void)ran;
    w.failed = true;
    w.failure = deadlock_report(w, threads);
    return false;
  }
  return true;
}

void
reset_after_failure(worker & w, unsigned threads)
{
  // Fibers stopped in mid-kernel: start them afresh (their stacks hold dead frames).
  for (unsigned i = 0; i < threads; ++i)
  {
    fiber & f = w.fibers[i];
    if (f.started && (f.state == fiber_state::at_barrier || f.state == fiber_state::at_warp))
    {
      f.aborting = true;
      resume(w, f); // returns at once through the aborting path of switch_to_scheduler
    }
    f.aborting = false;
#if defined(CUEMU_ASAN)
    ASAN_UNPOISON_MEMORY_REGION(f.stack, f.stack_size);
    f.fake_stack = nullptr;
#endif
    prepare_fiber(f);
  }
}

void
worker_main(launch_state & L, unsigned worker_index)
{
  // TSan: the scheduler's own reads and writes are bookkeeping, never kernel data.
  tsan_ignore ignore_scheduler;
  worker w;
  w.launch = &L;
  w.rng.seed(L.schedule.seed * 7919u + worker_index);
  const unsigned threads = L.block.x * L.block.y * L.block.z;
  const size_t bytes = stack_bytes();
  t_worker = &w;
  {
    tsan_ignore ignore;
    w.fibers.resize(threads);
    w.warp_generation.assign((threads + 31) / 32, 0u);
    w.warp_sync.assign(2 * ((threads + 31) / 32), 0);
    w.dynamic_shared.assign(L.shared_bytes, 0xff);
  }
#if defined(CUEMU_TSAN)
  w.tsan_scheduler = __tsan_get_current_fiber();
#endif
  bool stacks_ok = true;
  for (unsigned i = 0; i < threads; ++i)
  {
    fiber & f = w.fibers[i];
    f.owner = &w;
    f.index = i;
    f.tid = { i % L.block.x, (i / L.block.x) % L.block.y, i / (L.block.x * L.block.y) };
    f.stack_size = bytes;
    f.stack = take_stack(bytes);
    if (!f.stack)
    {
      stacks_ok = false;
      break;
    }
    prepare_fiber(f);
  }
#if defined(CUEMU_ASAN)
  // The scheduler's own stack bounds, for the switches back from fibers.
  {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) == 0)
    {
      void * bottom = nullptr;
      size_t size = 0;
      pthread_attr_getstack(&attr, &bottom, &size);
      w.scheduler_stack_bottom = bottom;
      w.scheduler_stack_size = size;
      pthread_attr_destroy(&attr);
    }
  }
#endif
  if (!stacks_ok)
  {
    std::lock_guard<std::mutex> lock(L.failure_mutex);
    if (!L.failed.exchange(true))
      L.failure = "cannot map fiber stacks for " + std::to_string(threads) + " CUDA threads";
  }
  // Block order: forward, reverse or random (a fixed permutation per seed); blocks are taken dynamically.
  std::vector<unsigned long long> permutation;
  if (L.schedule.kind == order_kind::random)
  {
    permutation.resize(L.block_count);
    for (unsigned long long i = 0; i < L.block_count; ++i)
      permutation[i] = i;
    std::mt19937 r(L.schedule.seed);
    std::shuffle(permutation.begin(), permutation.end(), r);
  }
  while (stacks_ok && !L.failed.load())
  {
    const unsigned long long k = L.next_block.fetch_add(1);
    if (k >= L.block_count)
      break;
    unsigned long long b = k;
    if (L.schedule.kind == order_kind::reverse)
      b = L.block_count - 1 - k;
    else if (L.schedule.kind == order_kind::random)
      b = permutation[k];
    {
      tsan_ignore ignore;
      w.block = { static_cast<unsigned>(b % L.grid.x), static_cast<unsigned>((b / L.grid.x) % L.grid.y),
                  static_cast<unsigned>(b / (static_cast<unsigned long long>(L.grid.x) * L.grid.y)) };
    }
    if (!run_block(w))
    {
      std::lock_guard<std::mutex> lock(L.failure_mutex);
      if (!L.failed.exchange(true))
        L.failure = "kernel failed in " + block_name(w) + ": " + w.failure;
      reset_after_failure(w, threads);
    }
  }
  // Let every fiber leave its loop, then release the stacks.
  for (unsigned i = 0; i < threads && stacks_ok; ++i)
  {
    fiber & f = w.fibers[i];
    f.quit = true;
    f.started = false;
    resume(w, f);
#if defined(CUEMU_TSAN)
    __tsan_destroy_fiber(f.tsan_fiber);
    f.tsan_fiber = nullptr;
#endif
  }
  for (fiber & f : w.fibers)
    if (f.stack)
      give_stack(f.stack, f.stack_size);
  t_worker = nullptr;
}

std::mutex g_launch_mutex; // launches are serialised like one device queue
std::mutex g_attribute_mutex;
std::map<const void *, int> g_max_dynamic_shared;
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
    s << "invalid launch configuration: grid (" << grid.x << "," << grid.y << "," << grid.z << "), block ("
      << block.x << "," << block.y << "," << block.z << ") = " << threads << " threads (limit 1024 per block)";
    return record_error(cudaErrorInvalidConfiguration, s.str());
  }
  int allowed = 48 * 1024;
  {
    std::lock_guard<std::mutex> lock(g_attribute_mutex);
    const auto it = g_max_dynamic_shared.find(kernel);
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
  fiber * current = nullptr;
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
  fiber * current = nullptr;
  {
    tsan_ignore ignore;
    w = t_worker;
    if (!w || !w->current)
      device_only(op_name(op));
    current = w->current;
  }
  fiber & f = *current;
  const unsigned lane = f.index % 32;
  const unsigned warp = f.index / 32;
  if (!(mask & (1u << lane)))
    fail_block(f, thread_name(f) + " calls " + op_name(op) + " (" + site_string(where) +
                    ") with a mask that does not contain its own lane " + std::to_string(lane));
  if (width <= 0 || width > 32 || (width & (width - 1)) != 0)
    fail_block(f, std::string(op_name(op)) + " (" + site_string(where) + ") with width " + std::to_string(width) +
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
  tsan_ignore ignore;
  const unsigned threads = static_cast<unsigned>(w->fibers.size());
  const unsigned first = w->current->index / 32 * 32;
  unsigned m = 0;
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

/* --------------------------------------------------------- device memory */
namespace
{
std::mutex g_memory_mutex;
std::map<std::uintptr_t, size_t> g_allocations; // start -> size

/* The allocation that holds [p, p+bytes), or explain why not. */
bool
find_range(const void * p, size_t bytes, std::string & why)
{
  const auto a = reinterpret_cast<std::uintptr_t>(p);
  auto it = g_allocations.upper_bound(a);
  if (it == g_allocations.begin())
  {
    why = "is not a device pointer";
    return false;
  }
  --it;
  if (a >= it->first + it->second && !(it->second == 0 && a == it->first))
  {
    why = "is not a device pointer";
    return false;
  }
  if (a + bytes > it->first + it->second)
  {
    std::ostringstream s;
    s << "reaches " << (a + bytes - it->first) << " bytes into a device allocation of " << it->second << " bytes";
    why = s.str();
    return false;
  }
  return true;
}
bool
is_device(const void * p)
{
  std::string why;
  return find_range(p, 0, why) || find_range(p, 1, why);
}

cudaError_t
check_copy(void * dst, const void * src, size_t bytes, cudaMemcpyKind & kind, const char * call)
{
  std::lock_guard<std::mutex> lock(g_memory_mutex);
  const bool dst_dev = is_device(dst);
  const bool src_dev = is_device(src);
  if (kind == cudaMemcpyDefault)
    kind = dst_dev ? (src_dev ? cudaMemcpyDeviceToDevice : cudaMemcpyHostToDevice)
                   : (src_dev ? cudaMemcpyDeviceToHost : cudaMemcpyHostToHost);
  const bool want_dst_dev = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool want_src_dev = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  static const char * kinds[] = { "HostToHost", "HostToDevice", "DeviceToHost", "DeviceToDevice", "Default" };
  std::string why;
  if ((want_dst_dev && !dst_dev && src_dev) || (want_src_dev && !src_dev && dst_dev))
    return record_error(cudaErrorInvalidValue, std::string(call) + "(" + kinds[kind] +
                                                 "): the pointers are the other way round (swapped copy direction?)");
  if (want_dst_dev && !find_range(dst, bytes, why))
    return record_error(cudaErrorInvalidValue, std::string(call) + "(" + kinds[kind] + ", " + std::to_string(bytes) +
                                                 " bytes): destination " + why);
  if (want_src_dev && !find_range(src, bytes, why))
    return record_error(cudaErrorInvalidValue, std::string(call) + "(" + kinds[kind] + ", " + std::to_string(bytes) +
                                                 " bytes): source " + why);
  if (!want_dst_dev && dst_dev)
    return record_error(cudaErrorInvalidValue, std::string(call) + "(" + kinds[kind] +
                                                 "): destination is a device pointer (swapped copy direction?)");
  if (!want_src_dev && src_dev)
    return record_error(cudaErrorInvalidValue, std::string(call) + "(" + kinds[kind] +
                                                 "): source is a device pointer (swapped copy direction?)");
  return cudaSuccess;
}
} // namespace

cudaError_t
cudaMalloc(void ** pointer, size_t bytes)
{
  if (!pointer)
    return record_error(cudaErrorInvalidValue, "cudaMalloc: null result pointer");
  void * p = nullptr;
  // Exact-size blocks, so that AddressSanitizer sees one-past-the-end accesses.
  if (posix_memalign(&p, 256, bytes == 0 ? 1 : bytes) != 0)
    return record_error(cudaErrorMemoryAllocation, "cudaMalloc: out of memory for " + std::to_string(bytes) + " bytes");
  std::lock_guard<std::mutex> lock(g_memory_mutex);
  g_allocations[reinterpret_cast<std::uintptr_t>(p)] = bytes;
  *pointer = p;
  return cudaSuccess;
}

cudaError_t
cudaFree(void * pointer)
{
  if (!pointer)
    return cudaSuccess;
  {
    std::lock_guard<std::mutex> lock(g_memory_mutex);
    const auto it = g_allocations.find(reinterpret_cast<std::uintptr_t>(pointer));
    if (it == g_allocations.end())
      return record_error(cudaErrorInvalidDevicePointer, "cudaFree: pointer is not the start of a device allocation");
    g_allocations.erase(it);
  }
  std::free(pointer);
  return cudaSuccess;
}

cudaError_t
cudaMallocHost(void ** pointer, size_t bytes)
{
  if (!pointer)
    return record_error(cudaErrorInvalidValue, "cudaMallocHost: null result pointer");
  *pointer = std::malloc(bytes == 0 ? 1 : bytes);
  return *pointer ? cudaSuccess : record_error(cudaErrorMemoryAllocation, "cudaMallocHost: out of memory");
}

cudaError_t
cudaFreeHost(void * pointer)
{
  std::free(pointer);
  return cudaSuccess;
}

cudaError_t
cudaMemcpy(void * dst, const void * src, size_t bytes, cudaMemcpyKind kind)
{
  if (bytes == 0)
    return cudaSuccess;
  if (!dst || !src)
    return record_error(cudaErrorInvalidValue, "cudaMemcpy: null pointer");
  if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDefault)
    return record_error(cudaErrorInvalidMemcpyDirection, "cudaMemcpy: invalid copy kind");
  const cudaError_t e = check_copy(dst, src, bytes, kind, "cudaMemcpy");
  if (e != cudaSuccess)
    return e;
  std::memmove(dst, src, bytes);
  return cudaSuccess;
}

cudaError_t
cudaMemcpyAsync(void * dst, const void * src, size_t bytes, cudaMemcpyKind kind, cudaStream_t)
{
  return cudaMemcpy(dst, src, bytes, kind);
}

cudaError_t
cudaMemcpy2D(void * dst, size_t dpitch, const void * src, size_t spitch, size_t width, size_t height,
             cudaMemcpyKind kind)
{
  if (height == 0 || width == 0)
    return cudaSuccess;
  if (width > dpitch || width > spitch)
    return record_error(cudaErrorInvalidValue, "cudaMemcpy2D: width exceeds a pitch");
  cudaMemcpyKind k = kind;
  cudaError_t e = check_copy(dst, src, dpitch * (height - 1) + width, k, "cudaMemcpy2D");
  if (e == cudaSuccess)
  {
    std::lock_guard<std::mutex> lock(g_memory_mutex);
    std::string why;
    if ((k == cudaMemcpyDeviceToHost || k == cudaMemcpyDeviceToDevice) &&
        !find_range(src, spitch * (height - 1) + width, why))
      e = record_error(cudaErrorInvalidValue, "cudaMemcpy2D: source " + why);
  }
  if (e != cudaSuccess)
    return e;
  for (size_t r = 0; r < height; ++r)
    std::memmove(static_cast<char *>(dst) + r * dpitch, static_cast<const char *>(src) + r * spitch, width);
  return cudaSuccess;
}

cudaError_t
cudaMemset(void * dst, int value, size_t bytes)
{
  if (bytes == 0)
    return cudaSuccess;
  {
    std::lock_guard<std::mutex> lock(g_memory_mutex);
    std::string why;
    if (!find_range(dst, bytes, why))
      return record_error(cudaErrorInvalidValue,
                          "cudaMemset(" + std::to_string(bytes) + " bytes): destination " + why);
  }
  std::memset(dst, value, bytes);
  return cudaSuccess;
}

cudaError_t
cudaMemsetAsync(void * dst, int value, size_t bytes, cudaStream_t)
{
  return cudaMemset(dst, value, bytes);
}

cudaError_t
cudaDeviceSynchronize()
{
  std::lock_guard<std::mutex> lock(g_error_mutex);
  return g_sticky_error;
}

cudaError_t
cudaDeviceReset()
{
  std::lock_guard<std::mutex> lock(g_error_mutex);
  g_sticky_error = cudaSuccess;
  g_last_error = cudaSuccess;
  g_error_detail.clear();
  return cudaSuccess;
}

cudaError_t
cudaStreamCreate(cudaStream_t * stream)
{
  if (!stream)
    return record_error(cudaErrorInvalidValue, "cudaStreamCreate: null result pointer");
  *stream = nullptr; // launches are synchronous: every stream is the default stream
  return cudaSuccess;
}
cudaError_t
cudaStreamDestroy(cudaStream_t)
{
  return cudaSuccess;
}
cudaError_t
cudaStreamSynchronize(cudaStream_t)
{
  return cudaDeviceSynchronize();
}

cudaError_t
cudaGetLastError()
{
  std::lock_guard<std::mutex> lock(g_error_mutex);
  const cudaError_t e = g_sticky_error != cudaSuccess ? g_sticky_error : g_last_error;
  g_last_error = cudaSuccess;
  return e;
}

cudaError_t
cudaPeekAtLastError()
{
  std::lock_guard<std::mutex> lock(g_error_mutex);
  return g_sticky_error != cudaSuccess ? g_sticky_error : g_last_error;
}

const char *
cudaGetErrorName(cudaError_t error)
{
  switch (error)
  {
    case cudaSuccess:
      return "cudaSuccess";
    case cudaErrorInvalidValue:
      return "cudaErrorInvalidValue";
    case cudaErrorMemoryAllocation:
      return "cudaErrorMemoryAllocation";
    case cudaErrorInvalidConfiguration:
      return "cudaErrorInvalidConfiguration";
    case cudaErrorInvalidDevicePointer:
      return "cudaErrorInvalidDevicePointer";
    case cudaErrorInvalidMemcpyDirection:
      return "cudaErrorInvalidMemcpyDirection";
    case cudaErrorInsufficientDriver:
      return "cudaErrorInsufficientDriver";
    case cudaErrorNoDevice:
      return "cudaErrorNoDevice";
    case cudaErrorInvalidDevice:
      return "cudaErrorInvalidDevice";
    case cudaErrorLaunchFailure:
      return "cudaErrorLaunchFailure";
  }
  return "cudaErrorUnknown";
}

const char *
cudaGetErrorString(cudaError_t error)
{
  switch (error)
  {
    case cudaSuccess:
      return "no error";
    case cudaErrorInvalidValue:
      return "invalid argument";
    case cudaErrorMemoryAllocation:
      return "out of memory";
    case cudaErrorInvalidConfiguration:
      return "invalid configuration argument";
    case cudaErrorInvalidDevicePointer:
      return "invalid device pointer";
    case cudaErrorInvalidMemcpyDirection:
      return "invalid copy direction for memcpy";
    case cudaErrorInsufficientDriver:
      return "CUDA driver version is insufficient for CUDA runtime version";
    case cudaErrorNoDevice:
      return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice:
      return "invalid device ordinal";
    case cudaErrorLaunchFailure:
      return "unspecified launch failure";
  }
  return "unknown error";
}

cudaError_t
cudaGetDeviceCount(int * count)
{
  if (!count)
    return record_error(cudaErrorInvalidValue, "cudaGetDeviceCount: null result pointer");
  *count = 1; // the emulated device
  return cudaSuccess;
}
cudaError_t
cudaSetDevice(int device)
{
  return device == 0 ? cudaSuccess : record_error(cudaErrorInvalidDevice, "the emulation has one device, 0");
}
cudaError_t
cudaGetDevice(int * device)
{
  if (!device)
    return record_error(cudaErrorInvalidValue, "cudaGetDevice: null result pointer");
  *device = 0;
  return cudaSuccess;
}
cudaError_t
cudaGetDeviceProperties(cudaDeviceProp * p, int device)
{
  if (!p)
    return record_error(cudaErrorInvalidValue, "cudaGetDeviceProperties: null result pointer");
  if (device != 0)
    return record_error(cudaErrorInvalidDevice, "the emulation has one device, 0");
  std::memset(p, 0, sizeof(*p));
  std::snprintf(p->name, sizeof p->name, "CPU emulation (%d workers)", current_workers());
  p->totalGlobalMem = static_cast<size_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<size_t>(sysconf(_SC_PAGESIZE));
  p->sharedMemPerBlock = 48 * 1024;
  p->warpSize = 32;
  p->maxThreadsPerBlock = 1024;
  p->maxThreadsDim[0] = 1024;
  p->maxThreadsDim[1] = 1024;
  p->maxThreadsDim[2] = 64;
  p->maxGridSize[0] = 2147483647;
  p->maxGridSize[1] = 65535;
  p->maxGridSize[2] = 65535;
  p->major = 7;
  p->minor = 5;
  p->multiProcessorCount = current_workers();
  return cudaSuccess;
}
cudaError_t
cudaFuncSetAttribute(const void * kernel, cudaFuncAttribute attribute, int value)
{
  if (attribute != cudaFuncAttributeMaxDynamicSharedMemorySize || value < 0 || value > 227 * 1024)
    return record_error(cudaErrorInvalidValue, "cudaFuncSetAttribute: unsupported attribute or value");
  std::lock_guard<std::mutex> lock(g_attribute_mutex);
  g_max_dynamic_shared[kernel] = value;
  return cudaSuccess;
}

struct CUevent_st
{
  std::chrono::steady_clock::time_point when;
};
cudaError_t
cudaEventCreate(cudaEvent_t * event)
{
  if (!event)
    return record_error(cudaErrorInvalidValue, "cudaEventCreate: null result pointer");
  *event = new CUevent_st{ std::chrono::steady_clock::now() };
  return cudaSuccess;
}
cudaError_t
cudaEventDestroy(cudaEvent_t event)
{
  delete event;
  return cudaSuccess;
}
cudaError_t
cudaEventRecord(cudaEvent_t event, cudaStream_t)
{
  if (!event)
    return record_error(cudaErrorInvalidValue, "cudaEventRecord: null event");
  event->when = std::chrono::steady_clock::now();
  return cudaSuccess;
}
cudaError_t
cudaEventSynchronize(cudaEvent_t)
{
  return cudaSuccess;
}
cudaError_t
cudaEventElapsedTime(float * ms, cudaEvent_t start, cudaEvent_t end)
{
  if (!ms || !start || !end)
    return record_error(cudaErrorInvalidValue, "cudaEventElapsedTime: null argument");
  *ms = std::chrono::duration<float, std::milli>(end->when - start->when).count();
  return cudaSuccess;
}

const char *
last_error_detail()
{
  static thread_local std::string copy;
  std::lock_guard<std::mutex> lock(g_error_mutex);
  copy = g_error_detail;
  return copy.c_str();
}

bool
set_schedule(const char * text)
{
  schedule_setting s;
  if (!parse_schedule(text, s))
    return false;
  std::lock_guard<std::mutex> lock(g_settings_mutex);
  g_schedule = s;
  g_schedule_initialised = true;
  return true;
}

const char *
get_schedule()
{
  static thread_local std::string copy;
  copy = current_schedule().text;
  return copy.c_str();
}

void
set_workers(int workers)
{
  std::lock_guard<std::mutex> lock(g_settings_mutex);
  g_workers = workers > 0 ? workers : 0;
}

int
get_workers()
{
  return current_workers();
}
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
    void * context = nullptr;
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
