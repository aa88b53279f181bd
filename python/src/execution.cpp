#include "execution.h"

#include "callbacks.h"

namespace eryx::python {

SandboxOptions make_options(const std::optional<PyResourceLimits>& limits, nb::object on_stdout,
                            nb::object on_stderr, std::optional<std::string> result_variable,
                            nb::handle callbacks) {
  SandboxOptions options;
  options.result_variable = result_variable.value_or("");
  if (limits) options.limits = limits->core;
  options.on_stdout = make_output_handler(std::move(on_stdout));
  options.on_stderr = make_output_handler(std::move(on_stderr));
  options.callbacks = make_registry(callbacks);
  return options;
}

std::string code_bytes(const nb::str& code) {
  Py_ssize_t size = 0;
  const char* data = PyUnicode_AsUTF8AndSize(code.ptr(), &size);
  if (data == nullptr) {
    PyErr_Clear();
    throw InvalidArgumentError("eryx: code is not valid Unicode (it contains a lone surrogate)");
  }
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace eryx::python
