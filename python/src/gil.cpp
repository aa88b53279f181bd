#include "gil.h"

#include <unistd.h>

namespace eryx::python {

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

void restore_thread_or_park(PyThreadState* state) {
  if (interpreter_finalizing()) park_thread_forever();
  PyEval_RestoreThread(state);
}

GilAcquire::GilAcquire() {
  if (interpreter_finalizing()) park_thread_forever();
  state_ = PyGILState_Ensure();
}

}  // namespace eryx::python
