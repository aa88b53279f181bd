/*
 * eryx_host_info: the addresses of the few words of guest memory the host reads or writes directly,
 * without calling into the guest (docs/guest-abi.md, "Host-visible words").
 *
 * - Interrupts. To raise KeyboardInterrupt in running code (Ctrl-C, a cancelled task), the host
 *   does what PyThreadState_SetAsyncExc does: it stores the exception type in tstate->async_exc and
 *   sets the async-exception bit of tstate->eval_breaker; the eval loop raises it at its next
 *   check (loop back edges, calls). The host writes from its epoch callback or from one of its own
 *   imports, i.e. on the guest's thread between two Wasm instructions, so nothing races with the
 *   interpreter. PyExc_KeyboardInterrupt is a static type, immortal, so the interpreter's
 *   Py_DECREF of it after raising is a no-op.
 * - Memory denials. malloc grows the heap with sbrk; the link wraps sbrk (-Wl,--wrap=sbrk) to count
 *   the growths the host's memory limit refused, so the host can tell a MemoryError caused by its
 *   limit from one the code raised itself or that CPython raised for an impossible size.
 *
 * The words sit at the same addresses in every instance started from one snapshot: the thread
 * state is allocated at start-up, and the guest has one thread.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>
#include <unistd.h>

#include "eryx_glue.h"

/* Include/internal/pycore_ceval.h of CPython 3.13 (internal, so restated; the host's interrupt
 * tests fail if it moves). */
#define ERYX_PY_ASYNC_EXCEPTION_BIT (1u << 3)

static volatile uint32_t memory_denials;

void* __real_sbrk(intptr_t increment);

void* __wrap_sbrk(intptr_t increment) {
  void* result = __real_sbrk(increment);
  if (result == (void*)-1) memory_denials++;
  return result;
}

/* Laid out as the host reads it: ERYX_HOST_INFO_WORDS little-endian u32 (docs/guest-abi.md). */
static struct {
  uint32_t version;
  uint32_t async_exc_addr;     /* &tstate->async_exc */
  uint32_t eval_breaker_addr;  /* &tstate->eval_breaker */
  uint32_t async_exc_bit;      /* the bit to set in *eval_breaker_addr */
  uint32_t keyboard_interrupt; /* the value to store in *async_exc_addr */
  uint32_t memory_denials_addr;
  uint32_t reserved[2];
} host_info;
_Static_assert(sizeof host_info == 4 * ERYX_HOST_INFO_WORDS, "layout of eryx_abi.h");

ERYX_EXPORT("eryx_host_info") uint32_t eryx_host_info(void) {
  PyThreadState* tstate = Py_IsInitialized() ? PyThreadState_GetUnchecked() : NULL;
  if (tstate == NULL) return 0;
  host_info.version = ERYX_HOST_INFO_VERSION;
  host_info.async_exc_addr = (uint32_t)(uintptr_t)&tstate->async_exc;
  host_info.eval_breaker_addr = (uint32_t)(uintptr_t)&tstate->eval_breaker;
  host_info.async_exc_bit = ERYX_PY_ASYNC_EXCEPTION_BIT;
  host_info.keyboard_interrupt = (uint32_t)(uintptr_t)PyExc_KeyboardInterrupt;
  host_info.memory_denials_addr = (uint32_t)(uintptr_t)&memory_denials;
  return (uint32_t)(uintptr_t)&host_info;
}
