// eryx._eryx: the native core of the Python package (the pure-Python eryx package re-exports it).
#include <nanobind/stl/string.h>

#include "bindings.h"
#include "net.h"

NB_MODULE(_eryx, m) {
  namespace nb = nanobind;
  m.doc() = "eryx: run untrusted Python in a WebAssembly sandbox (native core)";
  m.attr("__version__") = ERYX_VERSION_STRING;
  eryx::python::init_errors(m);
  eryx::python::init_limits(m);
  eryx::python::init_net(m);
  eryx::python::init_results(m);
  eryx::python::init_sandbox(m);
  eryx::python::init_vfs_storage(m);
  eryx::python::init_session(m);
  eryx::python::init_factory(m);
  eryx::python::init_pool(m);
  eryx::python::init_callbacks(m);
  eryx::python::init_mcp(m);
  eryx::python::init_cli(m);
  // eryx/__init__.py wraps these constructors so that a bad keyword is named as Python names it.
  // nanobind constructs its types through a vectorcall that calls the bound __init__ directly;
  // without it, construction goes through type.__call__ and finds the wrapper (as for subclasses).
  for (const char* name : {"ResourceLimits", "NetConfig", "SandboxFactory"}) {
    reinterpret_cast<PyTypeObject*>(m.attr(name).ptr())->tp_vectorcall = nullptr;
  }
  m.def("_shutdown", &eryx::python::shutdown_gate_close,
        "atexit hook: stops threads from entering Python before the interpreter finalizes.");
  m.def(
      "_configure_guest_dir",
      [](const std::string& dir) { return eryx::Runtime::configure_shared({.guest_dir = dir}); },
      nb::arg("dir"), "Points the default runtime at the guest files shipped with the package.");
}
