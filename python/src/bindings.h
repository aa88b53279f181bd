// Shared helpers of the Python bindings: each area (limits, results, sandbox, session) has its
// own init function, called from module.cpp.
#pragma once

#include <nanobind/nanobind.h>

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "eryx/eryx.hpp"

namespace eryx::python {

namespace nb = nanobind;

void init_errors(nb::module_& m);
void init_limits(nb::module_& m);
void init_results(nb::module_& m);
void init_sandbox(nb::module_& m);
void init_session(nb::module_& m);
void init_factory(nb::module_& m);
void init_callbacks(nb::module_& m);

// Decodes guest output for Python; bytes that are not UTF-8 (os.write of raw bytes) become U+FFFD.
nb::str to_str(std::string_view text);

// Wraps a Python callable (or None) as an output handler callable from any thread: it takes the
// GIL to call, and the callable is released under the GIL too. Exceptions it raises are reported
// as unraisable and never reach the guest.
OutputHandler make_output_handler(nb::object callable);

// Cancellation tokens of the executions in flight on one Sandbox or Session, so that cancel() from
// another thread reaches all of them.
class InFlight {
 public:
  CancellationToken begin();
  void end(const CancellationToken& token);
  void cancel_all();

 private:
  std::mutex mutex_;
  std::vector<CancellationToken> tokens_;
};

}  // namespace eryx::python
