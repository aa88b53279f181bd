// eryx.Sandbox: a fresh interpreter for every execute().
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include "execution.h"
#include "py_types.h"

namespace eryx::python {

void init_sandbox(nb::module_& m) {
  nb::class_<PySandbox>(m, "Sandbox", nb::type_slots(sandbox_slots))
      .def(
          "__init__",
          [](PySandbox* self, std::optional<PyResourceLimits> resource_limits, nb::object on_stdout,
             nb::object on_stderr, std::optional<std::string> result_variable,
             nb::handle callbacks) {
            auto built = make_options(resource_limits, std::move(on_stdout), std::move(on_stderr),
                                      std::move(result_variable), callbacks);
            auto* py = new (self) PySandbox();
            nb::gil_scoped_release release;  // the first sandbox starts the shared runtime
            py->refs = built.refs;
            py->sandbox = std::make_unique<Sandbox>(std::move(built.options));
          },
          nb::kw_only(), nb::arg("resource_limits").none() = nb::none(),
          nb::arg("on_stdout").none() = nb::none(), nb::arg("on_stderr").none() = nb::none(),
          nb::arg("result_variable").none() = "result", nb::arg("callbacks").none() = nb::none())
      .def(
          "execute",
          [](PySandbox& self, const nb::str& code) {
            std::string text = code_bytes(code);
            return run_cancellable(self.in_flight, [&](const CancellationToken& token) {
              return self.live().execute(text, token);
            });
          },
          nb::arg("code"), "Runs code in a fresh interpreter and returns an ExecuteResult.")
      .def(
          "cancel", [](PySandbox& self) { self.in_flight.cancel_all(); },
          "Cancels every execution running on this sandbox (they raise CancelledError).");
}

}  // namespace eryx::python
