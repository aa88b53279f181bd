// Taking and releasing the GIL from threads that may outlive the interpreter.
//
// At exit Python finalizes while daemon threads may still run a sandbox. A thread that then takes
// the GIL is ended by the interpreter with pthread_exit, which unwinds C++ frames by force and
// aborts the process (SIGABRT) when it meets a noexcept frame, e.g. a destructor that re-takes the
// GIL. So these helpers check first and, once the interpreter is finalizing, park the thread for
// good instead: the process is exiting anyway, and a parked thread ends with it.
#pragma once

#include <Python.h>

namespace eryx::python {

// True while the interpreter is shutting down (Python objects must then be leaked, not released).
bool interpreter_finalizing();

// Never returns (see above).
[[noreturn]] void park_thread_forever();

// PyEval_RestoreThread, or park when the interpreter is finalizing.
void restore_thread_or_park(PyThreadState* state);

// Releases the GIL for its scope (like nanobind's gil_scoped_release) and re-takes it safely.
class GilRelease {
 public:
  GilRelease() : state_(PyEval_SaveThread()) {}
  ~GilRelease() { restore_thread_or_park(state_); }
  GilRelease(const GilRelease&) = delete;
  GilRelease& operator=(const GilRelease&) = delete;

 private:
  PyThreadState* state_;
};

// Takes the GIL from any thread (like nanobind's gil_scoped_acquire), parking when finalizing.
class GilAcquire {
 public:
  GilAcquire();
  ~GilAcquire() { PyGILState_Release(state_); }
  GilAcquire(const GilAcquire&) = delete;
  GilAcquire& operator=(const GilAcquire&) = delete;

 private:
  PyGILState_STATE state_;
};

}  // namespace eryx::python
