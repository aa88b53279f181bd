// Taking the GIL from threads that may outlive the interpreter.
//
// At exit Python finalizes while daemon threads may still run sandboxes. A thread that takes the
// GIL once finalization has begun is ended by the interpreter with pthread_exit, whose forced
// unwinding aborts the process (SIGABRT) when it crosses a frame that cannot unwind: a noexcept
// destructor, a catch (...) that does not rethrow, or the Rust frames of Wasmtime under a guest
// call (output handlers and async callbacks run there).
//
// So eryx closes a gate first: an atexit hook (shutdown_gate_close(), registered by the package;
// atexit hooks run before the interpreter starts finalizing) stops new entries and waits, with the
// GIL released, for the threads already inside Python through these helpers to leave. After that,
// GilAcquire refuses (the caller drops its output or fails its callback) and a returning execution
// parks its thread for good: the process is exiting, and a parked thread ends with it.
#pragma once

#include <Python.h>

namespace eryx::python {

// True while the interpreter is shutting down (Python objects must then be leaked, not released).
bool interpreter_finalizing();

// Never returns (see above).
[[noreturn]] void park_thread_forever();

// The atexit hook: closes the gate and waits (at most about a second) for the threads inside.
void shutdown_gate_close();

// Releases the GIL for its scope (like nanobind's gil_scoped_release) and re-takes it, or parks
// the thread once the gate is closed.
class GilRelease {
 public:
  GilRelease() : state_(PyEval_SaveThread()) {}
  ~GilRelease();
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

 private:
  PyThreadState* state_;
};

// Takes the GIL from any thread for its scope, unless the gate is closed: check acquired().
class GilAcquire {
 public:
  GilAcquire();
  ~GilAcquire();
  GilAcquire(const GilAcquire&) = delete;
  GilAcquire& operator=(const GilAcquire&) = delete;
  bool acquired() const { return acquired_; }

 private:
  bool acquired_ = false;
  PyGILState_STATE state_{};
};

// For a thread with a thread state of its own (the callback pool): takes the GIL for the scope
// with PyEval_RestoreThread, unless the gate is closed.
class ThreadStateGil {
 public:
  explicit ThreadStateGil(PyThreadState* state);
  ~ThreadStateGil();
  ThreadStateGil(const ThreadStateGil&) = delete;
  ThreadStateGil& operator=(const ThreadStateGil&) = delete;
  bool acquired() const { return acquired_; }

 private:
  bool acquired_ = false;
};

}  // namespace eryx::python
