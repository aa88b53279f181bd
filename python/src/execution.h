// The part Sandbox and Session share: build options from keyword arguments, run with the GIL
// released and the execution registered for cancel() / interrupt() and Ctrl-C.
#pragma once

#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "bindings.h"
#include "limits.h"
#include "net.h"
#include "secrets.h"
#include "sigint.h"

namespace eryx::python {

// Options built from keyword arguments, and the Python objects they hold (see PythonRefs).
struct PyOptions {
  SandboxOptions options;
  std::shared_ptr<PythonRefs> refs;
};

PyOptions make_options(const std::optional<PyResourceLimits>& limits, nb::object on_stdout,
                       nb::object on_stderr, std::optional<std::string> result_variable,
                       nb::handle callbacks, const PyNetConfig* network = nullptr,
                       nb::handle volumes = nb::none(), const PySecretArgs& secrets = {});

// volumes=[(host_path, guest_path, read_only[, max_bytes])] as eryx::Volume values; TypeError or
// eryx.InvalidArgumentError (a ValueError) for anything else.
std::vector<Volume> parse_volumes(nb::handle volumes);

// The UTF-8 bytes of a Python str; a str that cannot be encoded (lone surrogates) raises
// eryx.InvalidArgumentError.
std::string code_bytes(const nb::str& code);

// eryx._eryx._StopToken: one execution's CancellationToken, for execute_async (so cancelling its
// task stops only its own execution).
struct PyStopToken {
  CancellationToken token;
};

// Runs fn(token) without the GIL, with `token` reachable by cancel_all() / interrupt_all(). A
// Ctrl-C on the main thread interrupts it (sigint.h); afterwards Python handles the signal, so
// KeyboardInterrupt is raised here rather than whatever the interrupted run ended with.
template <typename F>
auto run_cancellable(InFlight& in_flight, const CancellationToken& token, F&& fn)
    -> decltype(fn(token)) {
  in_flight.begin(token);
  struct End {
    InFlight& in_flight;
    const CancellationToken& token;
    ~End() { in_flight.end(token); }
  } end{in_flight, token};
  SigintWatch watch(token);
  std::exception_ptr error;
  std::optional<decltype(fn(token))> result;
  {
    GilRelease release;
    try {
      result.emplace(fn(token));
    } catch (...) {
      error = std::current_exception();
    }
  }
  if (watch.fired() && PyErr_CheckSignals() != 0) throw nb::python_error();
  if (error) std::rethrow_exception(error);
  return std::move(*result);
}

// execute() of a Sandbox or Session wrapper (PySandbox, PySession) under `token`.
template <typename Wrapper>
ExecuteResult execute_code(Wrapper& self, const nb::str& code, const CancellationToken& token) {
  std::string text = code_bytes(code);
  return run_cancellable(self.in_flight, token,
                         [&](const CancellationToken& t) { return self.live().execute(text, t); });
}

}  // namespace eryx::python
