#include "execution.h"

#include "callbacks.h"

namespace eryx::python {

PyOptions make_options(const std::optional<PyResourceLimits>& limits, nb::object on_stdout,
                       nb::object on_stderr, std::optional<std::string> result_variable,
                       nb::handle callbacks, const PyNetConfig* network,
                       const PySecretArgs& secrets) {
  for (auto [handler, name] :
       {std::pair{on_stdout.ptr(), "on_stdout"}, {on_stderr.ptr(), "on_stderr"}}) {
    if (handler != Py_None && !PyCallable_Check(handler)) {
      throw nb::type_error(
          (std::string(name) + " must be a callable taking a str, or None").c_str());
    }
  }
  nb::object specs = callbacks.is_none()
                         ? nb::none()
                         : nb::module_::import_("eryx._callbacks").attr("normalize")(callbacks);
  PyOptions built;
  built.refs = std::make_shared<PythonRefs>(nb::make_tuple(on_stdout, on_stderr, specs));
  SandboxOptions& options = built.options;
  options.result_variable = result_variable.value_or("");
  if (limits) options.limits = limits->core;
  options.on_stdout = make_output_handler(built.refs, 0);
  options.on_stderr = make_output_handler(built.refs, 1);
  options.callbacks = make_registry(built.refs, 2);
  if (network != nullptr) options.network = network->core;
  apply_secrets(options, secrets);
  return built;
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
