/* C++ exception entry points for native packages built without exception support.
 *
 * Debian's wasm32 libc++abi has no exception handling, and the guest's runtime has no wasm
 * exceptions: clang compiles `throw` into calls of these two functions and drops catch blocks.
 * A throw therefore cannot be caught; it says so on stderr and aborts, which traps the guest: the
 * host reports the execution as failed (a typed error) and discards the instance. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

static void cannot_throw(void) {
  fputs("eryx: a native extension threw a C++ exception, which the sandbox cannot unwind\n",
        stderr);
  fflush(stderr);
  abort();
}

void* __cxa_allocate_exception(size_t size) {
  (void)size;
  cannot_throw();
  return NULL;
}

void __cxa_throw(void* exception, void* type, void (*destructor)(void*)) {
  (void)exception;
  (void)type;
  (void)destructor;
  cannot_throw();
}
