// Shared helpers of the Python bindings: each area (limits, results, sandbox, session) has its
// own init function, called from module.cpp.
#pragma once

#include <nanobind/nanobind.h>

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "eryx/eryx.hpp"
#include "gil.h"

namespace eryx::python {

namespace nb = nanobind;

void init_errors(nb::module_& m);
void init_limits(nb::module_& m);
void init_results(nb::module_& m);
void init_sandbox(nb::module_& m);
void init_session(nb::module_& m);
void init_vfs_storage(nb::module_& m);
void init_factory(nb::module_& m);
void init_pool(nb::module_& m);  // after init_factory: adds SandboxFactory.create_pool
void init_callbacks(nb::module_& m);
void init_mcp(nb::module_& m);
void init_cli(nb::module_& m);

// Decodes guest output for Python; bytes that are not UTF-8 (os.write of raw bytes) become U+FFFD.
nb::str to_str(std::string_view text);

// str(object) as UTF-8, with what UTF-8 cannot hold (lone surrogates) escaped; for messages that
// leave Python (the GIL is held). Never raises.
std::string utf8_text(nb::handle object);

// The Python objects the C++ core holds for one Sandbox or Session (output handlers, callbacks), in
// one tuple. The C++ handlers share it from any thread; the last owner releases it under the GIL.
// The Python wrapper that created it reports it to the cycle collector (tp_traverse), so a callback
// that refers back to its sandbox does not make an uncollectable cycle.
class PythonRefs {
 public:
  explicit PythonRefs(nb::tuple objects) : tuple_(objects.release().ptr()) {}
  ~PythonRefs();
  PythonRefs(const PythonRefs&) = delete;
  PythonRefs& operator=(const PythonRefs&) = delete;
  // The object at `index`; None when the tuple was emptied (the cycle collector clears tuples of
  // garbage cycles, and a C++ owner may outlive that).
  nb::handle item(size_t index) const {
    PyObject* object = PyTuple_GET_ITEM(tuple_, index);
    return object != nullptr ? nb::handle(object) : nb::none();
  }
  PyObject* tuple() const { return tuple_; }

 private:
  PyObject* tuple_;
};

// An output handler calling refs->item(index) (when it is not None) from any thread, under the
// GIL. Exceptions it raises are reported as unraisable and never reach the guest.
OutputHandler make_output_handler(std::shared_ptr<PythonRefs> refs, size_t index);

// Cancellation tokens of the executions in flight on one Sandbox or Session, so that cancel() and
// interrupt() from another thread reach all of them.
class InFlight {
 public:
  void begin(const CancellationToken& token);
  void end(const CancellationToken& token);
  void cancel_all();
  void interrupt_all();

 private:
  std::mutex mutex_;
  std::vector<CancellationToken> tokens_;
};

}  // namespace eryx::python
