#include "engine/large_stack.h"

#include <pthread.h>

#include <exception>
#include <stdexcept>

namespace eryx::engine {
namespace {

// The lowest address of this thread's stack, or 0 when unknown. Looked up once per thread:
// for the main thread glibc finds it by parsing /proc/self/maps, far too slow for every call.
uintptr_t stack_low_address() {
  thread_local uintptr_t low = [] {
    pthread_attr_t attr;
    if (pthread_getattr_np(pthread_self(), &attr) != 0) return uintptr_t{0};
    void* base = nullptr;
    size_t size = 0;
    int rc = pthread_attr_getstack(&attr, &base, &size);
    pthread_attr_destroy(&attr);
    return rc == 0 ? reinterpret_cast<uintptr_t>(base) : uintptr_t{0};
  }();
  return low;
}

// Bytes left below the current frame on this thread's stack (stacks grow down on every target we
// support), or 0 when unknown.
size_t remaining_stack() {
  uintptr_t low = stack_low_address();
  char marker = 0;
  auto here = reinterpret_cast<uintptr_t>(&marker);
  return low != 0 && here > low ? here - low : 0;
}

struct ThreadCall {
  const std::function<void()>* fn;
  std::exception_ptr error;
};

void* thread_main(void* arg) {
  auto* call = static_cast<ThreadCall*>(arg);
  try {
    (*call->fn)();
  } catch (...) {
    call->error = std::current_exception();
  }
  return nullptr;
}

}  // namespace

void run_with_stack(size_t needed, const std::function<void()>& fn) {
  constexpr size_t kHostMargin = 512 * 1024;
  if (remaining_stack() >= needed + kHostMargin) {
    fn();
    return;
  }
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstacksize(&attr, needed + 2 * kHostMargin);
  ThreadCall call{&fn, nullptr};
  pthread_t thread;
  int rc = pthread_create(&thread, &attr, thread_main, &call);
  pthread_attr_destroy(&attr);
  if (rc != 0) throw std::runtime_error("eryx: cannot start a thread for the guest");
  pthread_join(thread, nullptr);
  if (call.error) std::rethrow_exception(call.error);
}

}  // namespace eryx::engine
