#include "gil.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace eryx::python {
namespace {

std::atomic<bool> gate_closed{false};
std::atomic<int> inside{0};  // threads entering or inside Python through the helpers below

// Enters the gate: false (and not counted) once it is closed.
bool enter() {
  inside.fetch_add(1);
  if (gate_closed.load()) {
    inside.fetch_sub(1);
    return false;
  }
  return true;
}

void leave() { inside.fetch_sub(1); }

}  // namespace

bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return !Py_IsInitialized() || Py_IsFinalizing();
#else
  return !Py_IsInitialized() || _Py_IsFinalizing();
#endif
}

void park_thread_forever() {
  while (true) pause();
}

void shutdown_gate_close() {
  gate_closed.store(true);
  // Called with the GIL held; the threads inside may need it to leave.
  Py_BEGIN_ALLOW_THREADS;
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  while (inside.load() > 0 && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  Py_END_ALLOW_THREADS;
}

GilRelease::~GilRelease() {
  if (!enter() || interpreter_finalizing()) park_thread_forever();
  PyEval_RestoreThread(state_);
  leave();
}

GilAcquire::GilAcquire() {
  if (!enter()) return;
  if (interpreter_finalizing()) {
    leave();
    return;
  }
  state_ = PyGILState_Ensure();
  acquired_ = true;
}

GilAcquire::~GilAcquire() {
  if (!acquired_) return;
  PyGILState_Release(state_);
  leave();
}

ThreadStateGil::ThreadStateGil(PyThreadState* state) {
  if (!enter()) return;
  if (interpreter_finalizing()) {
    leave();
    return;
  }
  PyEval_RestoreThread(state);
  acquired_ = true;
}

ThreadStateGil::~ThreadStateGil() {
  if (!acquired_) return;
  PyEval_SaveThread();
  leave();
}

}  // namespace eryx::python
