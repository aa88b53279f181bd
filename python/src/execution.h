// The part Sandbox and Session share: build options from keyword arguments, run with the GIL
// released and the execution registered for cancel().
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "bindings.h"
#include "limits.h"

namespace eryx::python {

// Options built from keyword arguments, and the Python objects they hold (see PythonRefs).
struct PyOptions {
  SandboxOptions options;
  std::shared_ptr<PythonRefs> refs;
};

PyOptions make_options(const std::optional<PyResourceLimits>& limits, nb::object on_stdout,
                       nb::object on_stderr, std::optional<std::string> result_variable,
                       nb::handle callbacks);

// The UTF-8 bytes of a Python str; a str that cannot be encoded (lone surrogates) raises
// eryx.InvalidArgumentError.
std::string code_bytes(const nb::str& code);

// Runs fn(token) without the GIL, with a token that cancel_all() reaches.
template <typename F>
ExecuteResult run_cancellable(InFlight& in_flight, F&& fn) {
  CancellationToken token = in_flight.begin();
  struct End {
    InFlight& in_flight;
    const CancellationToken& token;
    ~End() { in_flight.end(token); }
  } end{in_flight, token};
  nb::gil_scoped_release release;
  return fn(token);
}

}  // namespace eryx::python
