#include "execution.h"

#include "callbacks.h"
#include "mcp.h"

namespace eryx::python {

PyOptions make_options(const std::optional<PyResourceLimits>& limits, nb::object on_stdout,
                       nb::object on_stderr, std::optional<std::string> result_variable,
                       nb::handle callbacks, const PyNetConfig* network, nb::handle volumes,
                       const PySecretArgs& secrets) {
  for (auto [handler, name] :
       {std::pair{on_stdout.ptr(), "on_stdout"}, {on_stderr.ptr(), "on_stderr"}}) {
    if (handler != Py_None && !PyCallable_Check(handler)) {
      throw nb::type_error(
          (std::string(name) + " must be a callable taking a str, or None").c_str());
    }
  }
  // MCP managers' callbacks are C++ handlers: added to the registry below, not normalized.
  std::vector<const McpManager*> mcp_managers;
  nb::object python_callbacks = take_mcp_managers(callbacks, mcp_managers);
  nb::object specs =
      python_callbacks.is_none()
          ? nb::none()
          : nb::module_::import_("eryx._callbacks").attr("normalize")(python_callbacks);
  PyOptions built;
  built.refs = std::make_shared<PythonRefs>(nb::make_tuple(on_stdout, on_stderr, specs));
  SandboxOptions& options = built.options;
  options.result_variable = result_variable.value_or("");
  if (limits) options.limits = limits->core;
  options.on_stdout = make_output_handler(built.refs, 0);
  options.on_stderr = make_output_handler(built.refs, 1);
  options.callbacks = make_registry(built.refs, 2);
  for (const McpManager* manager : mcp_managers) manager->add_callbacks(options.callbacks);
  if (network != nullptr) options.network = network->core;
  apply_secrets(options, secrets);
  options.volumes = parse_volumes(volumes);
  return built;
}

std::vector<Volume> parse_volumes(nb::handle volumes) {
  std::vector<Volume> out;
  if (volumes.is_none()) return out;
  if (PyUnicode_Check(volumes.ptr()) || PyBytes_Check(volumes.ptr())) {
    throw nb::type_error("volumes must be a list of (host_path, guest_path, read_only) tuples");
  }
  for (nb::handle item : volumes) {
    if (!PyTuple_Check(item.ptr()) && !PyList_Check(item.ptr())) {
      throw nb::type_error("each volume must be a (host_path, guest_path, read_only) tuple");
    }
    const size_t n = nb::len(item);
    if (n != 2 && n != 3 && n != 4) {
      throw InvalidArgumentError(
          "eryx: a volume is (host_path, guest_path[, read_only[, max_bytes]]), got " +
          std::to_string(n) + " items");
    }
    Volume volume;
    // str, bytes or a path-like object (pathlib.Path), as the bytes the OS sees (os.fsencode);
    // the guest path's UTF-8 is checked when the sandbox opens the volume.
    nb::object fsencode = nb::module_::import_("os").attr("fsencode");
    auto bytes_of = [&](nb::handle path) {
      nb::bytes b = nb::cast<nb::bytes>(fsencode(path));
      return std::string(b.c_str(), b.size());
    };
    volume.host_path = bytes_of(item[0]);
    volume.guest_path = bytes_of(item[1]);
    if (n >= 3) volume.read_only = nb::cast<bool>(item[2]);
    if (n == 4) volume.max_bytes = nb::cast<uint64_t>(item[3]);
    out.push_back(std::move(volume));
  }
  return out;
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
