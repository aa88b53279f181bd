/* The `eryx` import module's ABI (docs/guest-abi.md), version 2: the numbers that cross between the
 * guest glue (C, wasm32) and the host (C++, src/host/). Both include this one header, so a status
 * cannot mean one thing on one side and another on the other. */
#ifndef ERYX_ABI_H
#define ERYX_ABI_H

#define ERYX_ABI_VERSION 2

/* eryx_execute (and the other status exports) */
enum { ERYX_EXEC_OK = 0, ERYX_EXEC_RAISED = 1, ERYX_EXEC_INTERNAL = 2 };

/* report_result(kind, ...) */
enum { ERYX_RESULT_JSON = 0, ERYX_RESULT_UNSERIALIZABLE = 1, ERYX_RESULT_ABSENT = 2 };

/* callback_wait answers */
enum { ERYX_WAIT_TIMED_OUT = 0, ERYX_WAIT_READY = 1, ERYX_WAIT_IDLE = 2 };
/* callback_wait writes this many u32 at out_ptr: handle, status, payload size */
#define ERYX_WAIT_OUT_WORDS 3

/* callback_take errors (a size >= 0 otherwise) */
enum { ERYX_TAKE_UNKNOWN_HANDLE = -1, ERYX_TAKE_BUFFER_TOO_SMALL = -2 };

/* callback_start answers 0 outside an execution, else a handle > 0 */
#define ERYX_NO_CALL 0

/* The status of a callback completion */
enum {
  ERYX_CALLBACK_OK = 0,
  ERYX_CALLBACK_HANDLER_FAILED = 1,
  ERYX_CALLBACK_INVALID_ARGUMENTS = 2,
  ERYX_CALLBACK_UNKNOWN_NAME = 3,
  ERYX_CALLBACK_LIMIT = 4,
  ERYX_CALLBACK_TIMEOUT = 5,
  ERYX_CALLBACK_TOO_LARGE = 6
};

/* eryx_host_info: the version of its block of words, and how many u32 it has */
#define ERYX_HOST_INFO_VERSION 1
#define ERYX_HOST_INFO_WORDS 8

#endif
